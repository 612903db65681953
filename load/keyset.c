#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "keyset.h"

/*
 * One batch's keys: open addressing over offsets into an arena. A slot
 * holds the entry's arena offset + 1 in its low 40 bits (0: empty) and the
 * top 24 bits of the key's hash above them, so a probe past another key
 * rarely reads the arena (a cache miss per entry otherwise).
 */
#define OFF_BITS	40
#define OFF_MASK	((UINT64_C(1) << OFF_BITS) - 1)
#define TAG(h)		((h) & ~OFF_MASK)

struct gen {
	struct ds_buf	 arena;		/* entries: key length, key, value length, value */
	uint64_t	*slot;
	size_t		 nslot, n;
};

struct ds_keyset {
	struct gen	*g;		/* a ring of ngen batches' keys */
	int		 ngen, cur;
};

/* FNV-1a of the key, its bits mixed for a power-of-two table. */
static uint64_t
hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	/* mix the high bits down: keys often differ only in their last bytes */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* The entry a (non-empty) slot value points at. */
static const char *
entry(const struct gen *g, uint64_t v)
{
	return g->arena.p + (v & OFF_MASK) - 1;
}

/* The slot holding key (whose hash is h), or the empty slot where it belongs. */
static uint64_t *
find(const struct gen *g, const char *key, size_t n, uint64_t h)
{
	size_t i = (size_t)h & (g->nslot - 1), len;
	const char *e;
	uint64_t v;

	for (;; i = (i + 1) & (g->nslot - 1)) {
		if ((v = g->slot[i]) == 0)
			return &g->slot[i];
		if (TAG(v) != TAG(h))
			continue;
		e = entry(g, v);
		memcpy(&len, e, sizeof(len));
		if (len == n && memcmp(e + sizeof(len), key, n) == 0)
			return &g->slot[i];
	}
}

/* Double the slots of g (keeping its load under a half). */
static void
grow(struct gen *g)
{
	uint64_t *old = g->slot;
	size_t nold = g->nslot, i, len;
	const char *e;

	g->nslot = nold ? nold * 2 : 4096;
	g->slot = ds_xcalloc(g->nslot, sizeof(*g->slot));
	for (i = 0; i < nold; i++) {
		if (old[i] == 0)
			continue;
		e = entry(g, old[i]);
		memcpy(&len, e, sizeof(len));
		*find(g, e + sizeof(len), len, hash(e + sizeof(len), len)) = old[i];
	}
	free(old);
}

struct ds_keyset *
ld_keyset_new(int batches)
{
	struct ds_keyset *s = ds_xcalloc(1, sizeof(*s));

	s->ngen = batches < 2 ? 2 : batches;
	s->g = ds_xcalloc((size_t)s->ngen, sizeof(*s->g));
	return s;
}

void
ld_keyset_free(struct ds_keyset *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ngen; i++) {
		ds_buf_free(&s->g[i].arena);
		free(s->g[i].slot);
	}
	free(s->g);
	free(s);
}

/* Non-zero when the entry at slot value v holds value val. */
static int
same(const struct gen *g, uint64_t v, const char *val, size_t vn)
{
	const char *p = entry(g, v);
	size_t len;

	memcpy(&len, p, sizeof(len));
	p += sizeof(len) + len;
	memcpy(&len, p, sizeof(len));
	return len == vn && memcmp(p + sizeof(len), val, vn) == 0;
}

int
ld_keyset_add(struct ds_keyset *s, const char *key, size_t n, const char *val,
    size_t vn)
{
	struct gen *cur = &s->g[s->cur], *old;
	uint64_t h = hash(key, n), *slot, *os;
	int i, r = 0;

	if ((cur->n + 1) * 2 > cur->nslot)
		grow(cur);
	slot = find(cur, key, n, h);
	if (*slot != 0 && same(cur, *slot, val, vn))
		return 1;
	/* the newest earlier batch that met the key decides */
	for (i = 1; *slot == 0 && i < s->ngen; i++) {
		old = &s->g[(s->cur + s->ngen - i) % s->ngen];
		if (old->n == 0)
			continue;
		if (*(os = find(old, key, n, h)) != 0) {
			if (same(old, *os, val, vn))
				return 1;
			r = 2;
			break;
		}
	}
	if (*slot == 0)
		cur->n++;
	/* a batch's arena is bounded by --batch-bytes (at most 2^36) and a page */
	if (cur->arena.len >= OFF_MASK)
		ds_diex(DS_EX_TEMP, "a batch's keys passed 2^40 bytes");
	*slot = TAG(h) | (uint64_t)(cur->arena.len + 1);
	ds_buf_add(&cur->arena, &n, sizeof(n));
	ds_buf_add(&cur->arena, key, n);
	ds_buf_add(&cur->arena, &vn, sizeof(vn));
	ds_buf_add(&cur->arena, val, vn);
	return r;
}

void
ld_keyset_drop(struct ds_keyset *s)
{
	struct gen *g = &s->g[s->cur];

	ds_buf_reset(&g->arena);
	if (g->slot != NULL)
		memset(g->slot, 0, g->nslot * sizeof(*g->slot));
	g->n = 0;
}

void
ld_keyset_rotate(struct ds_keyset *s)
{
	s->cur = (s->cur + 1) % s->ngen;
	ld_keyset_drop(s);
}
