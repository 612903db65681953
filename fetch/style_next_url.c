/*
 * style_next_url.c - the URL of the next page read at next-path, absolute
 * or relative to the request's URL.
 */
#include <string.h>

#include "buf.h"
#include "def.h"
#include "gbody.h"
#include "json.h"
#include "style.h"
#include "url.h"

static const char *const needs[] = { "next-path", NULL };

/*
 * The string at next-path resolved; none when null, absent or empty. A
 * link object there ({"href": URL, "meta": ...}, as JSON:API allows for
 * any link) stands for its href.
 */
static int
next(const struct def *d, const struct gpage *pg, const struct style_resp *sr,
    struct ds_buf *out, struct ds_buf *why)
{
	struct ds_buf raw = { 0 };
	struct gval v = pg->cursor;
	const char *bad;
	int rc = 1;

	ds_buf_reset(out);
	if (v.v != NULL && *v.v == '{' && !fx_gbody_find(v.v, v.n, "href", &v)) {
		ds_buf_printf(why, "next-path %s: an object at byte %zu without an "
		    "href member, not a URL", d->next_path, (size_t)(pg->cursor.v -
		    pg->body));
		return -1;
	}
	if (v.v == NULL || *v.v == 'n' || (v.n == 2 && *v.v == '"'))
		return 0;
	if (*v.v != '"' || fx_gbody_text(&v, &raw) < 0) {
		ds_buf_printf(why, "next-path %s: %s at byte %zu, not a URL",
		    d->next_path, fx_gbody_kind(v.v), (size_t)(v.v - pg->body));
		rc = -1;
	} else if (fx_url_resolve(sr->url, raw.p, raw.len, out, &bad) < 0) {
		ds_buf_printf(why, "next-path %s: the string at byte %zu is not a URL "
		    "to follow: %s", d->next_path, (size_t)(v.v - pg->body), bad);
		rc = -1;
	}
	ds_buf_free(&raw);
	return rc;
}

const struct style style_next_url = { "next-url", needs, needs, 1, NULL, next };
