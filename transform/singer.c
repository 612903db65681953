#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "file.h"
#include "jcs.h"
#include "json.h"
#include "log.h"
#include "output.h"
#include "reader.h"
#include "record.h"
#include "schema.h"
#include "sha256.h"
#include "singer.h"

/* A Singer stream's key properties, from its last SCHEMA message. */
struct sstream {
	char		*name;		/* raw JSON string text, between the quotes */
	size_t		 namelen;
	char		**keys;		/* decoded key property names */
	size_t		 nkeys;
};

struct singer {
	struct xf_file	*f;
	struct sstream	*s;
	size_t		 ns;
	struct ds_jcs	 jcs;
	struct ds_buf	 id, tok, key, state;
	uint64_t	 line, ignored;
	int		 tsset, stated;
};

/* The Singer message's members we use; spans of the line (val NULL when absent). */
struct msg {
	struct ds_json_member type, stream, record, keyprops, time, value, schema;
};

static const char *field(const struct ds_json_member *, const char *, size_t *);

/* Reject the line for c->f->tmp's reason. */
static void
reject(struct singer *c, const char *line, size_t len)
{
	xf_file_reject(c->f, c->f->tmp.p, line, len);
}

/* The stream named by the raw string text (NULL when no SCHEMA named it). */
static struct sstream *
find(struct singer *c, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < c->ns; i++)
		if (c->s[i].namelen == n && memcmp(c->s[i].name, name, n) == 0)
			return &c->s[i];
	return NULL;
}

/*
 * A SCHEMA message: its properties are declared to the schema journal (a
 * schema line marked declared), and the stream's key properties kept.
 */
static void
schema(struct singer *c, const struct msg *m, const char *line, size_t len)
{
	struct sstream *s;
	struct ds_json j;
	const char *p, *v, *end;
	size_t vl, i;
	int rc;

	if (m->keyprops.val != NULL && *m->keyprops.val != '[') {
		ds_buf_reset(&c->f->tmp);
		ds_buf_adds(&c->f->tmp, "Singer SCHEMA: key_properties is not an array");
		reject(c, line, len);
		return;
	}
	if (m->schema.val != NULL && *m->schema.val == '{' &&
	    (v = field(&m->schema, "properties", &vl)) != NULL && *v == '{')
		xf_schema_declare(c->f->r->schemas, c->f->w.stream, c->f->w.streamlen,
		    v, vl, &c->f->out);
	if ((s = find(c, m->stream.val + 1, m->stream.vallen - 2)) == NULL) {
		c->s = ds_xrealloc(c->s, (c->ns + 1) * sizeof(*c->s));
		s = &c->s[c->ns++];
		s->name = ds_xstrndup(m->stream.val + 1, m->stream.vallen - 2);
		s->namelen = m->stream.vallen - 2;
	} else {
		for (i = 0; i < s->nkeys; i++)
			free(s->keys[i]);
		free(s->keys);
	}
	s->keys = NULL;
	s->nkeys = 0;
	if (m->keyprops.val == NULL)
		return;
	p = m->keyprops.val;
	end = p + m->keyprops.vallen;
	ds_json_init(&j, p);
	ds_json_arr_begin(&j, &p, end);
	while ((rc = ds_json_arr_next(&j, &p, end, &v, &vl)) == 1) {
		if (*v != '"')
			continue;
		ds_buf_reset(&c->key);
		ds_json_str_decode(v + 1, vl - 2, &c->key);
		ds_buf_terminate(&c->key);
		s->keys = ds_xrealloc(s->keys, (s->nkeys + 1) * sizeof(*s->keys));
		s->keys[s->nkeys++] = ds_xstrdup(c->key.p);
	}
}

/* The value of the record's top-level member name, or NULL. */
static const char *
field(const struct ds_json_member *rec, const char *name, size_t *vl)
{
	const char *p = rec->val, *end = rec->val + rec->vallen, *v = NULL;
	struct ds_json_member mm;
	struct ds_json j;

	ds_json_init(&j, p);
	ds_json_obj_begin(&j, &p, end);
	while (ds_json_obj_next(&j, &p, end, &mm) == 1)
		if (ds_json_str_eq(mm.key, mm.keylen, name)) {
			v = mm.val;
			*vl = mm.vallen;
		}
	return v;
}

/* A RECORD message: its record through the record path. */
static void
record(struct singer *c, const struct msg *m, const char *line, size_t len)
{
	struct xf_rec *r = c->f->r;
	struct sstream *s;
	const char *v;
	size_t i, vl;

	s = find(c, m->stream.val + 1, m->stream.vallen - 2);
	ds_buf_reset(&c->f->tmp);
	if (s == NULL) {
		ds_buf_printf(&c->f->tmp, "Singer RECORD of stream %.*s before its SCHEMA",
		    (int)m->stream.vallen, m->stream.val);
		reject(c, line, len);
		return;
	}
	if (m->record.val == NULL || *m->record.val != '{') {
		ds_buf_adds(&c->f->tmp, "Singer RECORD without a record object");
		reject(c, line, len);
		return;
	}
	r->idtok = NULL;
	if (s->nkeys > 0) {
		ds_buf_reset(&c->tok);
		ds_buf_addc(&c->tok, '[');
		ds_jcs(&c->jcs, m->stream.val, m->stream.vallen, &c->tok);
		for (i = 0; i < s->nkeys; i++) {
			if ((v = field(&m->record, s->keys[i], &vl)) == NULL) {
				ds_buf_adds(&c->f->tmp, "Singer RECORD: missing key property ");
				ds_buf_adds(&c->f->tmp, s->keys[i]);
				reject(c, line, len);
				return;
			}
			ds_buf_addc(&c->tok, ',');
			ds_jcs(&c->jcs, v, vl, &c->tok);
		}
		ds_buf_addc(&c->tok, ']');
	} else {
		/* no key: [stream, content hash], so equal records of two streams both stay */
		char hex[65];

		ds_buf_reset(&c->key);
		ds_jcs(&c->jcs, m->record.val, m->record.vallen, &c->key);
		ds_sha256_hex(c->key.p, c->key.len, hex);
		ds_buf_reset(&c->tok);
		ds_buf_addc(&c->tok, '[');
		ds_jcs(&c->jcs, m->stream.val, m->stream.vallen, &c->tok);
		ds_buf_adds(&c->tok, ",\"");
		ds_buf_adds(&c->tok, hex);
		ds_buf_adds(&c->tok, "\"]");
	}
	ds_buf_reset(&c->id);
	ds_json_put_str(&c->id, c->tok.p, c->tok.len);
	r->idtok = c->id.p;
	r->idtoklen = c->id.len;
	r->typetok = m->stream.val;
	r->typetoklen = m->stream.vallen;
	r->tsval = NULL;
	if (!c->tsset) {
		r->tsval = m->time.val != NULL ? m->time.val : "null";
		r->tsvallen = m->time.val != NULL ? m->time.vallen : 4;
	}
	if (xf_file_record(c->f, m->record.val, m->record.vallen) == XF_BROKEN)
		xf_file_reject(c->f, r->reason.p, line, len);
	r->idtok = r->typetok = r->tsval = NULL;
}

/* A STATE message: a checkpoint line carrying the state. */
static void
state(struct singer *c, const struct msg *m)
{
	struct xf_file *f = c->f;

	ds_buf_reset(&c->state);
	ds_buf_reserve(&c->state, m->value.vallen);
	c->state.len = ds_json_minify(m->value.val, m->value.vallen, c->state.p);
	ds_buf_reset(&f->cursor);
	ds_buf_add(&f->cursor, c->state.p, c->state.len);
	xf_file_checkpoint(f, 1, c->state.p, c->state.len);
	xf_file_flush(f);
	c->stated = 1;
}

/* One line of the tap's output. */
static void
message(struct singer *c, const char *line, size_t len)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} names[] = {
		{ "type", offsetof(struct msg, type) },
		{ "stream", offsetof(struct msg, stream) },
		{ "record", offsetof(struct msg, record) },
		{ "key_properties", offsetof(struct msg, keyprops) },
		{ "time_extracted", offsetof(struct msg, time) },
		{ "value", offsetof(struct msg, value) },
		{ "schema", offsetof(struct msg, schema) },
	};
	const char *p = line, *end = line + len, *t;
	struct ds_json_member mm;
	struct ds_json j;
	struct msg m;
	size_t i, tl;
	int rc;

	memset(&m, 0, sizeof(m));
	ds_buf_reset(&c->f->tmp);
	ds_json_init(&j, line);
	if (ds_json_validate(&j, line, end) != 0) {
		ds_buf_printf(&c->f->tmp, "invalid JSON at byte %zu: %s", j.erroff, j.errmsg);
		reject(c, line, len);
		return;
	}
	ds_json_init(&j, line);
	if (ds_json_obj_begin(&j, &p, end) != 0) {
		ds_buf_adds(&c->f->tmp, "not a Singer message (not an object)");
		reject(c, line, len);
		return;
	}
	while ((rc = ds_json_obj_next(&j, &p, end, &mm)) == 1)
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (ds_json_str_eq(mm.key, mm.keylen, names[i].name))
				*(struct ds_json_member *)((char *)&m + names[i].off) = mm;
	if (m.type.val == NULL || *m.type.val != '"') {
		ds_buf_adds(&c->f->tmp, "not a Singer message (no \"type\")");
		reject(c, line, len);
		return;
	}
	t = m.type.val + 1;
	tl = m.type.vallen - 2;
	if (ds_json_str_eq(t, tl, "STATE")) {
		if (m.value.val == NULL) {
			ds_buf_adds(&c->f->tmp, "Singer STATE without a value");
			reject(c, line, len);
		} else
			state(c, &m);
		return;
	}
	if (!ds_json_str_eq(t, tl, "SCHEMA") && !ds_json_str_eq(t, tl, "RECORD")) {
		c->ignored++;
		return;
	}
	if (m.stream.val == NULL || *m.stream.val != '"') {
		ds_buf_printf(&c->f->tmp, "Singer %.*s without a stream name", (int)tl, t);
		reject(c, line, len);
		return;
	}
	if (*t == 'S')
		schema(c, &m, line, len);
	else
		record(c, &m, line, len);
}

/* Release the state and what it holds. */
static void
singer_free(void *arg)
{
	struct singer *c = arg;
	size_t i, k;

	for (i = 0; i < c->ns; i++) {
		for (k = 0; k < c->s[i].nkeys; k++)
			free(c->s[i].keys[k]);
		free(c->s[i].keys);
		free(c->s[i].name);
	}
	free(c->s);
	ds_jcs_free(&c->jcs);
	ds_buf_free(&c->id);
	ds_buf_free(&c->tok);
	ds_buf_free(&c->key);
	ds_buf_free(&c->state);
	free(c);
}

void
xf_singer(struct xf_file *f, size_t maxline, int tsset)
{
	struct singer *c = ds_xcalloc(1, sizeof(*c));
	char *line;
	size_t len;
	int rc;

	c->f = f;
	f->cleanup = singer_free;
	f->cleanup_arg = c;
	c->tsset = tsset;
	xf_file_utf8_only(f, "Singer's JSON");
	while ((rc = ds_reader_next(f->rd, &line, &len)) != DS_READ_EOF) {
		if (rc == DS_READ_ERR)
			xf_file_fail(f, "stdin: %s (after line %llu)", ds_reader_error(f->rd),
			    (unsigned long long)c->line);
		c->line++;
		if (rc == DS_READ_LONG) {
			ds_buf_reset(&f->tmp);
			ds_buf_printf(&f->tmp, "line exceeds --max-line-bytes (%zu)", maxline);
			xf_file_reject(f, f->tmp.p, line, len);
		} else if (ds_json_ws(line, line + len) != line + len)
			message(c, line, len);
		if (f->out.len >= 256 * 1024)
			xf_file_flush(f);
	}
	/* records after the last STATE: committed with that state, which they follow */
	if (c->stated && f->pending > 0)
		xf_file_checkpoint(f, 1, NULL, 0);
	xf_file_flush(f);
	f->base = ds_reader_consumed(f->rd);	/* the done line's bytes */
	if (c->ignored > 0)
		ds_logkv(DS_LOG_INFO, "Singer messages ignored (not SCHEMA, RECORD or STATE)",
		    "messages=%llu", (unsigned long long)c->ignored);
	f->cleanup = NULL;
	singer_free(c);
}
