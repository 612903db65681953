/*
 * timeparse.h - the timestamp forms of the source API, to microseconds.
 *
 * Accepted: RFC 3339 / ISO 8601 date-times with 'Z' or an offset
 * (+05:30, +0530, +05), with or without fractional seconds; Unix epoch
 * seconds (integer or fractional) and epoch milliseconds, as JSON numbers
 * or as the same text inside a string. A number whose magnitude is >= 1e11
 * is epoch milliseconds, else epoch seconds (1e11 s is the year 5138,
 * 1e11 ms is 1973). Digits beyond the microsecond are truncated (floor).
 * Only years 0001..9999 (UTC) are in range.
 */
#ifndef DS_TIMEPARSE_H
#define DS_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

#define DS_TIME_OK	0
#define DS_TIME_BAD	(-1)	/* none of the accepted forms */
#define DS_TIME_RANGE	(-2)	/* a valid form, outside years 0001..9999 */

/* Longest text ds_time_format() writes, with its NUL. */
#define DS_TIME_FMTMAX	28

struct ds_time {
	int64_t	us;	/* microseconds since 1970-01-01T00:00:00Z */
	int	micro;	/* the input was more precise than a millisecond */
};

/* Parse the text of a string value (escapes already decoded): ISO or numeric. */
int	ds_time_parse_text(const char *s, size_t n, struct ds_time *t);
/* Parse a JSON number token as epoch seconds or milliseconds. */
int	ds_time_parse_number(const char *s, size_t n, struct ds_time *t);
/* Parse an RFC 3339 / ISO 8601 date-time only. */
int	ds_time_parse_iso(const char *s, size_t n, struct ds_time *t);

/*
 * The timestamp forms a stream definition names (ts-form): auto (the
 * rules above), iso (a zone required), iso-local (a floating date-time
 * without zone, as Socrata's floating_timestamp, taken as UTC plus the
 * ts-zone offset; an explicit zone still wins), epoch (seconds) and
 * epoch-ms (milliseconds), each as a number or the same text in a string.
 */
#define DS_TSF_AUTO	0
#define DS_TSF_ISO	1
#define DS_TSF_ISO_LOCAL 2
#define DS_TSF_EPOCH	3
#define DS_TSF_EPOCH_MS	4

/*
 * Parse [s, s+n) in form: the decoded text of a string value when quoted,
 * else a JSON number token. zone_s is the ts-zone offset east of UTC in
 * seconds (iso-local only).
 */
int	ds_time_parse_form(int form, long zone_s, const char *s, size_t n, int quoted,
	    struct ds_time *t);

/*
 * Write t as YYYY-MM-DDTHH:MM:SS.mmmZ (or .uuuuuuZ when t->micro) into out
 * (room for DS_TIME_FMTMAX bytes); returns the length without the NUL.
 */
size_t	ds_time_format(const struct ds_time *t, char *out);

#endif
