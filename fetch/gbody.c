#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "json.h"
#include "def.h"
#include "gbody.h"

/* The paths looked for in one walk. */
struct want {
	const char	*path;		/* dotted */
	struct gval	*out;
	int		 records;	/* the record array: note its count */
};

struct walk {
	struct ds_json	 j;
	struct want	 w[6 + GBODY_MORE_MAX];
	size_t		 nw;
	struct gpage	*pg;
};

/* Component k (0-based) of path, as *c and *n; 0 when there is none. */
static int
component(const char *path, size_t k, const char **c, size_t *n)
{
	const char *p = path, *e;

	for (;;) {
		e = strchr(p, '.');
		if (k == 0) {
			*c = p;
			*n = e ? (size_t)(e - p) : strlen(p);
			return 1;
		}
		if (e == NULL)
			return 0;
		p = e + 1;
		k--;
	}
}

/* Non-zero when the raw key text (kn bytes) equals the component (cn bytes). */
static int
key_is(const char *k, size_t kn, const char *c, size_t cn)
{
	struct ds_buf b = { 0 };
	int eq;

	if (memchr(k, '\\', kn) == NULL)
		return kn == cn && memcmp(k, c, cn) == 0;
	if (ds_json_str_decode(k, kn, &b) < 0) {
		ds_buf_free(&b);
		return 0;
	}
	eq = b.len == cn && memcmp(b.p, c, cn) == 0;
	ds_buf_free(&b);
	return eq;
}

/*
 * Walk the object at *pp (depth components of the wanted paths matched so
 * far, by the wants in mask), noting the values found; every byte is
 * scanned once (a member on a wanted path is descended into, not skipped
 * first). Returns 0 with *pp past the object, or -1.
 */
static int
walk_obj(struct walk *w, const char **pp, const char *end, size_t depth, unsigned mask)
{
	struct ds_json_member m;
	const char *c, *q;
	size_t i, cn;
	unsigned sub, leaf;
	int rc;

	if (ds_json_obj_begin(&w->j, pp, end) < 0)
		return -1;
	for (;;) {
		if ((rc = ds_json_obj_key(&w->j, pp, end, &m)) != 1)
			return rc;
		sub = leaf = 0;
		for (i = 0; i < w->nw; i++) {
			if (!(mask & (1u << i)) || !component(w->w[i].path, depth, &c, &cn) ||
			    !key_is(m.key, m.keylen, c, cn))
				continue;
			if (component(w->w[i].path, depth + 1, &c, &cn))
				sub |= 1u << i;
			else
				leaf |= 1u << i;
		}
		w->j.flags &= ~DS_JSON_WS;
		if (sub != 0 && *m.val == '{') {
			q = m.val;
			if (walk_obj(w, &q, end, depth + 1, sub) < 0)
				return -1;
		} else if ((q = ds_json_skip(&w->j, m.val, end, NULL)) == NULL)
			return -1;
		for (i = 0; i < w->nw; i++) {
			if (!(leaf & (1u << i)))
				continue;
			w->w[i].out->v = m.val;
			w->w[i].out->n = (size_t)(q - m.val);
			if (w->w[i].records && *m.val == '[') {
				/* the array closed last: its count and white space */
				w->pg->records = w->j.arrlen;
				w->pg->spaced = (w->j.flags & DS_JSON_WS) != 0;
			}
		}
		*pp = q;
		if (ds_json_obj_after(&w->j, pp, end) < 0)
			return -1;
	}
}

int
fx_gbody_page(const struct def *d, const char *body, size_t n, struct gpage *pg,
    struct ds_buf *why, int *not_json)
{
	struct walk *w;
	struct gval rec = { NULL, 0 };
	const char *p = body, *end = body + n, *v;
	size_t i;
	int rc = 0;

	memset(pg, 0, sizeof(*pg));
	pg->body = body;
	pg->bodylen = n;
	ds_buf_reset(why);
	*not_json = 0;
	w = ds_xcalloc(1, sizeof(*w));
	w->pg = pg;
	ds_json_init(&w->j, body);
	w->j.maxdepth = DS_JSON_PASSDEPTH + 8;
	v = ds_json_ws(p, end);
	if (v >= end) {
		/* empty, or white space alone: not JSON (validation says where) */
		(void)ds_json_validate(&w->j, body, end);
		goto bad_json;
	}
	if (strcmp(d->records, ".") == 0) {
		/* the body is the record array */
		if (ds_json_validate(&w->j, body, end) < 0)
			goto bad_json;
		if (*v != '[') {
			ds_buf_printf(why, "records .: the body is %s, not an array "
			    "(byte %zu)", fx_gbody_kind(v),
			    (size_t)(v - body));
			rc = -1;
			goto out;
		}
		/* the array's extent: up to its closing bracket (white space follows) */
		for (p = end; p > v && p[-1] != ']'; p--)
			;
		pg->data = v;
		pg->datalen = (size_t)(p - v);
		pg->records = w->j.arrlen;
		pg->spaced = (w->j.flags & DS_JSON_WS) != 0;
		goto out;
	}
	if (*v != '{') {
		if (ds_json_validate(&w->j, body, end) < 0)
			goto bad_json;
		ds_buf_printf(why, "records %s: the body is %s, not an object (byte %zu)",
		    d->records, fx_gbody_kind(v), (size_t)(v - body));
		rc = -1;
		goto out;
	}
#define WANT(pth, o, isrec) do {					\
	if ((pth) != NULL) {						\
		w->w[w->nw].path = (pth);				\
		w->w[w->nw].out = (o);					\
		w->w[w->nw].records = (isrec);				\
		w->nw++;						\
	}								\
} while (0)
	WANT(d->records, &rec, 1);
	WANT(d->error_path, &pg->error, 0);
	WANT(d->cursor_path != NULL ? d->cursor_path : d->next_path, &pg->cursor, 0);
	WANT(d->has_more_path, &pg->has_more, 0);
	WANT(d->total_path, &pg->total, 0);
	WANT(d->total_est_path, &pg->total_est, 0);
	for (i = 0; i < d->more_path.n && i < GBODY_MORE_MAX; i++)
		WANT(d->more_path.v[i], &pg->more[i], 0);
#undef WANT
	p = body;
	if (walk_obj(w, &p, end, 0, (1u << w->nw) - 1) < 0)
		goto bad_json;
	if (ds_json_ws(p, end) != end) {
		ds_buf_printf(why, "text after the body's object at byte %zu",
		    (size_t)(ds_json_ws(p, end) - body));
		*not_json = 1;
		rc = -1;
		goto out;
	}
	/* an error in a 200 body is reported before the records are missed */
	if (pg->error.v != NULL)
		goto out;
	if (rec.v == NULL) {
		ds_buf_printf(why, "records %s: no such member in the body", d->records);
		rc = -1;
		goto out;
	}
	if (*rec.v != '[') {
		ds_buf_printf(why, "records %s: %s at byte %zu, not an array",
		    d->records, fx_gbody_kind(rec.v), (size_t)(rec.v - body));
		rc = -1;
		goto out;
	}
	pg->data = rec.v;
	pg->datalen = rec.n;
	goto out;

bad_json:
	*not_json = w->j.erroff >= n ? 2 : 1;
	ds_buf_printf(why, "not JSON at byte %zu: %s", w->j.erroff,
	    w->j.errmsg ? w->j.errmsg : "invalid");
	rc = -1;
out:
	free(w);
	return rc;
}

int
fx_gbody_find(const char *v, size_t n, const char *path, struct gval *out)
{
	struct walk *w = ds_xcalloc(1, sizeof(*w));
	const char *p = v;
	struct gpage pg;

	out->v = NULL;
	out->n = 0;
	ds_json_init(&w->j, v);
	w->j.maxdepth = DS_JSON_PASSDEPTH + 8;
	w->pg = &pg;
	w->w[0].path = path;
	w->w[0].out = out;
	w->nw = 1;
	if (*ds_json_ws(v, v + n) == '{')
		(void)walk_obj(w, &p, v + n, 0, 1);
	free(w);
	return out->v != NULL;
}

int
fx_gbody_guess(const char *body, size_t n, const char *path, struct gval *out)
{
	const char *key = strrchr(path, '.'), *lo, *k, *v, *e;
	struct ds_json j;
	size_t kn;

	out->v = NULL;
	out->n = 0;
	key = key != NULL ? key + 1 : path;
	kn = strlen(key);
	lo = n > GBODY_GUESS_WINDOW ? body + n - GBODY_GUESS_WINDOW : body;
	/* the last "key" followed by its colon: a member, not text in a string */
	for (k = body + n; k - lo >= (ptrdiff_t)kn + 2; ) {
		k--;
		if (*k != '"' || k[-1 - (ptrdiff_t)kn] != '"' ||
		    memcmp(k - kn, key, kn) != 0)
			continue;
		k -= kn + 1;
		if (k > body && k[-1] == '\\')
			continue;
		v = ds_json_ws(k + kn + 2, body + n);
		if (v >= body + n || *v != ':')
			continue;
		v = ds_json_ws(v + 1, body + n);
		ds_json_init(&j, body);
		if ((e = ds_json_skip(&j, v, body + n, NULL)) == NULL)
			return 0;
		out->v = v;
		out->n = (size_t)(e - v);
		return 1;
	}
	return 0;
}

/*
 * The opening quote of the validated string whose closing quote is at q,
 * lo the lowest byte it may start at: the first quote before q not escaped
 * (not after an odd run of backslashes; text bytes are never quotes).
 */
static const char *
back_string(const char *lo, const char *q)
{
	const char *b;

	for (q--; q > lo; q--) {
		if (*q != '"')
			continue;
		for (b = q; b > lo && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			break;
	}
	return q;
}

/*
 * The first byte of the validated value whose last byte is e[-1], scanning
 * back no lower than lo: strings by their quotes, containers by their
 * brackets, scalars to the separator before them.
 */
static const char *
back_value(const char *lo, const char *e)
{
	const char *p = e - 1;
	size_t depth = 0;

	if (*p == '"')
		return back_string(lo, p);
	if (*p != '}' && *p != ']') {
		while (p > lo && strchr(",[: \t\n\r", p[-1]) == NULL)
			p--;
		return p;
	}
	for (; p >= lo; p--) {
		if (*p == '"')
			p = back_string(lo, p);
		else if (*p == '}' || *p == ']')
			depth++;
		else if ((*p == '{' || *p == '[') && --depth == 0)
			break;
	}
	return p;
}

int
fx_gbody_last(const char *v, size_t n, struct gval *out)
{
	const char *e = v + n;

	out->v = NULL;
	out->n = 0;
	/* back from the closing bracket, past white space, to the last value */
	while (e > v && e[-1] != ']')
		e--;
	if (e == v)
		return 0;
	for (e--; e > v && strchr(" \t\n\r", e[-1]) != NULL; e--)
		;
	if (e <= v + 1 || e[-1] == '[')
		return 0;
	out->v = back_value(v + 1, e);
	out->n = (size_t)(e - out->v);
	return 1;
}

int
fx_gbody_bool(const struct gval *g)
{
	const char *s = g->v;
	size_t n = g->n;

	if (s == NULL)
		return -1;
	if (*s == '"') {
		s++;
		n -= 2;
	}
	if ((n == 4 && strncasecmp(s, "true", 4) == 0) || (n == 1 && *s == '1'))
		return 1;
	if ((n == 5 && strncasecmp(s, "false", 5) == 0) || (n == 1 && *s == '0'))
		return 0;
	return -1;
}

int
fx_gbody_text(const struct gval *g, struct ds_buf *out)
{
	ds_buf_reset(out);
	if (g->v == NULL)
		return -1;
	if (*g->v == '"') {
		if (ds_json_str_decode(g->v + 1, g->n - 2, out) < 0)
			return -1;
	} else if (*g->v == '-' || isdigit((unsigned char)*g->v))
		ds_buf_add(out, g->v, g->n);
	else
		return -1;
	ds_buf_terminate(out);
	return 0;
}

const char *
fx_gbody_kind(const char *v)
{
	switch (*v) {
	case '{':
		return "an object";
	case '[':
		return "an array";
	case '"':
		return "a string";
	case 't':
	case 'f':
		return "a boolean";
	case 'n':
		return "null";
	default:
		return "a number";
	}
}
