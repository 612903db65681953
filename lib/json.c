#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "json.h"

/* Byte classes inside a string: 0 plain ASCII, 1 quote/backslash/control, 2 UTF-8 lead/other. */
static unsigned char strclass[256];
static unsigned char wsclass[256];
static int tables_ready;

__attribute__((constructor)) static void
init_tables(void)
{
	int c;

	for (c = 0; c < 256; c++)
		strclass[c] = c < 0x20 || c == '"' || c == '\\' ? 1 : c >= 0x80 ? 2 : 0;
	wsclass[' '] = wsclass['\t'] = wsclass['\n'] = wsclass['\r'] = 1;
	tables_ready = 1;
}

void
ds_json_init(struct ds_json *j, const char *base)
{
	if (!tables_ready)
		init_tables();
	j->base = base;
	j->maxdepth = 0;
	j->flags = 0;
	j->erroff = 0;
	j->errmsg = NULL;
	j->arrlen = 0;
}

/* Record the first error at p; always returns NULL for the caller's convenience. */
static const char *
fail(struct ds_json *j, const char *p, const char *msg)
{
	if (j->errmsg == NULL) {
		j->erroff = (size_t)(p - j->base);
		j->errmsg = msg;
	}
	return NULL;
}

static int
hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

size_t
ds_json_uescape(const char *p, const char *end, unsigned *cp)
{
	unsigned u, u2;

	if (hex4(p + 2, end, &u) < 0) {		/* not validated: never past end */
		*cp = 0xfffd;
		return end - p < 6 ? (size_t)(end - p) : 6;
	}
	if (u >= 0xd800 && u <= 0xdbff && end - p >= 12 && p[6] == '\\' && p[7] == 'u' &&
	    hex4(p + 8, end, &u2) == 0 && u2 >= 0xdc00 && u2 <= 0xdfff) {
		*cp = 0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00);
		return 12;
	}
	*cp = u >= 0xd800 && u <= 0xdfff ? 0xfffd : u;
	return 6;
}

size_t
ds_utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

#if defined(__GNUC__)
#define NOINLINE	__attribute__((noinline))
#else
#define NOINLINE
#endif

/*
 * The rest of the string whose opening quote is at p, from s on: escapes,
 * non-ASCII and errors. Kept out of string() so that its common case, a
 * short plain string, costs no more than a leaf function.
 */
static NOINLINE const char *
string_rest(struct ds_json *j, const char *p, const unsigned char *s, const char *end)
{
	const unsigned char *e = (const unsigned char *)end;

	for (;;) {
		s = ds_json_skip_plain(s, e);
		while (s < e && strclass[*s] == 0)
			s++;
		if (s >= e)
			return fail(j, p, "unterminated string");
		if (*s == '"')
			return (const char *)s + 1;
		if (*s == '\\') {
			j->flags |= DS_JSON_ESC;
			if (s + 1 >= e)
				return fail(j, (const char *)s, "unterminated string");
			switch (s[1]) {
			case '"': case '\\': case '/': case 'b':
			case 'f': case 'n': case 'r': case 't':
				s += 2;
				continue;
			case 'u': {
				unsigned u, cp;
				size_t len;

				if (hex4((const char *)s + 2, end, &u) < 0)
					return fail(j, (const char *)s, "expected 4 hex digits after \\u");
				if (u == 0)
					j->flags |= DS_JSON_NUL;
				len = ds_json_uescape((const char *)s, end, &cp);
				/* a surrogate not in a pair is valid JSON, flagged */
				if (len == 6 && u >= 0xd800 && u <= 0xdfff)
					j->flags |= DS_JSON_SURR;
				s += len;
				continue;
			}
			default:
				return fail(j, (const char *)s, "invalid escape in string");
			}
		}
		if (*s < 0x20)
			return fail(j, (const char *)s, "control character in string");
		{
			size_t n = ds_utf8_seq(s, e);

			if (n == 0)
				return fail(j, (const char *)s, "invalid UTF-8 in string");
			s += n;
		}
	}
}

/* Scan a string whose opening quote is at p; return the byte after the closing quote. */
static const char *
string(struct ds_json *j, const char *p, const char *end)
{
	const unsigned char *s = ds_json_skip_plain((const unsigned char *)p + 1,
	    (const unsigned char *)end);

	if (s < (const unsigned char *)end && *s == '"')
		return (const char *)s + 1;
	return string_rest(j, p, s, end);
}

/*
 * The first byte from s on that is not a digit (or end): eight bytes at a
 * time while they all are (a long integer part or fraction costs a few
 * steps, not one per digit).
 */
static inline const char *
digits(const char *s, const char *end)
{
	uint64_t v;

	while (end - s >= 8) {
		memcpy(&v, s, 8);
		if ((v & 0xf0f0f0f0f0f0f0f0ULL) != 0x3030303030303030ULL ||
		    ((v + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL) !=
		    0x3030303030303030ULL)
			break;
		s += 8;
	}
	while (s < end && *s >= '0' && *s <= '9')
		s++;
	return s;
}

static const char *
number(struct ds_json *j, const char *p, const char *end)
{
	const char *s = p;

	if (s < end && *s == '-')
		s++;
	if (s >= end)
		return fail(j, s, "expected digit");
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		s = digits(s + 1, end);
	else
		return fail(j, s, "expected digit");
	if (s < end && *s == '.') {
		s++;
		if (s >= end || *s < '0' || *s > '9')
			return fail(j, s, "expected digit after '.'");
		s = digits(s + 1, end);
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			s++;
		if (s >= end || *s < '0' || *s > '9')
			return fail(j, s, "expected digit in exponent");
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	return s;
}

static const char *
literal(struct ds_json *j, const char *p, const char *end, const char *word, size_t n)
{
	if ((size_t)(end - p) < n || memcmp(p, word, n) != 0)
		return fail(j, p, "expected a JSON value");
	return p + n;
}

static const char *value(struct ds_json *, const char *, const char *, int);

/* ds_json_ws() inside a container: notes in j->flags that it met whitespace. */
static inline const char *
inner_ws(struct ds_json *j, const char *p, const char *end)
{
	if (p < end && (unsigned char)*p > ' ')
		return p;
	j->flags |= DS_JSON_WS;
	while (p < end && wsclass[(unsigned char)*p])
		p++;
	return p;
}

/* p at '['. */
static const char *
array(struct ds_json *j, const char *p, const char *end, int depth)
{
	size_t n = 0;

	p = inner_ws(j, p + 1, end);
	if (p < end && *p == ']') {
		j->arrlen = 0;
		return p + 1;
	}
	for (;;) {
		if ((p = value(j, p, end, depth)) == NULL)
			return NULL;
		n++;
		p = inner_ws(j, p, end);
		if (p >= end)
			return fail(j, p, "expected ',' or ']'");
		if (*p == ']') {
			j->arrlen = n;
			return p + 1;
		}
		if (*p != ',')
			return fail(j, p, "expected ',' or ']'");
		p = inner_ws(j, p + 1, end);
	}
}

/* p at '{'. */
static const char *
object(struct ds_json *j, const char *p, const char *end, int depth)
{
	p = inner_ws(j, p + 1, end);
	if (p < end && *p == '}')
		return p + 1;
	for (;;) {
		if (p >= end || *p != '"')
			return fail(j, p, "expected string key");
		if ((p = string(j, p, end)) == NULL)
			return NULL;
		p = inner_ws(j, p, end);
		if (p >= end || *p != ':')
			return fail(j, p, "expected ':'");
		p = inner_ws(j, p + 1, end);
		if ((p = value(j, p, end, depth)) == NULL)
			return NULL;
		p = inner_ws(j, p, end);
		if (p >= end)
			return fail(j, p, "expected ',' or '}'");
		if (*p == '}')
			return p + 1;
		if (*p != ',')
			return fail(j, p, "expected ',' or '}'");
		p = inner_ws(j, p + 1, end);
	}
}

/* Scan one value after optional whitespace; depth counts enclosing containers. */
static const char *
value(struct ds_json *j, const char *p, const char *end, int depth)
{
	int max = j->maxdepth > 0 ? j->maxdepth : DS_JSON_MAXDEPTH;

	p = ds_json_ws(p, end);
	if (p >= end)
		return fail(j, p, "expected a JSON value");
	switch (*p) {
	case '"':
		return string(j, p, end);
	case '{':
		if (depth >= max) {
			j->flags |= DS_JSON_DEEP;
			return fail(j, p, "nesting too deep");
		}
		return object(j, p, end, depth + 1);
	case '[':
		if (depth >= max) {
			j->flags |= DS_JSON_DEEP;
			return fail(j, p, "nesting too deep");
		}
		return array(j, p, end, depth + 1);
	case 't':
		return literal(j, p, end, "true", 4);
	case 'f':
		return literal(j, p, end, "false", 5);
	case 'n':
		return literal(j, p, end, "null", 4);
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9'))
			return number(j, p, end);
		return fail(j, p, "expected a JSON value");
	}
}

const char *
ds_json_skip(struct ds_json *j, const char *p, const char *end, const char **start)
{
	p = ds_json_ws(p, end);
	if (start != NULL)
		*start = p;
	return value(j, p, end, 0);
}

int
ds_json_validate(struct ds_json *j, const char *p, const char *end)
{
	if ((p = ds_json_skip(j, p, end, NULL)) == NULL)
		return -1;
	p = ds_json_ws(p, end);
	if (p != end) {
		fail(j, p, "unexpected data after the JSON value");
		return -1;
	}
	return 0;
}

int
ds_json_obj_begin(struct ds_json *j, const char **pp, const char *end)
{
	const char *p = ds_json_ws(*pp, end);

	if (p >= end || *p != '{') {
		fail(j, p, "expected '{'");
		return -1;
	}
	*pp = ds_json_ws(p + 1, end);
	return 0;
}

/*
 * An object member's key at *pp (white space first): 1 with the key in m
 * and *pp at the first byte after the colon and its white space; 0 with *pp
 * past a closing '}'; -1 on an error (*pp unchanged).
 */
static inline int
member_key(struct ds_json *j, const char **pp, const char *end,
    struct ds_json_member *m)
{
	const char *p = ds_json_ws(*pp, end), *k;

	if (p < end && *p == '}') {
		*pp = p + 1;
		return 0;
	}
	if (p >= end || *p != '"') {
		fail(j, p, "expected string key");
		return -1;
	}
	k = p;
	if ((p = string(j, p, end)) == NULL)
		return -1;
	m->key = k + 1;
	m->keylen = (size_t)(p - k) - 2;
	p = ds_json_ws(p, end);
	if (p >= end || *p != ':') {
		fail(j, p, "expected ':'");
		return -1;
	}
	*pp = ds_json_ws(p + 1, end);
	return 1;
}

/*
 * What follows a member's value at *pp: 0 with *pp at the next key's quote
 * (after a ',') or at the closing '}'; -1 on an error (*pp unchanged).
 */
static inline int
member_end(struct ds_json *j, const char **pp, const char *end)
{
	const char *p = ds_json_ws(*pp, end);

	if (p < end && *p == ',') {
		p = ds_json_ws(p + 1, end);
		if (p >= end || *p != '"') {
			fail(j, p, "expected string key");
			return -1;
		}
	} else if (p >= end || *p != '}') {
		fail(j, p, "expected ',' or '}'");
		return -1;
	}
	*pp = p;
	return 0;
}

int
ds_json_obj_next(struct ds_json *j, const char **pp, const char *end,
    struct ds_json_member *m)
{
	const char *p = *pp, *v;
	int rc;

	if ((rc = member_key(j, &p, end, m)) != 1) {
		if (rc == 0)
			*pp = p;
		return rc;
	}
	v = p;
	if ((p = value(j, p, end, 1)) == NULL)
		return -1;
	m->val = v;
	m->vallen = (size_t)(p - v);
	if (member_end(j, &p, end) != 0)
		return -1;
	*pp = p;
	return 1;
}

int
ds_json_obj_key(struct ds_json *j, const char **pp, const char *end,
    struct ds_json_member *m)
{
	const char *p = *pp;
	int rc;

	if ((rc = member_key(j, &p, end, m)) != 1) {
		if (rc == 0)
			*pp = p;
		return rc;
	}
	if (p >= end) {
		/* so the caller may look at the value's first byte */
		fail(j, p, "expected a JSON value");
		return -1;
	}
	m->val = p;
	m->vallen = 0;
	*pp = p;
	return 1;
}

int
ds_json_obj_after(struct ds_json *j, const char **pp, const char *end)
{
	return member_end(j, pp, end);
}

int
ds_json_arr_begin(struct ds_json *j, const char **pp, const char *end)
{
	const char *p = ds_json_ws(*pp, end);

	if (p >= end || *p != '[') {
		fail(j, p, "expected '['");
		return -1;
	}
	*pp = ds_json_ws(p + 1, end);
	return 0;
}

int
ds_json_arr_next(struct ds_json *j, const char **pp, const char *end,
    const char **val, size_t *vallen)
{
	const char *p = ds_json_ws(*pp, end), *v;

	if (p < end && *p == ']') {
		*pp = p + 1;
		return 0;
	}
	v = p;
	if ((p = value(j, p, end, 1)) == NULL)
		return -1;
	*val = v;
	*vallen = (size_t)(p - v);
	p = ds_json_ws(p, end);
	if (p < end && *p == ',') {
		p = ds_json_ws(p + 1, end);
		if (p >= end || *p == ']') {
			fail(j, p, "expected a JSON value");
			return -1;
		}
	} else if (p >= end || *p != ']') {
		fail(j, p, "expected ',' or ']'");
		return -1;
	}
	*pp = p;
	return 1;
}

const char *
ds_json_type(const char *v)
{
	switch (*v) {
	case '{':
		return "object";
	case '[':
		return "array";
	case '"':
		return "string";
	case 't':
	case 'f':
		return "boolean";
	case 'n':
		return "null";
	default:
		return "number";
	}
}

const char *const ds_json_typenames[DS_JSON_NTYPES] = {
	"array", "boolean", "null", "number", "object", "string"
};

void
ds_json_put_types(struct ds_buf *out, unsigned bits)
{
	int t, one = 1;

	for (t = 0; t < DS_JSON_NTYPES; t++)
		if (bits & 1u << t) {
			if (!one)
				ds_buf_addc(out, '|');
			one = 0;
			ds_buf_adds(out, ds_json_typenames[t]);
		}
}

int
ds_json_str_eq(const char *raw, size_t n, const char *name)
{
	struct ds_buf b = { 0 };
	int eq;

	if (memchr(raw, '\\', n) == NULL)
		return strlen(name) == n && memcmp(raw, name, n) == 0;
	if (ds_json_str_decode(raw, n, &b) < 0) {
		ds_buf_free(&b);
		return 0;
	}
	eq = b.len == strlen(name) && memcmp(b.p, name, b.len) == 0;
	ds_buf_free(&b);
	return eq;
}

void
ds_utf8_put(struct ds_buf *out, unsigned cp)
{
	char *u = ds_buf_reserve(out, 4);
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	out->len += n;
	out->p[out->len] = '\0';
}

/* Input bytes whose worst case (6 bytes out each) is reserved at a time. */
#define PUTSTR_STEP	4096

/*
 * Room for need bytes at o, a pointer into out past out->len (which it
 * sets): o again, maybe moved; *lim the end of the room.
 */
static char *
str_room(struct ds_buf *out, char *o, size_t need, char **lim)
{
	out->len = (size_t)(o - out->p);
	o = ds_buf_reserve(out, need);
	*lim = o + need;
	return o;
}

void
ds_json_put_str(struct ds_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
	char *o, *lim;
	size_t k, l;

	o = ds_buf_reserve(out, 6 * (n < PUTSTR_STEP ? n : PUTSTR_STEP) + 2);
	lim = o + 6 * (n < PUTSTR_STEP ? n : PUTSTR_STEP) + 2;
	*o++ = '"';
	while (p < end) {
		run = ds_json_skip_plain(p, end);
		while (run < end && *run >= 0x20 && *run < 0x80 && *run != '"' && *run != '\\')
			run++;
		/* the plain run, then one character of at most 6 bytes, then the quote */
		k = (size_t)(run - p);
		if ((size_t)(lim - o) < k + 7) {
			l = (size_t)(end - run);
			o = str_room(out, o, k + 7 + 6 * (l < PUTSTR_STEP ? l : PUTSTR_STEP), &lim);
		}
		memcpy(o, p, k);
		o += k;
		if ((p = run) >= end)
			break;
		switch (*p) {
		case '"': *o++ = '\\'; *o++ = '"'; p++; continue;
		case '\\': *o++ = '\\'; *o++ = '\\'; p++; continue;
		case '\n': *o++ = '\\'; *o++ = 'n'; p++; continue;
		case '\r': *o++ = '\\'; *o++ = 'r'; p++; continue;
		case '\t': *o++ = '\\'; *o++ = 't'; p++; continue;
		}
		if (*p >= 0x80 && (l = ds_utf8_seq(p, end)) > 0) {
			memcpy(o, p, l);
			o += l;
			p += l;
		} else if (*p == '\0' || *p >= 0x80) {
			memcpy(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			p++;
		} else {
			memcpy(o, "\\u00", 4);
			o[4] = hex[*p >> 4];
			o[5] = hex[*p & 15];
			o += 6;
			p++;
		}
	}
	*o++ = '"';
	out->len = (size_t)(o - out->p);
	*o = '\0';
}

int
ds_json_str_decode(const char *raw, size_t n, struct ds_buf *out)
{
	const char *p = raw, *end = raw + n, *bs;

	ds_buf_reserve(out, n);
	while (p < end) {
		unsigned u;

		if ((bs = memchr(p, '\\', (size_t)(end - p))) == NULL) {
			ds_buf_add(out, p, (size_t)(end - p));
			break;
		}
		ds_buf_add(out, p, (size_t)(bs - p));
		p = bs + 1;
		if (p >= end)
			break;
		switch (*p) {
		case 'b': ds_buf_addc(out, '\b'); p++; break;
		case 'f': ds_buf_addc(out, '\f'); p++; break;
		case 'n': ds_buf_addc(out, '\n'); p++; break;
		case 'r': ds_buf_addc(out, '\r'); p++; break;
		case 't': ds_buf_addc(out, '\t'); p++; break;
		case 'u':
			p += ds_json_uescape(p - 1, end, &u) - 1;
			if (u == 0)
				return -1;
			ds_utf8_put(out, u);
			break;
		default:
			ds_buf_addc(out, *p);
			p++;
			break;
		}
	}
	ds_buf_terminate(out);
	return 0;
}

size_t
ds_json_minify(const char *src, size_t n, char *dst)
{
	const char *p = src, *end = src + n;
	char *d = dst;

	if (!tables_ready)
		init_tables();
	while (p < end) {
		const char *q = p;

		/* Copy a run of non-space, non-string bytes. */
		while (q < end && *q != '"' && !wsclass[(unsigned char)*q])
			q++;
		memmove(d, p, (size_t)(q - p));
		d += q - p;
		p = q;
		if (p >= end)
			break;
		if (*p != '"') {
			p++;
			continue;
		}
		/* A string: copy through the closing quote, honouring escapes. */
		q = p + 1;
		for (;;) {
			const char *r = q;

			while (r < end && *r != '"' && *r != '\\')
				r++;
			if (r >= end) {
				q = end;
				break;
			}
			if (*r == '\\') {
				q = r + 2 <= end ? r + 2 : end;
				continue;
			}
			q = r + 1;
			break;
		}
		memmove(d, p, (size_t)(q - p));
		d += q - p;
		p = q;
	}
	return (size_t)(d - dst);
}
