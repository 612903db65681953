#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "stream.h"

/* Member names, as bits, to check what a line holds. */
enum {
	F_DS = 1 << 0, F_STREAM = 1 << 1, F_ID = 1 << 2, F_TYPE = 1 << 3,
	F_TS = 1 << 4, F_HASH = 1 << 5, F_DATA = 1 << 6, F_SEQ = 1 << 7,
	F_CURSOR = 1 << 8, F_HASMORE = 1 << 9, F_RECORDS = 1 << 10,
	F_REASON = 1 << 11, F_RAW = 1 << 12, F_FIELDS = 1 << 13,
	F_ADDED = 1 << 14, F_REMOVED = 1 << 15, F_CHANGED = 1 << 16,
	F_PAGE = 1 << 17,	/* a member only raw ds-fetch pages have */
	F_STATE = 1 << 18, F_DECLARED = 1 << 19
};

#define NEED_RECORD	(F_STREAM | F_ID | F_HASH | F_DATA)
#define NEED_CHECKPOINT	(F_STREAM | F_SEQ | F_HASMORE)
#define NEED_REJECT	(F_STREAM | F_REASON | F_RAW)
#define NEED_SCHEMA	(F_STREAM | F_FIELDS)

static const struct field {
	const char	*name;
	size_t		 len;
	unsigned	 bit;
} fields[] = {
#define FIELD(name, bit)	{ name, sizeof(name) - 1, bit }
	FIELD("$ds", F_DS), FIELD("stream", F_STREAM), FIELD("id", F_ID),
	FIELD("type", F_TYPE), FIELD("ts", F_TS), FIELD("hash", F_HASH),
	FIELD("data", F_DATA), FIELD("seq", F_SEQ), FIELD("cursor", F_CURSOR),
	FIELD("has_more", F_HASMORE), FIELD("records", F_RECORDS),
	FIELD("reason", F_REASON), FIELD("raw", F_RAW), FIELD("fields", F_FIELDS),
	FIELD("added", F_ADDED), FIELD("removed", F_REMOVED), FIELD("changed", F_CHANGED),
	FIELD("state", F_STATE), FIELD("declared", F_DECLARED),
	FIELD("pagination", F_PAGE), FIELD("hasMore", F_PAGE), FIELD("nextCursor", F_PAGE),
#undef FIELD
};

/* The field a member's raw key names, or NULL. */
static const struct field *
lookup(const char *key, size_t n)
{
	size_t i;

	if (memchr(key, '\\', n) != NULL) {
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (ds_json_str_eq(key, n, fields[i].name))
				return &fields[i];
		return NULL;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].len == n && memcmp(key, fields[i].name, n) == 0)
			return &fields[i];
	return NULL;
}

/* Describe the error in err (what, which member, where); returns -1. */
static int
fail(struct ds_buf *err, size_t off, const char *what, const char *name)
{
	ds_buf_reset(err);
	if (name != NULL)
		ds_buf_printf(err, "%s \"%s\" at byte %zu", what, name, off);
	else
		ds_buf_printf(err, "%s at byte %zu", what, off);
	return -1;
}

/* Set *s to a string member's raw text; nullok allows JSON null (p NULL). */
static int
str(const struct ds_json_member *m, struct ds_span *s, int nullok)
{
	if (m->val[0] == '"') {
		s->p = m->val + 1;
		s->n = m->vallen - 2;
		return 0;
	}
	if (nullok && m->val[0] == 'n') {
		s->p = NULL;
		s->n = 0;
		return 0;
	}
	return -1;
}

/* Parse a non-negative integer member (or null when nullok: -1). */
static int
integer(const struct ds_json_member *m, long long *v, int nullok)
{
	char tmp[24], *end;

	if (nullok && m->val[0] == 'n') {
		*v = -1;
		return 0;
	}
	if (m->val[0] < '0' || m->val[0] > '9' || m->vallen >= sizeof(tmp))
		return -1;
	memcpy(tmp, m->val, m->vallen);
	tmp[m->vallen] = '\0';
	errno = 0;
	*v = strtoll(tmp, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : 0;
}

/* Store member m of the line in out; -1 when its type is wrong. */
static int
member(const struct ds_json_member *m, unsigned bit, struct ds_line *out)
{
	switch (bit) {
	case F_STREAM:	return str(m, &out->stream, 0);
	case F_ID:	return str(m, &out->id, 0);
	case F_TYPE:	return str(m, &out->type, 1);
	case F_TS:	return str(m, &out->ts, 1);
	case F_HASH:	return str(m, &out->hash, 0);
	case F_CURSOR:	return str(m, &out->cursor, 1);
	case F_REASON:	return str(m, &out->reason, 0);
	case F_RAW:	return str(m, &out->raw, 0);
	case F_SEQ:	return integer(m, &out->seq, 1);
	case F_RECORDS:	return integer(m, &out->records, 1);
	case F_DECLARED:
		out->declared = m->val[0] == 't';
		return m->val[0] == 't' || m->val[0] == 'f' ? 0 : -1;
	case F_HASMORE:
		out->has_more = m->val[0] == 't';
		return m->val[0] == 't' || m->val[0] == 'f' ? 0 : -1;
	case F_DATA:
		out->data.p = m->val;
		out->data.n = m->vallen;
		return 0;
	case F_STATE:
		out->state.p = m->val;
		out->state.n = m->vallen;
		return 0;
	case F_FIELDS:
		out->fields.p = m->val;
		out->fields.n = m->vallen;
		return m->val[0] == '{' ? 0 : -1;
	case F_ADDED:
	case F_REMOVED:
	case F_CHANGED: {
		struct ds_span *s = bit == F_ADDED ? &out->added :
		    bit == F_REMOVED ? &out->removed : &out->changed;

		s->p = m->val;
		s->n = m->vallen;
		return m->val[0] == '[' ? 0 : -1;
	}
	default:
		return 0;
	}
}

int
ld_stream_parse(const char *line, size_t len, struct ds_line *out,
    struct ds_buf *err)
{
	struct ds_json j;
	struct ds_json_member m;
	const char *p = line, *end = line + len;
	const struct field *f;
	unsigned seen = 0, need;
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	out->seq = -1;
	out->records = -1;
	ds_json_init(&j, line);
	if (ds_json_obj_begin(&j, &p, end) != 0)
		return fail(err, j.erroff, "not a JSON object", NULL);
	while ((r = ds_json_obj_next(&j, &p, end, &m)) == 1) {
		if ((f = lookup(m.key, m.keylen)) == NULL)
			continue;
		if (f->bit == F_DS) {
			if (m.val[0] != '"')
				return fail(err, (size_t)(m.val - line),
				    "wrong type for member", "$ds");
			if (ds_json_str_eq(m.val + 1, m.vallen - 2, "checkpoint"))
				out->kind = DS_LINE_CHECKPOINT;
			else if (ds_json_str_eq(m.val + 1, m.vallen - 2, "reject"))
				out->kind = DS_LINE_REJECT;
			else if (ds_json_str_eq(m.val + 1, m.vallen - 2, "schema"))
				out->kind = DS_LINE_SCHEMA;
			else
				return fail(err, (size_t)(m.val - line),
				    "unknown line kind in member", "$ds");
		} else if (member(&m, f->bit, out) != 0)
			return fail(err, (size_t)(m.val - line),
			    "wrong type for member", f->name);
		seen |= f->bit;
	}
	if (r < 0)
		return fail(err, j.erroff, j.errmsg ? j.errmsg : "invalid JSON", NULL);
	if (ds_json_ws(p, end) != end)
		return fail(err, (size_t)(ds_json_ws(p, end) - line),
		    "text after the object", NULL);
	if (!(seen & F_DS))
		out->kind = DS_LINE_RECORD;
	need = out->kind == DS_LINE_RECORD ? NEED_RECORD :
	    out->kind == DS_LINE_CHECKPOINT ? NEED_CHECKPOINT :
	    out->kind == DS_LINE_REJECT ? NEED_REJECT : NEED_SCHEMA;
	if ((seen & F_PAGE) || (seen & need) != need) {
		ds_buf_reset(err);
		ds_buf_adds(err, "not a stream-format line");
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if ((need & fields[i].bit) && !(seen & fields[i].bit)) {
				ds_buf_printf(err, " (no \"%s\")", fields[i].name);
				break;
			}
		return -1;
	}
	return 0;
}
