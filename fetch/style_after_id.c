/*
 * style_after_id.c - after the last record: after-param set to the
 * after-field of the page's last record (Stripe's starting_after).
 */
#include <string.h>

#include "buf.h"
#include "def.h"
#include "gbody.h"
#include "json.h"
#include "style.h"
#include "url.h"

static const char *const needs[] = { "after-param", "after-field", NULL };

/* The after parameter, from the second page on. */
static void
request(const struct def *d, const char *st, size_t n, struct ds_buf *url)
{
	if (st != NULL)
		url_add_param(url, d->after_param, strlen(d->after_param), st, n);
}

/* The after-field of the last record; none after an empty page. */
static int
next(const struct def *d, const struct gpage *pg, const struct style_resp *sr,
    struct ds_buf *out, struct ds_buf *why)
{
	struct gval last, id;

	(void)sr;
	ds_buf_reset(out);
	if (pg->records == 0 || !gbody_last(pg->data, pg->datalen, &last))
		return 0;
	if (!gbody_find(last.v, last.n, d->after_field, &id) ||
	    gbody_text(&id, out) < 0 || out->len == 0) {
		ds_buf_printf(why, "after-field %s: the last record (byte %zu) has no "
		    "string or number there", d->after_field, (size_t)(last.v - pg->body));
		return -1;
	}
	return 1;
}

const struct style style_after_id = { "after-id", needs, needs, 0, request, next };
