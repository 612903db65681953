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
char	*fx_url_events(const char *url, const char **why);

/* Non-zero when s holds "api_key=" (any case). */
int	 fx_url_has_api_key(const char *s);

/* Append s (n bytes) to b percent-encoded: only unreserved bytes stay bare. */
void	 fx_url_encode(struct ds_buf *b, const char *s, size_t n);

/*
 * Reset b to the request URL of one page: events?limit=N, then cursor
 * (when cursor is not NULL and n > 0), since and until (when not NULL).
 */
void	 fx_url_page(struct ds_buf *b, const char *events, long limit,
	    const char *cursor, size_t n, const char *since, const char *until);

/* Append "?name=value" or "&name=value" to b, both percent-encoded. */
void	 fx_url_add_param(struct ds_buf *b, const char *name, size_t nn, const char *val,
	    size_t vn);

/*
 * Reset out to the absolute URL of ref (n bytes: absolute, scheme-relative,
 * absolute path, query or relative path) against the URL base. Returns 0,
 * or -1 with *why (static text) when ref is not a URL: white space or a
 * control byte, another scheme than http(s), or another origin (scheme,
 * host and port) than base, where the credentials must not go.
 */
int	 fx_url_resolve(const char *base, const char *ref, size_t n, struct ds_buf *out,
	    const char **why);

/* Remove every name=value pair of the query of the URL in b (name as it is or encoded). */
void	 fx_url_strip_param(struct ds_buf *b, const char *name);

#endif
