/*
 * style_offset.c - offset + limit: the state is the offset of the next
 * record (Socrata $offset, ArcGIS resultOffset, CKAN offset).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "def.h"
#include "gbody.h"
#include "json.h"
#include "style.h"
#include "url.h"

static const char *const needs[] = { "offset-param", NULL };

/* The offset parameter: 0 on the first page. */
static void
request(const struct def *d, const char *st, size_t n, struct ds_buf *url)
{
	fx_url_add_param(url, d->offset_param, strlen(d->offset_param), st ? st : "0",
	    st ? n : 1);
}

/*
 * The offset after this page: plus the records it held (a server that
 * returns fewer than asked loses nothing), or plus the page size when it
 * held none (a flag said more: ArcGIS documents such pages).
 */
static int
next(const struct def *d, const struct gpage *pg, const struct style_resp *sr,
    struct ds_buf *out, struct ds_buf *why)
{
	unsigned long long off = 0;
	char *end;

	(void)d;
	ds_buf_reset(out);
	if (sr->state != NULL) {
		errno = 0;
		off = strtoull(sr->state, &end, 10);
		if (errno != 0 || *end != '\0' || *sr->state < '0' || *sr->state > '9') {
			ds_buf_printf(why, "paginate offset: the state \"%s\" is not an "
			    "offset", sr->state);
			return -1;
		}
	}
	off += pg->records > 0 ? pg->records : (unsigned long long)sr->limit;
	ds_buf_printf(out, "%llu", off);
	return 1;
}

const struct style style_offset = { "offset", needs, needs, 0, request, next };
