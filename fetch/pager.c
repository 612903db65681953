#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "exits.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "output.h"
#include "archive.h"
#include "backoff.h"
#include "body.h"
#include "def.h"
#include "emit.h"
#include "http.h"
#include "oauth.h"
#include "pager.h"
#include "pagerpriv.h"
#include "ratelimit.h"
#include "cursorset.h"
#include "stats.h"
#include "style.h"
#include "url.h"
#include "writer.h"

#define THROTTLE_FACTOR	10	/* consecutive 429s with a wait allowed: 10 x --retries */
#define UNREACHED_RETRIES 3	/* retries when no server ever answered (a wrong URL?) */

static struct run *running;	/* stays set: what it holds is reachable at exit */
static int finished;		/* the exit hook has nothing left to do */

/* Unix time in seconds. */
double
fx_pager_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Sleep secs, or less when *stop is set; counts the time in waits_ms. A
 * signal cuts the sleep short; the writer thread's failure (it sets *stop
 * too) is seen within a slice of 100 ms.
 */
static void
pause_for(struct run *r, double secs)
{
	double start = ds_mono(), end = start + secs, left;
	struct timespec ts;

	while (!*r->o->stop && (left = end - ds_mono()) > 0) {
		if (left > 0.1)
			left = 0.1;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		(void)nanosleep(&ts, NULL);
	}
	/* the time waited, which a signal may cut short */
	r->st.waits_ms += (unsigned long long)llround((ds_mono() - start) * 1000);
}

/* Rewrite the --stats file, warning (once) when that fails. */
void
fx_pager_write_stats(struct run *r)
{
	static int warned;

	if (r->o->stats == NULL)
		return;
	if (fx_stats_write(&r->st, r->o->stats) < 0 && !warned) {
		ds_warn("cannot write --stats file %s", r->o->stats);
		warned = 1;
	}
}

/*
 * Exit hook: stop a request made ahead, finish the archive segment and
 * mark the stats failed.
 */
static void
at_exit(void)
{
	struct run *r = running;

	if (r == NULL || finished)
		return;
	finished = 1;
	fx_http_cancel(r->http);
	/* the line in flight goes out whole, unless its writing is what failed */
	if (!fx_writer_is_self(r->wr)) {
		fx_writer_free(r->wr);
		r->wr = NULL;
	}
	(void)fx_archive_close(r->arch);
	r->arch = NULL;
	if (strcmp(r->st.state, "done") != 0) {
		r->st.state = "failed";
		fx_pager_write_stats(r);
	}
}

/* Reset r->kv to "cursor=<the cursor, logfmt-quoted>" or "cursor=null". */
const char *
fx_pager_cursor_kv(struct run *r)
{
	ds_buf_reset(&r->kv);
	ds_buf_adds(&r->kv, "cursor=");
	if (r->have_cur)
		ds_log_quote(&r->kv, r->cur.p, r->cur.len);
	else
		ds_buf_adds(&r->kv, "null");
	ds_buf_terminate(&r->kv);
	return r->kv.p;
}

/* The cursor as it is, or "null", for error messages (which get quoted whole). */
const char *
fx_pager_cursor_text(struct run *r)
{
	return r->have_cur ? r->cur.p : "null";
}

/* A static name for an HTTP status used as a retry cause. */
const char *
fx_pager_status_cause(long status)
{
	switch (status) {
	case 429:
		return "http_429";
	case 500:
		return "http_500";
	case 502:
		return "http_502";
	case 503:
		return "http_503";
	case 504:
		return "http_504";
	default:
		return "http_5xx";
	}
}

int
fx_pager_not_a_page(struct run *r, int retry, int limited, const char *src, const char *url,
    const char **cause)
{
	long st = r->resp.status;

	ds_buf_reset(&r->why);
	if (retry) {
		*cause = fx_pager_status_cause(limited ? 429 : st);
		if (src != NULL)
			ds_buf_printf(&r->why, "wait from %s", src);
		else
			ds_buf_printf(&r->why, "HTTP %ld", st);
		return -1;
	}
	if (st >= 400 && st <= 499)
		fx_pager_refused(r);
	ds_diex(DS_EX_PERM, "unexpected HTTP %ld at cursor %s from %s", st,
	    fx_pager_cursor_text(r), url);
}

/* Exit for a refused request: 401/403, an expired cursor, another 4xx. */
void __attribute__((noreturn))
fx_pager_refused(struct run *r)
{
	struct ds_buf msg = { 0 };
	long st = r->resp.status;
	int expired;

	expired = fx_body_error(r->resp.body.p, r->resp.body.len, &msg, ERRMSG_MAX);
	if (msg.len == 0)
		ds_buf_adds(&msg, "(no message)");
	ds_buf_terminate(&msg);
	if ((st == 401 || st == 403) && r->o->def->style != &style_datasync)
		ds_diex(DS_EX_AUTH, "credentials refused: HTTP %ld at cursor %s: %s%s", st,
		    fx_pager_cursor_text(r), msg.p, !r->o->have_key ? " (no key given: set "
		    "DS_API_KEY or use --api-key-file)" : "");
	if (st == 401 || st == 403)
		ds_diex(DS_EX_AUTH, "API key refused: HTTP %ld: %s%s", st, msg.p,
		    r->o->key == NULL ? " (no key given: set DS_API_KEY or use "
		    "--api-key-file)" : "");
	if ((st == 400 || st == 410) && expired && r->have_cur) {
		if (r->cur_since >= 0)
			ds_diex(DS_EX_EXPIRED, "cursor expired: HTTP %ld at cursor %s, "
			    "received by this run %.0f s ago: %s", st, fx_pager_cursor_text(r),
			    ds_mono() - r->cur_since, msg.p);
		ds_diex(DS_EX_EXPIRED, "cursor expired: HTTP %ld at cursor %s (the "
		    "start cursor; its age is unknown here): %s", st, fx_pager_cursor_text(r),
		    msg.p);
	}
	/* content negotiation (RFC 9110; JSON:API requires its media type both ways) */
	if (st == 415)
		ds_diex(DS_EX_PERM, "HTTP 415 Unsupported Media Type at cursor %s: the "
		    "server refuses a request body of media type %s (setting "
		    "content-type): %s", fx_pager_cursor_text(r),
		    r->o->def->content_type != NULL ? r->o->def->content_type :
		    "application/json", msg.p);
	if (st == 406)
		ds_diex(DS_EX_PERM, "HTTP 406 Not Acceptable at cursor %s: the server "
		    "has no answer in a media type the request's Accept allows (setting "
		    "header, e.g. 'Accept: application/vnd.api+json'): %s",
		    fx_pager_cursor_text(r), msg.p);
	ds_diex(DS_EX_PERM, "HTTP %ld at cursor %s: %s", st, fx_pager_cursor_text(r), msg.p);
}

/* Write the page held in r->resp (parsed into pg); returns 1 at the last page. */
static int
take_page(struct run *r, const struct page *pg)
{
	struct ds_buf *line;
	char ts[40];

	ds_buf_reset(&r->next);
	if (pg->next != NULL &&
	    ds_json_str_decode(pg->next, pg->nextlen, &r->next) < 0)
		ds_diex(DS_EX_PERM, "nextCursor after cursor %s holds \\u0000",
		    fx_pager_cursor_text(r));
	ds_buf_terminate(&r->next);
	if (pg->has_more && fx_cursorset_add(&r->seen, r->next.p, r->next.len))
		ds_diex(DS_EX_PERM, "endless pagination: page %llu (cursor %s) gives a "
		    "nextCursor already followed in this run", r->st.pages + 1,
		    fx_pager_cursor_text(r));
	ds_log_now(ts, sizeof(ts));
	line = fx_writer_buf(r->wr);
	fx_emit_page(line, r->o->stream, r->st.pages + 1,
	    r->have_cur ? r->cur.p : NULL, r->cur.len,
	    pg->next != NULL ? r->next.p : NULL, r->next.len, pg->has_more, ts,
	    pg->data, pg->datalen, pg->spaced);
	r->st.bytes += line->len;
	fx_writer_put(r->wr);

	r->st.pages++;
	r->st.records += pg->records;
	r->st.has_more = pg->has_more;
	if (pg->total != NULL)
		fx_stats_set(&r->st.total, pg->total, pg->totallen);
	fx_stats_set(&r->st.next, pg->next != NULL ? r->next.p : NULL, r->next.len);
	if (!pg->has_more)
		r->st.state = "done";
	fx_pager_write_stats(r);
	if (r->o->verbose)
		ds_logkv(DS_LOG_INFO, "page", "seq=%llu records=%zu bytes=%zu has_more=%s "
		    "encoding=%s %s", r->st.pages, pg->records, line->len,
		    pg->has_more ? "true" : "false", r->resp.content_encoding[0] != '\0' &&
		    strchr(r->resp.content_encoding, ' ') == NULL ?
		    r->resp.content_encoding : "identity", fx_pager_cursor_kv(r));

	/* Follow the next cursor. */
	ds_buf_reset(&r->cur);
	ds_buf_add(&r->cur, r->next.p, r->next.len);
	ds_buf_terminate(&r->cur);
	r->have_cur = pg->next != NULL;
	r->cur_since = ds_mono();
	return !pg->has_more;
}

/*
 * With a 200 in r->resp and no wait due before the next request, request
 * the page after it now, by the cursor fx_body_next_guess() reads off the
 * body, so the server makes that page while this one is checked and
 * written; the next request takes the response if the cursor was right.
 */
static void
request_ahead(struct run *r)
{
	const struct pager_opts *o = r->o;
	const char *c;
	size_t n;

	if (*o->stop || (o->max_pages != 0 && r->st.pages + 1 >= o->max_pages) ||
	    fx_rl_pace(&r->rl, ds_mono()) > 0 ||
	    !fx_body_next_guess(r->resp.body.p, r->resp.body.len, &c, &n))
		return;
	ds_buf_reset(&r->guess);
	if (ds_json_str_decode(c, n, &r->guess) != 0)
		return;
	ds_buf_terminate(&r->guess);
	fx_url_page(&r->aurl, o->events, o->limit, r->guess.p, r->guess.len, o->since,
	    o->until);
	fx_http_ahead(r->http, r->aurl.p);
}

/*
 * One request for the current cursor. Returns 1 at the last page, 0 after
 * a page, or -1 on a transient failure with *cause set and *wait the
 * seconds a 429 asked for (-1: use backoff). Exits on permanent failures.
 */
static int
one_request(struct run *r, const char **cause, double *wait)
{
	const struct pager_opts *o = r->o;
	struct http_resp *resp = &r->resp;
	struct page pg;
	const char *src = NULL;
	int not_json;

	if (o->def->style != &style_datasync)
		return fx_genpager_one(r, cause, wait);
	*wait = -1;
	fx_url_page(&r->url, o->events, o->limit, r->have_cur ? r->cur.p : NULL,
	    r->cur.len, o->since, o->until);
	if (fx_http_get(r->http, r->url.p, resp) < 0)
		return fx_pager_get_failed(r, o->events, cause);
	r->answered = 1;
	if (resp->status == 429) {
		r->st.http_429++;
		*wait = fx_rl_wait_429(&r->rl, resp->retry_after, resp->rl_reset,
		    resp->rl_remaining, fx_pager_wall(), &src);
	}
	fx_rl_observe(&r->rl, resp->rl_limit, resp->rl_remaining, resp->rl_reset, fx_pager_wall(),
	    ds_mono());
	if (resp->status == 200) {
		/* inflated whole, its gzip CRC checked, before its cursor is read */
		if (fx_http_decode(r->http, resp) < 0)
			return fx_pager_get_failed(r, o->events, cause);
		request_ahead(r);
		if (fx_body_page(resp->body.p, resp->body.len, &pg, &r->why, &not_json) == 0)
			return take_page(r, &pg);
		*cause = not_json == 2 ? "truncated" : not_json ? "not_json" : "bad_shape";
		return -1;
	}
	return fx_pager_not_a_page(r, resp->status == 429 ||
	    (resp->status >= 500 && resp->status <= 599), 0, src, o->events, cause);
}

int
fx_pager_get_failed(struct run *r, const char *url, const char **cause)
{
	const struct http_resp *resp = &r->resp;

	if (resp->aborted)
		return -1;
	if (resp->too_big)
		ds_diex(DS_EX_PERM, "response at cursor %s is larger than "
		    "--max-body-bytes %zu", fx_pager_cursor_text(r), r->o->max_body);
	if (strcmp(resp->cause, "permanent") == 0)
		ds_diex(DS_EX_PERM, "request for %s failed: %s", url, resp->error);
	*cause = resp->cause;
	ds_buf_reset(&r->why);
	ds_buf_adds(&r->why, resp->error);
	return -1;
}

/* Whether no server has answered yet and one could not even be reached. */
static int
unreached(const struct run *r, const char *cause)
{
	return !r->answered && (strcmp(cause, "connect") == 0 ||
	    strcmp(cause, "resolve") == 0);
}

/*
 * The retries allowed for a failure of cause: --retries, but no more than
 * UNREACHED_RETRIES while no server has answered and none could be reached
 * or even resolved (a mistyped URL fails fast; the supervisor restarts us).
 */
static int
retries_for(const struct run *r, const char *cause)
{
	if (unreached(r, cause) && r->o->retries > UNREACHED_RETRIES)
		return UNREACHED_RETRIES;
	return r->o->retries;
}

/* Log one retry: cause, attempt, wait, cursor and the failure's detail. */
static void
log_retry(struct run *r, const char *cause, int attempt, double wait)
{
	struct ds_buf b = { 0 };

	ds_buf_printf(&b, "cause=%s attempt=%d wait_ms=%.0f %s detail=", cause, attempt,
	    wait * 1000, fx_pager_cursor_kv(r));
	ds_log_quote(&b, r->why.p != NULL ? r->why.p : "", r->why.len);
	if (r->resp.status != 0)
		ds_buf_printf(&b, " status=%ld", r->resp.status);
	ds_logkv(DS_LOG_WARN, "retry", "%s", b.p);
	ds_buf_free(&b);
}

/* Log the summary line. */
static void
summary(struct run *r, const char *msg)
{
	struct ds_buf b = { 0 };

	ds_buf_printf(&b, "pages=%llu records=%llu bytes=%llu retries=%llu",
	    r->st.pages, r->st.records, r->st.bytes, r->st.retries);
	fx_stats_causes(&r->st, &b);
	ds_buf_printf(&b, " http_429=%llu waits_ms=%llu elapsed_ms=%.0f", r->st.http_429,
	    r->st.waits_ms, (ds_mono() - r->start) * 1000);
	ds_logkv(DS_LOG_INFO, msg, "%s", b.p);
	ds_buf_free(&b);
}

int
fx_pager_run(const struct pager_opts *o)
{
	struct run *r = ds_xcalloc(1, sizeof(*r));
	const char *cause = NULL;
	double wait, pace, backoff;
	int rc, attempt = 0, throttled = 0, n;

	r->o = o;
	r->start = ds_mono();
	r->st.state = "running";
	r->st.has_more = 1;
	r->cur_since = -1;
	r->last_total = -1;
	if (o->cursor != NULL && *o->cursor != '\0') {
		ds_buf_adds(&r->cur, o->cursor);
		r->have_cur = 1;
		(void)fx_cursorset_add(&r->seen, r->cur.p, r->cur.len);
	}
	ds_buf_terminate(&r->cur);
	fx_backoff_seed(&r->rng, 0);
	if (o->archive != NULL)
		r->arch = fx_archive_open(o->archive, o->stream, o->segment_bytes);
	r->wr = fx_writer_new(r->arch, o->stop);
	r->http = fx_http_new(o->key, o->timeout_ms, o->insecure, o->max_body, o->stop);
	for (n = 0; n < (int)o->nheaders; n++)
		fx_http_header(r->http, o->headers[n]);
	if (o->userpass != NULL)
		fx_http_basic(r->http, o->userpass);
	if (o->oauth_cred != NULL)
		r->oauth = fx_oauth_new(o->def->token_url, o->oauth_cred, o->def->token_scope,
		    o->timeout_ms, o->insecure);
	running = r;
	atexit(at_exit);
	fx_pager_write_stats(r);

	while (!*o->stop) {
		if (o->max_pages != 0 && r->st.pages >= o->max_pages) {
			r->st.state = "done";
			break;
		}
		if ((pace = fx_rl_pace(&r->rl, ds_mono())) > 0) {
			if (pace >= 1 || o->verbose)
				ds_logkv(DS_LOG_INFO, "wait", "cause=pacing wait_ms=%.0f "
				    "remaining=%ld", pace * 1000, r->rl.remaining);
			pause_for(r, pace);
			if (*o->stop)
				break;
		}
		rc = one_request(r, &cause, &wait);
		if (rc > 0)
			break;
		if (rc == 0) {
			attempt = throttled = 0;
			continue;
		}
		if (*o->stop)
			break;
		if (wait >= 0) {
			/*
			 * A 429 that says when to come back is the server pacing
			 * us, not a failure of the page: it has a budget of its
			 * own. Its wait is the server's, but one under a second
			 * (Retry-After: 0) again and again grows like a backoff.
			 */
			if ((n = ++throttled) > o->retries * THROTTLE_FACTOR)
				ds_diex(DS_EX_TEMP, "giving up at cursor %s after %d "
				    "consecutive 429s: %s", fx_pager_cursor_text(r), n,
				    r->why.p != NULL ? r->why.p : "");
		} else if ((n = ++attempt) > retries_for(r, cause))
			ds_diex(DS_EX_TEMP, "giving up at cursor %s after %d attempts: "
			    "last cause %s: %s%s", fx_pager_cursor_text(r), n, cause,
			    r->why.p != NULL ? r->why.p : "", unreached(r, cause) ?
			    " (no server has answered yet: is the URL right?)" : "");
		fx_stats_retry(&r->st, cause);
		backoff = (double)fx_backoff_ms(&r->rng, n, o->backoff_base_ms,
		    o->backoff_max_ms) / 1000;
		if (wait < 0 || (wait < 1 && wait < backoff))
			wait = backoff;
		log_retry(r, cause, n, wait);
		pause_for(r, wait);
	}
	fx_writer_drain(r->wr);
	if (*o->stop) {
		r->st.state = "failed";
		summary(r, "stopped");
	} else
		summary(r, "done");
	fx_pager_write_stats(r);
	fx_writer_free(r->wr);
	r->wr = NULL;
	if (fx_archive_close(r->arch) < 0) {
		r->arch = NULL;
		exit(DS_EX_TEMP);
	}
	r->arch = NULL;
	finished = 1;
	running = NULL;
	fx_http_free(r->http);
	fx_oauth_free(r->oauth);
	ds_buf_free(&r->resp.body);
	ds_buf_free(&r->resp.raw);
	fx_cursorset_free(&r->seen);
	fx_stats_free(&r->st);
	ds_buf_free(&r->cur);
	ds_buf_free(&r->next);
	ds_buf_free(&r->url);
	ds_buf_free(&r->why);
	ds_buf_free(&r->kv);
	ds_buf_free(&r->guess);
	ds_buf_free(&r->aurl);
	ds_buf_free(&r->surl);
	ds_buf_free(&r->body);
	ds_buf_free(&r->eurl);
	ds_buf_free(&r->estate);
	ds_buf_free(&r->resp.link_next);
	ds_buf_free(&r->resp.location);
	free(r);
	return DS_EX_OK;
}
