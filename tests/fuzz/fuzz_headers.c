/*
 * fuzz_headers.c - libFuzzer harness for fetch/ratelimit.c: any values of
 * Retry-After and X-RateLimit-* parse or are refused without crashing, and
 * every wait derived from them is finite, never negative and capped.
 *
 * The input is the header values separated by newlines: Retry-After,
 * X-RateLimit-Limit, -Remaining, -Reset, then a second response's
 * Remaining and Reset. Each is cut to HTTP_HDR_MAX - 1 bytes: http.c
 * refuses a response with a longer one.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fetch/http.h"
#include "../../fetch/ratelimit.h"

#define NFIELDS	6
#define WALL	1700000000.0	/* a fixed "now", so runs repeat */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Split data at newlines into f[0..NFIELDS), each NUL-terminated and cut to fit. */
static void
split(const uint8_t *data, size_t size, char f[NFIELDS][HTTP_HDR_MAX])
{
	size_t i = 0, k, n;
	const uint8_t *nl;

	for (k = 0; k < NFIELDS; k++) {
		nl = i < size ? memchr(data + i, '\n', size - i) : NULL;
		n = nl ? (size_t)(nl - data) - i : size - (i < size ? i : size);
		if (n >= HTTP_HDR_MAX)
			n = HTTP_HDR_MAX - 1;
		if (i < size)
			memcpy(f[k], data + i, n);
		f[k][n] = '\0';
		i = nl ? (size_t)(nl - data) + 1 : size;
	}
}

/* A wait must be a real, non-negative number of seconds. */
static void
check_wait(double w, double cap)
{
	if (!isfinite(w) || w < 0 || w > cap)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char f[NFIELDS][HTTP_HDR_MAX];
	struct ratelimit rl;
	const char *src = NULL;
	double secs, w, mono = 100.0;
	int epoch;

	split(data, size, f);
	if (fx_rl_parse_retry_after(f[0], WALL, &secs) == 0 && (isnan(secs) || secs < 0))
		abort();
	if (fx_rl_parse_reset(f[3], WALL, &secs, &epoch) == 0 &&
	    (!isfinite(secs) || secs < 0 || (epoch != 0 && epoch != 1)))
		abort();

	memset(&rl, 0, sizeof(rl));
	rl.limit = -1;
	fx_rl_observe(&rl, f[1], f[2], f[3], WALL, mono);
	check_wait(fx_rl_pace(&rl, mono), RL_WAIT_MAX + 2);
	fx_rl_observe(&rl, f[1], f[4], f[5], WALL + 0.5, mono + 0.5);
	if (rl.known && (rl.remaining < 0 || rl.reset_lo > rl.reset_hi))
		abort();
	check_wait(fx_rl_pace(&rl, mono + 0.5), RL_WAIT_MAX + 2);
	w = fx_rl_wait_429(&rl, f[0], f[3], f[2], WALL, &src);
	if (w != -1) {
		check_wait(w, RL_WAIT_MAX);
		if (src == NULL)
			abort();
	}
	check_wait(fx_rl_pace(&rl, mono + 1), RL_WAIT_MAX + 2);
	return 0;
}
