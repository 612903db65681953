/*
 * ds-arg - check one option value by the rules of lib/args.c and
 * lib/name.c, for the scripts (ds-run-config): a count, a duration or a
 * stream name is then spelled and judged the same way in every program, C
 * or shell.
 */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "buf.h"
#include "exits.h"
#include "log.h"
#include "name.h"
#include "output.h"

/* The largest duration bound, and its default --max: 31,000 years in seconds. */
#define MAXSECS	1e12

/* Print the synopsis to f and exit with status. */
static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f, "usage: ds-arg [--why] [--min n] [--max n] count|seconds value\n"
	    "       ds-arg [--why] stream name\n");
	exit(status);
}

/*
 * A bad value v: with why_out, print what is wanted on stdout; else log it
 * naming v. Exit DS_EX_USAGE either way.
 */
static void __attribute__((noreturn))
refuse(int why_out, const char *v, const struct ds_buf *why)
{
	if (!why_out)
		ds_diex(DS_EX_USAGE, "%s: %s", v, why->p);
	printf("%s\n", why->p);
	ds_out_close();
	exit(DS_EX_USAGE);
}

int
main(int argc, char *argv[])
{
	enum { K_COUNT, K_SECONDS, K_STREAM };
	static const char *const kinds[] = { "count", "seconds", "stream", NULL };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "max", required_argument, NULL, 'M' },
		{ "min", required_argument, NULL, 'm' },
		{ "why", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct ds_buf why = { 0 };
	const char *min = NULL, *max = NULL, *name_why;
	long long n, lo, hi;
	double t, tlo, thi;
	int ch, kind, why_out = 0;

	ds_log_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "hw", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout, DS_EX_OK);
		case 'm':
			min = optarg;
			break;
		case 'M':
			max = optarg;
			break;
		case 'w':
			why_out = 1;
			break;
		default:
			usage(stderr, DS_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage(stderr, DS_EX_USAGE);
	if ((kind = ds_parse_choice(argv[0], kinds, &why)) < 0)
		ds_diex(DS_EX_USAGE, "kind %s: %s", argv[0], why.p);

	switch (kind) {
	case K_COUNT:
		lo = min == NULL ? 0 : ds_arg_count("min", min, 0, LLONG_MAX);
		hi = max == NULL ? LLONG_MAX : ds_arg_count("max", max, 0, LLONG_MAX);
		if (ds_parse_count(argv[1], lo, hi, &n, &why) != 0)
			refuse(why_out, argv[1], &why);
		printf("%lld\n", n);
		break;
	case K_SECONDS:
		tlo = min == NULL ? 0 : ds_arg_seconds("min", min, 0, MAXSECS);
		thi = max == NULL ? MAXSECS : ds_arg_seconds("max", max, 0, MAXSECS);
		if (ds_parse_seconds(argv[1], tlo, thi, &t, &why) != 0)
			refuse(why_out, argv[1], &why);
		printf("%.0f\n", ceil(t));
		break;
	case K_STREAM:
		if (min != NULL || max != NULL)
			ds_diex(DS_EX_USAGE, "--min and --max bound a count or a duration,"
			    " not a stream name");
		if ((name_why = ds_name_why(argv[1], strlen(argv[1]))) != NULL) {
			ds_buf_adds(&why, name_why);
			refuse(why_out, argv[1], &why);
		}
		printf("%s\n", argv[1]);
		break;
	}
	ds_buf_free(&why);
	ds_out_close();
	return DS_EX_OK;
}
