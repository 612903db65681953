/*
 * compress.h - gzip Content-Encoding for answers, when the client offers it.
 */
#ifndef MOCK_COMPRESS_H
#define MOCK_COMPRESS_H

#include <stddef.h>

struct ds_buf;

/* Whether an Accept-Encoding value (may be NULL) allows gzip. */
int	compress_accepts(const char *accept);
/* Replace b's contents by their gzip encoding. Returns 0, or -1 (b unchanged). */
int	compress_gzip(struct ds_buf *b);
/*
 * Spoil b's gzip member by fault (one enum mock_gzfault kind), b's length
 * then being what is sent. Returns 0, or -1 (b unchanged) for a body too
 * short to be a member or an unknown fault.
 */
int	compress_spoil(struct ds_buf *b, unsigned fault);

#endif
