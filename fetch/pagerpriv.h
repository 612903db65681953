/*
 * pagerpriv.h - the pager's run, shared by its modules (not a public
 * interface: see pager.h).
 *
 *   pager.c     the run loop, retries and backoff, pacing, the exit hook,
 *               and DataSync's requests (cursor following, request ahead)
 *   genpager.c  the requests of a defined stream (every other style):
 *               URL and body building, stop rules, request ahead
 */
#ifndef DS_FETCH_PAGERPRIV_H
#define DS_FETCH_PAGERPRIV_H

#include <stdint.h>

#include "buf.h"
#include "cursorset.h"
#include "http.h"
#include "pager.h"
#include "ratelimit.h"
#include "stats.h"

#define ERRMSG_MAX	300	/* bytes of a server's error message quoted */

struct archive;
struct def;
struct oauth;
struct writer;

/* The run, reachable from the exit hook that finishes the archive and stats. */
struct run {
	const struct pager_opts	*o;
	struct stats		 st;
	struct archive		*arch;
	struct writer		*wr;		/* archives and writes the lines */
	struct http		*http;
	struct http_resp	 resp;
	struct ratelimit	 rl;
	struct seen		 seen;
	struct ds_buf		 cur;		/* cursor of the page being fetched */
	int			 have_cur;	/* else: the first page */
	double			 cur_since;	/* mono time it was received, or -1 */
	struct ds_buf		 next, url, why, kv;
	struct ds_buf		 guess, aurl;	/* cursor and url requested ahead */
	struct ds_buf		 surl, body;	/* url with secrets; POST body */
	struct ds_buf		 eurl, estate;	/* the url asked early, its state */
	int			 guessed;	/* that state was guessed off the body */
	int			 no_guess;	/* a guess was wrong: guess no more */
	long long		 last_total;	/* total-path of the last page, or -1 */
	unsigned		 empty_run;	/* empty pages in a row */
	uint64_t		 page_key;	/* the last page's records, roughly (same_page()) */
	unsigned		 same_run;	/* pages in a row like the one before */
	struct oauth		*oauth;		/* auth oauth2, or NULL */
	uint64_t		 rng;
	double			 start;
	int			 answered;	/* a server answered a request of this run */
};

/* Unix time in seconds. */
double	fx_pager_wall(void);

/* Rewrite the --stats file, warning (once) when that fails. */
void	fx_pager_write_stats(struct run *r);

/* Reset r->kv to "cursor=<the cursor, logfmt-quoted>" or "cursor=null". */
const char *fx_pager_cursor_kv(struct run *r);

/* The cursor as it is, or "null", for error messages (which get quoted whole). */
const char *fx_pager_cursor_text(struct run *r);

/* A static name for an HTTP status used as a retry cause. */
const char *fx_pager_status_cause(long status);

/*
 * The answer (r->resp) is no page: with retry, -1 with *cause (a rate limit
 * when limited, else from the status) and r->why saying the wait's source
 * src or the status; without, a 4xx is fx_pager_refused(), anything else exits
 * naming url.
 */
int	fx_pager_not_a_page(struct run *r, int retry, int limited, const char *src,
	    const char *url, const char **cause);

/*
 * The request for the current state failed (r->resp says how, url names it
 * in messages): exits when that is permanent (a body over --max-body-bytes,
 * a permanent transfer failure), else returns -1 with *cause and r->why set.
 */
int	fx_pager_get_failed(struct run *r, const char *url, const char **cause);
/* Exit for a refused request: 401/403, an expired cursor, another 4xx. */
void	fx_pager_refused(struct run *r) __attribute__((noreturn));

/*
 * One request of a defined stream (every style but DataSync's), as
 * one_request(): returns 1 at the last page, 0 after a page, or -1 on a
 * transient failure with *cause set and *wait the seconds a 429 asked
 * for (-1: use backoff). Exits on permanent failures.
 */
int	fx_genpager_one(struct run *r, const char **cause, double *wait);

#endif
