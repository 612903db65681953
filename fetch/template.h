/*
 * template.h - the incremental filter and body templates.
 *
 * {since} and {until} become the time as ISO 8601 UTC (2026-01-02T03:04:05Z),
 * {since:epoch} epoch seconds, {since:epoch_ms} epoch milliseconds, and
 * {since:FORMAT} the time formatted by strftime(3) FORMAT in UTC (for
 * example {since:%Y-%m-%d %H:%M:%S}). Other names are looked up in the
 * extra table (the body's {limit}, {offset}, {page}, {cursor}). A '{' that
 * is not followed by a name of [a-z_] and '}' or ':' is text, so a JSON
 * body template needs no escapes.
 */
#ifndef DS_FETCH_TEMPLATE_H
#define DS_FETCH_TEMPLATE_H

#include <stdint.h>

struct ds_buf;

struct tmpl_var {
	const char	*name;
	const char	*value;		/* NULL: the name is not available */
};

/*
 * Append tmpl filled in to out. since_us and until_us are microseconds
 * since the epoch, or INT64_MIN when not given. Returns 0, or -1 with why
 * (static text) naming the placeholder that cannot be filled.
 */
int	fx_tmpl_fill(const char *tmpl, int64_t since_us, int64_t until_us,
	    const struct tmpl_var *extra, struct ds_buf *out, const char **why);

/* Non-zero when tmpl holds the placeholder {name} or {name:...}. */
int	fx_tmpl_has(const char *tmpl, const char *name);

#endif
