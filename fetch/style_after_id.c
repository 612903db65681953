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
		fx_url_add_param(url, d->after_param, strlen(d->after_param), st, n);
}

/* Non-zero when the record [e, e+en) has a string or number at field, in *id. */
static int
has_id(const char *e, size_t en, const char *field, struct gval *id)
{
	return *e == '{' && fx_gbody_find(e, en, field, id) &&
	    (*id->v == '"' || *id->v == '-' || (*id->v >= '0' && *id->v <= '9'));
}

/*
 * The after-field of the last record that has one (a malformed record at
 * the end does not end the stream); none after an empty page. The last
 * record is looked at alone first: the page is walked again only when it
 * has none.
 */
static int
next(const struct def *d, const struct gpage *pg, const struct style_resp *sr,
    struct ds_buf *out, struct ds_buf *why)
{
	struct ds_json j;
	struct gval id;
	const char *p = pg->data, *end = pg->data + pg->datalen, *e, *found = NULL;
	size_t en, foundlen = 0;

	(void)sr;
	ds_buf_reset(out);
	if (pg->records == 0)
		return 0;
	if (fx_gbody_last(pg->data, pg->datalen, &id) && has_id(id.v, id.n, d->after_field, &id)) {
		found = id.v;
		foundlen = id.n;
		goto take;
	}
	ds_json_init(&j, pg->data);
	j.maxdepth = DS_JSON_PASSDEPTH + 8;
	if (ds_json_arr_begin(&j, &p, end) < 0)
		return 0;
	while (ds_json_arr_next(&j, &p, end, &e, &en) == 1)
		if (has_id(e, en, d->after_field, &id)) {
			found = id.v;
			foundlen = id.n;
		}
take:
	id.v = found;
	id.n = foundlen;
	if (found == NULL || fx_gbody_text(&id, out) < 0 || out->len == 0) {
		ds_buf_printf(why, "after-field %s: no record of the page (%zu records, "
		    "from byte %zu) has a string or number there", d->after_field,
		    pg->records, (size_t)(pg->data - pg->body));
		return -1;
	}
	return 1;
}

const struct style style_after_id = { "after-id", needs, needs, 0, request, next };
