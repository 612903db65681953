#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "buf.h"
#include "exits.h"
#include "log.h"

/* Exit DS_EX_USAGE naming the option, its value and what is wanted (why). */
static void __attribute__((noreturn))
bad(const char *opt, const char *v, struct ds_buf *why)
{
	ds_diex(DS_EX_USAGE, "--%s %s: %s", opt, v, why->p);
}

/*
 * Parse the leading digits of v as a whole number into *n; the byte after
 * them in *end. -1 when v does not start with a digit or overflows.
 */
static int
whole(const char *v, unsigned long long *n, char **end)
{
	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	*n = strtoull(v, end, 10);
	return errno == 0 ? 0 : -1;
}

int
ds_parse_count(const char *v, long long min, long long max, long long *out,
    struct ds_buf *why)
{
	unsigned long long n;
	char *end;

	ds_buf_reset(why);
	if (whole(v, &n, &end) == 0 && *end == '\0' && n >= (unsigned long long)min &&
	    n <= (unsigned long long)max) {
		*out = (long long)n;
		return 0;
	}
	ds_buf_printf(why, "want a whole number from %lld to %lld", min, max);
	return -1;
}

long long
ds_arg_count(const char *opt, const char *v, long long min, long long max)
{
	struct ds_buf why = { 0 };
	long long n;

	if (ds_parse_count(v, min, max, &n, &why) != 0)
		bad(opt, v, &why);
	ds_buf_free(&why);
	return n;
}

int
ds_parse_bytes(const char *v, uint64_t min, uint64_t max, uint64_t *out,
    struct ds_buf *why)
{
	unsigned long long n;
	unsigned shift = 0;
	char *end;

	ds_buf_reset(why);
	if (whole(v, &n, &end) != 0)
		goto fail;
	switch (*end) {
	case 'K': case 'k':
		shift = 10;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'G': case 'g':
		shift = 30;
		break;
	}
	if (end[shift != 0] != '\0' || n > UINT64_MAX >> shift)
		goto fail;
	n <<= shift;
	if (n < min || n > max)
		goto fail;
	*out = n;
	return 0;
fail:
	ds_buf_printf(why, "want a whole number of bytes from %llu to %llu"
	    " (K, M or G after it: times 2^10, 2^20 or 2^30)",
	    (unsigned long long)min, (unsigned long long)max);
	return -1;
}

uint64_t
ds_arg_bytes(const char *opt, const char *v, uint64_t min, uint64_t max)
{
	struct ds_buf why = { 0 };
	uint64_t n;

	if (ds_parse_bytes(v, min, max, &n, &why) != 0)
		bad(opt, v, &why);
	ds_buf_free(&why);
	return n;
}

/*
 * The number of seconds that v spells (see ds_parse_seconds()), or -1.
 * Only digits with an optional fraction reach strtod(): no sign, exponent,
 * hex, inf or nan.
 */
static double
seconds(const char *v)
{
	const char *p = v, *q;
	double total = 0, n, unit;
	char *end;

	if (*p == '\0')
		return -1;
	while (*p != '\0') {
		for (q = p; *q >= '0' && *q <= '9'; q++)
			;
		if (q == p)
			return -1;
		if (*q == '.') {
			if (q[1] < '0' || q[1] > '9')
				return -1;
			for (q++; *q >= '0' && *q <= '9'; q++)
				;
		}
		errno = 0;
		n = strtod(p, &end);
		if (end != q || errno != 0)
			return -1;
		switch (*q) {
		case '\0':
			unit = 1;
			q--;	/* no unit byte to step over */
			break;
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		default:
			return -1;
		}
		total += n * unit;
		if (!isfinite(total))
			return -1;
		p = q + 1;
	}
	return total;
}

/* Append t seconds to b: a whole number as such, else in %g form. */
static void
add_secs(struct ds_buf *b, double t)
{
	if (t == floor(t) && t < 1e15)
		ds_buf_printf(b, "%.0f", t);
	else
		ds_buf_printf(b, "%g", t);
}

int
ds_parse_seconds(const char *v, double min, double max, double *out,
    struct ds_buf *why)
{
	double t = seconds(v);

	ds_buf_reset(why);
	if (t >= 0 && t >= min && t <= max) {
		*out = t;
		return 0;
	}
	ds_buf_adds(why, "want a duration from ");
	add_secs(why, min);
	ds_buf_adds(why, " to ");
	add_secs(why, max);
	ds_buf_adds(why, " seconds, such as 30, 2.5, 90s, 15m, 1h30m or 2d");
	return -1;
}

double
ds_arg_seconds(const char *opt, const char *v, double min, double max)
{
	struct ds_buf why = { 0 };
	double t;

	if (ds_parse_seconds(v, min, max, &t, &why) != 0)
		bad(opt, v, &why);
	ds_buf_free(&why);
	return t;
}

int
ds_parse_table(const char *v, struct ds_buf *why)
{
	const char *dot = strchr(v, '.'), *name = dot != NULL ? dot + 1 : v;
	size_t schema = dot != NULL ? (size_t)(dot - v) : 1, n = strlen(name);

	ds_buf_reset(why);
	if (schema >= 1 && schema <= DS_ARG_NAMEMAX && n >= 1 && n <= DS_ARG_NAMEMAX &&
	    strchr(name, '.') == NULL)
		return 0;
	ds_buf_printf(why, "want NAME or SCHEMA.NAME, each 1 to %d bytes", DS_ARG_NAMEMAX);
	return -1;
}

const char *
ds_arg_table(const char *opt, const char *v)
{
	struct ds_buf why = { 0 };

	if (ds_parse_table(v, &why) != 0)
		bad(opt, v, &why);
	ds_buf_free(&why);
	return v;
}

int
ds_parse_choice(const char *v, const char *const *choices, struct ds_buf *why)
{
	int i;

	ds_buf_reset(why);
	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(v, choices[i]) == 0)
			return i;
	ds_buf_adds(why, "want ");
	for (i = 0; choices[i] != NULL; i++)
		ds_buf_printf(why, "%s%s", i == 0 ? "" : choices[i + 1] == NULL ? " or " : ", ",
		    choices[i]);
	return -1;
}

int
ds_arg_choice(const char *opt, const char *v, const char *const *choices)
{
	struct ds_buf why = { 0 };
	int i;

	if ((i = ds_parse_choice(v, choices, &why)) < 0)
		bad(opt, v, &why);
	ds_buf_free(&why);
	return i;
}
