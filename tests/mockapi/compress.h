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

#endif
