/*
 * ratelimit.h - the fixed-window request budget (--rate N/SECONDS).
 *
 * Windows are aligned to the Unix epoch. X-RateLimit-Reset is published as
 * seconds until the reset or as the epoch second of it (--reset-form), and
 * the 429s of a spent budget rotate among three forms.
 */
#ifndef MOCK_RATELIMIT_H
#define MOCK_RATELIMIT_H

#include <stdint.h>
#include <time.h>

enum rate_retry {
	RETRY_DELTA,	/* Retry-After: seconds */
	RETRY_DATE,	/* Retry-After: HTTP-date */
	RETRY_NONE	/* only X-RateLimit-Reset */
};

struct rate_verdict {
	int		 limited;	/* --rate is set: publish the headers */
	int		 over;		/* budget spent: answer 429 */
	enum rate_retry	 retry;		/* when over: how to say when */
	unsigned	 limit;
	unsigned	 remaining;
	uint64_t	 reset;		/* the X-RateLimit-Reset value */
	uint64_t	 wait;		/* seconds until the window resets */
	time_t		 reset_at;	/* epoch second of the reset */
};

/* Count one request at time now and say what to publish. */
void	rate_take(time_t now, struct rate_verdict *v);

#endif
