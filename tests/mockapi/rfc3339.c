#include <stddef.h>
#include <stdint.h>

#include "rfc3339.h"

int64_t
rfc3339_days(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The civil date of day z since 1970-01-01 into *y, *m, *d. */
static void
civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Read exactly n digits of s at *i into *v; returns -1 if they are not digits. */
static int
digits(const char *s, size_t len, size_t *i, int n, unsigned *v)
{
	*v = 0;
	while (n-- > 0) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(s[(*i)++] - '0');
	}
	return 0;
}

static int
leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
rfc3339_parse(const char *s, size_t n, int64_t *ms)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, se, oh, om, fms = 0, k = 0;
	size_t i = 0;
	int up = 0, sign = 0;
	int64_t t;

	if (digits(s, n, &i, 4, &y) || i >= n || s[i++] != '-' ||
	    digits(s, n, &i, 2, &mo) || i >= n || s[i++] != '-' ||
	    digits(s, n, &i, 2, &d) || i >= n || (s[i] != 'T' && s[i] != 't') ||
	    (++i, digits(s, n, &i, 2, &h)) || i >= n || s[i++] != ':' ||
	    digits(s, n, &i, 2, &mi) || i >= n || s[i++] != ':' ||
	    digits(s, n, &i, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 || mi > 59 || se > 60)
		return -1;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return -1;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++) {
			if (k < 3)
				fms = fms * 10 + (unsigned)(s[i] - '0');
			else if (s[i] != '0')
				up = 1;
		}
		for (; k < 3; k++)
			fms *= 10;
	}
	if (i >= n)
		return -1;
	if (s[i] == 'Z' || s[i] == 'z') {
		oh = om = 0;
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i++] == '-' ? -1 : 1;
		if (digits(s, n, &i, 2, &oh) || i >= n || s[i++] != ':' ||
		    digits(s, n, &i, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (i != n)
		return -1;
	t = rfc3339_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	if (sign)
		t -= sign * (int64_t)(oh * 3600 + om * 60);
	*ms = t * 1000 + fms + up;
	return 0;
}

/* Write v as exactly n digits. */
static char *
putn(char *p, unsigned v, int n)
{
	int k;

	for (k = n - 1; k >= 0; k--, v /= 10)
		p[k] = (char)('0' + v % 10);
	return p + n;
}

size_t
rfc3339_format(char *out, int64_t ms, int frac, int offmin)
{
	int64_t local = ms + (int64_t)offmin * 60000, secs, days, y;
	unsigned m, d, sod, a;
	char *p = out;

	secs = local >= 0 ? local / 1000 : (local - 999) / 1000;
	days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	sod = (unsigned)(secs - days * 86400);
	civil(days, &y, &m, &d);
	p = putn(p, (unsigned)y, 4);
	*p++ = '-';
	p = putn(p, m, 2);
	*p++ = '-';
	p = putn(p, d, 2);
	*p++ = 'T';
	p = putn(p, sod / 3600, 2);
	*p++ = ':';
	p = putn(p, sod / 60 % 60, 2);
	*p++ = ':';
	p = putn(p, sod % 60, 2);
	if (frac) {
		*p++ = '.';
		p = putn(p, (unsigned)(local - secs * 1000), 3);
	}
	if (offmin == 0)
		*p++ = 'Z';
	else {
		a = (unsigned)(offmin < 0 ? -offmin : offmin);
		*p++ = offmin < 0 ? '-' : '+';
		p = putn(p, a / 60, 2);
		*p++ = ':';
		p = putn(p, a % 60, 2);
	}
	return (size_t)(p - out);
}
