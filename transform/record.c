#include <stdlib.h>
#include <string.h>


#include "buf.h"
#include "emit.h"
#include "exits.h"
#include "hashq.h"
#include "jqfilter.h"
#include "json.h"
#include "log.h"
#include "record.h"
#include "schema.h"
#include "sha256.h"
#include "timeparse.h"

/* ds_time_parse_*() never returns it: the record has no time (ts null). */
#define DS_TIME_NONE	(-100)
/* Longest timestamp text quoted in a reject reason. */
#define TSQUOTE		120
/* Most top-level fields a record may have; members past it are not kept. */
#define MAXFIELDS	10000

/* Split a dotted path into r-owned components. */
static void
path_init(struct xf_path *p, const char *s)
{
	size_t i, n = 1;
	char *c;

	for (i = 0; s[i] != '\0'; i++)
		n += s[i] == '.';
	p->text = ds_xstrdup(s);
	p->comp = ds_xcalloc(n, sizeof(*p->comp));
	p->len = ds_xcalloc(n, sizeof(*p->len));
	p->n = 0;
	for (c = p->text;; c++) {
		char *dot = strchr(c, '.');

		p->comp[p->n] = c;
		p->len[p->n] = dot ? (size_t)(dot - c) : strlen(c);
		p->n++;
		if (dot == NULL)
			break;
		c = dot;
	}
}

/* Release what path_init() allocated. */
static void
path_free(struct xf_path *p)
{
	free(p->text);
	free(p->comp);
	free(p->len);
}

/* A composite id-field (paths joined by commas): one r-owned path each. */
static void
ids_init(struct xf_rec *r, const char *s)
{
	const char *c;
	char *one;
	size_t n;

	if (strchr(s, ',') == NULL)
		return;
	for (;;) {
		n = (c = strchr(s, ',')) != NULL ? (size_t)(c - s) : strlen(s);
		r->ids = ds_xrealloc(r->ids, (r->nids + 1) * sizeof(*r->ids));
		one = ds_xmalloc(n + 1);
		memcpy(one, s, n);
		one[n] = '\0';
		path_init(&r->ids[r->nids++], one);
		free(one);
		if (c == NULL)
			break;
		s = c + 1;
	}
}

void
xf_rec_init(struct xf_rec *r, const struct xf_opts *o, struct xf_jq *jq)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->jq = jq;
	path_init(&r->id, o->id_field);
	ids_init(r, o->id_field);
	path_init(&r->ts, o->ts_field);
	path_init(&r->type, o->type_field);
	r->schemas = xf_schema_new();
}

void
xf_rec_free(struct xf_rec *r)
{
	path_free(&r->id);
	while (r->nids > 0)
		path_free(&r->ids[--r->nids]);
	free(r->ids);
	path_free(&r->ts);
	path_free(&r->type);
	xf_schema_free(r->schemas);
	ds_jcs_free(&r->jcs);
	ds_buf_free(&r->canon);
	ds_buf_free(&r->tmp);
	ds_buf_free(&r->reason);
	ds_buf_free(&r->jqout);
	ds_buf_free(&r->jqerr);
	ds_buf_free(&r->idnum);
	free(r->m);
	free(r->asis);
}

void
xf_reject(struct xf_rec *r, const struct xf_where *w, const char *reason,
    const char *raw, size_t rawlen, struct ds_buf *out)
{
	xf_emit_reject(out, w, reason, raw, rawlen);
	r->nrejects++;
}

/* Whether j failed on nesting deeper than its bound. */
static int
is_depth_error(const struct ds_json *j)
{
	return (j->flags & DS_JSON_DEEP) != 0;
}

/*
 * The scan of the value at s failed in j: a record nested too deep is
 * rejected (its end found with a deeper bound); anything else is broken.
 */
static int
scan_failed(struct xf_rec *r, const struct xf_where *w, const struct ds_json *j,
    const char *s, const char *end, const char *base, const char **recend,
    struct ds_buf *out)
{
	struct ds_json k;
	const char *q;

	ds_buf_reset(&r->reason);
	if (!is_depth_error(j)) {
		ds_buf_printf(&r->reason, "invalid JSON at byte %zu: %s", j->erroff, j->errmsg);
		return XF_BROKEN;
	}
	ds_json_init(&k, base);
	k.maxdepth = DS_JSON_PASSDEPTH;
	if ((q = ds_json_skip(&k, s, end, NULL)) == NULL) {
		if (is_depth_error(&k))
			ds_buf_printf(&r->reason, "nesting deeper than %d", DS_JSON_MAXDEPTH);
		else
			ds_buf_printf(&r->reason, "invalid JSON at byte %zu: %s", k.erroff, k.errmsg);
		return XF_BROKEN;
	}
	*recend = q;
	ds_buf_printf(&r->reason, "nesting deeper than %d", DS_JSON_MAXDEPTH);
	xf_reject(r, w, r->reason.p, s, (size_t)(q - s), out);
	return XF_REJECT;
}

/* Non-zero when the raw key (escaped, so longer than name's n bytes) spells name. */
static int __attribute__((noinline))
keyeq_escaped(const char *key, size_t keylen, const char *name, size_t n)
{
	struct ds_buf b = { 0 };
	int eq;

	if (memchr(key, '\\', keylen) == NULL)
		return 0;
	if (ds_json_str_decode(key, keylen, &b) < 0) {
		ds_buf_free(&b);
		return 0;
	}
	eq = b.len == n && memcmp(b.p, name, n) == 0;
	ds_buf_free(&b);
	return eq;
}

/* Non-zero when the raw key equals name (n bytes). */
static inline int
keyeq(const char *key, size_t keylen, const char *name, size_t n)
{
	if (keylen == n)
		return memcmp(key, name, n) == 0;
	/* an escaped spelling of name is longer and starts with name[0] or '\\' */
	if (keylen < n || n == 0 || (key[0] != name[0] && key[0] != '\\'))
		return 0;
	return keyeq_escaped(key, keylen, name, n);
}

/* Find path in the current record's members (the last of repeated keys wins); 0 or -1. */
static int
lookup(struct xf_rec *r, const struct xf_path *path, const char **val, size_t *vallen)
{
	struct ds_json_member mm;
	struct ds_json j;
	const char *v = NULL, *p, *end;
	size_t vl = 0, i, c;
	int rc;

	for (i = 0; i < r->nm; i++)
		if (keyeq(r->m[i].key, r->m[i].keylen, path->comp[0], path->len[0])) {
			v = r->m[i].val;
			vl = r->m[i].vallen;
		}
	for (c = 1; c < path->n && v != NULL; c++) {
		if (*v != '{')
			return -1;
		p = v;
		end = v + vl;
		v = NULL;
		ds_json_init(&j, p);
		ds_json_obj_begin(&j, &p, end);
		while ((rc = ds_json_obj_next(&j, &p, end, &mm)) == 1)
			if (keyeq(mm.key, mm.keylen, path->comp[c], path->len[c])) {
				v = mm.val;
				vl = mm.vallen;
			}
	}
	if (v == NULL)
		return -1;
	*val = v;
	*vallen = vl;
	return 0;
}

/* Reject with reason "unparseable timestamp: <the value's text>". */
static int
bad_ts(struct xf_rec *r, const struct xf_where *w, const char *v, size_t vl,
    const char *s, size_t n, struct ds_buf *out)
{
	size_t cut = vl;

	if (cut > TSQUOTE) {
		cut = TSQUOTE;
		while (cut > 0 && ((unsigned char)v[cut] & 0xc0) == 0x80)
			cut--;
	}
	ds_buf_reset(&r->reason);
	ds_buf_adds(&r->reason, "unparseable timestamp: ");
	ds_buf_add(&r->reason, v, cut);
	if (cut < vl)
		ds_buf_adds(&r->reason, "...");
	xf_reject(r, w, r->reason.p, s, n, out);
	return XF_REJECT;
}

/* Reject a record over --max-record-bytes, keeping the start of its text. */
static int
reject_size(struct xf_rec *r, const struct xf_where *w, const char *s, size_t n,
    struct ds_buf *out)
{
	ds_buf_reset(&r->reason);
	ds_buf_printf(&r->reason, "record exceeds --max-record-bytes (%zu > %zu)",
	    n, r->o->max_record);
	xf_reject(r, w, r->reason.p, s, n > XF_MAXRAW ? XF_MAXRAW : n, out);
	return XF_REJECT;
}

/*
 * The composite id of the record: the RFC 8785 text of the JSON array of
 * the values at r->ids, as a JSON string in r->idnum; 0, or 1 + the index
 * of the first path the record lacks.
 */
static size_t
composite_id(struct xf_rec *r)
{
	const char *v;
	size_t i, vl;

	ds_buf_reset(&r->tmp);
	ds_buf_addc(&r->tmp, '[');
	for (i = 0; i < r->nids; i++) {
		if (lookup(r, &r->ids[i], &v, &vl) < 0)
			return i + 1;
		if (i > 0)
			ds_buf_addc(&r->tmp, ',');
		ds_buf_add(&r->tmp, v, vl);
	}
	ds_buf_addc(&r->tmp, ']');
	ds_buf_reset(&r->canon);
	ds_jcs(&r->jcs, r->tmp.p, r->tmp.len, &r->canon);
	ds_buf_reset(&r->idnum);
	ds_json_put_str(&r->idnum, r->canon.p, r->canon.len);
	return 0;
}

/* Room for n members in r->m and r->asis. */
static void
grow_members(struct xf_rec *r, size_t n)
{
	r->capm = n;
	r->m = ds_xrealloc(r->m, n * sizeof(*r->m));
	r->asis = ds_xrealloc(r->asis, n);
}

/* Copy n bytes to o (room checked by the caller); the byte after them. */
static inline char *
put(char *o, const void *p, size_t n)
{
	memcpy(o, p, n);
	return o + n;
}

/* Non-zero when the keys and values of the n members m all lie in [s, s + len). */
static int
inside(const struct ds_json_member *m, size_t n, const char *s, size_t len)
{
	uintptr_t lo = (uintptr_t)s, hi = lo + len;
	size_t i;

	for (i = 0; i < n; i++)
		if ((uintptr_t)m[i].key < lo || (uintptr_t)m[i].key + m[i].keylen > hi ||
		    (uintptr_t)m[i].val < lo || (uintptr_t)m[i].val + m[i].vallen > hi)
			return 0;
	return 1;
}

/*
 * r->m from the format's offsets vals of the values in the object s (n
 * bytes) with r->shape's keys; asis: every value is RFC 8785's as it is.
 */
static void
shape_members(struct xf_rec *r, const char *s, size_t n, const size_t *vals, int asis)
{
	const struct xf_shape *sh = r->shape;
	size_t i, e;

	if (sh->n > r->capm || r->asis == NULL)
		grow_members(r, sh->n + 1);
	for (i = 0; i < sh->n; i++) {
		r->m[i].key = s + vals[i] - sh->keylen[i] + 1;
		r->m[i].keylen = sh->keylen[i] - 3;
		r->m[i].val = s + vals[i];
		e = i + 1 < sh->n ? vals[i + 1] - sh->keylen[i + 1] - 1 : n - 1;
		r->m[i].vallen = e - vals[i];
	}
	memset(r->asis, asis, sh->n);
	r->nm = sh->n;
}

void
xf_shape_canon(const struct xf_shape *sh, const char *obj, size_t n, const size_t *vals,
    struct ds_buf *out)
{
	size_t i, k, e;
	char *w = ds_buf_reserve(out, n);

	*w++ = '{';
	for (i = 0; i < sh->n; i++) {
		k = sh->order[i];
		if (i > 0)
			*w++ = ',';
		w = ds_copy_short(w, sh->key[k], sh->keylen[k]);
		e = k + 1 < sh->n ? vals[k + 1] - sh->keylen[k + 1] - 1 : n - 1;
		w = ds_copy_short(w, obj + vals[k], e - vals[k]);
	}
	*w++ = '}';
	*w = '\0';
	out->len = (size_t)(w - out->p);
}

/* The record path without jq: checks, fields, hash, schema, the record line. */
static int
normalise(struct xf_rec *r, const struct xf_where *w, const char *p,
    const char *end, const char *base, const char **recend, struct ds_buf *out)
{
	struct ds_json j;
	const char *s, *q, *v, *idv = NULL, *typev = NULL, *cp;
	size_t n, vl, idl = 0, typel = 0, nfields = 0, cn, idoff = (size_t)-1, hashoff, dataoff;
	const size_t *vals;
	struct ds_time t;
	char hex[65], ts[DS_TIME_FMTMAX], *o;
	int rc, same, rowonly = 0;

	ds_json_init(&j, base);
	s = ds_json_ws(p, end);
	if (s >= end || *s != '{') {
		if ((q = ds_json_skip(&j, s, end, NULL)) == NULL)
			return scan_failed(r, w, &j, s, end, base, recend, out);
		*recend = q;
		if ((size_t)(q - s) > r->o->max_record)
			return reject_size(r, w, s, (size_t)(q - s), out);
		xf_reject(r, w, "not an object", s, (size_t)(q - s), out);
		return XF_REJECT;
	}
	q = s;
	same = r->samekeys;
	r->samekeys = 0;
	if ((vals = r->jq == NULL ? r->vals : NULL) != NULL) {
		/* the format built this object with r->shape's keys: no scan,
		   and the members only when something below needs them */
		q = end;
		nfields = r->shape->n;
		r->nm = 0;
		same = 1;
		goto scanned;
	}
	if (r->premembers) {
		r->premembers = 0;
		if (r->jq == NULL) {
			/* the format built this object and filled r->m: no second scan */
			q = end;
			nfields = r->nm;
			goto scanned;
		}
	}
	ds_json_obj_begin(&j, &q, end);
	r->nm = 0;
	for (;;) {
		unsigned esc = j.flags & DS_JSON_ESC;

		if (r->nm == r->capm)
			grow_members(r, r->capm ? r->capm * 2 : 32);
		j.flags &= ~DS_JSON_ESC;
		if ((rc = ds_json_obj_next(&j, &q, end, &r->m[r->nm])) <= 0)
			break;
		/* a string without escapes is its own canonical form */
		r->asis[r->nm] = *r->m[r->nm].val == '"' && !(j.flags & DS_JSON_ESC);
		j.flags |= esc;
		if (++nfields <= MAXFIELDS)
			r->nm++;
	}
	if (rc < 0)
		return scan_failed(r, w, &j, s, end, base, recend, out);
scanned:
	*recend = q;
	n = (size_t)(q - s);
	if (n > r->o->max_record)
		return reject_size(r, w, s, n, out);
	if (nfields > MAXFIELDS) {
		ds_buf_reset(&r->reason);
		ds_buf_printf(&r->reason, "record has more than %d top-level fields (%zu)",
		    MAXFIELDS, nfields);
		xf_reject(r, w, r->reason.p, s, n > XF_MAXRAW ? XF_MAXRAW : n, out);
		return XF_REJECT;
	}
	/* only the hash and the schema need the members: the thread writes
	   the canonical form from the offsets */
	if (vals != NULL && !(rowonly = r->valsasis && r->hashq != NULL &&
	    r->shape->order != NULL && r->tsval != NULL && r->typetok != NULL &&
	    (r->idtok != NULL || r->o->key_hash)))
		shape_members(r, s, n, vals, r->valsasis);
	if (j.flags & DS_JSON_NUL) {
		xf_reject(r, w, "string holds \\u0000 (PostgreSQL jsonb refuses it)", s, n, out);
		return XF_REJECT;
	}
	if (j.flags & DS_JSON_SURR) {
		xf_reject(r, w, "string holds a lone surrogate \\u escape (PostgreSQL jsonb"
		    " refuses it)", s, n, out);
		return XF_REJECT;
	}
	if (r->idtok != NULL) {
		idv = r->idtok;
		idl = r->idtoklen;
	} else if (!r->o->key_hash && r->nids > 0) {
		size_t miss = composite_id(r);

		if (miss > 0) {
			if (!r->o->id_or_hash) {
				ds_buf_reset(&r->reason);
				ds_buf_printf(&r->reason, "missing id (%s of %s)",
				    r->ids[miss - 1].text, r->o->id_field);
				xf_reject(r, w, r->reason.p, s, n, out);
				return XF_REJECT;
			}
		} else {
			idv = r->idnum.p;
			idl = r->idnum.len;
		}
	} else if (!r->o->key_hash) {
		if (lookup(r, &r->id, &idv, &idl) < 0) {
			if (!r->o->id_or_hash) {
				xf_reject(r, w, "missing id", s, n, out);
				return XF_REJECT;
			}
			idv = NULL;
		} else if ((r->o->files || r->o->id_numbers) &&
		    (*idv == '-' || (*idv >= '0' && *idv <= '9'))) {
			ds_buf_reset(&r->idnum);
			ds_buf_addc(&r->idnum, '"');
			ds_buf_add(&r->idnum, idv, idl);
			ds_buf_addc(&r->idnum, '"');
			idv = r->idnum.p;
			idl = r->idnum.len;
		} else if (*idv != '"') {
			ds_buf_reset(&r->reason);
			ds_buf_printf(&r->reason, "id is not a string (%s)", ds_json_type(idv));
			xf_reject(r, w, r->reason.p, s, n, out);
			return XF_REJECT;
		}
	}
	if (r->tsval != NULL) {
		v = r->tsval;
		vl = r->tsvallen;
	} else if (lookup(r, &r->ts, &v, &vl) < 0) {
		if (!r->o->files) {
			xf_reject(r, w, "missing timestamp", s, n, out);
			return XF_REJECT;
		}
		v = "null";
		vl = 4;
	}
	if (r->o->files && *v == 'n')
		rc = DS_TIME_NONE;
	else if (*v == '"') {
		const char *tp = v + 1;
		size_t tl = vl - 2;

		if (memchr(tp, '\\', tl) != NULL) {
			ds_buf_reset(&r->tmp);
			ds_json_str_decode(tp, tl, &r->tmp);
			tp = r->tmp.p;
			tl = r->tmp.len;
		}
		rc = ds_time_parse_form(r->o->ts_form, r->o->ts_zone, tp, tl, 1, &t);
	} else if (*v == '-' || (*v >= '0' && *v <= '9'))
		rc = ds_time_parse_form(r->o->ts_form, r->o->ts_zone, v, vl, 0, &t);
	else
		rc = DS_TIME_BAD;
	if (rc == DS_TIME_BAD)
		return bad_ts(r, w, v, vl, s, n, out);
	if (rc == DS_TIME_RANGE) {
		xf_reject(r, w, "timestamp out of range", s, n, out);
		return XF_REJECT;
	}
	if (r->typetok != NULL) {
		typev = r->typetok;
		typel = r->typetoklen;
	} else if (lookup(r, &r->type, &typev, &typel) < 0 || *typev != '"')
		typev = NULL;

	cp = NULL;
	cn = 0;
	if (r->canonv != NULL && r->jq == NULL) {
		cp = r->canonv;
		cn = r->canonvlen;
	} else if (!rowonly && (r->hashq == NULL || !inside(r->m, r->nm, s, n))) {
		ds_buf_reset(&r->canon);
		ds_jcs_members(&r->jcs, r->m, r->nm, r->asis, &r->canon);
		cp = r->canon.p;
		cn = r->canon.len;
	}	/* else the thread writes the canonical form from the members */
	if (r->hashq == NULL)
		ds_sha256_hex(cp, cn, hex);
	else
		memset(hex, '0', 64);	/* the thread writes the digits over these */
	if (rc == DS_TIME_NONE)
		memcpy(ts, "null", 5);
	else
		ds_time_format(&t, ts);

	if (!rowonly || !r->valsstrings ||
	    !xf_schema_strings(r->schemas, w->stream, w->streamlen, r->shape->n)) {
		if (rowonly)
			shape_members(r, s, n, vals, 1);
		xf_schema_check(r->schemas, w->stream, w->streamlen, r->m, r->nm, same, out);
	}
	/* The record line: the wire format load/stream.h describes (not the
	   table's columns, which are load/columns.c's), written into room
	   reserved once: its fixed parts, the hash twice and the time take
	   less than 256 + DS_TIME_FMTMAX bytes. */
	o = ds_buf_reserve(out, n + 256 + DS_TIME_FMTMAX + w->streamlen + idl + typel);
	o = put(o, "{\"stream\":", 10);
	o = put(o, w->stream, w->streamlen);
	o = put(o, ",\"id\":", 6);
	if (idv == NULL) {
		*o++ = '"';
		idoff = (size_t)(o - out->p);
		o = put(o, hex, 64);
		*o++ = '"';
	} else
		o = put(o, idv, idl);
	o = put(o, ",\"type\":", 8);
	if (typev != NULL)
		o = put(o, typev, typel);
	else
		o = put(o, "null", 4);
	if (rc == DS_TIME_NONE)
		o = put(o, ",\"ts\":null,\"hash\":\"", 19);
	else {
		o = put(o, ",\"ts\":\"", 7);
		o = put(o, ts, strlen(ts));
		o = put(o, "\",\"hash\":\"", 10);
	}
	hashoff = (size_t)(o - out->p);
	o = put(o, hex, 64);
	o = put(o, "\",\"data\":", 9);
	dataoff = (size_t)(o - out->p);
	o = put(o, s, n);
	o = put(o, "}\n", 2);
	*o = '\0';
	out->len = (size_t)(o - out->p);
	if (rowonly)
		xf_hashq_add_row(r->hashq, vals, r->shape->n, n, dataoff, hashoff, idoff);
	else if (r->hashq != NULL && cp != NULL)
		xf_hashq_add(r->hashq, cp, cn, hashoff, idoff);
	else if (r->hashq != NULL)
		xf_hashq_add_members(r->hashq, r->m, r->nm, r->asis, s, dataoff, hashoff, idoff);
	r->nrecords++;
	return XF_RECORD;
}

/*
 * For a format that builds each record's object itself (valid JSON, no
 * \u0000, no lone surrogate, at most MAXFIELDS members): room in r->m for
 * its n members, to fill before the next xf_record() on exactly that object,
 * which then skips its own scan; NULL when n is over MAXFIELDS. r owns it.
 */
struct ds_json_member *
xf_record_members(struct xf_rec *r, size_t n)
{
	if (n > MAXFIELDS)
		return NULL;
	if (n > r->capm || r->asis == NULL)
		grow_members(r, n + 1);
	memset(r->asis, 0, n);
	r->nm = n;
	r->premembers = 1;
	return r->m;
}

/* The record path with --jq: validate, run the program, normalise each output. */
static int
filtered(struct xf_rec *r, const struct xf_where *w, const char *p,
    const char *end, const char *base, const char **recend, struct ds_buf *out)
{
	struct ds_json j;
	const char *s, *q, *oend;
	int rc, ret = XF_REJECT;

	ds_json_init(&j, base);
	if ((q = ds_json_skip(&j, p, end, &s)) == NULL)
		return scan_failed(r, w, &j, s, end, base, recend, out);
	*recend = q;
	if ((size_t)(q - s) > r->o->max_record)
		return reject_size(r, w, s, (size_t)(q - s), out);
	if (xf_jq_start(r->jq, s, (size_t)(q - s), &r->jqerr) < 0) {
		ds_buf_reset(&r->reason);
		ds_buf_printf(&r->reason, "jq: %s", r->jqerr.p);
		xf_reject(r, w, r->reason.p, s, (size_t)(q - s), out);
		return XF_REJECT;
	}
	while ((rc = xf_jq_next(r->jq, &r->jqout, &r->jqerr)) != XF_JQ_DONE) {
		if (rc == XF_JQ_ERROR) {
			ds_buf_reset(&r->reason);
			ds_buf_printf(&r->reason, "jq: %s", r->jqerr.p);
			xf_reject(r, w, r->reason.p, s, (size_t)(q - s), out);
			break;
		}
		if (rc == XF_JQ_OTHER) {
			xf_reject(r, w, "jq output is not an object", r->jqout.p, r->jqout.len, out);
			continue;
		}
		switch (normalise(r, w, r->jqout.p, r->jqout.p + r->jqout.len, r->jqout.p,
		    &oend, out)) {
		case XF_RECORD:
			ret = XF_RECORD;
			break;
		case XF_BROKEN:	/* only a jq output nested too deep to skip */
			xf_reject(r, w, r->reason.p, r->jqout.p, r->jqout.len, out);
			break;
		}
	}
	return ret;
}

int
xf_record(struct xf_rec *r, const struct xf_where *w, const char *p,
    const char *end, const char *base, const char **recend, struct ds_buf *out)
{
	if (r->jq != NULL)
		return filtered(r, w, p, end, base, recend, out);
	return normalise(r, w, p, end, base, recend, out);
}
