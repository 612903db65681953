/*
 * args.h - option values: counts, byte sizes, durations, table names and
 * choices, parsed one way in every program.
 *
 * Each ds_arg_*() returns the value v of option --opt (opt without the
 * dashes) or exits DS_EX_USAGE with "--opt v: want ...", naming the option,
 * the value and what is wanted. Each ds_parse_*() is the same check without
 * the exit: 0 with *out set, or -1 with what is wanted ("want ...") in why
 * (reset first). Values are whole: no sign, no white space, no trailing text.
 */
#ifndef DS_ARGS_H
#define DS_ARGS_H

#include <stdint.h>

struct ds_buf;

/* Longest part of a table name: PostgreSQL's NAMEDATALEN - 1. */
#define DS_ARG_NAMEMAX	63

/* A whole number in [min, max] (0 <= min <= max): "5000". */
int	ds_parse_count(const char *v, long long min, long long max, long long *out,
	    struct ds_buf *why);
long long ds_arg_count(const char *opt, const char *v, long long min, long long max);

/*
 * A number of bytes in [min, max]: whole, optionally followed by K, M or G
 * (either case) for 2^10, 2^20 or 2^30 times it: "65536", "64K", "16M", "1G".
 */
int	ds_parse_bytes(const char *v, uint64_t min, uint64_t max, uint64_t *out,
	    struct ds_buf *why);
uint64_t ds_arg_bytes(const char *opt, const char *v, uint64_t min, uint64_t max);

/*
 * A duration in seconds in [min, max]: one or more parts, each a number
 * (digits, optionally a fraction: "2.5") followed by s, m, h or d; the last
 * part's unit may be left out (seconds): "30", "0.25", "90s", "15m",
 * "1h30m", "2d".
 */
int	ds_parse_seconds(const char *v, double min, double max, double *out,
	    struct ds_buf *why);
double	ds_arg_seconds(const char *opt, const char *v, double min, double max);

/* A table name, NAME or SCHEMA.NAME, each part 1..DS_ARG_NAMEMAX bytes: v itself. */
int	ds_parse_table(const char *v, struct ds_buf *why);
const char *ds_arg_table(const char *opt, const char *v);

/* One of the NULL-terminated words in choices: its index. */
int	ds_parse_choice(const char *v, const char *const *choices, struct ds_buf *why);
int	ds_arg_choice(const char *opt, const char *v, const char *const *choices);

#endif
