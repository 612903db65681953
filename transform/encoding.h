/*
 * encoding.h - what a CSV input is read as (--encoding, byte order marks).
 */
#ifndef XF_ENCODING_H
#define XF_ENCODING_H

#include <iconv.h>

struct xf_file;

/*
 * The iconv name the input is read as when it is UTF-16 or UTF-32 (see
 * encoding.c), or NULL for an encoding of bytes; fails (xf_file_fail) on a
 * byte order mark that enc does not read.
 */
const char *xf_enc_wide(struct xf_file *f, const char *enc);

/* Whether cd writes the delimiter d, the quote, CR and LF as those ASCII bytes alone. */
int	xf_enc_ascii_bytes(iconv_t cd, char d);

#endif
