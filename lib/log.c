#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

static const char *prog = "ds";
static enum ds_level maxlevel = DS_LOG_INFO;
static const char *const names[] = { "error", "warn", "info", "debug" };
#define NSECRETS	8	/* the key and the last few tokens added */
/* secret 0 (ds_log_secret) and the added ones, each as it is and quoted (or empty) */
static struct ds_buf secret[2 * NSECRETS];
static int nadded;			/* ds_log_secret_add() calls since the last reset */

void
ds_log_init(const char *argv0)
{
	const char *s, *lvl;
	size_t i;

	if (argv0 != NULL && *argv0 != '\0')
		prog = (s = strrchr(argv0, '/')) ? s + 1 : argv0;
	if ((lvl = getenv("DS_LOG_LEVEL")) != NULL)
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(lvl, names[i]) == 0)
				maxlevel = (enum ds_level)i;
}

void
ds_log_setlevel(enum ds_level level)
{
	maxlevel = level;
}

int
ds_log_enabled(enum ds_level level)
{
	return level <= maxlevel;
}

void
ds_log_now(char *out, size_t outsz)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, outsz, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, outsz - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

void
ds_log_quote(struct ds_buf *b, const char *s, size_t n)
{
	size_t i;
	int bare = n > 0;

	for (i = 0; i < n && bare; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == '=' ||
		    s[i] == '\\' || (unsigned char)s[i] == 0x7f)
			bare = 0;
	if (bare) {
		ds_buf_add(b, s, n);
		return;
	}
	ds_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			ds_buf_addc(b, '\\');
			ds_buf_addc(b, (char)c);
		} else if (c == '\n')
			ds_buf_adds(b, "\\n");
		else if (c < ' ' || c == 0x7f)
			ds_buf_printf(b, "\\x%02x", c);
		else
			ds_buf_addc(b, (char)c);
	}
	ds_buf_addc(b, '"');
}

/* Append the printf-formatted text to b. */
static void
vappend(struct ds_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	ds_buf_reserve(b, (size_t)n);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

/* Wipe and free secret slot k (both forms). */
static void
slot_clear(int k)
{
	int i;

	for (i = 2 * k; i < 2 * k + 2; i++) {
		if (secret[i].p != NULL)
			explicit_bzero(secret[i].p, secret[i].len);
		ds_buf_free(&secret[i]);
	}
}

/* Put s (not empty) in slot k, as it is and as ds_log_quote() writes it. */
static void
slot_set(int k, const char *s)
{
	struct ds_buf q = { 0 };

	slot_clear(k);
	ds_buf_adds(&secret[2 * k], s);
	ds_log_quote(&q, s, strlen(s));
	/* quoted only when it holds bytes that quoting escapes: drop the quotes */
	if (q.len > 2 && *q.p == '"' && q.len - 2 != secret[2 * k].len)
		ds_buf_add(&secret[2 * k + 1], q.p + 1, q.len - 2);
	explicit_bzero(q.p, q.len);
	ds_buf_free(&q);
}

void
ds_log_secret(const char *s)
{
	int k;

	for (k = 0; k < NSECRETS; k++)
		slot_clear(k);
	nadded = 0;
	if (s == NULL || *s == '\0')
		return;
	slot_set(0, s);
}

void
ds_log_secret_add(const char *s)
{
	int k;

	if (s == NULL || *s == '\0')
		return;
	for (k = 0; k < NSECRETS; k++)
		if (secret[2 * k].len == strlen(s) && memcmp(secret[2 * k].p, s,
		    secret[2 * k].len) == 0)
			return;
	slot_set(1 + nadded++ % (NSECRETS - 1), s);
}

/* Replace each occurrence of the secret's forms in b with [redacted]. */
static void
redact(struct ds_buf *b)
{
	static const char mark[] = "[redacted]";
	const struct ds_buf *s;
	size_t at, keep;
	int i;

	for (i = 0; i < 2 * NSECRETS; i++) {
		s = &secret[i];
		if (s->len == 0)
			continue;
		for (at = 0; at + s->len <= b->len; at++) {
			if (b->p[at] != *s->p || memcmp(b->p + at, s->p, s->len) != 0)
				continue;
			keep = b->len - at - s->len;
			if (s->len < sizeof(mark) - 1)
				ds_buf_reserve(b, sizeof(mark) - 1 - s->len);
			memmove(b->p + at + sizeof(mark) - 1, b->p + at + s->len, keep);
			memcpy(b->p + at, mark, sizeof(mark) - 1);
			b->len = at + sizeof(mark) - 1 + keep;
			at += sizeof(mark) - 2;
		}
	}
}

/* Write one line: header, quoted msg, then kv (already formatted, may be NULL). */
static void
emit(enum ds_level level, const char *msg, const char *kv)
{
	struct ds_buf b = { 0 };
	char ts[40];
	int saved = errno;

	ds_log_now(ts, sizeof(ts));
	ds_buf_printf(&b, "ts=%s level=%s prog=%s msg=", ts, names[level], prog);
	ds_log_quote(&b, msg, strlen(msg));
	if (kv != NULL && *kv != '\0') {
		ds_buf_addc(&b, ' ');
		ds_buf_adds(&b, kv);
	}
	ds_buf_addc(&b, '\n');
	redact(&b);
	/* One write: a short write of a log line is not worth a retry loop. */
	if (write(STDERR_FILENO, b.p, b.len) < 0)
		(void)0;
	ds_buf_free(&b);
	errno = saved;
}

void
ds_logkv(enum ds_level level, const char *msg, const char *kvfmt, ...)
{
	struct ds_buf kv = { 0 };
	va_list ap;

	if (!ds_log_enabled(level))
		return;
	if (kvfmt != NULL) {
		va_start(ap, kvfmt);
		vappend(&kv, kvfmt, ap);
		va_end(ap);
	}
	emit(level, msg, kv.p);
	ds_buf_free(&kv);
}

static void
vlogmsg(enum ds_level level, int witherr, const char *fmt, va_list ap)
{
	struct ds_buf b = { 0 };
	int e = errno;

	if (!ds_log_enabled(level))
		return;
	vappend(&b, fmt, ap);
	if (witherr)
		ds_buf_printf(&b, ": %s", strerror(e));
	ds_buf_terminate(&b);
	emit(level, b.p, NULL);
	ds_buf_free(&b);
}

void
ds_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(DS_LOG_WARN, 1, fmt, ap);
	va_end(ap);
}

void
ds_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(DS_LOG_WARN, 0, fmt, ap);
	va_end(ap);
}

void
ds_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(DS_LOG_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(status);
}

void
ds_diex(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(DS_LOG_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(status);
}
