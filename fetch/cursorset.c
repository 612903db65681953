#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "cursorset.h"

uint64_t
fx_cursorset_hash(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h != 0 ? h : 1;
}

/* Put h in the table (which has room); returns 1 when it was there. */
static int
put(uint64_t *slot, size_t cap, uint64_t h)
{
	size_t i = (size_t)(h ^ (h >> 29)) & (cap - 1);

	while (slot[i] != 0) {
		if (slot[i] == h)
			return 1;
		i = (i + 1) & (cap - 1);
	}
	slot[i] = h;
	return 0;
}

int
fx_cursorset_add(struct seen *s, const char *p, size_t n)
{
	uint64_t h = fx_cursorset_hash(p, n), *old;
	size_t i, oldcap;

	if ((s->n + 1) * 2 > s->cap) {
		old = s->slot;
		oldcap = s->cap;
		s->cap = oldcap ? oldcap * 2 : 64;
		s->slot = ds_xcalloc(s->cap, sizeof(*s->slot));
		for (i = 0; i < oldcap; i++)
			if (old[i] != 0)
				(void)put(s->slot, s->cap, old[i]);
		free(old);
	}
	if (put(s->slot, s->cap, h))
		return 1;
	s->n++;
	return 0;
}

void
fx_cursorset_free(struct seen *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
}
