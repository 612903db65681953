/*
 * hash.h - the mock's deterministic pseudo-randomness.
 *
 * Every random-looking choice (event fields, bad records, repeats, faults)
 * is a pure function of the seed and a position, so the same seed gives the
 * same events, pages and faults in any order of requests.
 */
#ifndef MOCK_HASH_H
#define MOCK_HASH_H

#include <stdint.h>

/* The splitmix64 finaliser: a bijection on 64-bit values. */
static inline uint64_t
mock_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Hash of (a, b, c). */
static inline uint64_t
mock_hash3(uint64_t a, uint64_t b, uint64_t c)
{
	return mock_mix(mock_mix(mock_mix(a) ^ b) ^ c);
}

/* A uniform value in [0, 1) from a hash. */
static inline double
mock_unit(uint64_t h)
{
	return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

#endif
