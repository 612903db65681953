/*
 * stop.h - the stop rules of a stream definition, combined: whether a page
 * is the last one, and what is done when the rules and the data disagree.
 *
 * In this order (the first that applies decides):
 *  1. has-more-path says false: stop (even when a next link or cursor is
 *     there: the flag is the server's own word).
 *  2. more-path is set and none of its flags says true (absent is false):
 *     stop.
 *  3. the style names no next state (cursor or next link null or absent,
 *     an empty page for after-id): stop, or fail when a flag says true
 *     (there is more but no way to ask for it).
 *  4. total-path is reached (offset and page styles: the records up to and
 *     including this page): stop, unless a flag says true.
 *  5. an empty page: a flag saying true continues, up to EMPTY_MAX empty
 *     pages in a row, then fails; else stop-on-empty (the default) stops,
 *     a next link or cursor on it notwithstanding.
 *  6. stop-on-short (opt-in) and fewer records than the page size: stop,
 *     unless a flag says true.
 *  7. otherwise continue. The pager then refuses a next state already
 *     followed in this run (endless pagination), so nothing loops.
 */
#ifndef DS_FETCH_STOP_H
#define DS_FETCH_STOP_H

#include <stddef.h>

#define STOP_EMPTY_MAX	3	/* empty pages in a row a "more" flag may ask for */

struct stop_in {
	int		 has_next;	/* the style named a next state */
	size_t		 records;
	long		 limit;		/* page size asked for (0: not sent) */
	int		 has_more;	/* has-more-path: -1 not set, 0, 1 */
	int		 more;		/* more-path: -1 not set, 0 none true, 1 */
	long long	 total;		/* total-path value, -1 unknown */
	long long	 position;	/* records up to this page's end, -1 unknown */
	int		 stop_on_empty;
	int		 stop_on_short;
	unsigned	 empty_run;	/* empty pages in a row before this one */
};

#define STOP_MORE	1
#define STOP_LAST	0
#define STOP_FAIL	(-1)

/* Decide; *why gets static text naming the rule (for STOP_LAST and STOP_FAIL). */
int	fx_stop_decide(const struct stop_in *in, const char **why);

#endif
