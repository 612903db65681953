/*
 * catalog.h - the bookkeeping a batch commits with its rows: checkpoint,
 * data catalog, schema drift history and the run's record (ds_runs).
 *
 * Each call runs one statement in the caller's transaction and returns NULL
 * on success, or the failed result for the caller to judge (a deadlock is
 * retried, anything else is fatal); the caller PQclear()s it.
 */
#ifndef DS_LOAD_CATALOG_H
#define DS_LOAD_CATALOG_H

#include <libpq-fe.h>

struct ds_counts {
	long long	 records;	/* rows inserted */
	long long	 duplicates;	/* rows already stored (skipped or updated) */
	long long	 updated;	/* of those, rows replaced (--on-conflict update) */
	long long	 rejects;	/* reject lines + rows the server refused */
};

/* Record the start of a run; returns its ds_runs id (exits on failure). */
long long ld_catalog_run_start(PGconn *conn, const char *table);

/* Add a batch's counts to the run's record and to the stream's catalog row. */
PGresult *ld_catalog_add(PGconn *conn, long long run, const char *stream,
	    const char *table, const struct ds_counts *c);

/*
 * Store the stream's checkpoint; inserted counts toward its records. The
 * ownership, epoch and backwards checks of own.h come first (a failed one
 * exits DS_EX_TEMP).
 */
PGresult *ld_catalog_checkpoint(PGconn *conn, const char *stream,
	    long long seq, const char *cursor, int has_more, long long inserted);

/*
 * Merge a schema line (JSON texts; removed may be NULL) into the catalog's
 * fields. Any change against the stored fields is recorded in
 * ds_schema_changes, unacknowledged unless it is the stream's first schema.
 */
PGresult *ld_catalog_schema(PGconn *conn, const char *stream, const char *table,
	    const char *fields, const char *removed);

/*
 * Journal fields the discard contract dropped (a JSON object text
 * {"field":"type",...}) in ds_schema_changes.discarded, each (field, type)
 * once per stream: one already journaled is left out.
 */
PGresult *ld_catalog_discard(PGconn *conn, const char *stream, const char *discarded);

/* Close the run's record: status done|failed|stopped, error may be NULL. */
void	ld_catalog_run_end(PGconn *conn, long long run, const char *stream,
	    const char *status, const char *error);

#endif
