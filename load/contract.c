#include <stdlib.h>
#include <string.h>


#include "buf.h"
#include "jcs.h"
#include "json.h"
#include "contract.h"
#include "sha256.h"
#include "stream.h"

/* JSON types as bits, named as in schema lines (transform/schema.c). */
#define NTYPES		DS_JSON_NTYPES
#define MAXNAMED	5	/* fields a reject names before "and N more" */
#define MAXPOS		4096	/* member positions whose field is remembered */
#define NOWHERE		((size_t)-1)

struct kfield {
	char		*key;		/* decoded, NUL-terminated, owned */
	size_t		 len;
	unsigned	 types;		/* the schema's types (0: not in it) */
	unsigned	 dropped;	/* types dropped and journaled (discard) */
};

struct ds_contract {
	int		 mode;
	struct kfield	*f;
	size_t		 n, cap;
	size_t		 nknown;	/* fields with types != 0 */
	size_t		*pos;		/* pos[i]: the field met at member i last */
	size_t		 npos;
	struct ds_buf	 key, data, canon;
	struct ds_jcs	 jcs;
	char		 hash[65];
};

struct ds_contract *
ld_contract_new(int mode)
{
	struct ds_contract *c = ds_xcalloc(1, sizeof(*c));

	c->mode = mode;
	return c;
}

void
ld_contract_free(struct ds_contract *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		free(c->f[i].key);
	free(c->f);
	free(c->pos);
	ds_buf_free(&c->key);
	ds_buf_free(&c->data);
	ds_buf_free(&c->canon);
	ds_jcs_free(&c->jcs);
	free(c);
}

int
ld_contract_enforced(const struct ds_contract *c)
{
	return c->mode != DS_CONTRACT_EVOLVE && c->nknown > 0;
}

/* The name of the single type bit. */
static const char *
typename(unsigned bit)
{
	int t;

	for (t = 0; t < NTYPES; t++)
		if (bit == 1u << t)
			return ds_json_typenames[t];
	return "?";
}

/* The bits of a "type|type" list [p, p+n) (decoded); unknown names are ignored. */
static unsigned
typebits(const char *p, size_t n)
{
	const char *end = p + n, *bar;
	unsigned bits = 0;
	size_t l;
	int t;

	while (p < end) {
		bar = memchr(p, '|', (size_t)(end - p));
		l = (size_t)((bar != NULL ? bar : end) - p);
		for (t = 0; t < NTYPES; t++)
			if (strlen(ds_json_typenames[t]) == l && memcmp(ds_json_typenames[t], p, l) == 0)
				bits |= 1u << t;
		p += l + 1;
	}
	return bits;
}

/*
 * The field whose decoded key is [k, k+len), or NULL. at is the member's
 * position in its record (NOWHERE for none): records mostly repeat their
 * order, so the field found at a position last time is tried first.
 */
static struct kfield *
find(struct ds_contract *c, const char *k, size_t len, size_t at)
{
	size_t i, h;

	if (at < c->npos && (h = c->pos[at]) < c->n && c->f[h].len == len &&
	    memcmp(c->f[h].key, k, len) == 0)
		return &c->f[h];
	for (i = 0; i < c->n; i++)
		if (c->f[i].len == len && memcmp(c->f[i].key, k, len) == 0)
			break;
	if (i == c->n)
		return NULL;
	if (at != NOWHERE && at < MAXPOS) {
		if (at >= c->npos) {
			c->pos = ds_xrealloc(c->pos, (at + 1) * sizeof(*c->pos));
			while (c->npos <= at)
				c->pos[c->npos++] = NOWHERE;
		}
		c->pos[at] = i;
	}
	return &c->f[i];
}

/* The field of key [k, k+len), added with no type when absent; owned by c. */
static struct kfield *
get(struct ds_contract *c, const char *k, size_t len)
{
	struct kfield *f;

	if ((f = find(c, k, len, NOWHERE)) != NULL)
		return f;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->f = ds_xrealloc(c->f, c->cap * sizeof(*c->f));
	}
	f = &c->f[c->n++];
	f->key = ds_xmalloc(len + 1);
	memcpy(f->key, k, len);
	f->key[len] = '\0';
	f->len = len;
	f->types = f->dropped = 0;
	return f;
}

/* Decode a member's raw key into c->key; -1 on \u0000 (no field can match). */
static int
decode_key(struct ds_contract *c, const struct ds_json_member *m)
{
	ds_buf_reset(&c->key);
	if (memchr(m->key, '\\', m->keylen) == NULL) {
		ds_buf_add(&c->key, m->key, m->keylen);
		return 0;
	}
	return ds_json_str_decode(m->key, m->keylen, &c->key);
}

int
ld_contract_merge(struct ds_contract *c, const char *p, size_t n)
{
	const char *end = p + n;
	struct ds_json_member m;
	struct ds_json j;
	struct ds_buf types = { 0 };
	struct kfield *f;
	int rc;

	ds_json_init(&j, p);
	if (ds_json_obj_begin(&j, &p, end) != 0)
		return -1;
	while ((rc = ds_json_obj_next(&j, &p, end, &m)) == 1) {
		if (m.val[0] != '"' || decode_key(c, &m) != 0)
			continue;
		ds_buf_reset(&types);
		if (ds_json_str_decode(m.val + 1, m.vallen - 2, &types) != 0)
			continue;
		f = get(c, c->key.p, c->key.len);
		if (f->types == 0)
			c->nknown++;
		f->types |= typebits(types.p, types.len);
		if (f->types == 0)
			c->nknown--;
	}
	ds_buf_free(&types);
	return rc < 0 ? -1 : 0;
}

/* Append one offending field to a freeze reason (the first MAXNAMED of them). */
static void
name_field(struct ds_buf *why, int k, const struct kfield *f, const char *key,
    unsigned bit)
{
	if (k >= MAXNAMED)
		return;
	ds_buf_adds(why, k == 0 ? ": " : "; ");
	if (f == NULL || f->types == 0) {
		ds_buf_printf(why, "new field \"%s\" (%s)", key, typename(bit));
		return;
	}
	ds_buf_printf(why, "field \"%s\" is %s, the schema has ", key, typename(bit));
	ds_json_put_types(why, f->types);
}

/*
 * Point ln at the data kept in c->data: its hash, and its id when the id
 * was the content hash (a record without an id of its own).
 */
static void
rehash(struct ds_contract *c, struct ds_line *ln)
{
	int idhash = ln->id.n == 64 && ln->hash.n == 64 &&
	    memcmp(ln->id.p, ln->hash.p, 64) == 0;

	ds_buf_reset(&c->canon);
	ds_jcs(&c->jcs, c->data.p, c->data.len, &c->canon);
	ds_sha256_hex(c->canon.p, c->canon.len, c->hash);
	ln->data.p = c->data.p;
	ln->data.n = c->data.len;
	ln->hash.p = c->hash;
	ln->hash.n = 64;
	if (idhash) {
		ln->id.p = c->hash;
		ln->id.n = 64;
	}
}

/*
 * Append the members of the object [p, end) that fit the schema to
 * c->data, as an object: the record discard keeps.
 */
static void
keep(struct ds_contract *c, const char *p, const char *end)
{
	struct ds_json_member m;
	struct ds_json j;
	struct kfield *f;
	size_t i;
	int kept = 0;

	ds_buf_reset(&c->data);
	ds_buf_addc(&c->data, '{');
	ds_json_init(&j, p);
	ds_json_obj_begin(&j, &p, end);
	for (i = 0; ds_json_obj_next(&j, &p, end, &m) == 1; i++) {
		f = decode_key(c, &m) == 0 ? find(c, c->key.p, c->key.len, i) : NULL;
		if (f == NULL || !(f->types & ds_json_typebit(m.val)))
			continue;
		if (kept++)
			ds_buf_addc(&c->data, ',');
		ds_buf_addc(&c->data, '"');
		ds_buf_add(&c->data, m.key, m.keylen);
		ds_buf_adds(&c->data, "\":");
		ds_buf_add(&c->data, m.val, m.vallen);
	}
	ds_buf_addc(&c->data, '}');
}

int
ld_contract_record(struct ds_contract *c, struct ds_line *ln, struct ds_buf *why,
    struct ds_buf *journal)
{
	const char *p = ln->data.p, *end = p + ln->data.n;
	struct ds_json_member m;
	struct ds_json j;
	struct kfield *f;
	size_t i = 0;
	unsigned bit;
	int rc, bad = 0;

	ds_buf_reset(why);
	ds_buf_reset(journal);
	if (!ld_contract_enforced(c) || *p != '{')
		return DS_CONTRACT_OK;
	ds_json_init(&j, p);
	if (ds_json_obj_begin(&j, &p, end) != 0)
		return DS_CONTRACT_OK;
	for (; (rc = ds_json_obj_next(&j, &p, end, &m)) == 1; i++) {
		bit = ds_json_typebit(m.val);
		f = decode_key(c, &m) == 0 ? find(c, c->key.p, c->key.len, i) : NULL;
		if (f != NULL && (f->types & bit))
			continue;
		if (c->mode == DS_CONTRACT_FREEZE) {
			if (bad == 0)
				ds_buf_adds(why, "schema contract freeze");
			ds_buf_terminate(&c->key);
			name_field(why, bad++, f, c->key.p, bit);
			continue;
		}
		bad++;
		if (f == NULL)
			f = get(c, c->key.p, c->key.len);
		if (!(f->dropped & bit)) {
			f->dropped |= bit;
			ds_buf_adds(journal, journal->len ? "," : "{");
			ds_buf_addc(journal, '"');
			ds_buf_add(journal, m.key, m.keylen);
			ds_buf_printf(journal, "\":\"%s\"", typename(bit));
		}
	}
	if (rc < 0 || bad == 0)
		return DS_CONTRACT_OK;
	if (journal->len > 0)
		ds_buf_addc(journal, '}');
	if (c->mode == DS_CONTRACT_FREEZE) {
		if (bad > MAXNAMED)
			ds_buf_printf(why, "; and %d more", bad - MAXNAMED);
		ds_buf_terminate(why);
		return DS_CONTRACT_REJECT;
	}
	keep(c, ln->data.p, end);
	rehash(c, ln);
	ds_buf_terminate(journal);
	return DS_CONTRACT_DROPPED;
}
