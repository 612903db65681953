/*
 * rfc3339.h - RFC 3339 times to and from Unix milliseconds.
 */
#ifndef MOCK_RFC3339_H
#define MOCK_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse the RFC 3339 time s (n bytes, e.g. 2026-01-01T05:30:00.5+05:30) into
 * *ms, rounded up to the next millisecond when finer digits are non-zero, so
 * that "t >= since" holds for integral t exactly when t >= *ms. Returns 0, or
 * -1 when s is not such a time.
 */
int	rfc3339_parse(const char *s, size_t n, int64_t *ms);

/*
 * Write the time ms as YYYY-MM-DDTHH:MM:SS[.mmm] followed by Z (offmin 0) or
 * the offset +HH:MM/-HH:MM, in local time of that offset. out needs 32
 * bytes; returns the length written (no NUL).
 */
size_t	rfc3339_format(char *out, int64_t ms, int frac, int offmin);

/* Days since 1970-01-01 of the civil date y-m-d (proleptic Gregorian). */
int64_t	rfc3339_days(int64_t y, unsigned m, unsigned d);

#endif
