/*
 * jcsnum.c - RFC 8785's number form: a JSON number written as ECMAScript
 * writes the double it denotes (shortest round trip, exponent rules), and
 * integers too wide for a double kept digit for digit (see jcs.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcs.h"

/* Append ECMAScript's text for the value D * 10^(n-k), D the k digits d (no zeros at either end). */
static size_t
es_format(int neg, const char *d, int k, int n, char *out)
{
	char *o = out;
	int i, x;

	if (neg)
		*o++ = '-';
	if (k <= n && n <= 21) {
		memcpy(o, d, (size_t)k);
		o += k;
		for (i = k; i < n; i++)
			*o++ = '0';
	} else if (0 < n && n <= 21) {
		memcpy(o, d, (size_t)n);
		o += n;
		*o++ = '.';
		memcpy(o, d + n, (size_t)(k - n));
		o += k - n;
	} else if (-6 < n && n <= 0) {
		*o++ = '0';
		*o++ = '.';
		for (i = n; i < 0; i++)
			*o++ = '0';
		memcpy(o, d, (size_t)k);
		o += k;
	} else {
		*o++ = d[0];
		if (k > 1) {
			*o++ = '.';
			memcpy(o, d + 1, (size_t)(k - 1));
			o += k - 1;
		}
		x = n - 1;
		*o++ = 'e';
		*o++ = x < 0 ? '-' : '+';
		if (x < 0)
			x = -x;
		if (x >= 100)
			*o++ = (char)('0' + x / 100);
		if (x >= 10)
			*o++ = (char)('0' + x / 10 % 10);
		*o++ = (char)('0' + x % 10);
	}
	*o = '\0';
	return (size_t)(o - out);
}

__extension__ typedef unsigned __int128 u128;

/*
 * The ECMAScript form of an integer token of 16..36 digits, done exactly
 * in 128-bit arithmetic: the nearest double, then the fewest digits that
 * still round to it (the nearest such, ties to even). Returns the length
 * written to out.
 */
static size_t
wide_integer(int neg, const char *d, int nd, char *out)
{
	u128 v = 0, pw, q, r, best = 0, lo4, hi4;
	uint64_t bits, m;
	int e, i, t, bestt = -1, even;
	char s[48];
	double x;

	{
		uint64_t hi = 0, lo = 0, scale = 1;
		int split = nd > 18 ? nd - 18 : 0;

		for (i = 0; i < split; i++)
			hi = hi * 10 + (unsigned)(d[i] - '0');
		for (; i < nd; i++) {
			lo = lo * 10 + (unsigned)(d[i] - '0');
			scale *= 10;
		}
		v = (u128)hi * scale + lo;
	}
	x = (double)v;				/* rounds to nearest, ties to even */
	memcpy(&bits, &x, sizeof(bits));
	m = (bits & ((UINT64_C(1) << 52) - 1)) | UINT64_C(1) << 52;
	e = (int)(bits >> 52 & 0x7ff) - 1075;	/* x = m * 2^e, e >= 1 here */
	if (e <= 0) {		/* below 2^53: every integer is exact */
		best = v;
		bestt = 0;
		goto digits;
	}
	v = (u128)m << e;
	even = (m & 1) == 0;
	/* half the gaps to the neighbours, times 4 */
	hi4 = (u128)1 << (e + 1);
	lo4 = m == UINT64_C(1) << 52 ? (u128)1 << e : hi4;
	for (pw = 1, t = 0; t < nd - 17; t++)
		pw *= 10;
	for (; t <= nd; t++, pw *= 10) {
		u128 c, dist4;
		int ok;

		if (((v | pw) >> 64) == 0) {
			/* both fit 64 bits (most such integers): no 128-bit division */
			q = (uint64_t)v / (uint64_t)pw;
			r = (uint64_t)v % (uint64_t)pw;
		} else {
			q = v / pw;
			r = v % pw;
		}
		if (r * 2 < pw || (r * 2 == pw && q % 2 == 0)) {
			c = q;
			dist4 = r * 4;
			ok = q > 0 && (even ? dist4 <= lo4 : dist4 < lo4);
		} else {
			c = q + 1;
			dist4 = (pw - r) * 4;
			ok = even ? dist4 <= hi4 : dist4 < hi4;
		}
		if (!ok)
			break;
		best = c;
		bestt = t;
	}
digits:
	/* best * 10^bestt: its digits, then ES's layout */
	i = (int)sizeof(s);
	{
		const uint64_t e18 = UINT64_C(1000000000000000000);
		uint64_t lo = (uint64_t)(best % e18), hi = (uint64_t)(best / e18);
		int k;

		for (k = 0; k < 18 && (lo > 0 || hi > 0); k++) {
			s[--i] = (char)('0' + lo % 10);
			lo /= 10;
		}
		for (; hi > 0; hi /= 10)
			s[--i] = (char)('0' + hi % 10);
	}
	nd = (int)sizeof(s) - i;
	while (nd > 1 && s[i + nd - 1] == '0') {
		nd--;
		bestt++;
	}
	return es_format(neg, s + i, nd, nd + bestt, out);
}

size_t
ds_jcs_number(const char *p, size_t n, char *out)
{
	const char *s = p, *end = p + n;
	char d[24], tmp[40], sbuf[64], *num;
	int k = 0, neg = 0, many = 0, seen = 0, intdigits = 0, prec;
	long q = 0, x = 0;
	double v;

	/* Fast path: at most 15 significant digits are exact in a double. */
	if (s < end && *s == '-') {
		neg = 1;
		s++;
	}
	/* value = D * 10^q, D the significant digits kept in d */
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (!seen && *s == '0')
			continue;
		seen = 1;
		if (k < 15)
			d[k++] = *s;
		else
			many = 1;
		intdigits++;
	}
	q = intdigits - k;
	if (s < end && *s == '.')
		for (s++; s < end && *s >= '0' && *s <= '9'; s++) {
			if (!seen && *s == '0') {
				q--;
				continue;
			}
			seen = 1;
			if (k < 15) {
				d[k++] = *s;
				q--;
			} else if (*s != '0')
				many = 1;
		}
	if (s < end && (*s == 'e' || *s == 'E')) {
		int eneg = 0;

		if (++s < end && (*s == '+' || *s == '-'))
			eneg = *s++ == '-';
		for (; s < end && *s >= '0' && *s <= '9'; s++)
			if (x < 100000)
				x = x * 10 + (*s - '0');
		if (eneg)
			x = -x;
	}
	while (k > 0 && d[k - 1] == '0') {
		k--;
		q++;
	}
	if (k == 0) {
		memcpy(out, "0", 2);
		return 1;
	}
	q += x;
	if (!many && k + q > -290 && k + q < 290)
		return es_format(neg, d, k, (int)(k + q), out);

	/* An integer too wide for a double: exact 128-bit path. */
	if (s == end && memchr(p, '.', n) == NULL && memchr(p, 'e', n) == NULL &&
	    memchr(p, 'E', n) == NULL && intdigits >= 16 && intdigits <= 36)
		return wide_integer(neg, p + neg, intdigits, out);

	/* Slow path: the nearest double, then its shortest round-trip digits. */
	num = n < sizeof(sbuf) ? sbuf : ds_xmalloc(n + 1);
	memcpy(num, p, n);
	num[n] = '\0';
	v = strtod(num, NULL);
	if (num != sbuf)
		free(num);
	if (!isfinite(v))
		return 0;
	if (v == 0) {
		memcpy(out, "0", 2);
		return 1;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* tmp is [-]d[.ddd]e[+-]xx */
	s = tmp;
	neg = *s == '-';
	if (neg)
		s++;
	k = 0;
	for (; *s != 'e'; s++)
		if (*s != '.')
			d[k++] = *s;
	x = strtol(s + 1, NULL, 10);
	while (k > 1 && d[k - 1] == '0')
		k--;
	return es_format(neg, d, k, (int)(x + 1), out);
}
