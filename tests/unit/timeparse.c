/* timeparse.c - every timestamp form of the API contract, and the output format. */
#include <string.h>

#include "timeparse.h"
#include "unit.h"

/* Parse in as a string value (text) or number token and format it. */
static void
ok(const char *in, int is_number, const char *want)
{
	struct ds_time t;
	char out[DS_TIME_FMTMAX];
	int rc;

	rc = is_number ? ds_time_parse_number(in, strlen(in), &t) :
	    ds_time_parse_text(in, strlen(in), &t);
	CHECK(rc == DS_TIME_OK);
	if (rc != DS_TIME_OK)
		return;
	ds_time_format(&t, out);
	CHECK_STR(out, want);
}

static void
bad(const char *in, int is_number, int want)
{
	struct ds_time t;
	int rc = is_number ? ds_time_parse_number(in, strlen(in), &t) :
	    ds_time_parse_text(in, strlen(in), &t);

	if (rc != want)
		unit_fail(__FILE__, __LINE__, "\"%s\": got %d, want %d", in, rc, want);
}

UNIT_TEST(time_iso_with_z_and_offsets)
{
	ok("2023-11-14T22:13:20Z", 0, "2023-11-14T22:13:20.000Z");
	ok("2023-11-14T22:13:20.123Z", 0, "2023-11-14T22:13:20.123Z");
	ok("2023-11-14T22:13:20.1Z", 0, "2023-11-14T22:13:20.100Z");
	ok("2023-11-14T22:13:20.123456Z", 0, "2023-11-14T22:13:20.123456Z");
	ok("2023-11-14T22:13:20.123456789Z", 0, "2023-11-14T22:13:20.123456Z");
	ok("2023-11-15T03:43:20+05:30", 0, "2023-11-14T22:13:20.000Z");
	ok("2023-11-14T17:13:20.5-05:00", 0, "2023-11-14T22:13:20.500Z");
	ok("2023-11-15T03:43:20+0530", 0, "2023-11-14T22:13:20.000Z");
	ok("2023-11-15T03:13:20+05", 0, "2023-11-14T22:13:20.000Z");
	ok("2023-11-14 22:13:20z", 0, "2023-11-14T22:13:20.000Z");
	ok("2024-02-29T00:00:00Z", 0, "2024-02-29T00:00:00.000Z");
	ok("1969-12-31T23:59:59.999Z", 0, "1969-12-31T23:59:59.999Z");
	ok("0001-01-01T00:00:00Z", 0, "0001-01-01T00:00:00.000Z");
	ok("9999-12-31T23:59:59.999999Z", 0, "9999-12-31T23:59:59.999999Z");
}

UNIT_TEST(time_epoch_seconds_and_milliseconds)
{
	ok("1700000000", 1, "2023-11-14T22:13:20.000Z");
	ok("1700000000.5", 1, "2023-11-14T22:13:20.500Z");
	ok("1700000000.123456", 1, "2023-11-14T22:13:20.123456Z");
	ok("1700000000123", 1, "2023-11-14T22:13:20.123Z");
	ok("1700000000123.5", 1, "2023-11-14T22:13:20.123500Z");
	ok("1.7e9", 1, "2023-11-14T22:13:20.000Z");
	ok("1.7e12", 1, "2023-11-14T22:13:20.000Z");
	ok("0", 1, "1970-01-01T00:00:00.000Z");
	ok("-1.5", 1, "1969-12-31T23:59:58.500Z");
	/* the rule: |value| >= 1e11 is milliseconds */
	ok("99999999999", 1, "5138-11-16T09:46:39.000Z");
	ok("100000000000", 1, "1973-03-03T09:46:40.000Z");
	/* numeric strings */
	ok("1700000000", 0, "2023-11-14T22:13:20.000Z");
	ok("1700000000123", 0, "2023-11-14T22:13:20.123Z");
	ok("1700000000.25", 0, "2023-11-14T22:13:20.250Z");
}

UNIT_TEST(time_rejects_other_text_and_out_of_range)
{
	bad("yesterday", 0, DS_TIME_BAD);
	bad("", 0, DS_TIME_BAD);
	bad("2023-11-14T22:13:20", 0, DS_TIME_BAD);
	bad("2023-11-14", 0, DS_TIME_BAD);
	bad("2023-02-29T00:00:00Z", 0, DS_TIME_BAD);
	bad("2023-13-01T00:00:00Z", 0, DS_TIME_BAD);
	bad("2023-11-14T24:00:00Z", 0, DS_TIME_BAD);
	bad("2023-11-14T22:13:20.Z", 0, DS_TIME_BAD);
	bad("2023-11-14T22:13:20Zx", 0, DS_TIME_BAD);
	bad("2023-11-14T22:13:20+05:", 0, DS_TIME_BAD);
	bad("2023-11-14T22:13:20+5", 0, DS_TIME_BAD);
	bad("17e", 0, DS_TIME_BAD);
	bad("0x10", 0, DS_TIME_BAD);
	bad(" 1700000000", 0, DS_TIME_BAD);
	bad("01", 1, DS_TIME_BAD);
	bad("0000-12-31T00:00:00Z", 0, DS_TIME_RANGE);
	bad("0001-01-01T00:30:00+01:00", 0, DS_TIME_RANGE);
	bad("1e300", 1, DS_TIME_RANGE);
	bad("-1e16", 1, DS_TIME_RANGE);
	bad("-62135596801", 1, DS_TIME_RANGE);
	bad("253402300800000", 1, DS_TIME_RANGE);
}

/* ts-form: each form against inputs it takes and refuses, as string or number. */
UNIT_TEST(time_forms_table)
{
	static const struct {
		int		 form;
		long		 zone;
		const char	*in;
		int		 quoted;
		int		 rc;
		const char	*want;
	} c[] = {
		{ DS_TSF_ISO, 0, "2021-06-01T12:00:00.000Z", 1, DS_TIME_OK,
		    "2021-06-01T12:00:00.000Z" },
		{ DS_TSF_ISO, 0, "2021-06-01T12:00:00.000", 1, DS_TIME_BAD, NULL },
		{ DS_TSF_ISO, 0, "1622548800", 0, DS_TIME_BAD, NULL },
		{ DS_TSF_ISO_LOCAL, 0, "2021-06-01T12:00:00.000", 1, DS_TIME_OK,
		    "2021-06-01T12:00:00.000Z" },
		{ DS_TSF_ISO_LOCAL, -5 * 3600, "2021-06-01T12:00:00.000", 1, DS_TIME_OK,
		    "2021-06-01T17:00:00.000Z" },
		{ DS_TSF_ISO_LOCAL, 5 * 3600 + 1800, "2021-06-01T12:00:00", 1, DS_TIME_OK,
		    "2021-06-01T06:30:00.000Z" },
		{ DS_TSF_ISO_LOCAL, -5 * 3600, "2021-06-01T12:00:00Z", 1, DS_TIME_OK,
		    "2021-06-01T12:00:00.000Z" },
		{ DS_TSF_ISO_LOCAL, 0, "2021-06-01", 1, DS_TIME_BAD, NULL },
		{ DS_TSF_ISO_LOCAL, 0, "0001-01-01T00:00:00", 1, DS_TIME_OK,
		    "0001-01-01T00:00:00.000Z" },
		{ DS_TSF_ISO_LOCAL, 3600, "0001-01-01T00:00:00", 1, DS_TIME_RANGE, NULL },
		{ DS_TSF_EPOCH, 0, "1622548800", 0, DS_TIME_OK, "2021-06-01T12:00:00.000Z" },
		{ DS_TSF_EPOCH, 0, "1622548800", 1, DS_TIME_OK, "2021-06-01T12:00:00.000Z" },
		{ DS_TSF_EPOCH, 0, "100000000000", 0, DS_TIME_OK, "5138-11-16T09:46:40.000Z" },
		{ DS_TSF_EPOCH, 0, "2021-06-01T12:00:00Z", 1, DS_TIME_BAD, NULL },
		{ DS_TSF_EPOCH_MS, 0, "1622548800000", 0, DS_TIME_OK,
		    "2021-06-01T12:00:00.000Z" },
		{ DS_TSF_EPOCH_MS, 0, "1622548800000", 1, DS_TIME_OK,
		    "2021-06-01T12:00:00.000Z" },
		{ DS_TSF_EPOCH_MS, 0, "1000", 0, DS_TIME_OK, "1970-01-01T00:00:01.000Z" },
		{ DS_TSF_EPOCH_MS, 0, "x", 1, DS_TIME_BAD, NULL },
		{ DS_TSF_AUTO, 0, "1622548800000", 0, DS_TIME_OK, "2021-06-01T12:00:00.000Z" },
		{ DS_TSF_AUTO, 0, "2021-06-01T12:00:00.000", 1, DS_TIME_BAD, NULL },
	};
	struct ds_time t;
	char out[DS_TIME_FMTMAX];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		rc = ds_time_parse_form(c[i].form, c[i].zone, c[i].in, strlen(c[i].in),
		    c[i].quoted, &t);
		if (rc != c[i].rc) {
			unit_fail(__FILE__, __LINE__, "case %zu \"%s\": got %d, want %d", i,
			    c[i].in, rc, c[i].rc);
			continue;
		}
		if (c[i].want != NULL) {
			ds_time_format(&t, out);
			CHECK_STR(out, c[i].want);
		}
	}
}
