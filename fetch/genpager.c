#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "exits.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "body.h"
#include "def.h"
#include "gbody.h"
#include "emit.h"
#include "http.h"
#include "oauth.h"
#include "pager.h"
#include "pagerpriv.h"
#include "ratelimit.h"
#include "cursorset.h"
#include "stats.h"
#include "stop.h"
#include "style.h"
#include "template.h"
#include "url.h"
#include "writer.h"

#define SECONDARY_WAIT_MS	60000	/* GitHub: a rate limit that names no wait */
#define REDIRECT_MAX		5	/* redirects followed for one request */
/*
 * The smallest body whose next state is guessed off its end: a smaller one
 * is checked sooner than asking early would gain, and an empty (last) page
 * is one, so nothing is asked past it.
 */
#define GUESS_MIN		(4 * GBODY_GUESS_WINDOW)

/* Append the filter parameter, filled from --since/--until, to url. */
static void
add_filter(struct run *r, struct ds_buf *url, const char *filter)
{
	const char *eq = strchr(filter, '='), *why;
	struct ds_buf v = { 0 };

	if (fx_tmpl_fill(eq + 1, r->o->since_us, r->o->until_us, NULL, &v, &why) < 0)
		ds_diex(DS_EX_USAGE, "setting filter: %s: %s", filter, why);
	fx_url_add_param(url, filter, (size_t)(eq - filter), v.p, v.len);
	ds_buf_free(&v);
}

/* Non-zero when param p (NAME=VALUE) is replaced by a later one or the filter. */
static int
replaced(const struct def *d, size_t i, int filtering)
{
	size_t n = strcspn(d->param.v[i], "="), k;

	for (k = i + 1; k < d->param.n; k++)
		if (strncmp(d->param.v[k], d->param.v[i], n + 1) == 0)
			return 1;
	return filtering && d->filter != NULL && strncmp(d->filter, d->param.v[i], n + 1) == 0;
}

/*
 * Build the request URL of state st (n bytes; NULL for the first page):
 * url without secrets (for messages and the stored state), surl as sent.
 */
static void
gen_url(struct run *r, const char *st, size_t n, struct ds_buf *url, struct ds_buf *surl)
{
	const struct pager_opts *o = r->o;
	const struct def *d = o->def;
	const char *eq;
	int filtering = o->since_us != INT64_MIN || o->until_us != INT64_MIN;
	char lim[24];
	size_t i;

	snprintf(lim, sizeof(lim), "%ld", o->limit);
	ds_buf_reset(url);
	if (d->style->url_state && st != NULL)
		ds_buf_add(url, st, n);
	else {
		ds_buf_adds(url, o->events);
		for (i = 0; i < d->param.n; i++) {
			if (replaced(d, i, filtering))
				continue;
			eq = strchr(d->param.v[i], '=');
			fx_url_add_param(url, d->param.v[i], (size_t)(eq - d->param.v[i]),
			    eq + 1, strlen(eq + 1));
		}
		if (d->limit_param != NULL && !(d->body && fx_tmpl_has(d->body, "limit")))
			fx_url_add_param(url, d->limit_param, strlen(d->limit_param), lim,
			    strlen(lim));
		if (filtering && d->filter != NULL)
			add_filter(r, url, d->filter);
		if (d->style->request != NULL && !(d->body != NULL &&
		    (fx_tmpl_has(d->body, "offset") || fx_tmpl_has(d->body, "page") ||
		    fx_tmpl_has(d->body, "cursor"))))
			d->style->request(d, st, n, url);
	}
	ds_buf_terminate(url);
	ds_buf_reset(surl);
	ds_buf_add(surl, url->p, url->len);
	if (o->query_key != NULL)
		fx_url_add_param(surl, d->auth_name, strlen(d->auth_name), o->query_key,
		    strlen(o->query_key));
	ds_buf_terminate(surl);
}

/*
 * Build the request of the current state: r->url, r->surl (gen_url()) and
 * r->body for a POST.
 */
static void
gen_request(struct run *r)
{
	const struct pager_opts *o = r->o;
	const struct def *d = o->def;
	const char *st = r->have_cur ? r->cur.p : NULL, *why;
	char lim[24], page[24];
	struct ds_buf cur = { 0 };

	gen_url(r, st, r->cur.len, &r->url, &r->surl);
	snprintf(lim, sizeof(lim), "%ld", o->limit);
	if (d->body == NULL)
		return;
	/* the body's own placeholders: {limit}, {offset}, {page}, {cursor} */
	snprintf(page, sizeof(page), "%ld", d->page_start);
	if (st != NULL)
		ds_json_put_str(&cur, st, r->cur.len);
	else
		ds_buf_adds(&cur, "null");
	ds_buf_terminate(&cur);
	{
		const struct tmpl_var vars[] = {
			{ "limit", lim },
			{ "offset", d->style == &style_offset ? (st ? st : "0") : NULL },
			{ "page", d->style == &style_page ? (st ? st : page) : NULL },
			{ "cursor", cur.p },
			{ NULL, NULL }
		};

		ds_buf_reset(&r->body);
		if (fx_tmpl_fill(d->body, o->since_us, o->until_us, vars, &r->body, &why) < 0)
			ds_diex(DS_EX_USAGE, "setting body: %s", why);
	}
	ds_buf_free(&cur);
}

/*
 * The error at error-path of a 200 body, classified like an HTTP status
 * when it carries one (a code or status member): exits, or returns -1
 * (transient) with *cause set.
 */
static int
body_failure(struct run *r, const struct gpage *pg, const char **cause)
{
	const struct def *d = r->o->def;
	struct ds_buf msg = { 0 };
	struct gval code;
	long st = 0;

	(void)fx_body_error(pg->error.v, pg->error.n, &msg, ERRMSG_MAX);
	if (msg.len == 0)
		ds_buf_add(&msg, pg->error.v, pg->error.n > ERRMSG_MAX ? ERRMSG_MAX :
		    pg->error.n);
	ds_buf_terminate(&msg);
	if (*pg->error.v == '{' && (fx_gbody_find(pg->error.v, pg->error.n, "code", &code) ||
	    fx_gbody_find(pg->error.v, pg->error.n, "status", &code)))
		st = strtol(*code.v == '"' ? code.v + 1 : code.v, NULL, 10);
	/* CKAN names its errors, not their status: {"__type":"Authorization Error"} */
	else if (*pg->error.v == '{' && fx_gbody_find(pg->error.v, pg->error.n, "__type",
	    &code) && code.n == 21 && memcmp(code.v, "\"Authorization Error\"", 21) == 0)
		st = 403;
	ds_buf_reset(&r->why);
	ds_buf_printf(&r->why, "error-path %s at byte %zu: %s", d->error_path,
	    (size_t)(pg->error.v - pg->body), msg.p);
	ds_buf_free(&msg);
	if (st == 401 || st == 403 || st == 498 || st == 499)
		ds_diex(DS_EX_AUTH, "credentials refused: code %ld in a 200 body at cursor "
		    "%s: %s%s", st, fx_pager_cursor_text(r), r->why.p, !r->o->have_key ?
		    " (no key given: set DS_API_KEY or use --api-key-file)" : "");
	if (st == 429 || (st >= 500 && st <= 599) || (st == 0 && d->error_transient) ||
	    (st != 0 && (st < 400 || st > 599) && d->error_transient)) {
		*cause = "fx_body_error";
		return -1;
	}
	ds_diex(DS_EX_PERM, "error in a 200 body at cursor %s: %s", fx_pager_cursor_text(r),
	    r->why.p);
}

/* A number at a path as a long long, or -1. */
static long long
gval_count(const struct gval *g)
{
	char *end;
	long long v;

	if (g->v == NULL || (*g->v < '0' || *g->v > '9'))
		return -1;
	v = strtoll(g->v, &end, 10);
	return end == g->v + g->n ? v : -1;
}

/*
 * Non-zero when total-estimated-path says the page's total is an estimate
 * (CKAN's total_was_estimated): it then stops nothing, the pages do.
 */
static int
estimated(const struct def *d, const struct gpage *pg)
{
	return d->total_est_path != NULL && fx_gbody_bool(&pg->total_est) == 1;
}

/* Fill the stop rules' inputs of page pg; next is the style's verdict. */
static void
stop_inputs(struct run *r, const struct gpage *pg, int has_next, struct stop_in *in)
{
	const struct def *d = r->o->def;
	unsigned long long at = 0;
	size_t i;
	int b;

	memset(in, 0, sizeof(*in));
	in->has_next = has_next;
	in->records = pg->records;
	in->limit = d->limit_param != NULL ? r->o->limit : 0;
	in->has_more = -1;
	if (d->has_more_path != NULL && (in->has_more = fx_gbody_bool(&pg->has_more)) < 0) {
		if (pg->has_more.v == NULL)
			ds_diex(DS_EX_PERM, "response at cursor %s: has-more-path %s: no "
			    "such member in the body", fx_pager_cursor_text(r), d->has_more_path);
		ds_diex(DS_EX_PERM, "response at cursor %s: has-more-path %s: %s at "
		    "byte %zu, not true or false", fx_pager_cursor_text(r), d->has_more_path,
		    fx_gbody_kind(pg->has_more.v), (size_t)(pg->has_more.v - pg->body));
	}
	in->more = -1;
	if (d->more_path.n > 0) {
		in->more = 0;
		for (i = 0; i < d->more_path.n && i < GBODY_MORE_MAX; i++)
			if ((b = fx_gbody_bool(&pg->more[i])) == 1)
				in->more = 1;
	}
	in->total = d->total_path != NULL && !estimated(d, pg) ? gval_count(&pg->total) : -1;
	in->position = -1;
	if (r->have_cur)
		at = strtoull(r->cur.p, NULL, 10);
	if (d->style == &style_offset)
		in->position = (long long)(at + pg->records);
	else if (d->style == &style_page && in->limit > 0)
		in->position = (long long)((r->have_cur ? at : (unsigned long long)
		    d->page_start) - (unsigned long long)d->page_start + 1) * in->limit;
	in->stop_on_empty = d->stop_on_empty != 0;
	in->stop_on_short = d->stop_on_short == 1;
	in->empty_run = r->empty_run;
}

/* Write the generic page pg with the decided next state; returns 1 at the last page. */
static int
gen_take(struct run *r, const struct gpage *pg, int more)
{
	struct ds_buf *line;
	char ts[40];

	if (more && fx_cursorset_add(&r->seen, r->next.p, r->next.len))
		ds_diex(DS_EX_PERM, "endless pagination: page %llu (cursor %s) gives a "
		    "next state (%s) already followed in this run", r->st.pages + 1,
		    fx_pager_cursor_text(r), r->next.p);
	ds_log_now(ts, sizeof(ts));
	line = fx_writer_buf(r->wr);
	fx_emit_page(line, r->o->stream, r->st.pages + 1, r->have_cur ? r->cur.p : NULL,
	    r->cur.len, more ? r->next.p : NULL, r->next.len, more, ts, pg->data,
	    pg->datalen, pg->spaced);
	r->st.bytes += line->len;
	fx_writer_put(r->wr);
	r->st.pages++;
	r->st.records += pg->records;
	r->st.has_more = more;
	if (pg->total.v != NULL && gval_count(&pg->total) >= 0)
		fx_stats_set(&r->st.total, pg->total.v, pg->total.n);
	r->last_total = estimated(r->o->def, pg) ? -1 : gval_count(&pg->total);
	fx_stats_set(&r->st.next, more ? r->next.p : NULL, r->next.len);
	if (!more)
		r->st.state = "done";
	fx_pager_write_stats(r);
	r->empty_run = pg->records == 0 ? r->empty_run + 1 : 0;
	if (r->o->verbose)
		ds_logkv(DS_LOG_INFO, "page", "seq=%llu records=%zu bytes=%zu has_more=%s %s",
		    r->st.pages, pg->records, line->len, more ? "true" : "false",
		    fx_pager_cursor_kv(r));
	ds_buf_reset(&r->cur);
	ds_buf_add(&r->cur, r->next.p, r->next.len);
	ds_buf_terminate(&r->cur);
	r->have_cur = more;
	r->cur_since = ds_mono();
	return !more;
}

/* Say (with --verbose) that the state guessed off the body was wrong. */
static void
guess_dropped(struct run *r)
{
	struct ds_buf kv = { 0 };

	if (!r->o->verbose)
		return;
	ds_buf_adds(&kv, "guessed=");
	ds_log_quote(&kv, r->estate.p, r->estate.len);
	ds_buf_adds(&kv, " next=");
	ds_log_quote(&kv, r->next.p, r->next.len);
	ds_buf_terminate(&kv);
	ds_logkv(DS_LOG_INFO, "guess dropped", "%s %s", kv.p, fx_pager_cursor_kv(r));
	ds_buf_free(&kv);
}

/*
 * With the next state decided and no wait due, request that page now, so
 * the server makes it (and libcurl inflates it) while this one is written;
 * the next request takes the response (fx_http_ahead()). Not for POST bodies
 * or OAuth tokens, which may change between requests.
 */
static void
gen_ahead(struct run *r)
{
	const struct pager_opts *o = r->o;

	if (o->def->body != NULL || r->oauth != NULL || *o->stop ||
	    (o->max_pages != 0 && r->st.pages + 1 >= o->max_pages) ||
	    fx_rl_pace(&r->rl, ds_mono()) > 0)
		return;
	gen_url(r, r->next.p, r->next.len, &r->guess, &r->aurl);
	if (r->eurl.len > 0) {
		if (strcmp(r->eurl.p, r->aurl.p) == 0)
			return;		/* asked early, rightly */
		fx_http_cancel(r->http);	/* asked early, wrongly */
		if (r->guessed) {
			r->no_guess = 1;
			guess_dropped(r);
		}
	}
	fx_http_ahead(r->http, r->aurl.p);
}

/*
 * The next state guessed off the end of the body in r->resp, before it is
 * checked (fx_gbody_guess()), into r->estate; non-zero when there is one.
 * What the checked body says decides: a wrong guess is stopped, and makes
 * the run guess no more.
 */
static int
guess_next(struct run *r)
{
	const struct def *d = r->o->def;
	struct style_resp sr;
	struct gpage pg;
	struct ds_buf why = { 0 };
	int rc;

	if (r->resp.encoded || r->resp.body.len < GUESS_MIN)
		return 0;	/* not inflated yet, or small */
	memset(&pg, 0, sizeof(pg));
	pg.body = r->resp.body.p;
	pg.bodylen = r->resp.body.len;
	if (!fx_gbody_guess(pg.body, pg.bodylen, d->cursor_path != NULL ? d->cursor_path :
	    d->next_path, &pg.cursor))
		return 0;
	memset(&sr, 0, sizeof(sr));
	sr.url = r->url.p;
	sr.state = r->have_cur ? r->cur.p : NULL;
	sr.statelen = r->cur.len;
	sr.limit = r->o->limit;
	rc = d->style->next(d, &pg, &sr, &r->estate, &why);
	ds_buf_free(&why);
	if (rc != 1)
		return 0;
	if (d->auth == AUTH_QUERY && d->style->url_state)
		fx_url_strip_param(&r->estate, d->auth_name);
	r->guessed = 1;
	return 1;
}

/* Non-zero when d's next state is read off the body's end (its text needed). */
static int
reads_body_end(const struct def *d)
{
	return d->style == &style_next_url || d->style == &style_cursor;
}

/*
 * Before the body is read, request the page after it when its state is
 * known without reading it: the Link header's next (exact), the next page
 * number (exact), the offset after a full page (a guess: a short or last
 * page makes gen_ahead() stop it), the next URL or cursor read off the
 * body's end (a guess: guess_next()). The server's work then overlaps with
 * the body's scan too, as DataSync's request ahead does. Not when a flag
 * of this page decides whether there is a next one, nor when the last
 * page's total says this page ends the stream: nothing is asked past a
 * last page the definition can tell.
 */
static void
gen_ahead_early(struct run *r)
{
	const struct pager_opts *o = r->o;
	const struct def *d = o->def;
	unsigned long long at, end;
	const char *why;

	ds_buf_reset(&r->eurl);
	ds_buf_terminate(&r->eurl);
	r->guessed = 0;
	if (d->body != NULL || r->oauth != NULL || *o->stop ||
	    (o->max_pages != 0 && r->st.pages + 1 >= o->max_pages) ||
	    fx_rl_pace(&r->rl, ds_mono()) > 0)
		return;
	ds_buf_reset(&r->estate);
	if (d->style == &style_link) {
		if (r->resp.link_next.len == 0 || fx_url_resolve(r->url.p, r->resp.link_next.p,
		    r->resp.link_next.len, &r->estate, &why) < 0)
			return;
		if (d->auth == AUTH_QUERY)
			fx_url_strip_param(&r->estate, d->auth_name);
	} else if (d->style == &style_page || d->style == &style_offset) {
		if (d->has_more_path != NULL || d->more_path.n > 0)
			return;
		at = r->have_cur ? strtoull(r->cur.p, NULL, 10) : d->style == &style_page ?
		    (unsigned long long)d->page_start : 0;
		/* the records up to this page's end, were it full */
		end = d->style == &style_offset ? at + (unsigned long long)o->limit :
		    (at - (unsigned long long)d->page_start + 1) *
		    (unsigned long long)o->limit;
		if (d->total_path != NULL && r->last_total >= 0 &&
		    end >= (unsigned long long)r->last_total)
			return;
		ds_buf_printf(&r->estate, "%llu", at + (d->style == &style_page ? 1 :
		    (unsigned long long)o->limit));
	} else if (reads_body_end(d) && !r->no_guess && d->has_more_path == NULL &&
	    d->more_path.n == 0) {
		if (!guess_next(r))
			return;
	} else
		return;
	ds_buf_terminate(&r->estate);
	gen_url(r, r->estate.p, r->estate.len, &r->guess, &r->eurl);
	fx_http_ahead(r->http, r->eurl.p);
}

/* Non-zero when the error message of the body in resp holds words (any case). */
static int
message_says(const struct http_resp *resp, const char *words)
{
	struct ds_buf msg = { 0 };
	size_t i, n = strlen(words);
	int yes = 0;

	(void)fx_body_error(resp->body.p, resp->body.len, &msg, ERRMSG_MAX);
	for (i = 0; i + n <= msg.len && !yes; i++)
		yes = strncasecmp(msg.p + i, words, n) == 0;
	ds_buf_free(&msg);
	return yes;
}

/*
 * Non-zero when a 403 or 429 names no wait (no Retry-After, no spent
 * X-RateLimit-Remaining) but its error message holds words ("rate limit",
 * "secondary rate limit"): GitHub's secondary rate limit may come so, and
 * its documentation says to wait at least a minute then.
 */
static int
says_rate_limit(const struct http_resp *resp, const char *words)
{
	if ((resp->status != 403 && resp->status != 429) || resp->retry_after[0] != '\0' ||
	    strcmp(resp->rl_remaining, "0") == 0)
		return 0;
	return message_says(resp, words);
}

/*
 * Non-zero for a 403 that is a rate limit, not a refusal: it says the budget
 * is spent (X-RateLimit-Remaining: 0), when to come back (Retry-After), or
 * in its message that a rate limit was exceeded, as GitHub's primary and
 * secondary rate limits do.
 */
static int
limited_403(const struct http_resp *resp)
{
	return resp->status == 403 && (strcmp(resp->rl_remaining, "0") == 0 ||
	    resp->retry_after[0] != '\0' || says_rate_limit(resp, "rate limit"));
}

/*
 * Point r->url and r->surl at the Location of the redirect in r->resp,
 * resolved against the request's URL: the same origin only, so the
 * credentials go nowhere else (GitHub: "any request may result in a
 * redirection", e.g. a renamed repository's 301). Exits 100 otherwise.
 */
static void
follow_redirect(struct run *r)
{
	const struct pager_opts *o = r->o;
	const struct def *d = o->def;
	struct ds_buf to = { 0 };
	const char *why;

	if (r->resp.location.len == 0)
		ds_diex(DS_EX_PERM, "HTTP %ld without a Location at cursor %s from %s",
		    r->resp.status, fx_pager_cursor_text(r), r->url.p);
	if (fx_url_resolve(r->url.p, r->resp.location.p, r->resp.location.len, &to, &why) < 0)
		ds_diex(DS_EX_PERM, "HTTP %ld at cursor %s from %s: its Location is not "
		    "a URL to follow: %s", r->resp.status, fx_pager_cursor_text(r), r->url.p, why);
	if (d->auth == AUTH_QUERY)
		fx_url_strip_param(&to, d->auth_name);
	ds_buf_terminate(&to);
	ds_logkv(DS_LOG_INFO, "redirect", "status=%ld from=%s to=%s", r->resp.status,
	    r->url.p, to.p);
	ds_buf_reset(&r->url);
	ds_buf_add(&r->url, to.p, to.len);
	ds_buf_terminate(&r->url);
	ds_buf_reset(&r->surl);
	ds_buf_add(&r->surl, to.p, to.len);
	if (o->query_key != NULL)
		fx_url_add_param(&r->surl, d->auth_name, strlen(d->auth_name), o->query_key,
		    strlen(o->query_key));
	ds_buf_terminate(&r->surl);
	ds_buf_free(&to);
}

/*
 * Offset and page styles: the state is ours, not the server's, so a server
 * that ignores offset-param or page-param (ArcGIS's resultOffset where the
 * layer does not support pagination) answers the same page for every state
 * and the run would never end. A page like the one before (its length and
 * the hashes of its first and last 256 bytes: no walk of the page) for
 * STOP_EMPTY_MAX pages in a row exits 100 naming the parameter.
 */
static void
same_page(struct run *r, const struct gpage *pg)
{
	const struct def *d = r->o->def;
	size_t n = pg->datalen < 256 ? pg->datalen : 256;
	uint64_t key;

	if ((d->style != &style_offset && d->style != &style_page) || pg->records == 0) {
		r->same_run = 0;
		r->page_key = 0;
		return;
	}
	key = fx_cursorset_hash(pg->data, n) ^ (fx_cursorset_hash(pg->data + pg->datalen - n,
	    n) * 31) ^ (uint64_t)pg->datalen;
	r->same_run = key == r->page_key ? r->same_run + 1 : 0;
	r->page_key = key;
	if (r->same_run >= STOP_EMPTY_MAX)
		ds_diex(DS_EX_PERM, "pagination stopped at cursor %s (page %llu, %zu "
		    "records): the same records as the %u pages before: the server "
		    "ignores %s? (ArcGIS: a layer without supportsPagination)",
		    fx_pager_cursor_text(r), r->st.pages + 1, pg->records, r->same_run,
		    d->style == &style_offset ? d->offset_param : d->page_param);
}

/* Non-zero when [p, p+n) holds the n2 bytes of s. */
static int
holds(const char *p, size_t n, const char *s, size_t n2)
{
	size_t i;

	for (i = 0; n2 > 0 && i + n2 <= n; i++)
		if (memcmp(p + i, s, n2) == 0)
			return 1;
	return 0;
}

/*
 * With paginate after-id: when the 400, 404 or 410 in r->resp says the
 * object of the id sent is gone (its body names the id, or Stripe's
 * resource_missing), go on from the time kept in the state beside the id
 * (after-time-param; the records of that time already stored come again,
 * as duplicates): r->cur becomes that state, said in a warning, and 1 is
 * returned. 0 when the answer is another refusal; exits when the state
 * holds no time to go on from.
 */
static int
after_gone(struct run *r)
{
	const struct def *d = r->o->def;
	const struct http_resp *resp = &r->resp;
	struct ds_buf st = { 0 }, msg = { 0 }, b = { 0 }, kv = { 0 };
	const char *sp;
	size_t idn;

	if (d->style != &style_after_id || !r->have_cur ||
	    (resp->status != 400 && resp->status != 404 && resp->status != 410))
		return 0;
	sp = d->after_time_field != NULL ? strrchr(r->cur.p, ' ') : NULL;
	idn = sp != NULL ? (size_t)(sp - r->cur.p) : r->cur.len;
	if (idn == 0 || (!holds(resp->body.p, resp->body.len, r->cur.p, idn) &&
	    !holds(resp->body.p, resp->body.len, "resource_missing", 16)))
		return 0;
	(void)fx_body_error(resp->body.p, resp->body.len, &msg, ERRMSG_MAX);
	if (msg.len == 0)
		ds_buf_adds(&msg, "(no message)");
	ds_buf_terminate(&msg);
	if (!fx_style_after_gone(d, r->cur.p, r->cur.len, &st))
		ds_diex(DS_EX_PERM, "HTTP %ld at cursor %s: the object of %s is gone "
		    "(%s), and the state holds no time to go on from (%s): start "
		    "the stream over (ds-checkpoint reset)", resp->status,
		    fx_pager_cursor_text(r), d->after_param, msg.p, d->after_time_field ?
		    "an id alone: stored without after-time-field, or its record had "
		    "no time there" : "set after-time-field and after-time-param");
	ds_buf_printf(&b, "status=%ld %s resume=", resp->status, fx_pager_cursor_kv(r));
	ds_buf_printf(&kv, "%s=%s", d->after_time_param, st.p + 1);
	ds_log_quote(&b, kv.p, kv.len);
	ds_buf_adds(&b, " detail=");
	ds_log_quote(&b, msg.p, msg.len);
	ds_logkv(DS_LOG_WARN, "after-id object gone: going on from its time", "%s", b.p);
	ds_buf_reset(&r->cur);
	ds_buf_add(&r->cur, st.p, st.len);
	ds_buf_terminate(&r->cur);
	ds_buf_free(&st);
	ds_buf_free(&msg);
	ds_buf_free(&b);
	ds_buf_free(&kv);
	return 1;
}

/*
 * One request of a defined stream (every style but DataSync's), as
 * one_request().
 */
int
fx_genpager_one(struct run *r, const char **cause, double *wait)
{
	const struct pager_opts *o = r->o;
	const struct def *d = o->def;
	struct http_resp *resp = &r->resp;
	struct style_resp sr;
	struct stop_in in;
	struct gpage pg;
	const char *src = NULL, *why, *tok;
	int not_json, has_next, verdict, renewed = 0, redirects = 0;

	*wait = -1;
	gen_request(r);
	if (d->body != NULL)
		fx_http_post(r->http, r->body.p, d->content_type);
again:
	if (r->oauth != NULL) {
		if (fx_oauth_token(r->oauth, renewed, &tok, &r->why) < 0) {
			*cause = "token";
			return -1;
		}
		fx_http_bearer(r->http, tok);
	}
	if (fx_http_get(r->http, r->surl.p, resp) < 0)
		return fx_pager_get_failed(r, r->url.p, cause);
	r->answered = 1;
	if ((resp->status == 301 || resp->status == 302 || resp->status == 303 ||
	    resp->status == 307 || resp->status == 308) && d->body == NULL) {
		if (++redirects > REDIRECT_MAX)
			ds_diex(DS_EX_PERM, "more than %d redirects at cursor %s, the last "
			    "from %s", REDIRECT_MAX, fx_pager_cursor_text(r), r->url.p);
		follow_redirect(r);
		goto again;
	}
	/* after-id: the object of the id sent is gone; go on from its time */
	if (after_gone(r)) {
		gen_request(r);
		if (d->body != NULL)
			fx_http_post(r->http, r->body.p, d->content_type);
		goto again;
	}
	/* a token refused: renew it once, at once (it may have been revoked) */
	if (resp->status == 401 && r->oauth != NULL && !renewed) {
		renewed = 1;
		goto again;
	}
	/* a 403 that says the budget is spent, or when to come back, is a rate limit (GitHub) */
	if (resp->status == 429 || limited_403(resp)) {
		r->st.http_429++;
		*wait = fx_rl_wait_429(&r->rl, resp->retry_after, resp->rl_reset,
		    resp->rl_remaining, fx_pager_wall(), &src);
		if (*wait < 0 && says_rate_limit(resp, "secondary rate limit")) {
			/* GitHub: "wait for at least one minute" (up to --backoff-max) */
			*wait = o->backoff_max_ms < SECONDARY_WAIT_MS ?
			    (double)o->backoff_max_ms / 1000 : SECONDARY_WAIT_MS / 1000.0;
			src = "rate_limit_message";
		}
	}
	/* Socrata: 202 "Request Processing": ask again, it answers 200 when done */
	if (resp->status == 202) {
		*cause = "processing";
		ds_buf_reset(&r->why);
		ds_buf_printf(&r->why, "HTTP 202 (the server is still preparing the "
		    "answer) for %s", r->url.p);
		return -1;
	}
	fx_rl_observe(&r->rl, resp->rl_limit, resp->rl_remaining, resp->rl_reset, fx_pager_wall(),
	    ds_mono());
	/*
	 * 204 No Content: an empty list (GitHub: "204 if repository is empty"),
	 * the last page, written as one without records; so is GitHub's 409
	 * "Git Repository is empty." (the commits of an empty repository)
	 */
	if (resp->status == 204 || (resp->status == 409 &&
	    message_says(resp, "Git Repository is empty"))) {
		static const char none[] = "[]";

		memset(&pg, 0, sizeof(pg));
		pg.body = pg.data = none;
		pg.datalen = 2;
		if (r->eurl.len > 0)
			fx_http_cancel(r->http);
		if (o->verbose)
			ds_logkv(DS_LOG_INFO, "last page", "reason=\"HTTP %ld: an empty "
			    "list\" %s", resp->status, fx_pager_cursor_kv(r));
		ds_buf_reset(&r->next);
		ds_buf_terminate(&r->next);
		return gen_take(r, &pg, 0);
	}
	if (resp->status == 200) {
		/*
		 * inflated, its gzip CRC checked, as the next page is made;
		 * first where the next state is guessed off the body's end
		 */
		if (!reads_body_end(d))
			gen_ahead_early(r);
		if (fx_http_decode(r->http, resp) < 0)
			return fx_pager_get_failed(r, r->url.p, cause);
		if (reads_body_end(d))
			gen_ahead_early(r);
		if (fx_gbody_page(d, resp->body.p, resp->body.len, &pg, &r->why,
		    &not_json) < 0) {
			if (not_json) {
				*cause = not_json == 2 ? "truncated" : "not_json";
				return -1;
			}
			ds_diex(DS_EX_PERM, "response at cursor %s does not match the "
			    "definition: %s", fx_pager_cursor_text(r), r->why.p);
		}
		if (pg.error.v != NULL && *pg.error.v != 'n' && *pg.error.v != 'f')
			return body_failure(r, &pg, cause);
		if (pg.data == NULL)
			ds_diex(DS_EX_PERM, "response at cursor %s: records %s: no such "
			    "member in the body", fx_pager_cursor_text(r), d->records);
		memset(&sr, 0, sizeof(sr));
		sr.url = r->url.p;
		sr.link_next = resp->link_next.len > 0 ? resp->link_next.p : NULL;
		sr.state = r->have_cur ? r->cur.p : NULL;
		sr.statelen = r->cur.len;
		sr.limit = o->limit;
		ds_buf_reset(&r->why);
		if ((has_next = d->style->next(d, &pg, &sr, &r->next, &r->why)) < 0)
			ds_diex(DS_EX_PERM, "response at cursor %s: %s", fx_pager_cursor_text(r),
			    r->why.p);
		if (has_next && d->auth == AUTH_QUERY && d->style->url_state)
			fx_url_strip_param(&r->next, d->auth_name);
		ds_buf_terminate(&r->next);
		stop_inputs(r, &pg, has_next, &in);
		verdict = fx_stop_decide(&in, &why);
		if (verdict == STOP_FAIL)
			ds_diex(DS_EX_PERM, "pagination stopped at cursor %s (page %llu, "
			    "%zu records): %s", fx_pager_cursor_text(r), r->st.pages + 1,
			    pg.records, why);
		if (verdict == STOP_MORE)
			same_page(r, &pg);
		/* the offset style steps over an empty page a flag says is not the last */
		if (verdict == STOP_MORE && pg.records == 0 && d->style == &style_offset)
			ds_logkv(DS_LOG_WARN, "empty page while a flag says more",
			    "%s next=%s detail=\"offsets from here to next were asked and "
			    "none came: going on after them\"", fx_pager_cursor_kv(r),
			    r->next.p);
		if (verdict == STOP_MORE)
			gen_ahead(r);
		else if (r->eurl.len > 0)
			fx_http_cancel(r->http);	/* nothing is asked past a last page */
		if (verdict == STOP_LAST && o->verbose)
			ds_logkv(DS_LOG_INFO, "last page", "reason=\"%s\" %s", why,
			    fx_pager_cursor_kv(r));
		return gen_take(r, &pg, verdict == STOP_MORE);
	}
	return fx_pager_not_a_page(r, *wait >= 0 || resp->status == 429 || limited_403(resp) ||
	    (resp->status >= 500 && resp->status <= 599), resp->status == 403, src,
	    r->url.p, cause);
}
