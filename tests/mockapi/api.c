#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "config.h"
#include "cursor.h"
#include "events.h"
#include "faults.h"
#include "page.h"
#include "rfc3339.h"

static atomic_uint expired_count;

/* Append s (n bytes) to b as the inside of a JSON string. */
static void
json_text(struct ds_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			ds_buf_addc(b, '\\');
			ds_buf_addc(b, (char)c);
		} else if (c < 0x20 || c >= 0x7f)
			ds_buf_printf(b, "\\u%04x", c);
		else
			ds_buf_addc(b, (char)c);
	}
}

/* Make out an error answer: {"error":code,"message":fmt...} with %s args escaped. */
static void __attribute__((format(printf, 4, 5)))
fail(struct reply *out, int status, const char *code, const char *fmt, ...)
{
	struct ds_buf msg = { 0 };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		ds_buf_reserve(&msg, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(msg.p, (size_t)n + 1, fmt, ap);
		va_end(ap);
		msg.len = (size_t)n;
	}
	out->status = status;
	ds_buf_reset(&out->body);
	ds_buf_printf(&out->body, "{\"error\":\"%s\",\"message\":\"", code);
	json_text(&out->body, msg.p ? msg.p : "", msg.len);
	ds_buf_adds(&out->body, "\"}");
	ds_buf_free(&msg);
}

/* Parse a page size: digits only, at least 1. Returns 0 or -1. */
static int
parse_limit(const struct param *p, unsigned *limit)
{
	unsigned long long v = 0;
	size_t i;

	if (p->n == 0 || p->n > 18)
		return -1;
	for (i = 0; i < p->n; i++) {
		if (p->v[i] < '0' || p->v[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p->v[i] - '0');
	}
	if (v == 0)
		return -1;
	*limit = v > mock_cfg.page_max ? mock_cfg.page_max : (unsigned)v;
	return 0;
}

/* Say the cursor expired: 400 and 410 alternate, in various cases of "expired". */
static void
expired(struct reply *out, uint64_t age)
{
	if (atomic_fetch_add(&expired_count, 1) % 2 == 0)
		fail(out, 400, "cursor_expired",
		    "Cursor EXPIRED: issued %llu seconds ago, cursors live %u seconds",
		    (unsigned long long)age, mock_cfg.cursor_ttl);
	else
		fail(out, 410, "gone", "This cursor has Expired; start again without one");
}

/* Fill out with an injected fault's answer, or leave it for the page. */
static int
fault_answer(struct reply *out, enum mock_fault f)
{
	static const char html[] =
	    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
	    "<body><h1>Bad Gateway</h1><p>The proxy got no answer upstream.</p>"
	    "</body></html>\n";

	out->fault = f;
	switch (f) {
	case FAULT_500:
		fail(out, 500, "internal", "internal server error");
		return 1;
	case FAULT_502:
		fail(out, 502, "bad_gateway", "bad gateway");
		return 1;
	case FAULT_503:
		fail(out, 503, "unavailable", "service unavailable, try again");
		return 1;
	case FAULT_504:
		fail(out, 504, "gateway_timeout", "gateway timeout");
		return 1;
	case FAULT_HTML:
		out->status = 200;
		out->html = 1;
		ds_buf_reset(&out->body);
		ds_buf_adds(&out->body, html);
		return 1;
	case FAULT_429:
		fail(out, 429, "too_many_requests", "slow down (burst protection)");
		out->retry_set = 1;
		out->retry = RETRY_DELTA;
		out->retry_secs = 1;
		return 1;
	default:
		return 0;
	}
}

void
api_answer(const char *method, const struct request *r, const char *key,
    time_t now, struct reply *out)
{
	struct page pg;
	struct cursor c;
	int64_t since = INT64_MIN, until = INT64_MAX;
	unsigned limit = 1000 > mock_cfg.page_max ? mock_cfg.page_max : 1000;

	ds_buf_reset(&out->body);
	rate_take(now, &out->rate);
	if (strcmp(r->path, API_PATH) != 0) {
		fail(out, 404, "not_found", "no such endpoint: %s (try " API_PATH ")",
		    r->path);
		return;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		fail(out, 405, "method_not_allowed", "only GET is allowed, not %s", method);
		return;
	}
	if (mock_cfg.api_key != NULL) {
		if (key == NULL && r->api_key.set)
			key = r->api_key.v;
		if (key == NULL || *key == '\0') {
			fail(out, 401, "unauthorized", "missing API key: send X-API-Key");
			return;
		}
		if (strcmp(key, mock_cfg.api_key) != 0) {
			fail(out, 403, "forbidden", "API key refused");
			return;
		}
	}
	if (out->rate.over) {
		fail(out, 429, "rate_limited", "rate limit of %u requests per %u seconds "
		    "exceeded", mock_cfg.rate_n, mock_cfg.rate_secs);
		out->retry_set = out->rate.retry != RETRY_NONE;
		out->retry = out->rate.retry;
		out->retry_secs = (unsigned)out->rate.wait;
		out->retry_at = out->rate.reset_at;
		return;
	}
	if (r->bad_escape) {
		fail(out, 400, "bad_request", "malformed %%-escape in the query");
		return;
	}
	if (r->limit.set && parse_limit(&r->limit, &limit) != 0) {
		fail(out, 400, "bad_request", "limit: not a positive integer: '%s'",
		    r->limit.v);
		return;
	}
	if (r->since.set && rfc3339_parse(r->since.v, r->since.n, &since) != 0) {
		fail(out, 400, "bad_request", "since: not an RFC 3339 time: '%s'",
		    r->since.v);
		return;
	}
	if (r->until.set && rfc3339_parse(r->until.v, r->until.n, &until) != 0) {
		fail(out, 400, "bad_request", "until: not an RFC 3339 time: '%s'",
		    r->until.v);
		return;
	}
	pg.lo = since == INT64_MIN ? 0 : event_first_at(since);
	pg.hi = until == INT64_MAX ? mock_cfg.events : event_first_at(until);
	if (pg.hi < pg.lo)
		pg.hi = pg.lo;
	pg.off = pg.lo;
	pg.range = cursor_range(since, until);
	pg.limit = limit;
	pg.now = (uint64_t)now;
	if (r->cursor.set) {
		if (r->cursor.n == 0) {
			fail(out, 400, "bad_request", "cursor: empty (omit it on the first "
			    "request)");
			return;
		}
		if (cursor_decode(r->cursor.v, r->cursor.n, &c) != 0) {
			fail(out, 400, "bad_cursor", "cursor: not a cursor of this API: "
			    "'%s'", r->cursor.v);
			return;
		}
		if (c.range != pg.range) {
			fail(out, 400, "bad_cursor", "cursor: issued for other since/until "
			    "values; send the same ones as the request that got it");
			return;
		}
		if (c.off < pg.lo || c.off > pg.hi) {
			fail(out, 400, "bad_cursor", "cursor: offset out of range: '%s'",
			    r->cursor.v);
			return;
		}
		if ((uint64_t)now > c.issued + mock_cfg.cursor_ttl) {
			expired(out, (uint64_t)now - c.issued);
			return;
		}
		pg.off = c.off;
	}
	if (fault_answer(out, faults_draw(pg.off, pg.range)))
		return;
	out->status = 200;
	if (mock_cfg.pretty) {
		struct ds_buf compact = { 0 };

		page_build(&compact, &pg);
		page_pretty(&out->body, compact.p, compact.len);
		ds_buf_free(&compact);
	} else
		page_build(&out->body, &pg);
}
