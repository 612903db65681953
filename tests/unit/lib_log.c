/* Unit tests of lib/log.c: logfmt quoting. */
#include <string.h>

#include "buf.h"
#include "log.h"
#include "unit.h"

static const struct {
	const char *in, *out;
} rows[] = {
	{ "plain", "plain" },
	{ "", "\"\"" },
	{ "two words", "\"two words\"" },
	{ "a=b", "\"a=b\"" },
	{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
	{ "line\nbreak", "\"line\\nbreak\"" },
	{ "tab\there", "\"tab\\x09here\"" },
	{ "back\\slash", "\"back\\\\slash\"" },
};

UNIT_TEST(log_quote_rows)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ds_buf b = { 0 };

		ds_log_quote(&b, rows[i].in, strlen(rows[i].in));
		ds_buf_terminate(&b);
		CHECK_STR(b.p, rows[i].out);
		ds_buf_free(&b);
	}
}

UNIT_TEST(buf_printf_grows)
{
	struct ds_buf b = { 0 };
	int i;

	for (i = 0; i < 1000; i++)
		ds_buf_printf(&b, "%04d,", i);
	CHECK(b.len == 5000);
	CHECK(memcmp(b.p + 4995, "0999,", 5) == 0);
	ds_buf_free(&b);
}
