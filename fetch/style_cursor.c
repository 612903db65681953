/*
 * style_cursor.c - a token read at cursor-path, sent back in cursor-param.
 */
#include <string.h>

#include "buf.h"
#include "def.h"
#include "gbody.h"
#include "json.h"
#include "style.h"
#include "url.h"

static const char *const needs[] = { "cursor-path", "cursor-param", NULL };

/* The cursor parameter, from the second page on. */
static void
request(const struct def *d, const char *st, size_t n, struct ds_buf *url)
{
	if (st != NULL)
		fx_url_add_param(url, d->cursor_param, strlen(d->cursor_param), st, n);
}

/* The string or number at cursor-path; none when null or absent. */
static int
next(const struct def *d, const struct gpage *pg, const struct style_resp *sr,
    struct ds_buf *out, struct ds_buf *why)
{
	(void)sr;
	ds_buf_reset(out);
	if (pg->cursor.v == NULL || *pg->cursor.v == 'n')
		return 0;
	if (fx_gbody_text(&pg->cursor, out) < 0 || out->len == 0) {
		ds_buf_printf(why, "cursor-path %s: %s at byte %zu, not a non-empty "
		    "string or number", d->cursor_path, fx_gbody_kind(pg->cursor.v),
		    (size_t)(pg->cursor.v - pg->body));
		return -1;
	}
	return 1;
}

const struct style style_cursor = { "cursor", needs, needs, 0, request, next };
