#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "name.h"
#include "page.h"
#include "record.h"
#include "schema.h"

/* The state to restore when a line's output is dropped. */
struct mark {
	size_t		 len;
	uint64_t	 nrecords, nrejects;
};

void
xf_lines_init(struct xf_lines *x, struct xf_rec *r, const char *stream)
{
	struct ds_buf b = { 0 };

	memset(x, 0, sizeof(*x));
	x->r = r;
	x->bound = stream != NULL;
	if (stream == NULL)
		stream = "events";
	ds_json_put_str(&b, stream, strlen(stream));
	x->streamtok = b.p;
	x->plain.stream = b.p;
	x->plain.streamlen = b.len;
	x->plain.seq = "null";
	x->plain.seqlen = 4;
}

void
xf_lines_free(struct xf_lines *x)
{
	free(x->streamtok);
	ds_buf_free(&x->why);
}

/*
 * Whether a line of kind what, naming stream tok (a JSON token of n bytes),
 * belongs to this run: 0 when so (the first such line binds the run to its
 * stream when --stream did not), -1 with x->why set when it names another
 * stream or is no valid stream name.
 */
static int
same_stream(struct xf_lines *x, const char *what, const char *tok, size_t n)
{
	const char *bad;

	if (!x->bound) {
		if (n < 2 || *tok != '"' ||
		    (bad = ds_name_why(tok + 1, n - 2)) != NULL) {
			ds_buf_reset(&x->why);
			ds_buf_printf(&x->why, "%s names stream %.*s: %s", what,
			    (int)(n > 200 ? 200 : n), tok, n < 2 || *tok != '"' ?
			    "not a string" : bad);
			return -1;
		}
		free(x->streamtok);
		x->streamtok = ds_xstrndup(tok, n);
		x->plain.stream = x->streamtok;
		x->plain.streamlen = n;
		x->bound = 1;
		return 0;
	}
	if (n == x->plain.streamlen && memcmp(tok, x->streamtok, n) == 0)
		return 0;
	ds_buf_reset(&x->why);
	ds_buf_printf(&x->why, "%s names stream %.*s, not the stream being transformed"
	    " (%s): refused, as its checkpoint would move another stream's position",
	    what, (int)(n > 200 ? 200 : n), tok, x->streamtok);
	return -1;
}

/*
 * For a line of our own output at p (a "$ds" line): same_stream() of every
 * "stream" member it has (a reader keeps the last of repeated keys), or of
 * none. 0 when the line may pass, -1 as same_stream().
 */
static int
own_line_stream(struct xf_lines *x, const char *what, const char *line, const char *end)
{
	const char *q = ds_json_ws(line, end);
	struct ds_json_member m;
	struct ds_json j;
	int r;

	ds_json_init(&j, line);
	if (ds_json_obj_begin(&j, &q, end) != 0)
		return 0;
	while ((r = ds_json_obj_next(&j, &q, end, &m)) == 1)
		if (ds_json_str_eq(m.key, m.keylen, "stream") &&
		    same_stream(x, what, m.val, m.vallen) < 0)
			return -1;
	return 0;
}

/* Remember the output and counts, and open the schema journal, for one line. */
static void
begin(struct xf_lines *x, struct mark *m, struct ds_buf *out)
{
	m->len = out->len;
	m->nrecords = x->r->nrecords;
	m->nrejects = x->r->nrejects;
	xf_schema_begin(x->r->schemas);
}

/* Drop the line's output so far and reject the whole line for reason. */
static void
broken(struct xf_lines *x, const struct mark *m, const char *reason,
    const char *line, size_t len, struct ds_buf *out)
{
	out->len = m->len;
	x->r->nrecords = m->nrecords;
	x->r->nrejects = m->nrejects;
	xf_schema_rollback(x->r->schemas);
	xf_reject(x->r, &x->plain, reason, line, len, out);
}

/* broken() with "invalid JSON at byte N: what" for an error found by j. */
static void
broken_json(struct xf_lines *x, const struct mark *m, const struct ds_json *j,
    const char *line, size_t len, struct ds_buf *out)
{
	struct ds_buf *why = &x->r->reason;

	ds_buf_reset(why);
	ds_buf_printf(why, "invalid JSON at byte %zu: %s", j->erroff, j->errmsg);
	broken(x, m, why->p, line, len, out);
}

/* A line that is one record (or not JSON at all). */
static void
plain(struct xf_lines *x, const char *line, size_t len, struct ds_buf *out)
{
	const char *end = line + len, *recend, *t;
	struct ds_json j;
	struct mark m;

	x->bound = 1;	/* a plain record is of --stream, or of "events" */
	begin(x, &m, out);
	if (xf_record(x->r, &x->plain, line, end, line, &recend, out) == XF_BROKEN) {
		broken(x, &m, x->r->reason.p, line, len, out);
		return;
	}
	if ((t = ds_json_ws(recend, end)) != end) {
		ds_json_init(&j, line);
		j.erroff = (size_t)(t - line);
		j.errmsg = "unexpected data after the JSON value";
		broken_json(x, &m, &j, line, len, out);
		return;
	}
	xf_schema_commit(x->r->schemas);
}

/* Whether the rest of an object at *q, after "stream" and "id", is exactly type, ts, hash, data. */
static int
is_output_record(const char *line, const char *q, const char *end)
{
	static const char *const rest[] = { "type", "ts", "hash", "data" };
	struct ds_json j;
	struct ds_json_member m;
	size_t i;

	ds_json_init(&j, line);
	for (i = 0; i < 4; i++)
		if (ds_json_obj_next(&j, &q, end, &m) != 1 ||
		    !ds_json_str_eq(m.key, m.keylen, rest[i]))
			return 0;
	return ds_json_obj_next(&j, &q, end, &m) == 0 && ds_json_ws(q, end) == end;
}

/* Copy a line of our own output through, trimmed of surrounding whitespace. */
static void
pass(struct xf_lines *x, const char *p, const char *end, struct ds_buf *out)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
	    end[-1] == '\n'))
		end--;
	ds_buf_add(out, p, (size_t)(end - p));
	ds_buf_addc(out, '\n');
	x->passed++;
}

/*
 * A ds-fetch page: q is just after its "stream" (ms) and "seq" (mq)
 * members. Its records' lines, then one checkpoint line; a page that turns
 * out broken is one reject line instead.
 */
static void
page(struct xf_lines *x, const char *line, size_t len, const struct ds_json_member *ms,
    const struct ds_json_member *mq, const char *q, struct ds_buf *out)
{
	const char *end = line + len, *p = q, *k, *v, *recend;
	const char *next = "null", *hm = NULL;
	size_t nextlen = 4, hmlen = 0, keylen;
	unsigned long long nrec = 0;
	int have_records = 0;
	struct xf_where w;
	struct ds_json j;
	struct mark m;

	w.stream = ms->val;
	w.streamlen = ms->vallen;
	w.seq = mq->val;
	w.seqlen = mq->vallen;
	ds_json_init(&j, line);
	begin(x, &m, out);
	for (;;) {
		p = ds_json_ws(p, end);
		if (p < end && *p == '}') {
			p++;
			break;
		}
		if (p >= end || *p != '"') {
			j.erroff = (size_t)(p - line);
			j.errmsg = "expected string key";
			goto bad;
		}
		k = p + 1;
		if ((p = ds_json_skip(&j, p, end, NULL)) == NULL)
			goto bad;
		keylen = (size_t)(p - 1 - k);
		p = ds_json_ws(p, end);
		if (p >= end || *p != ':') {
			j.erroff = (size_t)(p - line);
			j.errmsg = "expected ':'";
			goto bad;
		}
		p = ds_json_ws(p + 1, end);
		if (ds_json_str_eq(k, keylen, "records") && p < end && *p == '[') {
			have_records = 1;
			p = ds_json_ws(p + 1, end);
			if (p < end && *p == ']')
				p++;
			else
				for (;;) {
					nrec++;
					if (xf_record(x->r, &w, p, end, line, &recend, out) == XF_BROKEN) {
						broken(x, &m, x->r->reason.p, line, len, out);
						return;
					}
					p = ds_json_ws(recend, end);
					if (p < end && *p == ',') {
						p++;
						continue;
					}
					if (p < end && *p == ']') {
						p++;
						break;
					}
					j.erroff = (size_t)(p - line);
					j.errmsg = "expected ',' or ']'";
					goto bad;
				}
		} else {
			if ((p = ds_json_skip(&j, p, end, &v)) == NULL)
				goto bad;
			if (ds_json_str_eq(k, keylen, "next")) {
				next = v;
				nextlen = (size_t)(p - v);
			} else if (ds_json_str_eq(k, keylen, "has_more")) {
				hm = v;
				hmlen = (size_t)(p - v);
			}
		}
		p = ds_json_ws(p, end);
		if (p < end && *p == ',') {
			p = ds_json_ws(p + 1, end);
			if (p >= end || *p != '"') {
				j.erroff = (size_t)(p - line);
				j.errmsg = "expected string key";
				goto bad;
			}
		} else if (p >= end || *p != '}') {
			j.erroff = (size_t)(p - line);
			j.errmsg = "expected ',' or '}'";
			goto bad;
		}
	}
	if ((p = ds_json_ws(p, end)) != end) {
		j.erroff = (size_t)(p - line);
		j.errmsg = "unexpected data after the JSON value";
		goto bad;
	}
	if (!have_records) {
		broken(x, &m, "page line without a records array", line, len, out);
		return;
	}
	if (*next != '"' && *next != 'n') {
		broken(x, &m, "page line: next is neither a string nor null", line, len, out);
		return;
	}
	if (hm == NULL || (*hm != 't' && *hm != 'f')) {
		hm = *next == '"' ? "true" : "false";
		hmlen = strlen(hm);
	}
	ds_buf_adds(out, "{\"$ds\":\"checkpoint\",\"stream\":");
	ds_buf_add(out, w.stream, w.streamlen);
	ds_buf_adds(out, ",\"seq\":");
	ds_buf_add(out, w.seq, w.seqlen);
	ds_buf_adds(out, ",\"cursor\":");
	ds_buf_add(out, next, nextlen);
	ds_buf_adds(out, ",\"has_more\":");
	ds_buf_add(out, hm, hmlen);
	ds_buf_printf(out, ",\"records\":%llu}\n", nrec);
	xf_schema_commit(x->r->schemas);
	x->pages++;
	return;
bad:
	broken_json(x, &m, &j, line, len, out);
}

int
xf_line(struct xf_lines *x, const char *line, size_t len, struct ds_buf *out)
{
	const char *end = line + len, *q;
	struct ds_json_member m1, m2;
	struct ds_json j;
	char what[64];

	if (len == 0)
		return 0;
	q = ds_json_ws(line, end);
	if (q < end && *q == '{') {
		ds_json_init(&j, line);
		ds_json_obj_begin(&j, &q, end);
		if (ds_json_obj_next(&j, &q, end, &m1) == 1) {
			if (ds_json_str_eq(m1.key, m1.keylen, "$ds")) {
				ds_json_init(&j, line);
				if (ds_json_validate(&j, line, end) == 0) {
					snprintf(what, sizeof(what), "a \"$ds\":%.*s line",
					    (int)(m1.vallen > 24 ? 24 : m1.vallen), m1.val);
					if (own_line_stream(x, what, line, end) < 0)
						return -1;
					pass(x, ds_json_ws(line, end), end, out);
					return 0;
				}
			} else if (ds_json_str_eq(m1.key, m1.keylen, "stream") && *m1.val == '"' &&
			    ds_json_obj_next(&j, &q, end, &m2) == 1) {
				if (ds_json_str_eq(m2.key, m2.keylen, "seq")) {
					if (same_stream(x, "a page", m1.val, m1.vallen) < 0)
						return -1;
					page(x, line, len, &m1, &m2, q, out);
					return 0;
				}
				if (ds_json_str_eq(m2.key, m2.keylen, "id") &&
				    is_output_record(line, q, end)) {
					if (same_stream(x, "a record line", m1.val,
					    m1.vallen) < 0)
						return -1;
					pass(x, ds_json_ws(line, end), end, out);
					return 0;
				}
			}
		}
	}
	plain(x, line, len, out);
	return 0;
}

void
xf_line_long(struct xf_lines *x, const char *line, size_t len, size_t max,
    struct ds_buf *out)
{
	struct ds_buf *why = &x->r->reason;

	x->bound = 1;
	ds_buf_reset(why);
	ds_buf_printf(why, "line exceeds --max-line-bytes (%zu)", max);
	xf_reject(x->r, &x->plain, why->p, line, len > XF_MAXRAW ? XF_MAXRAW : len, out);
}
