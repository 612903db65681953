/*
 * fuzz_json.c - libFuzzer harness for lib/json.c: validation, iteration,
 * decoding and minify must never crash, and must agree with each other.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *p = s;
	struct ds_json j;
	struct ds_json_member m;
	int valid, rc;

	ds_json_init(&j, s);
	valid = ds_json_validate(&j, s, end) == 0;
	if (!valid && j.erroff > size)
		abort();
	if (valid) {
		char *min = malloc(size ? size : 1);
		struct ds_json j2;
		size_t n;

		if (min == NULL)
			return 0;
		n = ds_json_minify(s, size, min);
		ds_json_init(&j2, min);
		/* Minified valid JSON stays valid and never grows. */
		if (n > size || ds_json_validate(&j2, min, min + n) != 0)
			abort();
		free(min);
	}
	ds_json_init(&j, s);
	if (ds_json_obj_begin(&j, &p, end) == 0) {
		while ((rc = ds_json_obj_next(&j, &p, end, &m)) == 1) {
			struct ds_buf b = { 0 };

			(void)ds_json_str_decode(m.key, m.keylen, &b);
			(void)ds_json_type(m.val);
			ds_buf_free(&b);
		}
		/* A valid object iterates to its end without error. */
		if (valid && rc != 0)
			abort();
	}
	return 0;
}
