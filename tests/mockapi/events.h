/*
 * events.h - the deterministic event stream.
 *
 * Event i (0 <= i < --events) is a pure function of the seed and i. Events
 * are sorted by time: event i happens during second i after EVENT_T0, so
 * the range [since, until) is a contiguous run of indices.
 */
#ifndef MOCK_EVENTS_H
#define MOCK_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#define EVENT_T0	1767225600LL	/* 2026-01-01T00:00:00Z */
#define EVENT_MAX	1024		/* no event is longer (compact JSON) */

enum event_bad {
	EVENT_OK,
	EVENT_MISSING_ID,
	EVENT_ID_NOT_STRING,
	EVENT_BAD_TIMESTAMP,
	EVENT_NUL_IN_STRING
};

/*
 * A changing data set (--generation G --churn R), as a snapshot source
 * serves it: in generation G > 0 event i is absent with probability R,
 * drawn anew for each generation (so a removed event may come back), and
 * it was changed in each of the generations 1..G with probability R. A
 * changed event carries "rev" (its changes so far) and its time moves an
 * hour per change, so --since and --until are approximate then. Absent
 * events are left out of the DataSync style's pages (page.c) only.
 */
int		 event_gone(uint64_t i);
unsigned	 event_rev(uint64_t i);

/* What is wrong with event i, per --bad-rate. */
enum event_bad	event_bad(uint64_t i);
/* The manifest's reason for a bad kind ("missing-id", ...). */
const char	*event_bad_reason(enum event_bad b);
/* The time of event i in Unix milliseconds, as its timestamp says. */
int64_t		 event_ms(uint64_t i);
/* The first index whose time is >= ms, in [0, events]. */
uint64_t	 event_first_at(int64_t ms);
/* Write the id of event i ("evt_" and 16 hex digits) to out; returns its length. */
size_t		 event_id(uint64_t i, char *out);
/* Write event i as compact JSON to out (EVENT_MAX bytes); returns its length. */
size_t		 event_write(uint64_t i, char *out);

#endif
