/*
 * fuzz_gbody.c - libFuzzer harness for fetch/gbody.c and the styles: any
 * response body read by a definition with nested paths (and one whose
 * body is the array) is either refused with a reason or gives spans that
 * lie inside it, a record count that matches the array, and next states
 * (cursor, next URL, offset, after-id) that decode or are refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fetch/def.h"
#include "../../fetch/gbody.h"
#include "../../fetch/style.h"
#include "buf.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless [q, q+n) lies within [p, p+size). */
static void
inside(const char *p, size_t size, const struct gval *g)
{
	if (g->v == NULL)
		return;
	if (g->v < p || g->v > p + size || g->n > (size_t)(p + size - g->v))
		abort();
}

/* Read the body by d and ask style s for the next state. */
static void
one(struct def *d, const char *p, size_t size)
{
	struct style_resp sr = { "http://h/a/b?c=1", NULL, "10", 2, 5 };
	struct ds_buf why = { 0 }, next = { 0 }, t = { 0 };
	struct ds_json j;
	struct gpage pg;
	const char *q, *v;
	size_t n = 0, vl, i;
	int nj;

	if (fx_gbody_page(d, p, size, &pg, &why, &nj) == 0 && pg.data != NULL) {
		struct gval g = { pg.data, pg.datalen };

		inside(p, size, &g);
		inside(p, size, &pg.cursor);
		inside(p, size, &pg.has_more);
		inside(p, size, &pg.total);
		inside(p, size, &pg.error);
		for (i = 0; i < GBODY_MORE_MAX; i++)
			inside(p, size, &pg.more[i]);
		ds_json_init(&j, pg.data);
		j.maxdepth = DS_JSON_PASSDEPTH + 8;
		q = pg.data;
		if (ds_json_arr_begin(&j, &q, pg.data + pg.datalen) < 0)
			abort();
		while (ds_json_arr_next(&j, &q, pg.data + pg.datalen, &v, &vl) == 1)
			n++;
		if (n != pg.records)
			abort();
		(void)fx_gbody_bool(&pg.has_more);
		(void)fx_gbody_text(&pg.cursor, &t);
		if (d->style->next(d, &pg, &sr, &next, &why) > 0 && next.len == 0)
			abort();
	}
	ds_buf_free(&why);
	ds_buf_free(&next);
	ds_buf_free(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const styles[] = { "cursor", "next-url", "offset",
		"after-id" };
	const char *p = (const char *)data;
	struct def d;

	fx_def_init(&d);
	fx_def_layer(&d);
	(void)fx_def_set(&d, "paginate", styles[size % 4], "f");
	(void)fx_def_set(&d, "records", "result.records", "f");
	if (size % 4 == 0)
		(void)fx_def_set(&d, "cursor-path", "meta.next", "f");
	if (size % 4 == 1)
		(void)fx_def_set(&d, "next-path", "links.next", "f");
	(void)fx_def_set(&d, "after-field", "id", "f");
	(void)fx_def_set(&d, "has-more-path", "meta.more", "f");
	(void)fx_def_set(&d, "more-path", "properties.x", "f");
	(void)fx_def_set(&d, "total-path", "result.total", "f");
	(void)fx_def_set(&d, "error-path", "error", "f");
	one(&d, p, size);
	fx_def_free(&d);
	fx_def_init(&d);
	(void)fx_def_set(&d, "paginate", "offset", "f");
	(void)fx_def_set(&d, "records", ".", "f");
	one(&d, p, size);
	fx_def_free(&d);
	return 0;
}
