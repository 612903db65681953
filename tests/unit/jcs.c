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
