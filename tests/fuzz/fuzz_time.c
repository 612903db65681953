/*
 * fuzz_time.c - libFuzzer harness for lib/timeparse.c: any text or number
 * parses or is refused without crashing, and what parses formats and
 * re-parses to the same instant.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timeparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct ds_time t, u;
	char out[DS_TIME_FMTMAX];
	size_t n;

	(void)ds_time_parse_number(s, size, &t);
	if (ds_time_parse_text(s, size, &t) == DS_TIME_OK) {
		n = ds_time_format(&t, out);
		if (n >= DS_TIME_FMTMAX)
			abort();
		/* The formatted form is RFC 3339 and denotes the same instant. */
		if (ds_time_parse_iso(out, n, &u) != DS_TIME_OK || u.us != t.us)
			abort();
	}
	return 0;
}
