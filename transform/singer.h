/*
 * singer.h - the output of a Singer tap (SCHEMA, RECORD and STATE
 * messages, one JSON object a line) as one ds stream.
 *
 * Every Singer stream of the tap goes into the one ds stream (--stream):
 * a record's type is its Singer stream's name and its id the RFC 8785
 * text of [singer stream, key property values...] (the content hash when
 * its SCHEMA names no key properties). A STATE message becomes a
 * checkpoint line whose cursor is the state's JSON text (which
 * ds-checkpoint get prints, for the tap's --state) and whose "state"
 * member holds it, so ds-load echoes it once committed.
 */
#ifndef XF_SINGER_H
#define XF_SINGER_H

#include <stddef.h>

struct xf_file;

/*
 * Read the whole input of f. maxline bounds a message; tsset says
 * --ts-field was given (else a RECORD's time_extracted is its time).
 */
void	xf_singer(struct xf_file *f, size_t maxline, int tsset);

#endif
