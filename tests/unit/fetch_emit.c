/* Unit tests of fetch/emit.c and fetch/cursorset.c: the page line, repeated cursors. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "unit.h"
#include "../../fetch/emit.h"
#include "../../fetch/cursorset.h"

UNIT_TEST(fetch_emit_line_keys_in_order_records_minified)
{
	struct ds_buf b = { 0 };
	const char rec[] = "[ {\"n\": 123456789012345678901234567890,\n  \"s\": \"a b\\u00e9\"} ]";

	fx_emit_page(&b, "events", 1, NULL, 0, "n\"x", 3, 1, "2026-11-22T04:00:00.000Z",
	    rec, strlen(rec), 1);
	CHECK_STR(b.p, "{\"stream\":\"events\",\"seq\":1,\"cursor\":null,\"next\":\"n\\\"x\","
	    "\"has_more\":true,\"fetched_at\":\"2026-11-22T04:00:00.000Z\","
	    "\"records\":[{\"n\":123456789012345678901234567890,\"s\":\"a b\\u00e9\"}]}\n");
	fx_emit_page(&b, "s", 9, "c\n", 2, NULL, 0, 0, "T", "[]", 2, 0);
	CHECK_STR(b.p, "{\"stream\":\"s\",\"seq\":9,\"cursor\":\"c\\n\",\"next\":null,"
	    "\"has_more\":false,\"fetched_at\":\"T\",\"records\":[]}\n");
	/* text without whitespace is copied as it is */
	fx_emit_page(&b, "s", 2, NULL, 0, NULL, 0, 0, "T", "[{\"s\":\"a  b\"}]", 14, 0);
	CHECK_STR(b.p, "{\"stream\":\"s\",\"seq\":2,\"cursor\":null,\"next\":null,"
	    "\"has_more\":false,\"fetched_at\":\"T\",\"records\":[{\"s\":\"a  b\"}]}\n");
	ds_buf_free(&b);
}

UNIT_TEST(fetch_seen_finds_repeats_across_growth)
{
	struct seen s = { 0 };
	char c[32];
	int i;

	for (i = 0; i < 5000; i++) {
		snprintf(c, sizeof(c), "cursor-%d", i);
		CHECK(fx_cursorset_add(&s, c, strlen(c)) == 0);
	}
	for (i = 0; i < 5000; i += 499) {
		snprintf(c, sizeof(c), "cursor-%d", i);
		CHECK(fx_cursorset_add(&s, c, strlen(c)) == 1);
	}
	CHECK(fx_cursorset_add(&s, "", 0) == 0 && fx_cursorset_add(&s, "", 0) == 1);
	fx_cursorset_free(&s);
}
