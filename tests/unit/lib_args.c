/* lib_args.c - option values: each parser's accepted forms, ranges and refusals. */
#include <stdint.h>
#include <stdio.h>

#include "args.h"
#include "buf.h"
#include "unit.h"

/* Refusals say what is wanted; acceptances leave why alone (not checked). */
#define WANT_COUNT	"want a whole number from %lld to %lld"

UNIT_TEST(args_counts_are_whole_numbers_in_range)
{
	static const struct {
		const char	*v;
		long long	 min, max;
		int		 ok;
		long long	 want;
	} t[] = {
		{ "5000", 1, 1000000000, 1, 5000 },
		{ "1", 1, 10, 1, 1 },
		{ "10", 1, 10, 1, 10 },
		{ "0", 0, 10, 1, 0 },
		{ "007", 0, 10, 1, 7 },
		{ "9223372036854775807", 0, INT64_MAX, 1, INT64_MAX },
		{ "0", 1, 10, 0, 0 },
		{ "11", 1, 10, 0, 0 },
		{ "", 1, 10, 0, 0 },
		{ "-1", 0, 10, 0, 0 },
		{ "+1", 0, 10, 0, 0 },
		{ " 1", 0, 10, 0, 0 },
		{ "1 ", 0, 10, 0, 0 },
		{ "1.0", 0, 10, 0, 0 },
		{ "1e3", 0, 10000, 0, 0 },
		{ "0x10", 0, 100, 0, 0 },
		{ "two", 1, 64, 0, 0 },
		{ "9223372036854775808", 0, INT64_MAX, 0, 0 },
		{ "99999999999999999999", 0, INT64_MAX, 0, 0 },
	};
	struct ds_buf why = { 0 }, want = { 0 };
	long long n;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = -42;
		rc = ds_parse_count(t[i].v, t[i].min, t[i].max, &n, &why);
		if ((rc == 0) != t[i].ok || (t[i].ok && n != t[i].want))
			unit_fail(__FILE__, __LINE__, "\"%s\" in [%lld, %lld]: rc %d, n %lld",
			    t[i].v, t[i].min, t[i].max, rc, n);
		if (!t[i].ok) {
			ds_buf_reset(&want);
			ds_buf_printf(&want, WANT_COUNT, t[i].min, t[i].max);
			CHECK_STR(why.p, want.p);
		}
	}
	ds_buf_free(&why);
	ds_buf_free(&want);
}

UNIT_TEST(args_byte_sizes_take_k_m_g)
{
	static const struct {
		const char	*v;
		uint64_t	 min, max;
		int		 ok;
		uint64_t	 want;
	} t[] = {
		{ "65536", 1, 1ULL << 40, 1, 65536 },
		{ "64K", 1, 1ULL << 40, 1, 64 << 10 },
		{ "64k", 1, 1ULL << 40, 1, 64 << 10 },
		{ "16M", 1, 1ULL << 40, 1, 16 << 20 },
		{ "16m", 1, 1ULL << 40, 1, 16 << 20 },
		{ "1G", 1, 1ULL << 40, 1, 1ULL << 30 },
		{ "1024G", 1, 1ULL << 40, 1, 1ULL << 40 },
		{ "1025G", 1, 1ULL << 40, 0, 0 },
		{ "0", 1, 1ULL << 40, 0, 0 },
		{ "0K", 1, 1ULL << 40, 0, 0 },
		{ "0", 0, 10, 1, 0 },
		{ "K", 1, 1ULL << 40, 0, 0 },
		{ "", 1, 1ULL << 40, 0, 0 },
		{ "1KB", 1, 1ULL << 40, 0, 0 },
		{ "1T", 1, UINT64_MAX, 0, 0 },
		{ "1.5M", 1, 1ULL << 40, 0, 0 },
		{ "-1", 0, 1ULL << 40, 0, 0 },
		{ "1 M", 1, 1ULL << 40, 0, 0 },
		{ "17179869184G", 0, UINT64_MAX, 0, 0 },	/* 2^64 overflows */
		{ "17179869183G", 0, UINT64_MAX, 1, 17179869183ULL << 30 },
	};
	struct ds_buf why = { 0 };
	uint64_t n;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = 42;
		rc = ds_parse_bytes(t[i].v, t[i].min, t[i].max, &n, &why);
		if ((rc == 0) != t[i].ok || (t[i].ok && n != t[i].want))
			unit_fail(__FILE__, __LINE__, "\"%s\": rc %d, n %llu", t[i].v, rc,
			    (unsigned long long)n);
	}
	ds_parse_bytes("0", 1, 1ULL << 40, &n, &why);
	CHECK_STR(why.p, "want a whole number of bytes from 1 to 1099511627776"
	    " (K, M or G after it: times 2^10, 2^20 or 2^30)");
	ds_buf_free(&why);
}

UNIT_TEST(args_durations_take_s_m_h_d_and_fractions)
{
	static const struct {
		const char	*v;
		double		 min, max;
		int		 ok;
		double		 want;
	} t[] = {
		{ "30", 0, 86400, 1, 30 },
		{ "0", 0, 86400, 1, 0 },
		{ "2.5", 0, 86400, 1, 2.5 },
		{ "0.25", 0.001, 86400, 1, 0.25 },
		{ "90s", 0, 86400, 1, 90 },
		{ "15m", 0, 86400, 1, 900 },
		{ "2h", 0, 86400, 1, 7200 },
		{ "1d", 0, 86400, 1, 86400 },
		{ "1h30m", 0, 86400, 1, 5400 },
		{ "1m30", 0, 86400, 1, 90 },
		{ "1.5h", 0, 86400, 1, 5400 },
		{ "1d1s", 0, 86400, 0, 0 },
		{ "0", 0.001, 86400, 0, 0 },
		{ "", 0, 86400, 0, 0 },
		{ "abc", 0, 86400, 0, 0 },
		{ "-1", 0, 86400, 0, 0 },
		{ "+1", 0, 86400, 0, 0 },
		{ ".5", 0, 86400, 0, 0 },
		{ "5.", 0, 86400, 0, 0 },
		{ "1e3", 0, 86400, 0, 0 },
		{ "0x10", 0, 86400, 0, 0 },
		{ "inf", 0, 86400, 0, 0 },
		{ "nan", 0, 86400, 0, 0 },
		{ "1w", 0, 86400, 0, 0 },
		{ "1h 30m", 0, 86400, 0, 0 },
		{ "30 ", 0, 86400, 0, 0 },
		{ "1s30", 0, 86400, 1, 31 },
		{ "h", 0, 86400, 0, 0 },
		{ "1hm", 0, 86400, 0, 0 },
	};
	struct ds_buf why = { 0 };
	double d;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		d = -42;
		rc = ds_parse_seconds(t[i].v, t[i].min, t[i].max, &d, &why);
		if ((rc == 0) != t[i].ok || (t[i].ok && d != t[i].want))
			unit_fail(__FILE__, __LINE__, "\"%s\": rc %d, seconds %g", t[i].v, rc, d);
	}
	ds_parse_seconds("0", 0.001, 31536000, &d, &why);
	CHECK_STR(why.p, "want a duration from 0.001 to 31536000 seconds,"
	    " such as 30, 2.5, 90s, 15m, 1h30m or 2d");
	ds_buf_free(&why);
}

UNIT_TEST(args_table_names_are_name_or_schema_dot_name)
{
	static const char n63[] =
	    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk";
	static const char n64[] =
	    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl";
	char s63[140], s64[140], ns64[140];
	struct ds_buf why = { 0 };
	size_t i;

	snprintf(s63, sizeof(s63), "%s.%s", n63, n63);
	snprintf(s64, sizeof(s64), "%s.%s", n64, n63);
	snprintf(ns64, sizeof(ns64), "%s.%s", n63, n64);
	{
		const struct {
			const char	*v;
			int		 ok;
		} t[] = {
			{ "events", 1 },
			{ "raw.events", 1 },
			{ "Events Table", 1 },
			{ "x", 1 },
			{ "a.b", 1 },
			{ n63, 1 },
			{ s63, 1 },
			{ n64, 0 },
			{ s64, 0 },
			{ ns64, 0 },
			{ "", 0 },
			{ ".", 0 },
			{ ".events", 0 },
			{ "raw.", 0 },
			{ "a.b.c", 0 },
			{ "a..b", 0 },
		};

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
			if ((ds_parse_table(t[i].v, &why) == 0) != t[i].ok)
				unit_fail(__FILE__, __LINE__, "\"%s\": want %s", t[i].v,
				    t[i].ok ? "accepted" : "refused");
	}
	ds_parse_table("a.b.c", &why);
	CHECK_STR(why.p, "want NAME or SCHEMA.NAME, each 1 to 63 bytes");
	ds_buf_free(&why);
}

UNIT_TEST(args_choices_name_every_word)
{
	static const char *const two[] = { "id", "hash", NULL };
	static const char *const three[] = { "cursor", "offset", "page", NULL };
	struct ds_buf why = { 0 };

	CHECK(ds_parse_choice("id", two, &why) == 0);
	CHECK(ds_parse_choice("hash", two, &why) == 1);
	CHECK(ds_parse_choice("page", three, &why) == 2);
	CHECK(ds_parse_choice("name", two, &why) == -1);
	CHECK_STR(why.p, "want id or hash");
	CHECK(ds_parse_choice("", three, &why) == -1);
	CHECK_STR(why.p, "want cursor, offset or page");
	CHECK(ds_parse_choice("ID", two, &why) == -1);
	ds_buf_free(&why);
}
