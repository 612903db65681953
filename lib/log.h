/*
 * log.h - logfmt diagnostics on stderr and err(3)-style exits.
 *
 * Every line is
 *   ts=2026-11-22T03:58:04.123Z level=info prog=ds-fetch msg="..." k=v ...
 * written with one write(2) so lines of concurrent stages never interleave.
 */
#ifndef DS_LOG_H
#define DS_LOG_H

#include <stddef.h>

enum ds_level {
	DS_LOG_ERROR,
	DS_LOG_WARN,
	DS_LOG_INFO,
	DS_LOG_DEBUG
};

struct ds_buf;

/* Name the program (its basename is used) and read DS_LOG_LEVEL if set. */
void	ds_log_init(const char *argv0);
void	ds_log_setlevel(enum ds_level level);
int	ds_log_enabled(enum ds_level level);

/*
 * Log msg (quoted as needed) followed by the printf-formatted key=value
 * text kvfmt (may be NULL). Values that may hold spaces or quotes must be
 * appended with ds_log_quote() by the caller, or formatted with %s from a
 * buffer filled by it.
 */
void	ds_logkv(enum ds_level level, const char *msg, const char *kvfmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* err(3)-like helpers: the formatted text becomes msg. The "x" forms omit strerror(errno). */
void	ds_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	ds_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	ds_die(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	ds_diex(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/*
 * Never log secret: every line has each occurrence of it (as it is and as
 * ds_log_quote() writes it) replaced with [redacted], whoever wrote it, a
 * server's message quoted in an error included. The text is copied;
 * ds_log_secret(NULL) wipes and forgets it.
 */
void	ds_log_secret(const char *secret);

/*
 * Never log secret either, beside the one of ds_log_secret() (which
 * forgets these too): for secrets obtained while running, such as an
 * OAuth2 access token. The last seven added are kept; one already
 * known is not added again.
 */
void	ds_log_secret_add(const char *secret);

/* Append s (n bytes) to b as a logfmt value: bare when safe, else "quoted". */
void	ds_log_quote(struct ds_buf *b, const char *s, size_t n);

/* Format the current UTC time as RFC 3339 with milliseconds into out (>= 25 bytes). */
void	ds_log_now(char *out, size_t outsz);

#endif
