/*
 * fuzz_jcs.c - libFuzzer harness for lib/jcs.c: every valid JSON text
 * canonicalises to valid JSON, and canonicalisation is idempotent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jcs.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
