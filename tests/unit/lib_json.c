/* Unit tests of lib/json.c: validation rows, iteration, decoding, minify, corpora. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "unit.h"

/* Table: input, 1 valid / 0 invalid, expected error offset (-1: don't care). */
static const struct {
	const char	*in;
	int		 ok;
	int		 off;
	const char	*what;
} rows[] = {
	{ "{}", 1, -1, NULL },
	{ " [1, 2.5e-3, -0, \"x\", true, false, null] ", 1, -1, NULL },
	{ "123456789012345678901234567890", 1, -1, NULL },
	{ "\"\\ud83d\\ude00 \xf0\x9f\x98\x80 \xc3\xa9\"", 1, -1, NULL },
	{ "\"a\\u0000b\"", 1, -1, NULL },
	{ "{\"a\":1,}", 0, 7, "expected string key" },
	{ "[1,]", 0, 3, "expected a JSON value" },
	{ "[01]", 0, 2, "expected ',' or ']'" },
	{ "{\"a\" 1}", 0, 5, "expected ':'" },
	{ "\"abc", 0, 0, "unterminated string" },
	{ "\"\\x\"", 0, 1, "invalid escape in string" },
	{ "\"\\ud800\"", 1, -1, NULL },		/* valid, flagged DS_JSON_SURR */
	{ "\"\\udc00\"", 1, -1, NULL },
	{ "\"\\ud800\\ud", 0, 7, "expected 4 hex digits after \\u" },
	{ "\"\xc3\"", 0, 1, "invalid UTF-8 in string" },
	{ "\"\xed\xa0\x80\"", 0, 1, "invalid UTF-8 in string" },
	{ "\"a\tb\"", 0, 2, "control character in string" },
	{ "1.", 0, 2, "expected digit after '.'" },
	{ "1e+", 0, 3, "expected digit in exponent" },
	{ "tru", 0, 0, "expected a JSON value" },
	{ "{} x", 0, 3, "unexpected data after the JSON value" },
	{ "", 0, 0, "expected a JSON value" },
	{ "-", 0, 1, "expected digit" },
	/* digits eight at a time: runs across and up to each boundary */
	{ "[12345678,123456789,1234567.12345678901234567e-12345678]", 1, -1, NULL },
	{ "123456789012345:", 0, 15, "unexpected data after the JSON value" },
	{ "1234567890123456/", 0, 16, "unexpected data after the JSON value" },
	{ "0.1234567:", 0, 9, "unexpected data after the JSON value" },
	{ "[9999999999999999@]", 0, 17, "expected ',' or ']'" },
	{ "12345678901234567890.", 0, 21, "expected digit after '.'" },
};

UNIT_TEST(json_validate_rows)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ds_json j;
		int rc;

		ds_json_init(&j, rows[i].in);
		rc = ds_json_validate(&j, rows[i].in, rows[i].in + strlen(rows[i].in));
		if ((rc == 0) != rows[i].ok)
			unit_fail(__FILE__, __LINE__, "row %zu (%s): rc %d", i, rows[i].in, rc);
		if (!rows[i].ok && rows[i].off >= 0 && (int)j.erroff != rows[i].off)
			unit_fail(__FILE__, __LINE__, "row %zu: offset %zu, want %d", i,
			    j.erroff, rows[i].off);
		if (!rows[i].ok && rows[i].what != NULL)
			CHECK_STR(j.errmsg, rows[i].what);
	}
}

UNIT_TEST(json_surrogate_flag_set_only_for_lone_ones)
{
	static const struct {
		const char	*in;
		int		 lone;
		const char	*decoded;
	} cases[] = {
		{ "\"\\ud83d\\ude00\"", 0, "\xf0\x9f\x98\x80" },
		{ "\"\\ud800\"", 1, "\xef\xbf\xbd" },
		{ "\"\\udc00x\"", 1, "\xef\xbf\xbdx" },
		{ "\"\\ud800\\n\"", 1, "\xef\xbf\xbd\n" },
		{ "\"\\ud800\\u0041\"", 1, "\xef\xbf\xbd" "A" },
		{ "\"\\udc00\\ud800\"", 1, "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\"\\u00e9\"", 0, "\xc3\xa9" },
	};
	struct ds_buf b = { 0 };
	struct ds_json j;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = strlen(cases[i].in);
		ds_json_init(&j, cases[i].in);
		CHECK(ds_json_validate(&j, cases[i].in, cases[i].in + n) == 0);
		CHECK(((j.flags & DS_JSON_SURR) != 0) == cases[i].lone);
		ds_buf_reset(&b);
		CHECK(ds_json_str_decode(cases[i].in + 1, n - 2, &b) == 0);
		ds_buf_terminate(&b);
		CHECK_STR(b.p, cases[i].decoded);
	}
	ds_buf_free(&b);
}

UNIT_TEST(json_nul_flag_set_only_for_u0000)
{
	struct ds_json j;
	const char *a = "[\"\\u0000\"]", *b = "[\"\\u0001\"]";

	ds_json_init(&j, a);
	CHECK(ds_json_validate(&j, a, a + strlen(a)) == 0);
	CHECK(j.flags & DS_JSON_NUL);
	ds_json_init(&j, b);
	CHECK(ds_json_validate(&j, b, b + strlen(b)) == 0);
	CHECK(!(j.flags & DS_JSON_NUL));
}

UNIT_TEST(json_depth_bound_refuses_deep_nesting_without_recursion_blowup)
{
	size_t n = 4 * 1024 * 1024;
	char *s = malloc(n);
	struct ds_json j;

	CHECK(s != NULL);
	memset(s, '[', n);
	ds_json_init(&j, s);
	CHECK(ds_json_validate(&j, s, s + n) < 0);
	CHECK_STR(j.errmsg, "nesting too deep");
	CHECK(j.erroff == DS_JSON_MAXDEPTH);
	free(s);
}

UNIT_TEST(json_object_iteration_gives_raw_spans)
{
	const char *s = " { \"id\" : \"a\\\"b\" , \"n\":[1, {\"x\":2}] ,\"w\":12345678901234567890123}";
	const char *p = s, *end = s + strlen(s);
	struct ds_json j;
	struct ds_json_member m;

	ds_json_init(&j, s);
	CHECK(ds_json_obj_begin(&j, &p, end) == 0);
	CHECK(ds_json_obj_next(&j, &p, end, &m) == 1);
	CHECK_MEM(m.key, m.keylen, "id", 2);
	CHECK_MEM(m.val, m.vallen, "\"a\\\"b\"", 6);
	CHECK(ds_json_obj_next(&j, &p, end, &m) == 1);
	CHECK_MEM(m.val, m.vallen, "[1, {\"x\":2}]", 12);
	CHECK_STR(ds_json_type(m.val), "array");
	CHECK(ds_json_obj_next(&j, &p, end, &m) == 1);
	CHECK_MEM(m.val, m.vallen, "12345678901234567890123", 23);
	CHECK(ds_json_obj_next(&j, &p, end, &m) == 0);
	CHECK(p == end);
}

UNIT_TEST(json_array_iteration_and_errors)
{
	const char *s = "[1, \"two\", {}]", *p = s, *end = s + strlen(s);
	const char *bad = "[1 2]";
	const char *v;
	size_t n;
	struct ds_json j;
	int count = 0;

	ds_json_init(&j, s);
	CHECK(ds_json_arr_begin(&j, &p, end) == 0);
	while (ds_json_arr_next(&j, &p, end, &v, &n) == 1)
		count++;
	CHECK(count == 3);
	CHECK(j.errmsg == NULL);

	p = bad;
	ds_json_init(&j, bad);
	CHECK(ds_json_arr_begin(&j, &p, bad + 5) == 0);
	CHECK(ds_json_arr_next(&j, &p, bad + 5, &v, &n) == -1);
	CHECK(j.erroff == 3);
}

UNIT_TEST(json_str_decode_escapes_and_surrogates)
{
	struct ds_buf b = { 0 };
	const char *raw = "a\\n\\u00e9\\ud83d\\ude00\\/";

	CHECK(ds_json_str_decode(raw, strlen(raw), &b) == 0);
	CHECK_STR(b.p, "a\n\xc3\xa9\xf0\x9f\x98\x80/");
	ds_buf_reset(&b);
	CHECK(ds_json_str_decode("x\\u0000", 7, &b) < 0);
	ds_buf_free(&b);
	CHECK(ds_json_str_eq("id", 2, "id"));
	CHECK(ds_json_str_eq("\\u0069d", 7, "id"));
	CHECK(!ds_json_str_eq("idx", 3, "id"));
}

UNIT_TEST(json_minify_keeps_string_bytes)
{
	const char *s = "[ 1 ,\n  {\"a b\" : \"x \\\" y\" } ,\t\"\\\\\" ]";
	char out[64];
	size_t n = ds_json_minify(s, strlen(s), out);

	CHECK_MEM(out, n, "[1,{\"a b\":\"x \\\" y\"},\"\\\\\"]", 25);
}

/* Every y_ file of JSONTestSuite validates, every n_ file is refused. */
UNIT_TEST(json_test_suite_y_accepted_n_refused)
{
	const char *corp = unit_corpora();
	char dir[512], path[1024];
	struct dirent *de;
	DIR *d;
	int seen = 0;

	if (corp == NULL) {
		unit_skip("../shared/corpora is absent");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/json-test-suite", corp);
	if ((d = opendir(dir)) == NULL) {
		unit_skip("json-test-suite is absent");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct ds_json j;
		FILE *f;
		char *text;
		long len;
		int rc;

		if (de->d_name[0] != 'y' && de->d_name[0] != 'n' && de->d_name[0] != 'i')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		text = malloc((size_t)len + 1);
		CHECK(text != NULL);
		if (text == NULL || fread(text, 1, (size_t)len, f) != (size_t)len) {
			fclose(f);
			free(text);
			continue;
		}
		fclose(f);
		ds_json_init(&j, text);
		rc = ds_json_validate(&j, text, text + len);
		if (de->d_name[0] == 'y' && rc != 0)
			unit_fail(__FILE__, __LINE__, "%s refused: %s at %zu",
			    de->d_name, j.errmsg, j.erroff);
		if (de->d_name[0] == 'n' && rc == 0)
			unit_fail(__FILE__, __LINE__, "%s accepted", de->d_name);
		free(text);
		seen++;
	}
	closedir(d);
	CHECK(seen > 100);
}

/*
 * Strings are scanned eight bytes at a time: a quote, backslash, control
 * or non-ASCII byte at every offset of every length is found where it is
 * (the error offset names it exactly) and never skipped.
 */
UNIT_TEST(json_string_scan_finds_each_special_byte_at_every_offset)
{
	static const struct {
		const char	*put;
		int		 ok;
		const char	*what;
	} specials[] = {
		{ "\"", 0, "unexpected data after the JSON value" },	/* ends the string early */
		{ "\\n", 1, NULL },
		{ "\\q", 0, "invalid escape in string" },
		{ "\x01", 0, "control character in string" },
		{ "\x1f", 0, "control character in string" },
		{ "\xc3\xa9", 1, NULL },
		{ "\xc3(", 0, "invalid UTF-8 in string" },
		{ "\x7f", 1, NULL },
		{ " ", 1, NULL },
		{ "!", 1, NULL },
		{ "#", 1, NULL },
		{ "[", 1, NULL },
		{ "]", 1, NULL },
	};
	char in[64];
	size_t len, at, k, pl;
	struct ds_json j;
	int rc;

	for (len = 0; len <= 24; len++)
		for (at = 0; at <= len; at++)
			for (k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
				pl = strlen(specials[k].put);
				/* '"', at a's, the special, the other a's, '"' */
				in[0] = '"';
				memset(in + 1, 'a', at);
				memcpy(in + 1 + at, specials[k].put, pl);
				memset(in + 1 + at + pl, 'a', len - at);
				memcpy(in + 1 + len + pl, "\"", 2);
				ds_json_init(&j, in);
				rc = ds_json_validate(&j, in, in + strlen(in));
				if ((rc == 0) != specials[k].ok) {
					unit_fail(__FILE__, __LINE__, "len %zu at %zu special %zu: rc %d",
					    len, at, k, rc);
					continue;
				}
				if (rc == 0)
					continue;
				CHECK_STR(j.errmsg, specials[k].what);
				/* a quote ends the string: the error is the byte after it */
				if (j.erroff != 1 + at + (specials[k].put[0] == '"'))
					unit_fail(__FILE__, __LINE__, "len %zu at %zu special %zu:"
					    " offset %zu", len, at, k, j.erroff);
			}
}

/* Validated JSON read again without checks: ends of values, elements and members. */
UNIT_TEST(json_vend_and_vnext_step_through_validated_json)
{
	const char *obj = "{ \"a\" : [1, \"x]\\\"}\", {\"b\":[]}] , \"k\\\"q\":-2.5e3,\"t\":true}";
	const char *end = obj + strlen(obj), *p = obj + 1, *v, *q;
	struct ds_json_member m;
	size_t n;

	CHECK(ds_json_vend(obj, end) == end);
	CHECK(ds_json_vnext(&p, end, &m, &v, &n) == 1);
	CHECK_MEM(m.key, m.keylen, "a", 1);
	CHECK_MEM(v, n, "[1, \"x]\\\"}\", {\"b\":[]}]", 22);
	q = v + 1;
	CHECK(ds_json_vnext(&q, v + n, NULL, &v, &n) == 1);
	CHECK_MEM(v, n, "1", 1);
	CHECK(ds_json_vnext(&q, end, NULL, &v, &n) == 1);
	CHECK_MEM(v, n, "\"x]\\\"}\"", 7);
	CHECK(ds_json_vnext(&q, end, NULL, &v, &n) == 1);
	CHECK_MEM(v, n, "{\"b\":[]}", 8);
	CHECK(ds_json_vnext(&q, end, NULL, &v, &n) == 0);
	CHECK(ds_json_vnext(&p, end, &m, &v, &n) == 1);
	CHECK_MEM(m.key, m.keylen, "k\\\"q", 4);
	CHECK_MEM(v, n, "-2.5e3", 6);
	CHECK(ds_json_vnext(&p, end, &m, &v, &n) == 1);
	CHECK_MEM(v, n, "true", 4);
	CHECK(m.val == v && m.vallen == n);
	CHECK(ds_json_vnext(&p, end, &m, &v, &n) == 0);
}

/* ds_json_put_str: escapes, U+FFFD for NUL and bad UTF-8, long runs across its reserve steps. */
UNIT_TEST(json_put_str_escapes_and_replaces)
{
	static const struct { const char *in; size_t n; const char *want; } cases[] = {
		{ "", 0, "\"\"" },
		{ "plain", 5, "\"plain\"" },
		{ "q\"b\\n\nr\rt\t", 10, "\"q\\\"b\\\\n\\nr\\rt\\t\"" },
		{ "\b\f\x01\x1f\x7f", 5, "\"\\u0008\\u000c\\u0001\\u001f\x7f\"" },
		{ "a\0b", 3, "\"a\xef\xbf\xbd" "b\"" },
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
		{ "\xff\xc3(\xe9", 4, "\"\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd\"" },
	};
	struct ds_buf b = { 0 }, want = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ds_buf_reset(&b);
		ds_buf_adds(&b, "x");
		ds_json_put_str(&b, cases[i].in, cases[i].n);
		ds_buf_reset(&want);
		ds_buf_adds(&want, "x");
		ds_buf_adds(&want, cases[i].want);
		CHECK_MEM(b.p, b.len, want.p, want.len);
		CHECK(b.p[b.len] == '\0');
	}
	/* 20000 quotes: 40002 bytes out, past several reserve steps */
	ds_buf_reset(&want);
	ds_buf_reserve(&want, 20000);
	memset(want.p, '"', 20000);
	ds_buf_reset(&b);
	ds_json_put_str(&b, want.p, 20000);
	CHECK(b.len == 40002);
	for (i = 1; i + 1 < b.len; i += 2)
		CHECK(b.p[i] == '\\' && b.p[i + 1] == '"');
	ds_buf_free(&b);
	ds_buf_free(&want);
}
