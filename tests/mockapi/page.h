/*
 * page.h - the body of a 200 answer: a page of events in either shape.
 */
#ifndef MOCK_PAGE_H
#define MOCK_PAGE_H

#include <stddef.h>
#include <stdint.h>

struct ds_buf;

struct page {
	uint64_t	lo, hi;		/* the since/until range, as indices */
	uint64_t	off;		/* first new event of this page */
	unsigned	limit;		/* records on the page, at most */
	uint64_t	range;		/* cursor_range() of since/until */
	uint64_t	now;		/* Unix seconds: issue time of nextCursor */
};

/*
 * Append the page's JSON to b: up to limit records, new events from off on,
 * each possibly followed (--dup-rate) by a repeat of event limit places back,
 * which an earlier page served. Memory: about limit * EVENT_MAX bytes.
 */
void	page_build(struct ds_buf *b, const struct page *p);

/* Append the JSON text s (n bytes) to out, pretty-printed with newlines. */
void	page_pretty(struct ds_buf *out, const char *s, size_t n);

#endif
