/*
 * name.h - the one rule for stream names, applied by every program
 * (ds-fetch, ds-transform, ds-load, ds-checkpoint; ds-run through ds-arg).
 *
 * A stream name is 1 to DS_NAME_MAX bytes of [A-Za-z0-9._-] starting with a
 * letter or a digit: it names files (locks, state, archive segments) as it
 * is, so two names never share a file, none reads as an option or hides as a
 * dot file, and the longest fits in a file name with room for its suffixes.
 */
#ifndef DS_NAME_H
#define DS_NAME_H

#include <stddef.h>

#define DS_NAME_MAX	128

/* NULL when the n bytes at s are a valid stream name, else why not (static text). */
const char	*ds_name_why(const char *s, size_t n);

/* Exit DS_EX_USAGE naming what (an option or argument) when s is not a valid name. */
void		 ds_name_arg(const char *what, const char *s);

#endif
