#include <string.h>

#include "timeparse.h"

#define US_PER_SEC	INT64_C(1000000)
#define US_PER_DAY	(INT64_C(86400) * US_PER_SEC)
#define MIN_US		INT64_C(-62135596800000000)	/* 0001-01-01T00:00:00Z */
#define MAX_US		INT64_C(253402300799999999)	/* 9999-12-31T23:59:59.999999Z */
#define MAXDIGITS	40

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The date of day z since 1970-01-01. */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Whether us falls in the years 0001..9999. */
static int
in_range(int64_t us)
{
	return us >= MIN_US && us <= MAX_US;
}

/*
 * The number [s, s+n) as epoch time: unit 's' seconds, 'm' milliseconds,
 * 'a' by magnitude (see timeparse.h).
 */
static int
number(const char *s, size_t n, int unit, struct ds_time *t)
{
	const char *p = s, *end = s + n;
	char dig[MAXDIGITS];
	int nd = 0, neg = 0, ms, k, i, trunc = 0;
	long e = 0, prec = 0, x = 0;
	int64_t mag = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return DS_TIME_BAD;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return DS_TIME_BAD;
	/* value = dig * 10^e; prec = exponent of the last digit written */
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (nd == 0 && *p == '0')
			continue;
		if (nd < MAXDIGITS)
			dig[nd++] = *p;
		else
			e++;
	}
	if (p < end && *p == '.') {
		if (++p >= end || *p < '0' || *p > '9')
			return DS_TIME_BAD;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			prec--;
			if (nd == 0 && *p == '0') {
				e--;
				continue;
			}
			if (nd < MAXDIGITS) {
				dig[nd++] = *p;
				e--;
			}
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0;

		if (++p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p >= end || *p < '0' || *p > '9')
			return DS_TIME_BAD;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (x < 100000)
				x = x * 10 + (*p - '0');
		if (eneg)
			x = -x;
	}
	if (p != end)
		return DS_TIME_BAD;
	e += x;
	prec += x;
	while (nd > 0 && dig[nd - 1] == '0') {	/* trailing zeros: same value */
		nd--;
		e++;
	}
	ms = unit == 'a' ? nd > 0 && nd + e >= 12 : unit == 'm';
	t->micro = prec + (ms ? 3 : 6) < 3;
	if (nd == 0) {
		t->us = 0;
		return DS_TIME_OK;
	}
	if (nd + e + (ms ? 3 : 6) > 18)
		return DS_TIME_RANGE;
	k = (int)(e + (ms ? 3 : 6));
	for (i = 0; i < nd; i++) {
		if (k < 0 && i >= nd + k) {
			trunc = 1;
			break;
		}
		mag = mag * 10 + (dig[i] - '0');
	}
	for (; k > 0; k--)
		mag *= 10;
	t->us = neg ? -mag - trunc : mag;
	return in_range(t->us) ? DS_TIME_OK : DS_TIME_RANGE;
}

int
ds_time_parse_number(const char *s, size_t n, struct ds_time *t)
{
	return number(s, n, 'a', t);
}

/* Read exactly n digits at *pp into *v; 0 or -1. */
static int
digits(const char **pp, const char *end, int n, int *v)
{
	const char *p = *pp;
	int i;

	if (end - p < n)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	return 0;
}

/*
 * An ISO 8601 date-time; without a zone (only when local is set) it is
 * taken as UTC plus zone_s seconds.
 */
static int
iso(const char *s, size_t n, int local, long zone_s, struct ds_time *t)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s, *end = s + n;
	int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 0, nf = 0, leap;
	int64_t frac = 0, us;

	if (digits(&p, end, 4, &y) < 0 || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &mo) < 0 || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &d) < 0 || p >= end ||
	    (*p != 'T' && *p != 't' && *p != ' ') ||
	    (p++, digits(&p, end, 2, &h)) < 0 || p >= end || *p++ != ':' ||
	    digits(&p, end, 2, &mi) < 0)
		return DS_TIME_BAD;
	if (p < end && *p == ':') {
		p++;
		if (digits(&p, end, 2, &sec) < 0)
			return DS_TIME_BAD;
		if (p < end && (*p == '.' || *p == ',')) {
			p++;
			for (; p < end && *p >= '0' && *p <= '9'; p++, nf++)
				if (nf < 6)
					frac = frac * 10 + (*p - '0');
			if (nf == 0)
				return DS_TIME_BAD;
		}
	}
	if (p >= end && !local)
		return DS_TIME_BAD;
	if (p >= end) {
		long a = zone_s < 0 ? -zone_s : zone_s;

		sign = zone_s < 0 ? -1 : 1;
		oh = (int)(a / 3600);
		om = (int)(a / 60 % 60);
	} else if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, end, 2, &oh) < 0)
			return DS_TIME_BAD;
		if (p < end && *p == ':') {
			p++;
			if (digits(&p, end, 2, &om) < 0)
				return DS_TIME_BAD;
		} else if (p < end && digits(&p, end, 2, &om) < 0)
			return DS_TIME_BAD;
	} else
		return DS_TIME_BAD;
	if (p != end)
		return DS_TIME_BAD;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		return DS_TIME_BAD;
	t->micro = nf > 3;
	for (; nf < 6; nf++)
		frac *= 10;
	us = days_from_civil(y, (unsigned)mo, (unsigned)d) * US_PER_DAY +
	    ((int64_t)h * 3600 + mi * 60 + sec) * US_PER_SEC + frac;
	us -= (int64_t)sign * (oh * 3600 + om * 60) * US_PER_SEC;
	t->us = us;
	return y >= 1 && in_range(us) ? DS_TIME_OK : DS_TIME_RANGE;
}

int
ds_time_parse_iso(const char *s, size_t n, struct ds_time *t)
{
	return iso(s, n, 0, 0, t);
}

int
ds_time_parse_form(int form, long zone_s, const char *s, size_t n, int quoted,
    struct ds_time *t)
{
	switch (form) {
	case DS_TSF_ISO:
		return quoted ? iso(s, n, 0, 0, t) : DS_TIME_BAD;
	case DS_TSF_ISO_LOCAL:
		return quoted ? iso(s, n, 1, zone_s, t) : DS_TIME_BAD;
	case DS_TSF_EPOCH:
		return number(s, n, 's', t);
	case DS_TSF_EPOCH_MS:
		return number(s, n, 'm', t);
	default:
		return quoted ? ds_time_parse_text(s, n, t) : number(s, n, 'a', t);
	}
}

int
ds_time_parse_text(const char *s, size_t n, struct ds_time *t)
{
	if (n >= 10 && s[4] == '-')
		return ds_time_parse_iso(s, n, t);
	return ds_time_parse_number(s, n, t);
}

/* Write v as n decimal digits, zero-padded, at o. */
static void
put(char *o, unsigned v, int n)
{
	while (n-- > 0) {
		o[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

size_t
ds_time_format(const struct ds_time *t, char *out)
{
	int64_t days, rem, y;
	unsigned m, d, secs;
	size_t len;

	days = t->us / US_PER_DAY;
	rem = t->us % US_PER_DAY;
	if (rem < 0) {
		rem += US_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	secs = (unsigned)(rem / US_PER_SEC);
	memcpy(out, "0000-00-00T00:00:00.", 20);
	put(out, (unsigned)y, 4);
	put(out + 5, m, 2);
	put(out + 8, d, 2);
	put(out + 11, secs / 3600, 2);
	put(out + 14, secs / 60 % 60, 2);
	put(out + 17, secs % 60, 2);
	if (t->micro) {
		put(out + 20, (unsigned)(rem % US_PER_SEC), 6);
		len = 26;
	} else {
		put(out + 20, (unsigned)(rem % US_PER_SEC / 1000), 3);
		len = 23;
	}
	out[len++] = 'Z';
	out[len] = '\0';
	return len;
}
