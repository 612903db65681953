#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "ratelimit.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t window;		/* index of the current window */
static unsigned used;		/* requests counted in it */
static unsigned refusals;	/* 429s given so far: picks the next form */

void
rate_take(time_t now, struct rate_verdict *v)
{
	uint64_t w, secs = mock_cfg.rate_secs;
	int epoch;

	v->limited = mock_cfg.rate_n > 0;
	v->over = 0;
	if (!v->limited)
		return;
	w = (uint64_t)now / secs;
	pthread_mutex_lock(&lock);
	if (w != window) {
		window = w;
		used = 0;
	}
	if (used < mock_cfg.rate_n)
		used++;
	else {
		v->over = 1;
		v->retry = (enum rate_retry)(refusals++ % 3);
	}
	v->remaining = mock_cfg.rate_n - used;
	pthread_mutex_unlock(&lock);
	v->limit = mock_cfg.rate_n;
	v->reset_at = (time_t)((w + 1) * secs);
	v->wait = (w + 1) * secs - (uint64_t)now;
	epoch = mock_cfg.reset_form == RESET_EPOCH ||
	    (mock_cfg.reset_form == RESET_ALTERNATE && (w & 1));
	v->reset = epoch ? (uint64_t)v->reset_at : v->wait;
}
