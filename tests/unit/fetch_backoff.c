/* Unit tests of fetch/backoff.c: exponential ceiling and full jitter. */
#include <stdint.h>

#include "unit.h"
#include "../../fetch/backoff.h"

UNIT_TEST(fetch_backoff_ceiling_doubles_to_cap)
{
	CHECK(fx_backoff_ceiling(0, 250, 60000) == 0);
	CHECK(fx_backoff_ceiling(1, 250, 60000) == 250);
	CHECK(fx_backoff_ceiling(2, 250, 60000) == 500);
	CHECK(fx_backoff_ceiling(5, 250, 60000) == 4000);
	CHECK(fx_backoff_ceiling(9, 250, 60000) == 60000);
	CHECK(fx_backoff_ceiling(1000000, 250, 60000) == 60000);
	CHECK(fx_backoff_ceiling(3, 250, 300) == 300);
}

UNIT_TEST(fetch_backoff_full_jitter_stays_in_bounds_and_spreads)
{
	uint64_t s;
	long w, lo = 1L << 30, hi = -1;
	int i;

	fx_backoff_seed(&s, 42);
	for (i = 0; i < 10000; i++) {
		w = fx_backoff_ms(&s, 4, 100, 60000);
		CHECK(w >= 0 && w <= 800);
		if (w < lo)
			lo = w;
		if (w > hi)
			hi = w;
	}
	/* Full jitter: draws reach both ends of [0, 800]. */
	CHECK(lo < 20 && hi > 780);
	for (i = 0; i < 1000; i++)
		CHECK(fx_backoff_ms(&s, 60, 100, 2000) <= 2000);
}

UNIT_TEST(fetch_backoff_same_seed_same_draws)
{
	uint64_t a, b;
	int i;

	fx_backoff_seed(&a, 7);
	fx_backoff_seed(&b, 7);
	for (i = 1; i < 50; i++)
		CHECK(fx_backoff_ms(&a, i, 10, 5000) == fx_backoff_ms(&b, i, 10, 5000));
}
