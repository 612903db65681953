/*
 * cursorset.h - the cursors followed in this run, to refuse endless pagination.
 *
 * Only a 64-bit hash of each cursor is kept (8 bytes a page, in a table
 * that doubles), so memory grows with the page count, never the page size.
 */
#ifndef DS_FETCH_CURSORSET_H
#define DS_FETCH_CURSORSET_H

#include <stddef.h>
#include <stdint.h>

struct seen {
	uint64_t	*slot;		/* 0 marks a free slot */
	size_t		 cap;		/* a power of two, or 0 */
	size_t		 n;
};

/* The FNV-1a hash of n bytes at p, never 0. */
uint64_t fx_cursorset_hash(const char *p, size_t n);
/* Add a cursor; returns 1 when it was there already, else 0. */
int	 fx_cursorset_add(struct seen *s, const char *p, size_t n);
void	 fx_cursorset_free(struct seen *s);

#endif
