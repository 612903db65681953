#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"

/* splitmix64: a small generator with no bad seeds. */
static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
fx_backoff_seed(uint64_t *state, uint64_t seed)
{
	struct timespec ts;

	if (seed == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
		    (uint64_t)getpid() << 32;
	}
	*state = seed;
}

long
fx_backoff_ceiling(int attempt, long base_ms, long cap_ms)
{
	long c = base_ms;
	int i;

	if (attempt < 1 || base_ms <= 0)
		return 0;
	for (i = 1; i < attempt && c < cap_ms; i++)
		c *= 2;
	return c < cap_ms ? c : cap_ms;
}

long
fx_backoff_ms(uint64_t *state, int attempt, long base_ms, long cap_ms)
{
	long c = fx_backoff_ceiling(attempt, base_ms, cap_ms);

	return c > 0 ? (long)(next(state) % ((uint64_t)c + 1)) : 0;
}
