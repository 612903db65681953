/*
 * style_link.c - RFC 8288 Link: <URL>; rel="next" (the GitHub REST API).
 */
#include <string.h>

#include "buf.h"
#include "def.h"
#include "gbody.h"
#include "json.h"
#include "style.h"
#include "url.h"

/* The Link header's next target resolved; none without one. */
static int
next(const struct def *d, const struct gpage *pg, const struct style_resp *sr,
    struct ds_buf *out, struct ds_buf *why)
{
	const char *bad;

	(void)d, (void)pg;
	ds_buf_reset(out);
	if (sr->link_next == NULL)
		return 0;
	if (fx_url_resolve(sr->url, sr->link_next, strlen(sr->link_next), out, &bad) < 0) {
		ds_buf_printf(why, "paginate link: the Link header's rel=\"next\" "
		    "target is not a URL to follow: %s", bad);
		return -1;
	}
	return 1;
}

const struct style style_link = { "link", NULL, NULL, 1, NULL, next };
