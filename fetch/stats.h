/*
 * stats.h - the run's counters, and the --stats file that shows them.
 */
#ifndef DS_FETCH_STATS_H
#define DS_FETCH_STATS_H

#include <stddef.h>

#define STATS_NCAUSE	24

struct ds_buf;

struct stats {
	unsigned long long	 pages, records, bytes, retries, http_429;
	unsigned long long	 waits_ms;
	const char		*cause[STATS_NCAUSE];	/* retry causes seen (static text) */
	unsigned long long	 by_cause[STATS_NCAUSE];
	char			*total;		/* meta.total text, or NULL; owned */
	char			*next;		/* last next cursor, or NULL; owned */
	int			 has_more;
	const char		*state;		/* "running", "done", "failed" */
};

/* Count one retry for cause (static text). */
void	fx_stats_retry(struct stats *s, const char *cause);

/* Replace an owned string field (*field) by a copy of p (n bytes), or NULL. */
void	fx_stats_set(char **field, const char *p, size_t n);

/* Append " retries_<cause>=N" for every cause seen, in first-seen order. */
void	fx_stats_causes(const struct stats *s, struct ds_buf *b);

/*
 * Rewrite path atomically (a temporary file beside it, then rename) with
 * key=value lines. Returns 0, or -1 with errno set.
 */
int	fx_stats_write(const struct stats *s, const char *path);

/* Free the owned fields. */
void	fx_stats_free(struct stats *s);

#endif
