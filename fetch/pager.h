/*
 * pager.h - follow the cursor from the start to the last page, one output
 * line per page, retrying transient failures and pacing to the budget.
 */
#ifndef DS_FETCH_PAGER_H
#define DS_FETCH_PAGER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct def;

struct pager_opts {
	const char	*events;	/* the events URL (fx_url_events()), or the URL as given */
	const struct def *def;		/* the stream definition */
	int64_t		 since_us;	/* --since, --until for templates, or INT64_MIN */
	int64_t		 until_us;
	const char	*cursor;	/* start cursor, or NULL for the beginning */
	long		 limit;
	const char	*since, *until;	/* or NULL */
	const char	*stream;
	unsigned long long max_pages;	/* 0: no limit */
	long		 timeout_ms;
	int		 retries;	/* retries of one page before giving up */
	long		 backoff_base_ms;
	long		 backoff_max_ms;
	int		 insecure;
	size_t		 max_body;
	const char	*stats;		/* --stats FILE, or NULL */
	const char	*archive;	/* --archive DIR, or NULL */
	size_t		 segment_bytes;
	const char	*key;		/* or NULL */
	const char	*query_key;	/* sent as the auth-name query parameter, or NULL */
	const char *const *headers;	/* request header lines */
	size_t		 nheaders;
	const char	*userpass;	/* HTTP Basic "user:password", or NULL */
	int		 have_key;	/* a credential was given (for messages) */
	const char	*oauth_cred;	/* auth oauth2: "client_id:secret", or NULL */
	int		 verbose;
	atomic_int *stop;	/* set to a signal number to stop */
};

/*
 * Run to the last page (or max_pages, or *stop). Returns DS_EX_OK, or 0
 * with *stop set when stopped by a signal; every failure exits the
 * process with its status (lib/exits.h) after a message.
 */
int	fx_pager_run(const struct pager_opts *o);

#endif
