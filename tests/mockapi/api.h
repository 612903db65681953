/*
 * api.h - the contract: what the events API answers to a request.
 *
 * Checks in the order a real deployment makes them: route, key, rate
 * budget, parameters and cursor, then an injected fault, then the page.
 */
#ifndef MOCK_API_H
#define MOCK_API_H

#include <time.h>

#include "buf.h"
#include "config.h"
#include "ratelimit.h"
#include "request.h"

#define API_PATH	"/api/v1/events"

struct reply {
	int			 status;
	struct ds_buf		 body;		/* owned: ds_buf_free() */
	int			 html;		/* text/html rather than JSON */
	struct rate_verdict	 rate;
	int			 retry_set;	/* send Retry-After ... */
	enum rate_retry		 retry;		/* ... in this form */
	unsigned		 retry_secs;
	time_t			 retry_at;
	enum mock_fault		 fault;		/* for the server: drop, truncate, slow */
	const char		*ctype;		/* Content-Type, when not JSON's */
	struct ds_buf		 link;		/* a Link header value, when len > 0 */
	struct ds_buf		 location;	/* a Location header value, when len > 0 */
	int			 rate_form;	/* 0 X-RateLimit-*, 1 GitHub's (epoch), 2 none */
};

/*
 * Answer the request r (method, X-API-Key header value or NULL) at time
 * now into *out, which the caller zeroes first and frees the body of.
 */
void	api_answer(const char *method, const struct request *r, const char *key,
	    time_t now, struct reply *out);

#endif
