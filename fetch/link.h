/*
 * link.h - the next page's URL in an RFC 8288 Link header.
 */
#ifndef FX_LINK_H
#define FX_LINK_H

#include <stddef.h>

struct ds_buf;

/*
 * The target of the rel="next" link of a Link header value (RFC 8288),
 * into out (reset first). Returns 1 when there is one, else 0.
 */
int	fx_link_next(const char *v, size_t n, struct ds_buf *out);

#endif
