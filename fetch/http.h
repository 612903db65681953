/*
 * http.h - one reused libcurl handle: keep-alive, gzip, timeouts, the key
 * sent only as X-API-Key, and the body kept in memory up to a cap.
 */
#ifndef DS_FETCH_HTTP_H
#define DS_FETCH_HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define HTTP_HDR_MAX	128	/* longest kept header value, plus one */
#define HTTP_HDR_LINE_MAX 8192	/* a longer header line is a bad response */
#define HTTP_HDR_COUNT_MAX 1000	/* so are more header lines than this */

/* What one request gave. */
struct http_resp {
	long		 status;	/* 0 when no response came */
	int		 curlcode;	/* CURLE_OK or the transfer's failure */
	const char	*cause;		/* failure class: "timeout", "truncated", ... */
	char		 error[256];	/* libcurl's text for a failure */
	int		 too_big;	/* body passed the cap */
	int		 aborted;	/* stopped by the stop flag */
	int		 bad_headers;	/* headers over a bound: error says which */
	int		 bad_encoding;	/* the body could not be decoded: error says why
					   (2: data after its end, a write error;
					   3: an encoding not asked for) */
	int		 encoded;	/* the body waits in raw, encoded */
	unsigned	 nheaders;	/* header lines of the current response */
	struct ds_buf	 body;
	struct ds_buf	 raw;		/* the encoded body while encoded */
	char		 retry_after[HTTP_HDR_MAX];	/* "" when absent */
	char		 rl_limit[HTTP_HDR_MAX];
	char		 rl_remaining[HTTP_HDR_MAX];
	char		 rl_reset[HTTP_HDR_MAX];
	char		 content_encoding[HTTP_HDR_MAX];
	struct ds_buf	 link_next;	/* Link: rel="next" target; len 0 when none */
	struct ds_buf	 location;	/* Location (a redirect's); len 0 when none */
};

struct http;

/*
 * Initialise libcurl and make a handle. key (may be NULL) is copied.
 * timeout_ms bounds each request; the connect phase gets at most 10 s of it.
 * *stop is polled during transfers: non-zero aborts them.
 */
struct http *fx_http_new(const char *key, long timeout_ms, int insecure,
	    size_t maxbody, atomic_int *stop);
/* GET url into r (reset first; r->body is reused across calls). Returns 0
 * when a response came (any status), -1 on a transfer failure. */
int	 fx_http_get(struct http *h, const char *url, struct http_resp *r);
/*
 * fx_http_get() keeps the body of a 200 as it came (gzip), for this to
 * inflate whole into r->body (libdeflate: twice zlib's speed) when the
 * caller chooses (after asking for the next page where it knows that page
 * without the body), checking a gzip body's CRC-32 and length; nothing
 * when neither is left to do. The caller must call it before it reads the
 * body of a 200. Returns 0, or -1 as
 * fx_http_get() fails (cause "truncated", or "too_big" with too_big set).
 * From the thread that makes the requests.
 */
int	 fx_http_decode(struct http *h, struct http_resp *r);
/*
 * Start the GET of url now, on the handle's thread for requests made
 * ahead (started on the first, kept until fx_http_free()): the next fx_http_get()
 * for the same url takes its response (waiting for it to end); one for
 * another url stops it and drops it, as fx_http_free() does. At most one is made ahead; the
 * handle is the thread's until then. Nothing happens when none can start.
 */
void	 fx_http_ahead(struct http *h, const char *url);
/*
 * From the thread that makes the requests (else nothing happens): stop the
 * request made ahead, if any, and wait for its thread, so that no transfer
 * runs while the process tears down (an exit hook).
 */
void	 fx_http_cancel(struct http *h);
/*
 * Add a request header line ("Name: value") to every request; the line is
 * wiped from memory when the handle is freed (it may hold a credential).
 */
void	 fx_http_header(struct http *h, const char *line);
/* Send Authorization: Bearer token (copied by libcurl) from now on. */
void	 fx_http_bearer(struct http *h, const char *token);
/* Send HTTP Basic credentials (userpass is "user:password") with every request. */
void	 fx_http_basic(struct http *h, const char *userpass);
/*
 * Make the next requests POST body (copied), sent as media type ctype
 * (NULL: application/json; the first call's stays), or GET again when
 * body is NULL.
 */
void	 fx_http_post(struct http *h, const char *body, const char *ctype);
/* Free the handle (after any request made ahead ends) and wipe the key. */
void	 fx_http_free(struct http *h);

#endif
