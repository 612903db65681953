/*
 * backoff.h - exponential backoff with full jitter.
 */
#ifndef DS_FETCH_BACKOFF_H
#define DS_FETCH_BACKOFF_H

#include <stdint.h>

/* Seed the generator: from seed when non-zero, else from the clock and pid. */
void	 fx_backoff_seed(uint64_t *state, uint64_t seed);

/*
 * The largest wait (ms) before retry number attempt (1 for the first
 * retry): base_ms * 2^(attempt-1), capped at cap_ms.
 */
long	 fx_backoff_ceiling(int attempt, long base_ms, long cap_ms);

/* A wait drawn uniformly from [0, fx_backoff_ceiling()] (full jitter). */
long	 fx_backoff_ms(uint64_t *state, int attempt, long base_ms, long cap_ms);

#endif
