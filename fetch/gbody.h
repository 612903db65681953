/*
 * gbody.h - a response body read by a stream definition's paths: the
 * record array and the values the pagination style and the stop rules
 * look at, found in one walk that validates the body.
 */
#ifndef DS_FETCH_GBODY_H
#define DS_FETCH_GBODY_H

#include <stddef.h>

struct def;
struct ds_buf;

#define GBODY_MORE_MAX	8	/* more-path settings */

/* A value found at a path: a span of the body, or NULL when absent. */
struct gval {
	const char	*v;
	size_t		 n;
};

struct gpage {
	const char	*body;		/* the body text (offsets are from here) */
	size_t		 bodylen;
	const char	*data;		/* the record array's text */
	size_t		 datalen;
	size_t		 records;	/* its elements */
	int		 spaced;	/* it holds insignificant white space */
	struct gval	 cursor;	/* cursor-path or next-path */
	struct gval	 has_more;
	struct gval	 more[GBODY_MORE_MAX];
	struct gval	 total;
	struct gval	 total_est;	/* total-estimated-path */
	struct gval	 error;
};

/*
 * Read body (n bytes) by the paths of d into pg. Returns 0, or -1 with a
 * message naming the setting, the path and the byte offset in why (reset
 * first) and *not_json 1 (not JSON), 2 (JSON cut off at its end) or 0
 * (JSON without an array at the record path).
 */
int	fx_gbody_page(const struct def *d, const char *body, size_t n, struct gpage *pg,
	    struct ds_buf *why, int *not_json);

/*
 * The value at path (dotted, relative) inside the validated JSON value
 * [v, v+n), or 0 when absent. Used on one record (after-field).
 */
int	fx_gbody_find(const char *v, size_t n, const char *path, struct gval *out);

/*
 * A guess at the value at path (its last key) made without reading the
 * body: the last member of that key within GBODY_GUESS_WINDOW bytes of
 * the body's end (where APIs put their pagination), its value alone
 * checked. Returns 0 when there is none. The guess may be wrong (the key
 * may sit in a record): it only decides what to request early, which is
 * used once fx_gbody_page() and the style agree.
 */
#define GBODY_GUESS_WINDOW	4096
int	fx_gbody_guess(const char *body, size_t n, const char *path, struct gval *out);

/*
 * The last element of the validated array [v, v+n) (white space may
 * follow it), found scanning back from its end: the page is not walked
 * again. 0 when it is empty.
 */
int	fx_gbody_last(const char *v, size_t n, struct gval *out);

/*
 * A flag value as a boolean: true/false, or the strings "true"/"false"
 * (any case), or 1/0 and "1"/"0". Returns 1, 0, or -1 for anything else.
 */
int	fx_gbody_bool(const struct gval *g);

/*
 * A scalar value as text into out (reset first): a string decoded, a
 * number as written. Returns 0, or -1 (null, object, array, boolean, or a
 * string holding \u0000).
 */
int	fx_gbody_text(const struct gval *g, struct ds_buf *out);

/* "an object", "an array", "a string", "a number", "a boolean" or "null" for a value. */
const char *fx_gbody_kind(const char *v);

#endif
