#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "template.h"

#define TMPL_FMT_MAX	128	/* longest strftime pattern and result */

/* Append the time us in the form spec (n bytes; "" for ISO) to out; -1 on a bad form. */
static int
put_time(struct ds_buf *out, int64_t us, const char *spec, size_t n)
{
	char fmt[TMPL_FMT_MAX], res[TMPL_FMT_MAX];
	int64_t s = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
	time_t t = (time_t)s;
	struct tm tm;
	size_t k;

	if (n == 5 && memcmp(spec, "epoch", 5) == 0) {
		ds_buf_printf(out, "%lld", (long long)s);
		return 0;
	}
	if (n == 8 && memcmp(spec, "epoch_ms", 8) == 0) {
		ds_buf_printf(out, "%lld", (long long)(us >= 0 ? us / 1000 :
		    -((-us + 999) / 1000)));
		return 0;
	}
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	if (n == 0) {
		spec = "%Y-%m-%dT%H:%M:%SZ";
		n = strlen(spec);
	}
	if (n >= sizeof(fmt) || memchr(spec, '%', n) == NULL)
		return -1;
	memcpy(fmt, spec, n);
	fmt[n] = '\0';
	if ((k = strftime(res, sizeof(res), fmt, &tm)) == 0)
		return -1;
	ds_buf_add(out, res, k);
	return 0;
}

/*
 * Non-zero when p starts a placeholder: '{', a name of [a-z_], then '}' or
 * ':'. Any other '{' (a JSON body's) is text.
 */
static int
placeholder(const char *p)
{
	const char *q = p + 1;

	if (*p != '{')
		return 0;
	while ((*q >= 'a' && *q <= 'z') || *q == '_')
		q++;
	return q > p + 1 && (*q == '}' || *q == ':');
}

int
fx_tmpl_has(const char *tmpl, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = tmpl; (p = strchr(p, '{')) != NULL; p++)
		if (strncmp(p + 1, name, n) == 0 && (p[n + 1] == '}' || p[n + 1] == ':'))
			return 1;
	return 0;
}

int
fx_tmpl_fill(const char *tmpl, int64_t since_us, int64_t until_us,
    const struct tmpl_var *extra, struct ds_buf *out, const char **why)
{
	const struct tmpl_var *x;
	const char *p = tmpl, *e, *colon, *spec;
	size_t namelen, speclen;
	int64_t t;

	while (*p != '\0') {
		if (!placeholder(p)) {
			ds_buf_addc(out, *p++);
			continue;
		}
		if ((e = strchr(p, '}')) == NULL) {
			*why = "a '{' without its '}'";
			return -1;
		}
		colon = memchr(p, ':', (size_t)(e - p));
		namelen = (size_t)((colon ? colon : e) - p - 1);
		spec = colon ? colon + 1 : e;
		speclen = (size_t)(e - spec);
		if ((namelen == 5 && memcmp(p + 1, "since", 5) == 0) ||
		    (namelen == 5 && memcmp(p + 1, "until", 5) == 0)) {
			t = p[1] == 's' ? since_us : until_us;
			if (t == INT64_MIN) {
				*why = p[1] == 's' ? "{since} needs --since" :
				    "{until} needs --until";
				return -1;
			}
			if (put_time(out, t, spec, speclen) < 0) {
				*why = "a time form that is not epoch, epoch_ms or a "
				    "strftime pattern";
				return -1;
			}
		} else {
			for (x = extra; x != NULL && x->name != NULL; x++)
				if (strlen(x->name) == namelen &&
				    memcmp(x->name, p + 1, namelen) == 0)
					break;
			if (x == NULL || x->name == NULL || x->value == NULL ||
			    colon != NULL) {
				*why = "an unknown placeholder (known: {since}, {until}, "
				    "{limit}, {offset}, {page}, {cursor})";
				return -1;
			}
			ds_buf_adds(out, x->value);
		}
		p = e + 1;
	}
	ds_buf_terminate(out);
	return 0;
}
