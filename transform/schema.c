#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "schema.h"

/* JSON types as bits, in the order they are listed in a schema line. */
#define NTYPES	DS_JSON_NTYPES
#define ALLTYPES	((1u << NTYPES) - 1)

struct field {
	char		*key;		/* raw key text, owned */
	size_t		 keylen;
	unsigned	 types;		/* bit i: ds_json_typenames[i] seen */
	unsigned	 declared;	/* the types the source declared for it */
	int		 required;	/* every record so far had it */
	int		 flag;		/* scratch: in the current record */
};

struct stream {
	char		*name;		/* JSON token, owned */
	size_t		 namelen;
	struct field	*f;		/* in order of first appearance */
	size_t		 n, cap;
	unsigned long	 records;
	int		 matched;	/* the last record checked had f's keys in f's order */
	size_t		 strings;	/* n when each of f has shown a string (types only grow) */
	struct stream	*next;
};

/* A stream's schema as it was before the journal's line changed it. */
struct saved {
	struct stream	*st;
	struct field	*f;
	size_t		 n;
	unsigned long	 records;
};

struct xf_schemas {
	struct stream	*list;
	struct stream	*last;		/* the stream looked up last */
	int		 journal;
	struct saved	*saved;
	size_t		 nsaved, capsaved;
	unsigned long	 line;		/* journal number, to save a stream once */
};

struct xf_schemas *
xf_schema_new(void)
{
	return ds_xcalloc(1, sizeof(struct xf_schemas));
}

/* Release the fields array f[0..n). */
static void
free_fields(struct field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(f[i].key);
	free(f);
}

void
xf_schema_begin(struct xf_schemas *s)
{
	s->journal = 1;
	s->nsaved = 0;
}

void
xf_schema_commit(struct xf_schemas *s)
{
	size_t i;

	for (i = 0; i < s->nsaved; i++)
		free_fields(s->saved[i].f, s->saved[i].n);
	s->nsaved = 0;
	s->journal = 0;
}

void
xf_schema_rollback(struct xf_schemas *s)
{
	struct saved *v;

	while (s->nsaved > 0) {
		v = &s->saved[--s->nsaved];
		free_fields(v->st->f, v->st->n);
		v->st->f = v->f;
		v->st->n = v->st->cap = v->n;
		v->st->records = v->records;
		v->st->matched = 0;
		v->st->strings = 0;
	}
	s->journal = 0;
}

void
xf_schema_free(struct xf_schemas *s)
{
	struct stream *st, *next;

	if (s == NULL)
		return;
	xf_schema_commit(s);
	free(s->saved);
	for (st = s->list; st != NULL; st = next) {
		next = st->next;
		free_fields(st->f, st->n);
		free(st->name);
		free(st);
	}
	free(s);
}

/* The stream's entry, made empty on first sight; owned by s. */
static struct stream *
lookup(struct xf_schemas *s, const char *name, size_t len)
{
	struct stream *st;

	if (s->last != NULL && s->last->namelen == len && memcmp(s->last->name, name, len) == 0)
		return s->last;
	for (st = s->list; st != NULL; st = st->next)
		if (st->namelen == len && memcmp(st->name, name, len) == 0)
			return s->last = st;
	st = ds_xcalloc(1, sizeof(*st));
	st->name = ds_xstrndup(name, len);
	st->namelen = len;
	st->next = s->list;
	s->list = st;
	return s->last = st;
}

/* Keep a deep copy of st's schema for a rollback, once per journaled line. */
static void
save(struct xf_schemas *s, struct stream *st)
{
	struct saved *v;
	size_t i;

	if (!s->journal)
		return;
	for (i = 0; i < s->nsaved; i++)
		if (s->saved[i].st == st)
			return;
	if (s->nsaved == s->capsaved) {
		s->capsaved = s->capsaved ? s->capsaved * 2 : 8;
		s->saved = ds_xrealloc(s->saved, s->capsaved * sizeof(*s->saved));
	}
	v = &s->saved[s->nsaved++];
	v->st = st;
	v->n = st->n;
	v->records = st->records;
	v->f = ds_xcalloc(st->n ? st->n : 1, sizeof(*v->f));
	for (i = 0; i < st->n; i++) {
		v->f[i] = st->f[i];
		v->f[i].key = ds_xstrndup(st->f[i].key, st->f[i].keylen);
	}
}

/* Index of key in st, or -1. */
static long
find(const struct stream *st, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->f[i].keylen == len && memcmp(st->f[i].key, key, len) == 0)
			return (long)i;
	return -1;
}

/* Append a quoted raw key to a JSON array or object being written. */
static void
put_key(struct ds_buf *out, int *first, const char *key, size_t len)
{
	if (!*first)
		ds_buf_addc(out, ',');
	*first = 0;
	ds_buf_addc(out, '"');
	ds_buf_add(out, key, len);
	ds_buf_addc(out, '"');
}

/* Append a list of the keys whose flag equals want. */
static void
put_list(struct ds_buf *out, const char *name, const struct stream *st, int want)
{
	size_t i;
	int first = 1;

	ds_buf_printf(out, ",\"%s\":[", name);
	for (i = 0; i < st->n; i++)
		if (st->f[i].flag == want)
			put_key(out, &first, st->f[i].key, st->f[i].keylen);
	ds_buf_addc(out, ']');
}

#define F_SEEN		1	/* in the record, nothing new */
#define F_ADDED		2
#define F_CHANGED	3
#define F_REMOVED	4
#define F_DECLARED	5	/* declared by the source, nothing new */

/*
 * Append the schema line of st: every field with its types, or with
 * declared set only the fields flagged by a declaration, with the types
 * declared for them ("declared":true).
 */
static void
put_line(struct ds_buf *out, const char *stream, size_t streamlen,
    const struct stream *st, int declared)
{
	size_t i;
	unsigned types;
	int first = 1;

	ds_buf_adds(out, "{\"$ds\":\"schema\",\"stream\":");
	ds_buf_add(out, stream, streamlen);
	ds_buf_adds(out, ",\"fields\":{");
	for (i = 0; i < st->n; i++) {
		if (declared && st->f[i].flag == 0)
			continue;
		types = declared ? st->f[i].declared : st->f[i].types;
		put_key(out, &first, st->f[i].key, st->f[i].keylen);
		ds_buf_adds(out, ":\"");
		ds_json_put_types(out, types);
		ds_buf_addc(out, '"');
	}
	ds_buf_addc(out, '}');
	put_list(out, "added", st, F_ADDED);
	put_list(out, "removed", st, F_REMOVED);
	put_list(out, "changed", st, F_CHANGED);
	ds_buf_adds(out, declared ? ",\"declared\":true}\n" : "}\n");
}

int
xf_schema_check(struct xf_schemas *s, const char *stream, size_t streamlen,
    const struct ds_json_member *m, size_t n, int samekeys, struct ds_buf *out)
{
	struct stream *st = lookup(s, stream, streamlen);
	size_t i;
	unsigned bit;
	int change = 0;
	long k;

	/* Fast path: the known keys in their order, with known types. */
	if (n == st->n && samekeys && st->matched) {
		for (i = 0; i < n; i++)
			if (!(st->f[i].types & ds_json_typebit(m[i].val)))
				break;
	} else if (n == st->n) {
		for (i = 0; i < n; i++)
			if (m[i].keylen != st->f[i].keylen ||
			    memcmp(m[i].key, st->f[i].key, m[i].keylen) != 0 ||
			    !(st->f[i].types & ds_json_typebit(m[i].val)))
				break;
	} else
		i = n + 1;
	if (i == n) {
		st->matched = 1;
		st->records++;
		return 0;
	}
	st->matched = 0;
	/* Slow path: is anything new? */
	for (i = 0; i < st->n; i++)
		st->f[i].flag = 0;
	for (i = 0; i < n; i++) {
		if ((k = find(st, m[i].key, m[i].keylen)) < 0 ||
		    !(st->f[k].types & ds_json_typebit(m[i].val))) {
			change = 1;
			break;
		}
		st->f[k].flag = F_SEEN;
	}
	for (i = 0; i < st->n && !change; i++)
		if (st->f[i].required && st->f[i].flag == 0)
			change = 1;
	if (!change) {
		st->records++;
		return 0;
	}

	save(s, st);
	for (i = 0; i < st->n; i++)
		st->f[i].flag = 0;
	for (i = 0; i < n; i++) {
		bit = ds_json_typebit(m[i].val);
		if ((k = find(st, m[i].key, m[i].keylen)) < 0) {
			if (st->n == st->cap) {
				st->cap = st->cap ? st->cap * 2 : 16;
				st->f = ds_xrealloc(st->f, st->cap * sizeof(*st->f));
			}
			k = (long)st->n++;
			st->f[k].key = ds_xstrndup(m[i].key, m[i].keylen);
			st->f[k].keylen = m[i].keylen;
			st->f[k].types = bit;
			st->f[k].required = st->records == 0;
			st->f[k].flag = F_ADDED;
		} else if (!(st->f[k].types & bit)) {
			st->f[k].types |= bit;
			if (st->f[k].flag != F_ADDED)
				st->f[k].flag = F_CHANGED;
		} else if (st->f[k].flag == 0)
			st->f[k].flag = F_SEEN;
	}
	for (i = 0; i < st->n; i++)
		if (st->f[i].flag == 0 && st->f[i].required) {
			st->f[i].required = 0;
			st->f[i].flag = F_REMOVED;
		}
	st->records++;

	put_line(out, stream, streamlen, st, 0);
	return 1;
}

int
xf_schema_strings(struct xf_schemas *s, const char *stream, size_t streamlen, size_t n)
{
	struct stream *st = lookup(s, stream, streamlen);
	unsigned bit = ds_json_typebit("\"");
	size_t i;

	if (!st->matched || st->n != n)
		return 0;
	if (st->strings != n) {
		for (i = 0; i < n; i++)
			if (!(st->f[i].types & bit))
				return 0;
		st->strings = n;
	}
	st->records++;
	return 1;
}

/* The bit of a JSON Schema type name (the string token v), or 0. */
static unsigned
jstype(const char *v, size_t vl)
{
	int t;

	if (*v != '"')
		return 0;
	if (ds_json_str_eq(v + 1, vl - 2, "integer"))
		return 1u << 3;
	for (t = 0; t < NTYPES; t++)
		if (ds_json_str_eq(v + 1, vl - 2, ds_json_typenames[t]))
			return 1u << t;
	return 0;
}

/*
 * The JSON types a JSON Schema (the valid JSON text [p, end)) allows, as
 * bits: its "type" (a name or an array of names; integer is a number) and
 * the union of its "anyOf" and "oneOf" schemas; all types when it names
 * none (or is not an object).
 */
static unsigned
schema_types(const char *p, const char *end, int depth)
{
	struct ds_json_member m;
	struct ds_json j, ja;
	const char *v, *q;
	size_t vl;
	unsigned bits = 0;
	int any = 0, of;

	ds_json_init(&j, p);
	if (depth > 16 || ds_json_obj_begin(&j, &p, end) != 0)
		return ALLTYPES;
	while (ds_json_obj_next(&j, &p, end, &m) == 1) {
		of = ds_json_str_eq(m.key, m.keylen, "anyOf") ||
		    ds_json_str_eq(m.key, m.keylen, "oneOf");
		if (!of && !ds_json_str_eq(m.key, m.keylen, "type"))
			continue;
		any = 1;
		if (!of && *m.val == '"') {
			bits |= jstype(m.val, m.vallen);
			continue;
		}
		q = m.val;
		ds_json_init(&ja, q);
		if (ds_json_arr_begin(&ja, &q, m.val + m.vallen) != 0)
			return ALLTYPES;
		while (ds_json_arr_next(&ja, &q, m.val + m.vallen, &v, &vl) == 1)
			bits |= of ? schema_types(v, v + vl, depth + 1) : jstype(v, vl);
	}
	return any && bits != 0 ? bits : ALLTYPES;
}

int
xf_schema_declare(struct xf_schemas *s, const char *stream, size_t streamlen,
    const char *props, size_t propslen, struct ds_buf *out)
{
	struct stream *st = lookup(s, stream, streamlen);
	const char *p = props, *end = props + propslen;

	st->matched = 0;
	struct ds_json_member m;
	struct ds_json j;
	unsigned bits;
	size_t i;
	long k;

	ds_json_init(&j, p);
	if (ds_json_obj_begin(&j, &p, end) != 0)
		return -1;
	save(s, st);
	for (i = 0; i < st->n; i++)
		st->f[i].flag = 0;
	while (ds_json_obj_next(&j, &p, end, &m) == 1) {
		bits = schema_types(m.val, m.val + m.vallen, 0);
		if ((k = find(st, m.key, m.keylen)) < 0) {
			if (st->n == st->cap) {
				st->cap = st->cap ? st->cap * 2 : 16;
				st->f = ds_xrealloc(st->f, st->cap * sizeof(*st->f));
			}
			k = (long)st->n++;
			st->f[k].key = ds_xstrndup(m.key, m.keylen);
			st->f[k].keylen = m.keylen;
			st->f[k].types = st->f[k].declared = bits;
			st->f[k].required = 0;
			st->f[k].flag = F_ADDED;
			continue;
		}
		if ((st->f[k].types & bits) != bits && st->f[k].flag != F_ADDED)
			st->f[k].flag = F_CHANGED;
		else if (st->f[k].flag == 0)
			st->f[k].flag = F_DECLARED;
		st->f[k].types |= bits;
		st->f[k].declared |= bits;
	}
	put_line(out, stream, streamlen, st, 1);
	return 0;
}
