/*
 * fuzz_jcs.c - libFuzzer harness for lib/jcs.c: every valid JSON text
 * canonicalises to valid JSON, and canonicalisation is idempotent; an
 * object canonicalised from its members (as the record path splits it,
 * the key order kept from one input to the next) is the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jcs.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ds_jcs_members() of the valid object at s equals want; aborts if not. */
static void
members(const char *s, size_t size, const struct ds_buf *want)
{
	static struct ds_jcs c;
	static struct ds_json_member *m;
	static unsigned char *asis;
	static size_t cap;
	struct ds_buf out = { 0 };
	struct ds_json j;
	const char *p = s, *end = s + size;
	size_t n = 0;
	int rc;

	ds_json_init(&j, s);
	if (ds_json_obj_begin(&j, &p, end) != 0)
		return;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			m = ds_xrealloc(m, cap * sizeof(*m));
			asis = ds_xrealloc(asis, cap);
		}
		j.flags &= ~DS_JSON_ESC;
		if ((rc = ds_json_obj_next(&j, &p, end, &m[n])) != 1)
			break;
		asis[n] = *m[n].val == '"' && !(j.flags & DS_JSON_ESC);
		n++;
	}
	if (rc != 0)
		abort();
	ds_jcs_members(&c, m, n, asis, &out);
	if (out.len != want->len || memcmp(out.p, want->p, out.len) != 0)
		abort();
	ds_buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	static struct ds_jcs c;
	struct ds_buf a = { 0 }, b = { 0 };
	struct ds_json j;

	ds_json_init(&j, s);
	if (ds_json_validate(&j, s, s + size) != 0)
		return 0;
	ds_jcs(&c, s, size, &a);
	members(s, size, &a);
	ds_json_init(&j, a.p);
	if (ds_json_validate(&j, a.p, a.p + a.len) != 0)
		abort();
	ds_jcs(&c, a.p, a.len, &b);
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
		abort();
	ds_buf_free(&a);
	ds_buf_free(&b);
	return 0;
}
