#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jcs.h"
#include "json.h"

struct jcs_member {
	const char	*key;		/* raw key text between the quotes */
	size_t		 keylen;
	size_t		 start, end;	/* the member's canonical text in out */
	size_t		 idx;		/* input order, to keep sorting stable */
	int		 plain;		/* no escape, no 4-byte UTF-8: memcmp order is UTF-16 order */
	uint64_t	 prefix;	/* a plain key's first 8 bytes, big-endian, zero-padded */
};

static const char *value(struct ds_jcs *, const char *, const char *, struct ds_buf *);

/* 1: bytes that end a run of plain string text (quote, backslash, controls);
 * 2: lead bytes of 4-byte UTF-8, which memcmp orders unlike UTF-16. */
static unsigned char special[256];

/* ds_buf_add without a call when the room is there. */
static inline void
add(struct ds_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len > n) {
		memcpy(b->p + b->len, p, n);
		b->len += n;
	} else
		ds_buf_add(b, p, n);
}

/* ds_buf_addc without a call when the room is there. */
static inline void
addc(struct ds_buf *b, char c)
{
	if (b->cap - b->len > 1)
		b->p[b->len++] = c;
	else
		ds_buf_addc(b, c);
}

/*
 * Next UTF-16 code unit of a raw (validated) string text, or -1 at its end.
 * A surrogate escape not in a pair counts as U+FFFD, as the canonical form
 * writes it, so that form sorts as its own canonical form does.
 */
static long
u16next(const unsigned char **pp, const unsigned char *end, unsigned *pend)
{
	const unsigned char *p = *pp;
	unsigned cp;

	if (*pend != 0) {
		cp = *pend;
		*pend = 0;
		return cp;
	}
	if (p >= end)
		return -1;
	if (*p == '\\') {
		*pp = p + 2;
		switch (p[1]) {
		case 'b': return '\b';
		case 'f': return '\f';
		case 'n': return '\n';
		case 'r': return '\r';
		case 't': return '\t';
		case 'u':
			*pp = p + ds_json_uescape((const char *)p, (const char *)end, &cp);
			if (cp < 0x10000)
				return cp;
			cp -= 0x10000;
			*pend = 0xdc00 | (cp & 0x3ff);
			return 0xd800 | cp >> 10;
		default: return p[1];
		}
	}
	if (*p < 0x80) {
		*pp = p + 1;
		return *p;
	}
	if (*p < 0xe0) {
		cp = (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu);
		*pp = p + 2;
	} else if (*p < 0xf0) {
		cp = (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
		*pp = p + 3;
	} else {
		cp = (p[0] & 0x07u) << 18 | (p[1] & 0x3fu) << 12 |
		    (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu);
		*pp = p + 4;
		cp -= 0x10000;
		*pend = 0xdc00 | (cp & 0x3ff);
		return 0xd800 | cp >> 10;
	}
	return cp;
}

/* Order of two keys by UTF-16 code units, then input order. */
static int
keycmp(const struct jcs_member *a, const struct jcs_member *b)
{
	const unsigned char *pa = (const unsigned char *)a->key, *ea = pa + a->keylen;
	const unsigned char *pb = (const unsigned char *)b->key, *eb = pb + b->keylen;
	unsigned qa = 0, qb = 0;
	long ua, ub;
	int c;

	if (a->plain && b->plain) {
		if (a->prefix != b->prefix)
			return a->prefix < b->prefix ? -1 : 1;
		while (pa < ea && pb < eb && *pa == *pb) {
			pa++;
			pb++;
		}
		if (pa < ea && pb < eb)
			c = *pa < *pb ? -1 : 1;
		else
			c = pa < ea ? 1 : pb < eb ? -1 : 0;
	} else {
		do {
			ua = u16next(&pa, ea, &qa);
			ub = u16next(&pb, eb, &qb);
		} while (ua == ub && ua >= 0);
		c = ua < ub ? -1 : ua > ub;
	}
	if (c == 0)
		c = a->idx < b->idx ? -1 : a->idx > b->idx;
	return c;
}

/* keycmp() > 0, deciding most plain keys by their prefixes alone. */
static inline int
after(const struct jcs_member *a, const struct jcs_member *b)
{
	if (a->plain && b->plain && a->prefix != b->prefix)
		return a->prefix > b->prefix;
	return keycmp(a, b) > 0;
}

/* keycmp() for qsort(). */
static int
keycmp_q(const void *a, const void *b)
{
	return keycmp(a, b);
}

/* Write code point cp inside a string with RFC 8785's escapes. */
static void
put_char(struct ds_buf *out, unsigned cp)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', 0, 0 };

	switch (cp) {
	case '"': ds_buf_add(out, "\\\"", 2); return;
	case '\\': ds_buf_add(out, "\\\\", 2); return;
	case '\b': ds_buf_add(out, "\\b", 2); return;
	case '\f': ds_buf_add(out, "\\f", 2); return;
	case '\n': ds_buf_add(out, "\\n", 2); return;
	case '\r': ds_buf_add(out, "\\r", 2); return;
	case '\t': ds_buf_add(out, "\\t", 2); return;
	}
	if (cp < 0x20) {
		e[4] = hex[cp >> 4];
		e[5] = hex[cp & 15];
		ds_buf_add(out, e, 6);
	} else
		ds_utf8_put(out, cp);
}

/* The first quote, backslash or control byte from q on (end if none). */
static inline const char *
plain_run(const char *q, const char *end)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones * 0x80;
	uint64_t w, t;

	/* Eight bytes at a time while none is a quote, a backslash or a control. */
	while (end - q >= 8) {
		memcpy(&w, q, 8);
		t = ((w ^ ones * '"') - ones) & ~(w ^ ones * '"');
		t |= ((w ^ ones * '\\') - ones) & ~(w ^ ones * '\\');
		t |= (w - ones * 0x20) & ~w;
		if ((t &= highs) != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* the lowest flagged byte is exact: borrows only run upwards */
			q += __builtin_ctzll(t) / 8;
#endif
			break;
		}
		q += 8;
	}
	while (q < end && special[(unsigned char)*q] != 1)
		q++;
	return q;
}

/*
 * p at a string's opening quote: write its canonical form and return the
 * byte after it. *plain, when not NULL, tells whether memcmp orders it.
 */
static const char *
string(const char *p, const char *end, struct ds_buf *out, int *plain)
{
	const char *s = p + 1, *q = s;

	if (plain != NULL) {
		/* A key: short; note a 4-byte UTF-8 sequence on the way. */
		int pl = 1;

		for (; q < end; q++) {
			unsigned char k = special[(unsigned char)*q];

			if (k == 1)
				break;
			if (k == 2)
				pl = 0;
		}
		if (q < end && *q == '"') {
			add(out, p, (size_t)(q + 1 - p));
			*plain = pl;
			return q + 1;
		}
	} else {
		q = plain_run(q, end);
		if (q < end && *q == '"') {
			add(out, p, (size_t)(q + 1 - p));
			return q + 1;
		}
	}
	if (plain != NULL)
		*plain = 0;
	add(out, p, (size_t)(q - p));
	while (q < end && *q != '"') {
		if (*q != '\\') {
			s = q;
			/* a control byte (only in text not validated) goes as it is */
			if ((q = plain_run(q, end)) == s)
				q++;
			add(out, s, (size_t)(q - s));
			continue;
		}
		switch (q[1]) {
		case 'u': {
			unsigned u;

			/* a lone surrogate becomes U+FFFD: callers reject those (DS_JSON_SURR) */
			q += ds_json_uescape(q, end, &u);
			put_char(out, u);
			break;
		}
		case 'b': put_char(out, '\b'); q += 2; break;
		case 'f': put_char(out, '\f'); q += 2; break;
		case 'n': put_char(out, '\n'); q += 2; break;
		case 'r': put_char(out, '\r'); q += 2; break;
		case 't': put_char(out, '\t'); q += 2; break;
		default: put_char(out, (unsigned char)q[1]); q += 2; break;
		}
	}
	addc(out, '"');
	return q + 1;
}

/*
 * Whether the valid JSON number p (n bytes) is already in its canonical form
 * as a plain decimal: [-]I.F with no exponent, F not ending in 0, at most 15
 * significant digits (so the double's shortest round trip is these digits)
 * and a value of at least 1e-6 (smaller ones are written with an exponent).
 */
static int
plain_decimal(const char *p, size_t n)
{
	const char *s = p, *end = p + n, *dot;
	int sig = 0;

	if (*s == '-')
		s++;
	if ((dot = memchr(s, '.', (size_t)(end - s))) == NULL || end[-1] == '0')
		return 0;
	if (*s == '0') {
		/* 0.F: F's leading zeros are not significant, at most five of them */
		for (s = dot + 1; s < end && *s == '0'; s++)
			;
		if (s - dot - 1 > 5)
			return 0;
		sig = (int)(end - s);
	} else
		sig = (int)(end - s) - 1;
	for (s = dot + 1; s < end; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return sig <= 15;
}

/* p at a number: write its canonical form, return the byte after it. */
static const char *
number(const char *p, const char *end, struct ds_buf *out)
{
	const char *s = p;
	int simple = 1;
	char *o;
	size_t n;

	while (s < end && ((*s >= '0' && *s <= '9') || *s == '-'))
		s++;
	if (s < end && (*s == '.' || *s == 'e' || *s == 'E' || *s == '+')) {
		simple = 0;
		while (s < end && ((*s >= '0' && *s <= '9') || *s == '-' ||
		    *s == '+' || *s == '.' || *s == 'e' || *s == 'E'))
			s++;
	}
	n = (size_t)(s - p);
	if (simple && n - (*p == '-') <= 15 && !(n == 2 && p[0] == '-' && p[1] == '0')) {
		add(out, p, n);
		return s;
	}
	if (plain_decimal(p, n)) {
		add(out, p, n);
		return s;
	}
	o = ds_buf_reserve(out, DS_JCS_NUMMAX);
	if ((n = ds_jcs_number(p, n, o)) == 0) {
		ds_buf_add(out, p, (size_t)(s - p));
		return s;
	}
	/*
	 * An integer of 16 to 21 digits is written by ECMAScript in full, so
	 * a canonical form other than its own digits means the double lost
	 * some: keep the digits, so that values which differ stay different.
	 */
	if (simple && (size_t)(s - p) - (*p == '-') >= 16 &&
	    (size_t)(s - p) - (*p == '-') <= 21 &&
	    (n != (size_t)(s - p) || memcmp(o, p, n) != 0)) {
		ds_buf_add(out, p, (size_t)(s - p));
		return s;
	}
	out->len += n;
	return s;
}

/* Sort m[0..n) by key; 0 when they were in order already. */
static int
sort_keys(struct jcs_member *m, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++)
		if (after(&m[i - 1], &m[i]))
			break;
	if (i >= n)
		return 0;
	if (n <= 16) {
		for (i = 1; i < n; i++) {
			struct jcs_member t = m[i];

			for (j = i; j > 0 && after(&m[j - 1], &t); j--)
				m[j] = m[j - 1];
			m[j] = t;
		}
	} else
		qsort(m, n, sizeof(*m), keycmp_q);
	return 1;
}

/* Reorder the members m[0..n) of the object whose members' text starts at base in out. */
static void
sort_members(struct ds_jcs *c, struct jcs_member *m, size_t n, size_t base,
    struct ds_buf *out)
{
	size_t i;

	if (!sort_keys(m, n))
		return;
	ds_buf_reset(&c->tmp);
	ds_buf_add(&c->tmp, out->p + base, out->len - base);
	out->len = base;
	for (i = 0; i < n; i++) {
		if (i > 0)
			addc(out, ',');
		add(out, c->tmp.p + (m[i].start - base), m[i].end - m[i].start);
	}
}

/* The first 8 bytes of a key as a big-endian number, zero-padded. */
static uint64_t
key_prefix(const char *k, size_t n, const char *end)
{
	unsigned char b[8] = { 0 };
	uint64_t v;

	if (end - k >= 8) {
		/* one load, the bytes past the key shifted out (no byte stores to
		 * reload: a store-forwarding stall showed in perf here) */
		memcpy(&v, k, 8);
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		v = __builtin_bswap64(v);
		if (n < 8)
			v = n == 0 ? 0 : v >> (8 * (8 - n)) << (8 * (8 - n));
		return v;
#else
		memcpy(b, k, n < 8 ? n : 8);
#endif
	} else
		memcpy(b, k, n < 8 ? n : 8);
	v = (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 | (uint64_t)b[2] << 40 |
	    (uint64_t)b[3] << 32 | (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
	    (uint64_t)b[6] << 8 | b[7];
	return v;
}

/* p at '{'. */
static const char *
object(struct ds_jcs *c, const char *p, const char *end, struct ds_buf *out)
{
	size_t first = c->n, base;
	struct jcs_member *m;

	addc(out, '{');
	base = out->len;
	p = ds_json_ws(p + 1, end);
	while (p < end && *p == '"') {
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 64;
			c->m = ds_xrealloc(c->m, c->cap * sizeof(*c->m));
		}
		m = &c->m[c->n++];
		if (out->len > base)
			addc(out, ',');
		m->start = out->len;
		m->key = p + 1;
		m->idx = c->n;
		p = string(p, end, out, &m->plain);
		m->keylen = (size_t)(p - 1 - m->key);
		if (m->plain)
			m->prefix = key_prefix(m->key, m->keylen, end);
		p = ds_json_ws(p, end);
		addc(out, ':');
		p = value(c, p + 1, end, out);
		c->m[c->n - 1].end = out->len;	/* c->m may have moved */
		p = ds_json_ws(p, end);
		if (p < end && *p == ',')
			p = ds_json_ws(p + 1, end);
	}
	if (c->n > first)	/* c->m is NULL until an object has members */
		sort_members(c, c->m + first, c->n - first, base, out);
	c->n = first;
	addc(out, '}');
	return p + 1;
}

/* p at '['. */
static const char *
array(struct ds_jcs *c, const char *p, const char *end, struct ds_buf *out)
{
	addc(out, '[');
	p = ds_json_ws(p + 1, end);
	while (p < end && *p != ']') {
		p = value(c, p, end, out);
		p = ds_json_ws(p, end);
		if (p < end && *p == ',') {
			addc(out, ',');
			p = ds_json_ws(p + 1, end);
		}
	}
	addc(out, ']');
	return p + 1;
}

/* Write the canonical form of the value at (whitespace before) p; return the byte after it. */
static const char *
value(struct ds_jcs *c, const char *p, const char *end, struct ds_buf *out)
{
	p = ds_json_ws(p, end);
	if (p >= end)
		return p;
	switch (*p) {
	case '{':
		return object(c, p, end, out);
	case '[':
		return array(c, p, end, out);
	case '"':
		return string(p, end, out, NULL);
	case 't':
		add(out, "true", 4);
		return p + 4;
	case 'f':
		add(out, "false", 5);
		return p + 5;
	case 'n':
		add(out, "null", 4);
		return p + 4;
	default:
		return number(p, end, out);
	}
}

/* Fill the table of special bytes on first use. */
static void
init_special(void)
{
	int i;

	if (special['"'])
		return;
	for (i = 0; i < 0x20; i++)
		special[i] = 1;
	special['"'] = special['\\'] = 1;
	for (i = 0xf0; i < 0x100; i++)
		special[i] = 2;
}

void
ds_jcs_setup(void)
{
	init_special();
}

void
ds_jcs(struct ds_jcs *c, const char *p, size_t n, struct ds_buf *out)
{
	init_special();
	c->n = 0;
	ds_buf_reserve(out, n + 64);
	value(c, p, p + n, out);
	ds_buf_terminate(out);
}

/* Non-zero when the n keys of mm are those of c->keys, in the same order. */
static int
same_keys(const struct ds_jcs *c, const struct ds_json_member *mm, size_t n)
{
	const char *k = c->keys.p;
	size_t i, j, l;
	uint64_t a, b;

	if (n != c->norder || c->order == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		memcpy(&l, k, sizeof(l));
		k += sizeof(l);
		if (l != mm[i].keylen)
			return 0;
		/* keys are short: no call; eight bytes at a time, then one */
		for (j = 0; j + 8 <= l; j += 8) {
			memcpy(&a, k + j, 8);
			memcpy(&b, mm[i].key + j, 8);
			if (a != b)
				return 0;
		}
		for (; j < l; j++)
			if (k[j] != mm[i].key[j])
				return 0;
		k += l;
	}
	return 1;
}

/* Sort the n keys of mm into c->order, and keep them in c->keys. */
static void
order_keys(struct ds_jcs *c, const struct ds_json_member *mm, size_t n)
{
	struct jcs_member *m;
	const unsigned char *k, *ke;
	size_t i;

	if (n > c->cap) {
		c->cap = n + 64;
		c->m = ds_xrealloc(c->m, c->cap * sizeof(*c->m));
	}
	ds_buf_reset(&c->keys);
	for (i = 0; i < n; i++) {
		m = &c->m[i];
		m->key = mm[i].key;
		m->keylen = mm[i].keylen;
		m->idx = i;
		m->start = i;
		m->plain = 1;
		k = (const unsigned char *)m->key;
		for (ke = k + m->keylen; k < ke; k++)
			if (special[*k] != 0) {
				m->plain = 0;
				break;
			}
		if (m->plain)
			m->prefix = key_prefix(m->key, m->keylen, m->key + m->keylen + 1);
		ds_buf_add(&c->keys, &m->keylen, sizeof(m->keylen));
		ds_buf_add(&c->keys, m->key, m->keylen);
	}
	sort_keys(c->m, n);
	free(c->order);
	c->order = ds_xcalloc(2 * n + 2, sizeof(*c->order));
	ds_buf_reset(&c->ktext);
	for (i = 0; i < n; i++) {
		m = &c->m[i];
		c->order[i] = m->start;
		c->order[n + 1 + i] = c->ktext.len;
		addc(&c->ktext, i > 0 ? ',' : '{');
		string(m->key - 1, m->key + m->keylen + 1, &c->ktext, NULL);
		addc(&c->ktext, ':');
	}
	c->order[2 * n + 1] = c->ktext.len;
	c->norder = n;
}

/*
 * The object is already split into members, so its keys are sorted first
 * (or their order is the last object's, for the same keys) and each member
 * is written once, in its place: no rescan of the object's structure and
 * no copy of its members' text to reorder them.
 */
void
ds_jcs_members(struct ds_jcs *c, const struct ds_json_member *mm, size_t n,
    const unsigned char *asis, struct ds_buf *out)
{
	const size_t *kt;
	size_t i, x;

	init_special();
	if (!same_keys(c, mm, n))
		order_keys(c, mm, n);
	c->n = 0;
	kt = c->order + n + 1;
	if (n == 0)
		addc(out, '{');
	for (i = 0; i < n; i++) {
		x = c->order[i];
		add(out, c->ktext.p + kt[i], kt[i + 1] - kt[i]);
		if (asis != NULL && asis[x])
			add(out, mm[x].val, mm[x].vallen);
		else
			value(c, mm[x].val, mm[x].val + mm[x].vallen, out);
	}
	addc(out, '}');
	ds_buf_terminate(out);
}

void
ds_jcs_free(struct ds_jcs *c)
{
	free(c->m);
	free(c->order);
	ds_buf_free(&c->tmp);
	ds_buf_free(&c->keys);
	ds_buf_free(&c->ktext);
	c->m = NULL;
	c->order = NULL;
	c->n = c->cap = c->norder = 0;
}
