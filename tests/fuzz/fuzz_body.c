/*
 * fuzz_body.c - libFuzzer harness for fetch/body.c: any response body is
 * either a page whose spans lie inside it and whose record count matches
 * its data array, or refused with a reason; an error body's message stays
 * within its cap; a next-cursor guess lies inside it and decodes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fetch/body.h"
#include "buf.h"
#include "json.h"

#define MSGMAX	64

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless [q, q+n) lies within [p, p+size). */
static void
inside(const char *p, size_t size, const char *q, size_t n)
{
	if (q < p || q > p + size || n > (size_t)(p + size - q))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *q, *v;
	struct ds_buf why = { 0 }, msg = { 0 };
	struct ds_json j;
	struct page pg;
	size_t n = 0, vl;
	int not_json, rc;

	if (fx_body_page(p, size, &pg, &why, &not_json) == 0) {
		inside(p, size, pg.data, pg.datalen);
		if (pg.next != NULL)
			inside(p, size, pg.next, pg.nextlen);
		if (pg.total != NULL)
			inside(p, size, pg.total, pg.totallen);
		if (pg.has_more && pg.next == NULL)
			abort();
		/* The count agrees with iterating the data array. */
		ds_json_init(&j, p);
		q = pg.data;
		if (ds_json_arr_begin(&j, &q, pg.data + pg.datalen) < 0)
			abort();
		while ((rc = ds_json_arr_next(&j, &q, pg.data + pg.datalen, &v, &vl)) == 1)
			n++;
		if (rc != 0 || n != pg.records)
			abort();
	} else if (why.len == 0 || not_json < 0 || not_json > 2)
		abort();

	if (fx_body_next_guess(p, size, &q, &vl)) {
		inside(p, size, q, vl);
		ds_buf_reset(&msg);
		(void)ds_json_str_decode(q, vl, &msg);
	}
	(void)fx_body_error(p, size, &msg, MSGMAX);
	if (msg.len > MSGMAX)
		abort();
	ds_buf_free(&why);
	ds_buf_free(&msg);
	return 0;
}
