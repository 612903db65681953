/*
 * seen.h - the record keys of the current and the previous batch.
 *
 * An at-least-once source repeats records mostly across a page boundary;
 * a key met in either batch is stored (or will be with this batch), so the
 * row is skipped before it reaches COPY. Memory: two batches of keys.
 */
#ifndef DS_LOAD_SEEN_H
#define DS_LOAD_SEEN_H

#include <stddef.h>

struct ds_seen;

/* An empty set; free with ds_seen_free(). */
struct ds_seen *ds_seen_new(void);
void	ds_seen_free(struct ds_seen *s);

/*
 * 1 when key (n bytes) was last met, in the current batch or else the
 * previous one, with the value val (vn bytes); else note key and val in
 * the current batch and return 0.
 */
int	ds_seen_add(struct ds_seen *s, const char *key, size_t n, const char *val,
	    size_t vn);

/* The current batch committed: it becomes the previous one. */
void	ds_seen_rotate(struct ds_seen *s);

/* Forget the current batch's keys (its lines were dropped). */
void	ds_seen_drop(struct ds_seen *s);

#endif
