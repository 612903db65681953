/*
 * style_after_id.c - after the last record: after-param set to the
 * after-field of the page's last record (Stripe's starting_after).
 *
 * The state is that id, or with after-time-field "ID TIME": the id, a
 * space and the record's time (no space in it), so a run can go on when
 * the object of the id is gone (fx_style_after_gone()). " TIME" (no id)
 * is the state that asks after-time-param=TIME instead of after-param.
 * A state without a space (older runs, or no after-time-field) is an id.
 */
#include <string.h>

#include "buf.h"
#include "def.h"
#include "gbody.h"
#include "json.h"
#include "style.h"
#include "url.h"

static const char *const needs[] = { "after-param", "after-field", NULL };
static const char *const takes[] = { "after-param", "after-field", "after-time-field",
	"after-time-param", NULL };

/*
 * Split state st (n bytes) into its id (*idn bytes from st) and time
 * (*t, *tn; *t NULL when the state holds none).
 */
static void
split(const struct def *d, const char *st, size_t n, size_t *idn, const char **t,
    size_t *tn)
{
	const char *sp = NULL;
	size_t i;

	*idn = n;
	*t = NULL;
	*tn = 0;
	if (d->after_time_field == NULL)
		return;
	for (i = n; i > 0; i--)
		if (st[i - 1] == ' ') {
			sp = st + i - 1;
			break;
		}
	if (sp == NULL || sp + 1 == st + n)
		return;
	*idn = (size_t)(sp - st);
	*t = sp + 1;
	*tn = n - *idn - 1;
}

/* The after parameter (the time one for a state without an id), from the second page on. */
static void
request(const struct def *d, const char *st, size_t n, struct ds_buf *url)
{
	const char *t;
	size_t idn, tn;

	if (st == NULL)
		return;
	split(d, st, n, &idn, &t, &tn);
	if (idn > 0)
		fx_url_add_param(url, d->after_param, strlen(d->after_param), st, idn);
	else if (t != NULL)
		fx_url_add_param(url, d->after_time_param, strlen(d->after_time_param), t,
		    tn);
}

int
fx_style_after_gone(const struct def *d, const char *st, size_t n, struct ds_buf *out)
{
	const char *t;
	size_t idn, tn;

	ds_buf_reset(out);
	if (d->style != &style_after_id || st == NULL || d->after_time_param == NULL)
		return 0;
	split(d, st, n, &idn, &t, &tn);
	if (t == NULL || idn == 0)
		return 0;
	ds_buf_addc(out, ' ');
	ds_buf_add(out, t, tn);
	ds_buf_terminate(out);
	return 1;
}

/* Non-zero when the record [e, e+en) has a string or number at field, in *id. */
static int
has_id(const char *e, size_t en, const char *field, struct gval *id)
{
	return *e == '{' && fx_gbody_find(e, en, field, id) &&
	    (*id->v == '"' || *id->v == '-' || (*id->v >= '0' && *id->v <= '9'));
}

/*
 * Append " TIME" to out, the after-time-field of the record [e, e+en),
 * when it has one without a space; else out stays the id alone.
 */
static void
add_time(const struct def *d, const char *e, size_t en, struct ds_buf *out)
{
	struct ds_buf t = { 0 };
	struct gval tv;

	if (d->after_time_field != NULL && has_id(e, en, d->after_time_field, &tv) &&
	    fx_gbody_text(&tv, &t) == 0 && t.len > 0 && memchr(t.p, ' ', t.len) == NULL) {
		ds_buf_addc(out, ' ');
		ds_buf_add(out, t.p, t.len);
	}
	ds_buf_free(&t);
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
	struct gval id, rec;
	const char *p = pg->data, *end = pg->data + pg->datalen, *e;
	size_t en;
	int found = 0;

	(void)sr;
	ds_buf_reset(out);
	if (pg->records == 0)
		return 0;
	if (fx_gbody_last(pg->data, pg->datalen, &rec) && has_id(rec.v, rec.n,
	    d->after_field, &id))
		found = 1;
	else {
		ds_json_init(&j, pg->data);
		j.maxdepth = DS_JSON_PASSDEPTH + 8;
		if (ds_json_arr_begin(&j, &p, end) < 0)
			return 0;
		while (ds_json_arr_next(&j, &p, end, &e, &en) == 1)
			if (has_id(e, en, d->after_field, &id)) {
				rec.v = e;
				rec.n = en;
				found = 1;
			}
		/* the last record's id found again, its record in rec */
		if (found)
			(void)has_id(rec.v, rec.n, d->after_field, &id);
	}
	if (!found || fx_gbody_text(&id, out) < 0 || out->len == 0) {
		ds_buf_printf(why, "after-field %s: no record of the page (%zu records, "
		    "from byte %zu) has a string or number there", d->after_field,
		    pg->records, (size_t)(pg->data - pg->body));
		return -1;
	}
	add_time(d, rec.v, rec.n, out);
	return 1;
}

const struct style style_after_id = { "after-id", needs, takes, 0, request, next };
