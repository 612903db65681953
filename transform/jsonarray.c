#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "file.h"
#include "json.h"
#include "jsonarray.h"
#include "log.h"
#include "record.h"

struct ja {
	struct xf_file	*f;
	int		 geojson;
	const char	*what;		/* "element" or "feature" */
	uint64_t	 n;		/* elements read */
	struct ds_buf	 raw;		/* the start of an element too large to keep */
	struct ds_buf	 key;		/* the FeatureCollection member's name */
	struct ds_buf	 min;		/* an element without its line ends */
	struct ds_json_member *m;	/* the members of the element scanned last */
	unsigned char	*asis;		/* and which values are canonical as they are */
	size_t		 capm;
};

/* Release the state and what it holds. */
static void
ja_free(void *arg)
{
	struct ja *a = arg;

	ds_buf_free(&a->raw);
	ds_buf_free(&a->key);
	ds_buf_free(&a->min);
	free(a->m);
	free(a->asis);
	free(a);
}

/* Non-zero when byte i after f->pos is held, reading more when needed. */
static int
have(struct xf_file *f, size_t i)
{
	while (f->pos + i >= f->in.len)
		if (!xf_file_more(f))
			return 0;
	return 1;
}

/* Skip white space at f->pos; the next byte, or -1 at the end of the input. */
static int
peekc(struct xf_file *f)
{
	for (;;) {
		if (!have(f, 0))
			return -1;
		switch (f->in.p[f->pos]) {
		case ' ': case '\t': case '\n': case '\r':
			f->pos++;
			continue;
		}
		return (unsigned char)f->in.p[f->pos];
	}
}

/* Fail at the current position: what was expected there. */
static void __attribute__((noreturn))
expected(struct ja *a, const char *what)
{
	struct xf_file *f = a->f;
	int c = peekc(f);

	if (c < 0)
		xf_file_fail(f, "the input ends at byte %llu, where %s was expected (after %s"
		    " %llu)", (unsigned long long)XF_OFF(f, f->in.p + f->pos), what, a->what,
		    (unsigned long long)a->n);
	xf_file_fail(f, "not %s: %s expected at byte %llu, found '%c'", a->geojson ?
	    "a GeoJSON FeatureCollection" : "a JSON array of objects", what,
	    (unsigned long long)XF_OFF(f, f->in.p + f->pos), c >= 0x20 && c < 0x7f ? c : '?');
}

/*
 * Inside a string, [a, b) holding no quote: whether the byte after it is
 * escaped, given whether the byte at a was (esc).
 */
static int
esc_after(const char *a, const char *b, int esc)
{
	const char *t = b;

	while (t > a && t[-1] == '\\')
		t--;
	if (t == a)
		return esc ^ (int)((b - t) & 1);
	return (int)((b - t) & 1);
}

/*
 * Find the end of the JSON value at f->pos (its first byte, not white
 * space): its length. Only its structure is checked here (the record path
 * validates it). With limit non-zero, a value longer than limit is not
 * kept: its first XF_MAXRAW bytes go to a->raw, the rest is dropped as it
 * is read, f->pos ends just past it and the return is (size_t)-1 with
 * *bigp its length. Fails when the input ends inside the value.
 */
static size_t
value_end(struct ja *a, size_t limit, uint64_t *bigp)
{
	struct xf_file *f = a->f;
	uint64_t start = XF_OFF(f, f->in.p + f->pos), dropped = 0;
	size_t i = 0, depth = 0;
	int instr = 0, esc = 0, scalar;
	unsigned char c;

	c = (unsigned char)f->in.p[f->pos];
	scalar = c != '{' && c != '[' && c != '"';
	for (;;) {
		if (f->pos + i >= f->in.len) {
			if (limit > 0 && i > limit) {
				if (dropped == 0) {
					ds_buf_reset(&a->raw);
					ds_buf_add(&a->raw, f->in.p + f->pos, i < XF_MAXRAW ? i :
					    XF_MAXRAW);
				}
				dropped += i;
				f->pos += i;
				i = 0;
			}
			if (!xf_file_more(f)) {
				if (scalar)
					break;
				xf_file_fail(f, "the input ends at byte %llu inside %s %llu"
				    " (it starts at byte %llu)", (unsigned long long)(start +
				    dropped + i), a->what, (unsigned long long)a->n + 1,
				    (unsigned long long)start);
			}
		}
		c = (unsigned char)f->in.p[f->pos + i];
		if (scalar) {
			if (c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' ||
			    c == '\n' || c == '\r')
				break;
			i++;
			continue;
		}
		if (instr) {
			/* jump to the next quote; whether it is escaped is the
			   parity of the backslashes before it */
			const char *sp = f->in.p + f->pos + i, *e = f->in.p + f->in.len, *q;

			if ((q = memchr(sp, '"', (size_t)(e - sp))) == NULL) {
				esc = esc_after(sp, e, esc);
				i = f->in.len - f->pos;
				continue;
			}
			i = (size_t)(q + 1 - (f->in.p + f->pos));
			if (esc_after(sp, q, esc)) {
				esc = 0;
				continue;
			}
			esc = instr = 0;
			if (depth == 0)
				break;
			continue;
		}
		i++;
		if (c == '"')
			instr = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			break;
	}
	if (dropped > 0) {
		f->pos += i;
		*bigp = dropped + i;
		return (size_t)-1;
	}
	return i;
}

/*
 * The common element, an object held whole in f->in, valid, within
 * --max-record-bytes, without \u0000, a lone surrogate or a line end:
 * one validating scan finds its end and its members, which the record
 * path then takes as they are (no second scan). Returns 0, having done
 * nothing, for any other element: element() then does it step by step.
 */
static int
element_fast(struct ja *a)
{
	struct xf_file *f = a->f;
	struct ds_json_member *m;
	struct ds_json j;
	const char *p = f->in.p + f->pos, *q = p, *end = f->in.p + f->in.len;
	size_t n, nm = 0, used = 2;
	int rc;

	if (*p != '{' || f->r->jq != NULL)
		return 0;
	ds_json_init(&j, p);
	ds_json_obj_begin(&j, &q, end);
	for (;;) {
		unsigned esc = j.flags & DS_JSON_ESC;

		if (nm == a->capm) {
			a->capm = a->capm ? a->capm * 2 : 32;
			a->m = ds_xrealloc(a->m, a->capm * sizeof(*a->m));
			a->asis = ds_xrealloc(a->asis, a->capm);
		}
		j.flags &= ~DS_JSON_ESC;
		if ((rc = ds_json_obj_next(&j, &q, end, &a->m[nm])) <= 0)
			break;
		a->asis[nm] = *a->m[nm].val == '"' && !(j.flags & DS_JSON_ESC);
		j.flags |= esc;
		used += a->m[nm].keylen + 3 + a->m[nm].vallen + (nm > 0);
		nm++;
	}
	n = (size_t)(q - p);
	if (rc < 0 || n > f->r->o->max_record || (j.flags & (DS_JSON_NUL | DS_JSON_SURR)))
		return 0;
	/* white space around members or inside values: a line end needs minifying */
	if (((j.flags & DS_JSON_WS) || used != n) &&
	    (memchr(p, '\n', n) != NULL || memchr(p, '\r', n) != NULL))
		return 0;
	if ((m = xf_record_members(f->r, nm)) == NULL)
		return 0;
	memcpy(m, a->m, nm * sizeof(*m));
	memcpy(f->r->asis, a->asis, nm);
	a->n++;
	if (xf_file_record(f, p, n) == XF_BROKEN)
		xf_file_fail(f, "%s %llu (it starts at byte %llu): %s", a->what,
		    (unsigned long long)a->n, (unsigned long long)XF_OFF(f, p),
		    f->r->reason.p);
	f->pos += n;
	return 1;
}

/* One element of the array at f->pos: a record or a reject line. */
static void
element(struct ja *a)
{
	struct xf_file *f = a->f;
	const size_t max = f->r->o->max_record;
	struct ds_json j;
	uint64_t big = 0, at = XF_OFF(f, f->in.p + f->pos);
	const char *p, *rp;
	size_t n, rn;

	if (element_fast(a))
		return;
	n = value_end(a, max, &big);
	a->n++;
	if (n == (size_t)-1) {
		ds_buf_reset(&f->tmp);
		ds_buf_printf(&f->tmp, "record exceeds --max-record-bytes (%llu > %zu)",
		    (unsigned long long)big, max);
		xf_file_reject(f, f->tmp.p, a->raw.p, a->raw.len);
		return;
	}
	p = f->in.p + f->pos;
	rp = p;
	rn = n;
	if ((memchr(p, '\n', n) != NULL || memchr(p, '\r', n) != NULL)) {
		/* a record line is one line: a pretty-printed element loses its white space */
		ds_json_init(&j, p);
		if (ds_json_validate(&j, p, p + n) == 0) {
			ds_buf_reset(&a->min);
			ds_buf_reserve(&a->min, n);
			a->min.len = ds_json_minify(p, n, a->min.p);
			rp = a->min.p;
			rn = a->min.len;
		}
	}
	if (xf_file_record(f, rp, rn) == XF_BROKEN) {
		ds_json_init(&j, f->in.p);
		if (ds_json_skip(&j, p, p + n, NULL) != NULL) {
			j.erroff = (size_t)(p + n - f->in.p);
			j.errmsg = "unexpected data after the value";
		}
		xf_file_fail(f, "invalid JSON in %s %llu (it starts at byte %llu) at byte"
		    " %llu: %s", a->what, (unsigned long long)a->n, (unsigned long long)at,
		    (unsigned long long)(f->base + j.erroff), j.errmsg);
	}
	f->pos += n;
}

/* The elements of the array whose '[' was read (or, resumed, after an element). */
static void
elements(struct ja *a, int after)
{
	struct xf_file *f = a->f;
	int c;

	if (!after) {
		if ((c = peekc(f)) == ']') {
			f->pos++;
			return;
		}
		if (c < 0)
			expected(a, "a value or ']'");
		element(a);
		xf_file_done(f, XF_OFF(f, f->in.p + f->pos), a->what, a->n);
	}
	for (;;) {
		c = peekc(f);
		if (c == ']') {
			f->pos++;
			return;
		}
		if (c != ',')
			expected(a, "',' or ']'");
		f->pos++;
		if (peekc(f) < 0)
			expected(a, "a value");
		element(a);
		xf_file_done(f, XF_OFF(f, f->in.p + f->pos), a->what, a->n);
	}
}

/* A member of the FeatureCollection other than "features": checked and skipped. */
static void
member(struct ja *a, const char *key, size_t keylen)
{
	struct xf_file *f = a->f;
	struct ds_json j;
	uint64_t big;
	const char *p;
	size_t n;

	n = value_end(a, 0, &big);
	p = f->in.p + f->pos;
	ds_json_init(&j, f->in.p);
	if (ds_json_skip(&j, p, p + n, NULL) == NULL)
		xf_file_fail(f, "invalid JSON at byte %llu: %s", (unsigned long long)(f->base +
		    j.erroff), j.errmsg);
	if (ds_json_str_eq(key, keylen, "type") && (*p != '"' ||
	    !ds_json_str_eq(p + 1, n - 2, "FeatureCollection")))
		xf_file_fail(f, "not a GeoJSON FeatureCollection: \"type\" is %.*s at byte %llu",
		    (int)(n > 40 ? 40 : n), p, (unsigned long long)XF_OFF(f, p));
	f->pos += n;
}

/* The FeatureCollection object (its '{' read, or resumed inside "features"). */
static void
collection(struct ja *a, int resumed)
{
	struct xf_file *f = a->f;
	struct ds_buf *key = &a->key;
	uint64_t big;
	size_t n;
	int c, first = !resumed;

	if (resumed) {
		elements(a, 1);
		goto next;
	}
	for (;;) {
		c = peekc(f);
		if (first && c == '}') {
			f->pos++;
			break;
		}
		if (c != '"')
			expected(a, "a member name");
		n = value_end(a, 0, &big);
		ds_buf_reset(key);
		ds_buf_add(key, f->in.p + f->pos + 1, n - 2);
		f->pos += n;
		if (peekc(f) != ':')
			expected(a, "':'");
		f->pos++;
		if (peekc(f) < 0)
			expected(a, "a value");
		if (ds_json_str_eq(key->p, key->len, "features") && f->in.p[f->pos] == '[') {
			f->pos++;
			elements(a, 0);
		} else
			member(a, key->p, key->len);
next:
		first = 0;
		c = peekc(f);
		if (c == '}') {
			f->pos++;
			break;
		}
		if (c != ',')
			expected(a, "',' or '}'");
		f->pos++;
	}
}

void
xf_jsonarray(struct xf_file *f, int geojson, const char *resume)
{
	struct ja *a = ds_xcalloc(1, sizeof(*a));
	unsigned long long off = 0, n = 0;
	char word[16];
	int c, used = 0;

	a->f = f;
	a->geojson = geojson;
	a->what = geojson ? "feature" : "element";
	f->cleanup = ja_free;
	f->cleanup_arg = a;
	xf_file_utf8_only(f, geojson ? "GeoJSON" : "JSON");
	if (have(f, 2) && memcmp(f->in.p, "\xef\xbb\xbf", 3) == 0)
		f->pos = 3;
	if (resume != NULL && (sscanf(resume, "offset=%llu %15[a-z]=%llu%n", &off, word, &n,
	    &used) != 3 || resume[used] != '\0' || strcmp(word, a->what) != 0))
		ds_diex(DS_EX_USAGE, "--resume \"%s\": want \"offset=N %s=E\" as a %s"
		    " checkpoint's cursor", resume, a->what, geojson ? "geojson" : "json");
	c = peekc(f);
	if (c != (geojson ? '{' : '['))
		expected(a, geojson ? "'{'" : "'['");
	if (resume != NULL) {
		xf_file_seek(f, off);
		a->n = n;
		xf_file_done(f, off, a->what, n);
	} else
		f->pos++;
	if (geojson)
		collection(a, resume != NULL);
	else
		elements(a, resume != NULL);
	if (peekc(f) >= 0)
		xf_file_fail(f, "data after the %s at byte %llu", geojson ? "FeatureCollection" :
		    "array", (unsigned long long)XF_OFF(f, f->in.p + f->pos));
	xf_file_checkpoint(f, 0, NULL, 0);
	xf_file_flush(f);
	f->cleanup = NULL;
	ja_free(a);
}
