/*
 * ratelimit.h - X-RateLimit-* and Retry-After: reading them, pacing
 * requests so a run never spends the budget, and the wait after a 429.
 *
 * Times are seconds as doubles: "wall" is Unix time (for epoch and
 * HTTP-date values), "mono" a monotonic clock (for deadlines).
 */
#ifndef DS_FETCH_RATELIMIT_H
#define DS_FETCH_RATELIMIT_H

/* Values of X-RateLimit-Reset at or above this are epoch times. */
#define RL_EPOCH_MIN	1000000000.0

/* Longest wait a header may ask for. */
#define RL_WAIT_MAX	3600.0

/* Margin added to a wait for a window's end. */
#define RL_MARGIN	0.02

struct ratelimit {
	int	 known;		/* some response carried Remaining and Reset */
	long	 limit;		/* X-RateLimit-Limit, or -1 */
	long	 remaining;
	double	 reset_lo;	/* mono: the window ends no earlier than this */
	double	 reset_hi;	/* mono: ... and no later than this */
	double	 slack;		/* learnt: extra wait after a 429 at a window's end */
};

/*
 * Parse Retry-After: delta seconds or an HTTP-date. Returns 0 with the
 * wait (never negative) in *secs, or -1.
 */
int	fx_rl_parse_retry_after(const char *v, double wall, double *secs);

/*
 * Parse X-RateLimit-Reset: seconds until the reset, or (>= RL_EPOCH_MIN)
 * the reset's Unix time. Returns 0 with the seconds left (never negative)
 * in *secs and whether it was an epoch in *epoch, or -1.
 */
int	fx_rl_parse_reset(const char *v, double wall, double *secs, int *epoch);

/* Learn the budget from one response's headers ("" when absent). */
void	fx_rl_observe(struct ratelimit *rl, const char *limit, const char *remaining,
	    const char *reset, double wall, double mono);

/*
 * Seconds to wait before the next request: the time left spread over the
 * requests left, or until the window ends when none is left. 0 when the
 * server publishes no budget.
 */
double	fx_rl_pace(const struct ratelimit *rl, double mono);

/*
 * The wait a 429 asks for: Retry-After, else X-RateLimit-Reset (only when
 * its X-RateLimit-Remaining does not show budget left: a 429 with budget
 * left is one of the server's own bursts, not the window's end), capped at
 * RL_WAIT_MAX. Returns -1 when it names none. *src gets the header used.
 */
double	fx_rl_wait_429(struct ratelimit *rl, const char *retry_after, const char *reset,
	    const char *remaining, double wall, const char **src);

#endif
