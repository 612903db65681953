/* Unit tests of fetch/body.c: both page shapes, wrong shapes, error bodies. */
#include <string.h>

#include "buf.h"
#include "json.h"
#include "unit.h"
#include "../../fetch/body.h"

/* Parse the page text s; returns fx_body_page()'s result. */
static int
parse(const char *s, struct page *pg, struct ds_buf *why, int *not_json)
{
	return fx_body_page(s, strlen(s), pg, why, not_json);
}

UNIT_TEST(fetch_body_observed_shape)
{
	const char s[] = "{\"data\": [ {\"id\":\"a\"}, {\"id\":\"b\",\"n\":12345678901234567890} ],\n"
	    " \"pagination\": {\"limit\": 2, \"hasMore\": true, \"nextCursor\": \"c\\/1+=\"},\n"
	    " \"meta\": {\"total\": 3000000}}\n";
	struct ds_buf why = { 0 };
	struct page pg;
	const char *want;
	int nj = -1;

	CHECK(parse(s, &pg, &why, &nj) == 0);
	CHECK(pg.nested && pg.has_more && pg.records == 2);
	want = "[ {\"id\":\"a\"}, {\"id\":\"b\",\"n\":12345678901234567890} ]";
	CHECK_MEM(pg.data, pg.datalen, want, strlen(want));
	CHECK_MEM(pg.next, pg.nextlen, "c\\/1+=", 6);
	CHECK_MEM(pg.total, pg.totallen, "3000000", 7);
	ds_buf_free(&why);
}

UNIT_TEST(fetch_body_documented_shape_and_last_page)
{
	struct ds_buf why = { 0 };
	struct page pg;
	int nj;

	CHECK(parse("{\"data\":[1],\"hasMore\":true,\"nextCursor\":\"x\"}", &pg, &why, &nj) == 0);
	CHECK(!pg.nested && pg.has_more && pg.records == 1 && pg.total == NULL);
	CHECK_MEM(pg.next, pg.nextlen, "x", 1);
	CHECK(parse("{\"data\":[],\"hasMore\":false,\"nextCursor\":null}", &pg, &why, &nj) == 0);
	CHECK(!pg.has_more && pg.next == NULL && pg.records == 0);
	CHECK(parse("{\"data\":[],\"pagination\":{\"hasMore\":false}}", &pg, &why, &nj) == 0);
	CHECK(!pg.has_more && pg.next == NULL);
	ds_buf_free(&why);
}

UNIT_TEST(fetch_body_wrong_shapes_name_the_problem)
{
	static const struct {
		const char	*body;
		int		 not_json;
		const char	*says;
	} cases[] = {
		{ "<!DOCTYPE html><html></html>", 1, "not JSON at byte 0" },
		{ "{\"data\":[1,2", 2, "not JSON at byte" },
		{ "{\"data\":[]} x", 1, "text after the body's object at byte 12" },
		{ "[1]", 0, "body is a array, not an object" },
		{ "{\"hasMore\":false}", 0, "no data array" },
		{ "{\"data\":{},\"hasMore\":false}", 0, "data at byte 8 is a object" },
		{ "{\"data\":[]}", 0, "no hasMore" },
		{ "{\"data\":[],\"hasMore\":\"yes\"}", 0, "hasMore at byte 21 is a string" },
		{ "{\"data\":[],\"hasMore\":true}", 0, "nextCursor is null or absent" },
		{ "{\"data\":[],\"hasMore\":true,\"nextCursor\":7}", 0, "nextCursor at byte" },
	};
	struct ds_buf why = { 0 };
	struct page pg;
	size_t i;
	int nj;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(parse(cases[i].body, &pg, &why, &nj) < 0);
		CHECK(nj == cases[i].not_json);
		ds_buf_terminate(&why);
		if (strstr(why.p, cases[i].says) == NULL)
			CHECK_STR(why.p, cases[i].says);
	}
	ds_buf_free(&why);
}

UNIT_TEST(fetch_body_error_reads_a_jsonapi_errors_array)
{
	static const struct {
		const char	*body, *want;
	} cases[] = {
		/* the first error object's detail, before its title */
		{ "{\"errors\":[{\"status\":\"422\",\"title\":\"Invalid Attribute\","
		  "\"detail\":\"First name is too short.\"},{\"detail\":\"second\"}],"
		  "\"jsonapi\":{\"version\":\"1.1\"}}", "First name is too short." },
		{ "{\"errors\":[{\"status\":\"404\",\"title\":\"Not Found\"}]}", "Not Found" },
		/* not error objects: a top-level message still wins */
		{ "{\"errors\":[\"odd\"],\"message\":\"top\"}", "top" },
	};
	struct ds_buf m = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(fx_body_error(cases[i].body, strlen(cases[i].body), &m, 300) == 0);
		CHECK_STR(m.p, cases[i].want);
	}
	ds_buf_free(&m);
}

UNIT_TEST(fetch_body_error_message_and_expiry)
{
	struct ds_buf m = { 0 };
	const char a[] = "{\"error\":\"cursor_expired\",\"message\":\"Cursor EXPIRED: issued 700 s ago\"}";
	const char b[] = "{\"error\":{\"code\":7,\"message\":\"bad \\u00e9\"}}";
	const char c[] = "not json at all, Expired";

	CHECK(fx_body_error(a, strlen(a), &m, 300) == 1);
	CHECK_STR(m.p, "Cursor EXPIRED: issued 700 s ago");
	CHECK(fx_body_error(b, strlen(b), &m, 300) == 0);
	CHECK_STR(m.p, "bad \xc3\xa9");
	CHECK(fx_body_error(c, strlen(c), &m, 300) == 1);
	CHECK_STR(m.p, "");
	CHECK(fx_body_error(a, strlen(a), &m, 6) == 1);
	CHECK_STR(m.p, "Cursor");
	{
		const char d[] = "{\"error\":{\"code\":\"gone\",\"detail\":\"The cursor expired 12 minutes ago\"}}";

		CHECK(fx_body_error(d, strlen(d), &m, 300) == 1);
		CHECK_STR(m.p, "The cursor expired 12 minutes ago");
	}
	ds_buf_free(&m);
}

UNIT_TEST(fetch_body_counts_records_of_any_shape)
{
	static const struct {
		const char	*data;
		size_t		 n;
		int		 spaced;
	} cases[] = {
		{ "[]", 0, 0 },
		{ " [ ] ", 0, 1 },
		{ "[1]", 1, 0 },
		{ "[\"a,b\",\"c\\\"],[\"]", 2, 0 },
		{ "[{\"a\":[1,2,3],\"b\":{\"c\":\",\"}}, [[],[]], null, -1.5e3]", 4, 1 },
		{ "[[]]", 1, 0 },
		{ "[[ ]]", 1, 1 },
		{ "[{}]", 1, 0 },
		{ "[{\"a\" :1}]", 1, 1 },
		{ "[{\"a\":\n1}]", 1, 1 },
		{ "[{\"a\":\" , \"}]", 1, 0 },
		{ "[\"\\\\\", \"x\"]", 2, 1 },
		{ "[\"\\\\\",\"x\"]", 2, 0 },
	};
	struct ds_buf why = { 0 }, body = { 0 };
	struct page pg;
	size_t i;
	int nj;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ds_buf_reset(&body);
		ds_buf_printf(&body, "{\"data\":%s,\"hasMore\":false}", cases[i].data);
		CHECK(fx_body_page(body.p, body.len, &pg, &why, &nj) == 0);
		if (pg.records != cases[i].n)
			unit_fail(__FILE__, __LINE__, "%s: %zu records, want %zu",
			    cases[i].data, pg.records, cases[i].n);
		if (pg.spaced != cases[i].spaced)
			unit_fail(__FILE__, __LINE__, "%s: spaced %d, want %d",
			    cases[i].data, pg.spaced, cases[i].spaced);
	}
	ds_buf_free(&why);
	ds_buf_free(&body);
}

/* Reset b to a page body whose data holds first, then an array nested depth deep. */
static void
nested_page(struct ds_buf *b, const char *first, int depth)
{
	int i;

	ds_buf_reset(b);
	ds_buf_printf(b, "{\"data\":[%s", first);
	for (i = 0; i < depth; i++)
		ds_buf_addc(b, '[');
	for (i = 0; i < depth; i++)
		ds_buf_addc(b, ']');
	ds_buf_adds(b, "],\"hasMore\":false}");
}

UNIT_TEST(fetch_body_passes_records_the_next_stage_rejects)
{
	struct ds_buf why = { 0 }, body = { 0 };
	struct page pg;
	int nj;

	/* a record nested DS_JSON_PASSDEPTH deep, and one with a lone surrogate */
	nested_page(&body, "{\"id\":\"s\",\"v\":\"\\ud800\"},", DS_JSON_PASSDEPTH);
	CHECK(fx_body_page(body.p, body.len, &pg, &why, &nj) == 0);
	CHECK(pg.records == 2);
	/* one level more than that is refused, naming the depth */
	nested_page(&body, "", DS_JSON_PASSDEPTH + 1);
	CHECK(fx_body_page(body.p, body.len, &pg, &why, &nj) < 0);
	ds_buf_terminate(&why);
	CHECK(strstr(why.p, "nesting too deep") != NULL);
	ds_buf_free(&why);
	ds_buf_free(&body);
}

UNIT_TEST(fetch_body_next_guess_reads_the_cursor_near_either_end)
{
	static const struct {
		const char	*body;
		const char	*guess;		/* NULL: no guess */
	} rows[] = {
		{ "{\"data\":[],\"pagination\":{\"hasMore\":true,\"nextCursor\":\"c1\"}}", "c1" },
		{ "{\"data\":[],\"hasMore\":true,\"nextCursor\" : \"c\\\"2\\\\\"}", "c\\\"2\\\\" },
		{ "{\"nextCursor\":\"first\",\"hasMore\":true,\"data\":[]}", "first" },
		{ "{\"data\":[],\"hasMore\":false,\"nextCursor\":null}", NULL },
		{ "{\"data\":[],\"hasMore\":false}", NULL },
		{ "{\"data\":[],\"nextCursor\":\"cut", NULL },
		{ "{\"data\":[],\"nextCursor\":\"bad \\x\"}", NULL },
		{ "{\"data\":[{\"nextCursor\":\"in a record\"}],\"nextCursor\":\"c3\"}", "c3" },
		{ "<html>nextCursor</html>", NULL },
		{ "{\"data\":[],\"hasMore\":false,\"nextCursor\":\"end\"}", NULL },
		{ "{\"data\":[],\"pagination\":{\"hasMore\" : false, \"nextCursor\":\"end\"}}", NULL },
		{ "{\"hasMore\":false,\"nextCursor\":\"end\",\"data\":[]}", NULL },
		{ "{\"data\":[{\"hasMore\":false}],\"hasMore\":true,\"nextCursor\":\"c4\"}", "c4" },
	};
	const char *c;
	size_t i, n;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		c = NULL;
		if (rows[i].guess == NULL) {
			CHECK(fx_body_next_guess(rows[i].body, strlen(rows[i].body), &c, &n) == 0);
			continue;
		}
		CHECK(fx_body_next_guess(rows[i].body, strlen(rows[i].body), &c, &n) == 1);
		if (c != NULL)
			CHECK_MEM(c, n, rows[i].guess, strlen(rows[i].guess));
	}
}

/* A cursor in neither window is not guessed (the page is then requested as usual). */
UNIT_TEST(fetch_body_next_guess_looks_only_near_the_ends)
{
	struct ds_buf b = { 0 };
	const char *c;
	size_t n, i;

	ds_buf_adds(&b, "{\"data\":[");
	for (i = 0; i < 2 * GUESS_WINDOW / 8; i++)
		ds_buf_adds(&b, "\"xxxxx\",");
	ds_buf_adds(&b, "1],\"nextCursor\":\"mid\",\"meta\":{\"pad\":\"");
	for (i = 0; i < GUESS_WINDOW; i++)
		ds_buf_addc(&b, 'p');
	ds_buf_adds(&b, "\"}}");
	CHECK(fx_body_next_guess(b.p, b.len, &c, &n) == 0);
	ds_buf_free(&b);
}
