#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "ratelimit.h"

/* Parse a non-negative decimal number filling all of v. Returns 0 or -1. */
static int
number(const char *v, double *out)
{
	char *end;
	double d;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d))
		return -1;
	*out = d;
	return 0;
}

int
fx_rl_parse_retry_after(const char *v, double wall, double *secs)
{
	time_t t;
	double d;

	if (*v == '\0')
		return -1;
	if (number(v, &d) == 0) {
		*secs = d;
		return 0;
	}
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	d = (double)t - wall;
	*secs = d > 0 ? d : 0;
	return 0;
}

int
fx_rl_parse_reset(const char *v, double wall, double *secs, int *epoch)
{
	double d;

	if (number(v, &d) < 0)
		return -1;
	*epoch = d >= RL_EPOCH_MIN;
	if (*epoch)
		d -= wall;
	*secs = d > 0 ? d : 0;
	return 0;
}

void
fx_rl_observe(struct ratelimit *rl, const char *limit, const char *remaining,
    const char *reset, double wall, double mono)
{
	double rem, lim, left, lo, hi;
	int epoch;

	if (number(remaining, &rem) < 0 || fx_rl_parse_reset(reset, wall, &left, &epoch) < 0)
		return;
	if (left > RL_WAIT_MAX)
		left = RL_WAIT_MAX;
	lo = !epoch && left == floor(left) && left >= 1 ? mono + left - 1 : mono + left;
	hi = mono + left;
	/*
	 * An epoch names the end itself; a whole-second delta was rounded up
	 * from the server's clock, so the end lies within the second before.
	 * While the budget only shrinks, the window is the same one: each
	 * response narrows where its end lies. A range that misses the known
	 * one (a server whose resets disagree) starts afresh.
	 */
	if (rl->known && rem < (double)rl->remaining && mono < rl->reset_hi &&
	    lo <= rl->reset_hi && hi >= rl->reset_lo) {
		if (hi < rl->reset_hi)
			rl->reset_hi = hi;
		if (lo > rl->reset_lo)
			rl->reset_lo = lo < rl->reset_hi ? lo : rl->reset_hi;
	} else {
		rl->reset_lo = lo;
		rl->reset_hi = hi;
	}
	rl->known = 1;
	rl->remaining = rem > 1e9 ? 1000000000L : (long)rem;
	rl->limit = number(limit, &lim) == 0 && lim <= 1e9 ? (long)lim : -1;
}

double
fx_rl_pace(const struct ratelimit *rl, double mono)
{
	double left;

	if (!rl->known)
		return 0;
	if (rl->remaining <= 0) {
		left = rl->reset_hi - mono + RL_MARGIN + rl->slack;
		return left > 0 ? left : 0;
	}
	left = rl->reset_lo - mono;
	return left > 0 ? left / (double)(rl->remaining + 1) : 0;
}

double
fx_rl_wait_429(struct ratelimit *rl, const char *retry_after, const char *reset,
    const char *remaining, double wall, const char **src)
{
	double w, r, rem;
	int epoch;

	/* A 429 where the budget said the window was over: wait longer next time. */
	if (rl->known && rl->remaining <= 0 && rl->slack < 1)
		rl->slack = 1;
	if (fx_rl_parse_retry_after(retry_after, wall, &w) == 0)
		*src = *retry_after >= '0' && *retry_after <= '9' ?
		    "retry_after_delta" : "retry_after_date";
	else if ((number(remaining, &rem) < 0 || rem < 1) &&
	    fx_rl_parse_reset(reset, wall, &r, &epoch) == 0) {
		w = r;
		*src = epoch ? "reset_epoch" : "reset_delta";
	} else
		return -1;
	w += RL_MARGIN;
	return w < RL_WAIT_MAX ? w : RL_WAIT_MAX;
}
