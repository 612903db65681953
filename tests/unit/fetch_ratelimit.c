/* Unit tests of fetch/ratelimit.c: header parsing, pacing, 429 waits. */
#include <math.h>

#include "unit.h"
#include "../../fetch/ratelimit.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-6)

/* Sun, 22 Nov 2026 04:00:00 GMT */
#define T0	1795320000.0

UNIT_TEST(fetch_rl_retry_after_delta_and_date)
{
	double s = -1;

	CHECK(fx_rl_parse_retry_after("7", T0, &s) == 0 && NEAR(s, 7));
	CHECK(fx_rl_parse_retry_after("0.5", T0, &s) == 0 && NEAR(s, 0.5));
	CHECK(fx_rl_parse_retry_after("Sun, 22 Nov 2026 04:00:03 GMT", T0, &s) == 0);
	CHECK(NEAR(s, 3));
	CHECK(fx_rl_parse_retry_after("Sun, 22 Nov 2026 04:00:03 GMT", T0 + 0.25, &s) == 0);
	CHECK(NEAR(s, 2.75));
	/* A date in the past means now. */
	CHECK(fx_rl_parse_retry_after("Sun, 22 Nov 2026 03:59:00 GMT", T0, &s) == 0 && s == 0);
	CHECK(fx_rl_parse_retry_after("", T0, &s) < 0);
	CHECK(fx_rl_parse_retry_after("soon", T0, &s) < 0);
	CHECK(fx_rl_parse_retry_after("-3", T0, &s) < 0);
	CHECK(fx_rl_parse_retry_after("3s", T0, &s) < 0);
}

UNIT_TEST(fetch_rl_reset_delta_and_epoch)
{
	double s = -1;
	int epoch = -1;

	CHECK(fx_rl_parse_reset("1", T0, &s, &epoch) == 0 && NEAR(s, 1) && !epoch);
	CHECK(fx_rl_parse_reset("3600", T0, &s, &epoch) == 0 && NEAR(s, 3600) && !epoch);
	CHECK(fx_rl_parse_reset("1795320002", T0 + 0.5, &s, &epoch) == 0);
	CHECK(NEAR(s, 1.5) && epoch);
	/* An epoch already past: no wait. */
	CHECK(fx_rl_parse_reset("1795319990", T0, &s, &epoch) == 0 && s == 0 && epoch);
	CHECK(fx_rl_parse_reset("x", T0, &s, &epoch) < 0);
	CHECK(fx_rl_parse_reset("", T0, &s, &epoch) < 0);
}

UNIT_TEST(fetch_rl_pace_spreads_remaining_over_window)
{
	struct ratelimit rl = { 0 };

	/* No published budget: no pacing. */
	CHECK(fx_rl_pace(&rl, 100) == 0);
	/* Epoch reset 10 s ahead, 9 requests left: one every second. */
	fx_rl_observe(&rl, "100", "9", "1795320010", T0, 100);
	CHECK(rl.known && rl.limit == 100 && rl.remaining == 9);
	CHECK(NEAR(fx_rl_pace(&rl, 100), 1.0));
	/* Budget spent: wait for the window's end plus the margin. */
	fx_rl_observe(&rl, "100", "0", "1795320010", T0, 100);
	CHECK(NEAR(fx_rl_pace(&rl, 100), 10 + RL_MARGIN));
	CHECK(NEAR(fx_rl_pace(&rl, 109), 1 + RL_MARGIN));
	CHECK(fx_rl_pace(&rl, 111) == 0);
}

UNIT_TEST(fetch_rl_pace_whole_second_delta_is_a_range)
{
	struct ratelimit rl = { 0 };

	/* "1" may mean anything up to one second: spread over the sure part (none). */
	fx_rl_observe(&rl, "20", "19", "1", T0, 50);
	CHECK(fx_rl_pace(&rl, 50) == 0);
	/* "11" with 9 left: the window surely lasts 10 s more. */
	rl = (struct ratelimit){ 0 };
	fx_rl_observe(&rl, "20", "9", "11", T0, 50);
	CHECK(NEAR(fx_rl_pace(&rl, 50), 1.0));
	/* Spent: wait the whole delta. */
	fx_rl_observe(&rl, "20", "0", "1", T0, 50);
	CHECK(NEAR(fx_rl_pace(&rl, 50), 1 + RL_MARGIN));
	/* Headers missing or malformed leave what was known. */
	fx_rl_observe(&rl, "", "abc", "1", T0, 60);
	CHECK(rl.remaining == 0);
}

UNIT_TEST(fetch_rl_wait_429_prefers_retry_after)
{
	struct ratelimit rl = { 0 };
	const char *src = NULL;

	CHECK(NEAR(fx_rl_wait_429(&rl, "2", "5", "", T0, &src), 2 + RL_MARGIN));
	CHECK_STR(src, "retry_after_delta");
	CHECK(fx_rl_wait_429(&rl, "Sun, 22 Nov 2026 04:00:02 GMT", "5", "", T0, &src) > 1.9);
	CHECK_STR(src, "retry_after_date");
	CHECK(NEAR(fx_rl_wait_429(&rl, "", "5", "", T0, &src), 5 + RL_MARGIN));
	CHECK_STR(src, "reset_delta");
	CHECK(NEAR(fx_rl_wait_429(&rl, "", "1795320004", "0", T0, &src), 4 + RL_MARGIN));
	CHECK_STR(src, "reset_epoch");
	CHECK(fx_rl_wait_429(&rl, "", "", "", T0, &src) < 0);
	CHECK(NEAR(fx_rl_wait_429(&rl, "999999", "", "", T0, &src), RL_WAIT_MAX));
	/* budget left: a burst of the server's own; the Reset is no wait for it */
	src = NULL;
	CHECK(fx_rl_wait_429(&rl, "", "3599", "4998", T0, &src) < 0);
	CHECK(src == NULL);
	CHECK(NEAR(fx_rl_wait_429(&rl, "1", "3599", "4998", T0, &src), 1 + RL_MARGIN));
	CHECK_STR(src, "retry_after_delta");
}

UNIT_TEST(fetch_rl_429_after_spent_window_learns_slack)
{
	struct ratelimit rl = { 0 };
	const char *src;

	fx_rl_observe(&rl, "20", "0", "1", T0, 10);
	CHECK(NEAR(fx_rl_pace(&rl, 10), 1 + RL_MARGIN));
	(void)fx_rl_wait_429(&rl, "1", "1", "0", T0, &src);
	CHECK(NEAR(fx_rl_pace(&rl, 10), 2 + RL_MARGIN));
}

UNIT_TEST(fetch_rl_responses_of_one_window_narrow_its_end)
{
	struct ratelimit rl = { 0 };

	/* Early in the window "1" means the end is within [50, 51]... */
	fx_rl_observe(&rl, "20", "19", "1", T0, 50);
	/* ... and a later "1" in the same window cannot move it past 51. */
	fx_rl_observe(&rl, "20", "0", "1", T0, 50.4);
	CHECK(NEAR(rl.reset_hi, 51) && NEAR(rl.reset_lo, 50.4));
	CHECK(NEAR(fx_rl_pace(&rl, 50.4), 0.6 + RL_MARGIN));
	/* More budget than before: a new window, learnt afresh. */
	fx_rl_observe(&rl, "20", "19", "1", T0, 51.1);
	CHECK(NEAR(rl.reset_hi, 52.1) && NEAR(rl.reset_lo, 51.1));
}

/* Fuzz regression (fuzz_headers): "22" then, half a second later, "2". */
UNIT_TEST(fetch_rl_disagreeing_resets_never_invert_the_window)
{
	struct ratelimit rl = { 0 };

	fx_rl_observe(&rl, "0", "1", "22", T0, 100);
	fx_rl_observe(&rl, "0", "0", "02", T0 + 0.5, 100.5);
	CHECK(rl.reset_lo <= rl.reset_hi);
	CHECK(NEAR(rl.reset_hi, 102.5));
	CHECK(NEAR(fx_rl_pace(&rl, 100.5), 2 + RL_MARGIN));
}
