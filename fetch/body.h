/*
 * body.h - the response bodies: a page (either shape) and an error.
 */
#ifndef DS_FETCH_BODY_H
#define DS_FETCH_BODY_H

#include <stddef.h>

struct ds_buf;

/* One 200 body; every pointer is a span of the body text. */
struct page {
	const char	*data;		/* the data array's text */
	size_t		 datalen;
	size_t		 records;	/* its element count */
	int		 spaced;	/* it holds insignificant whitespace */
	int		 has_more;
	const char	*next;		/* nextCursor's raw text between quotes, */
	size_t		 nextlen;	/* or NULL when null or absent */
	const char	*total;		/* meta.total when a number, else NULL */
	size_t		 totallen;
	int		 nested;	/* pagination object (observed shape) */
};

/*
 * Parse a page body of n bytes at p. Returns 0, or -1 with a message
 * naming the byte offset and what was wrong in why (reset first), and
 * *not_json set to 1 when the body is not JSON, 2 when it is JSON cut off
 * at its end, 0 when it is JSON of the wrong shape.
 */
int	fx_body_page(const char *p, size_t n, struct page *pg, struct ds_buf *why,
	    int *not_json);

/*
 * A guess at a page body's next cursor made without parsing it: the raw
 * text between the quotes of the string after a "nextCursor" key within
 * the first or last GUESS_WINDOW bytes, set in *cur and *len (a span of
 * p). Returns 0 when there is no such string (null, absent, elsewhere).
 * The guess may be wrong (the key may sit in a record): it only decides
 * what to request ahead, which is used once fx_body_page() agrees.
 */
#define GUESS_WINDOW	4096
int	fx_body_next_guess(const char *p, size_t n, const char **cur, size_t *len);

/*
 * The message of an error body ("message", "error" or "detail", or
 * error.message), decoded, into out (reset first), at most max bytes;
 * out is empty when there is none. Returns non-zero when the message, or
 * failing that the body, says "expired" in any case.
 */
int	fx_body_error(const char *p, size_t n, struct ds_buf *out, size_t max);

#endif
