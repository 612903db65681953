/* jcs.c - RFC 8785 canonical form: the corpus vectors, numbers, key order. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jcs.h"
#include "json.h"
#include "unit.h"

/* Read a whole small file into b; 0 or -1. */
static int
slurp(const char *path, struct ds_buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ds_buf_add(b, chunk, n);
	fclose(f);
	return 0;
}

static void
canon(const char *in, struct ds_buf *out)
{
	struct ds_jcs c = { 0 };
	struct ds_json j;

	ds_buf_reset(out);
	ds_json_init(&j, in);
	CHECK(ds_json_validate(&j, in, in + strlen(in)) == 0);
	ds_jcs(&c, in, strlen(in), out);
	ds_jcs_free(&c);
}

UNIT_TEST(jcs_corpus_vectors_canonicalise_byte_for_byte)
{
	const char *dir = unit_corpora();
	char ipath[1024], opath[1024];
	struct ds_buf in = { 0 }, want = { 0 }, got = { 0 };
	struct ds_jcs c = { 0 };
	struct ds_json j;
	struct dirent *de;
	DIR *d;
	int seen = 0;

	if (dir == NULL) {
		unit_skip("../shared/corpora is absent");
		return;
	}
	snprintf(ipath, sizeof(ipath), "%s/jcs/input", dir);
	if ((d = opendir(ipath)) == NULL) {
		unit_skip("no jcs/input in the corpora");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(ipath, sizeof(ipath), "%s/jcs/input/%s", dir, de->d_name);
		snprintf(opath, sizeof(opath), "%s/jcs/output/%s", dir, de->d_name);
		ds_buf_reset(&in);
		ds_buf_reset(&want);
		ds_buf_reset(&got);
		CHECK(slurp(ipath, &in) == 0);
		CHECK(slurp(opath, &want) == 0);
		ds_json_init(&j, in.p);
		CHECK(ds_json_validate(&j, in.p, in.p + in.len) == 0);
		ds_jcs(&c, in.p, in.len, &got);
		CHECK_MEM(got.p, got.len, want.p, want.len);
		seen++;
	}
	closedir(d);
	CHECK(seen >= 6);
	ds_jcs_free(&c);
	ds_buf_free(&in);
	ds_buf_free(&want);
	ds_buf_free(&got);
}

static void
num(const char *in, const char *want)
{
	char out[DS_JCS_NUMMAX];
	size_t n = ds_jcs_number(in, strlen(in), out);

	CHECK_MEM(out, n, want, strlen(want));
}

UNIT_TEST(jcs_numbers_follow_ecmascript_tostring)
{
	num("0", "0");
	num("-0", "0");
	num("-0.0e5", "0");
	num("1E30", "1e+30");
	num("4.50", "4.5");
	num("2e-3", "0.002");
	num("0.000001", "0.000001");
	num("0.0000001", "1e-7");
	num("0.000000000000000000000000001", "1e-27");
	num("333333333.33333329", "333333333.3333333");
	num("123456789012345678901", "123456789012345680000");
	num("1e21", "1e+21");
	num("100000000000000000000", "100000000000000000000");
	num("9007199254740993", "9007199254740992");
	num("1.7976931348623157e308", "1.7976931348623157e+308");
	num("5e-324", "5e-324");
	num("0.1", "0.1");
	num("-12.340", "-12.34");
	num("295147905179352830000", "295147905179352830000");
	CHECK(ds_jcs_number("1e400", 5, (char[DS_JCS_NUMMAX]){ 0 }) == 0);
}

UNIT_TEST(jcs_keeps_the_digits_of_an_integer_a_double_cannot_hold)
{
	struct ds_buf out = { 0 };

	canon("[12345678901234567890,12345678901234567891,-9007199254740993]", &out);
	CHECK_STR(out.p, "[12345678901234567890,12345678901234567891,-9007199254740993]");
	/* exact ones, and those with a fraction, an exponent or 22 digits, as RFC 8785 */
	canon("[9007199254740992,100000000000000000000,1.2345678901234567890e19,"
	    "1234567890123456789012,-0]", &out);
	CHECK_STR(out.p, "[9007199254740992,100000000000000000000,12345678901234567000,"
	    "1.2345678901234568e+21,0]");
	ds_buf_free(&out);
}

UNIT_TEST(jcs_sorts_keys_by_utf16_code_units)
{
	struct ds_buf out = { 0 };

	/* U+FB33 (one unit, 0xFB33) sorts after U+1F602 (0xD83D 0xDE02) */
	canon("{\"\xef\xac\xb3\":1,\"\xf0\x9f\x98\x82\":2,\"a\":3}", &out);
	CHECK_STR(out.p, "{\"a\":3,\"\xf0\x9f\x98\x82\":2,\"\xef\xac\xb3\":1}");
	canon("{\"b\":[1, {\"z\":0,\"y\":\"\\u0041\\/\"}],\"a\":true}", &out);
	CHECK_STR(out.p, "{\"a\":true,\"b\":[1,{\"y\":\"A/\",\"z\":0}]}");
	canon("{\"\\u0062\":1,\"a\":2}", &out);
	CHECK_STR(out.p, "{\"a\":2,\"b\":1}");
	canon("\"\\u001f\\u007f\\ud83d\\ude02\"", &out);
	CHECK_STR(out.p, "\"\\u001f\x7f\xf0\x9f\x98\x82\"");
	/*
	 * fuzz_jcs found: a lone surrogate key sorted by its raw unit (0xD83A,
	 * before U+FB33) but is written as U+FFFD (after it), so the canonical
	 * form was not its own canonical form. It sorts as U+FFFD now.
	 */
	canon("{\"\\ud83ac\":1,\"\xef\xac\xb3\":2,\"\\ud83d\\ude02\":3,\"\\udc00\":4}", &out);
	CHECK_STR(out.p, "{\"\xf0\x9f\x98\x82\":3,\"\xef\xac\xb3\":2,"
	    "\"\xef\xbf\xbd\":4,\"\xef\xbf\xbd" "c\":1}");
	canon("{}", &out);	/* no member ever: no sort of nothing */
	CHECK_STR(out.p, "{}");
	ds_buf_free(&out);
}

UNIT_TEST(jcs_sorts_large_objects)
{
	struct ds_buf in = { 0 }, out = { 0 }, want = { 0 };
	int i;

	ds_buf_addc(&in, '{');
	for (i = 99; i >= 0; i--)
		ds_buf_printf(&in, "%s\"k%02d\":%d", i == 99 ? "" : ",", i, i);
	ds_buf_addc(&in, '}');
	ds_buf_addc(&want, '{');
	for (i = 0; i < 100; i++)
		ds_buf_printf(&want, "%s\"k%02d\":%d", i == 0 ? "" : ",", i, i);
	ds_buf_addc(&want, '}');
	canon(in.p, &out);
	CHECK_MEM(out.p, out.len, want.p, want.len);
	ds_buf_free(&in);
	ds_buf_free(&out);
	ds_buf_free(&want);
}

/*
 * ds_jcs_members() of the object in, split as the record path splits it
 * (asis from the escape flag of each value), equals ds_jcs() of its text.
 */
static void
members_as_whole(struct ds_jcs *c, const char *in)
{
	struct ds_json_member m[16];
	unsigned char asis[16];
	struct ds_buf whole = { 0 }, split = { 0 };
	struct ds_jcs w = { 0 };
	struct ds_json j;
	const char *p = in, *end = in + strlen(in);
	size_t n = 0;

	ds_json_init(&j, in);
	CHECK(ds_json_obj_begin(&j, &p, end) == 0);
	for (;;) {
		j.flags &= ~DS_JSON_ESC;
		if (n == 16 || ds_json_obj_next(&j, &p, end, &m[n]) != 1)
			break;
		asis[n] = *m[n].val == '"' && !(j.flags & DS_JSON_ESC);
		n++;
	}
	CHECK(n < 16 && j.errmsg == NULL);
	ds_jcs(&w, in, strlen(in), &whole);
	ds_jcs_members(c, m, n, asis, &split);
	CHECK_STR(split.p, whole.p);
	ds_buf_reset(&split);
	ds_jcs_members(c, m, n, NULL, &split);
	CHECK_STR(split.p, whole.p);
	ds_jcs_free(&w);
	ds_buf_free(&whole);
	ds_buf_free(&split);
}

UNIT_TEST(jcs_of_members_equals_jcs_of_the_text)
{
	static const char *const objs[] = {
		"{\"b\":\"x\",\"a\":1.50,\"c\":[3, {\"z\":1,\"y\":\"\\u0041\"}]}",
		"{\"b\":\"y\\\"\",\"a\":2,\"c\":null}",	/* the same keys again */
		"{\"b\":\"y\",\"a\":2}",		/* fewer */
		"{\"\\u0062\":1,\"a\":{}, \"\xf0\x9f\x98\x82\" : \"\xef\xac\xb3\"}",
		"{\"a\":1,\"a\":2,\"\":true}",		/* repeated and empty keys */
		"{}",
		"{\"k\":12345678901234567890,\"j\":1e400,\"i\":-0}",
	};
	struct ds_jcs c = { 0 };
	size_t i;

	/* fuzz_files found: no members on a fresh state read its NULL order */
	members_as_whole(&c, "{}");
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		members_as_whole(&c, objs[i]);
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		members_as_whole(&c, objs[sizeof(objs) / sizeof(objs[0]) - 1 - i]);
	ds_jcs_free(&c);
}
