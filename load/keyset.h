/*
 * keyset.h - the record keys of the current batch and the last few.
 *
 * An at-least-once source repeats records mostly across a page boundary;
 * a key met in one of these batches is stored (or will be with its batch),
 * so the row is skipped before it reaches COPY. With --jobs N the set
 * covers the N - 1 batches that may be in flight plus the last committed
 * one, so batches in flight never share a key. Memory: N + 1 batches of keys.
 */
#ifndef DS_LOAD_KEYSET_H
#define DS_LOAD_KEYSET_H

#include <stddef.h>

struct ds_keyset;

/* An empty set remembering batches (at least 2) batches; free with ld_keyset_free(). */
struct ds_keyset *ld_keyset_new(int batches);
void	ld_keyset_free(struct ds_keyset *s);

/*
 * 1 when key (n bytes) was last met, in the current batch or else the
 * newest earlier one holding it, with the value val (vn bytes); else note
 * key and val in the current batch and return 2 when an earlier batch met
 * the key with another value, 0 when none met it.
 */
int	ld_keyset_add(struct ds_keyset *s, const char *key, size_t n, const char *val,
	    size_t vn);

/* The current batch is complete: a new one starts, the oldest is forgotten. */
void	ld_keyset_rotate(struct ds_keyset *s);

/* Forget the current batch's keys (its lines were dropped). */
void	ld_keyset_drop(struct ds_keyset *s);

#endif
