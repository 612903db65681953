/*
 * url.h - the events URL and each page's query string.
 */
#ifndef DS_FETCH_URL_H
#define DS_FETCH_URL_H

#include <stddef.h>

struct ds_buf;

/*
 * The events URL for the user's URL: a path ending in /events is kept, a
 * bare host gets /api/v1/events, any other path gets /events appended.
 * Returns a string the caller frees, or NULL with *why set (static text)
 * when the URL is not http(s) or carries api_key=.
 */
char	*url_events(const char *url, const char **why);

/* Non-zero when s holds "api_key=" (any case). */
int	 url_has_api_key(const char *s);

/* Append s (n bytes) to b percent-encoded: only unreserved bytes stay bare. */
void	 url_encode(struct ds_buf *b, const char *s, size_t n);

/*
 * Reset b to the request URL of one page: events?limit=N, then cursor
 * (when cursor is not NULL and n > 0), since and until (when not NULL).
 */
void	 url_page(struct ds_buf *b, const char *events, long limit,
	    const char *cursor, size_t n, const char *since, const char *until);

#endif
