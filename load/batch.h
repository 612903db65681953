/*
 * batch.h - loading records in batches, exactly once.
 *
 * Rows are held in memory for the batch and streamed into a COPY as they
 * are read; should the input stop inside a page, the batch is loaded again
 * from memory without that page. A batch commits its rows, its rejects,
 * its catalog/drift updates and its last checkpoint in one transaction.
 * A batch whose COPY meets a stored id falls back to a staging table and
 * INSERT .. ON CONFLICT; a row the server refuses is found (from COPY's
 * error context, else by bisection), stored in ds_rejects with the
 * server's message, and the rest of the batch loads.
 * (How: loader.h lists the modules behind this interface.)
 */
#ifndef DS_LOAD_BATCH_H
#define DS_LOAD_BATCH_H

#include <stddef.h>
#include <libpq-fe.h>

#include "catalog.h"

struct ds_line;
struct ds_loader;
struct ds_keyset;

struct ds_totals {
	struct ds_counts c;		/* over the whole run */
	long long	 batches;
	long long	 seq;		/* last committed checkpoint, -1 if none */
	char		*cursor;	/* its cursor, NULL if none or null */
	int		 has_more;
	int		 committed_cp;	/* a checkpoint has been committed */
	long long	 checkpoints;	/* checkpoints committed */
};

/*
 * How rows are written (ds-load --mode): append inserts new ids and skips
 * stored ones; upsert (--on-conflict update) replaces a row whose hash
 * changed; history keeps every version (valid_from, valid_to); snapshot
 * upserts and, at the end of each complete pass, marks the rows the pass
 * did not see deleted (snapshot-delete: deletes them).
 */
enum ds_wmode {
	DS_WM_APPEND,
	DS_WM_UPSERT,
	DS_WM_HISTORY,
	DS_WM_SNAPSHOT,
	DS_WM_SNAPSHOT_DELETE
};

/*
 * A loader into table (as given; quoted here) on conn, for the run whose
 * ds_runs id is run; mode is an enum ds_wmode. seen is the key
 * set shared by the loaders of a pool (the caller owns and rotates it), or
 * NULL for a set of the loader's own. Free with ld_loader_free().
 */
struct ds_loader *ld_loader_new(PGconn *conn, const char *table, int mode,
	    long long run, struct ds_keyset *seen);
void	ld_loader_free(struct ds_loader *l);

/*
 * How a loader of a pool keeps batch order (see pool.h): begun runs in each
 * transaction the batch opens, first thing; wait returns 0 once the batch
 * before this one has committed, or -1 when the wait failed with a deadlock
 * (the transaction is then retried); committed runs after the COMMIT. With
 * an order set, rows are not streamed as they are read: the whole batch is
 * loaded from memory by ld_loader_commit().
 */
struct ds_order {
	void	(*begun)(void *arg);
	int	(*wait)(void *arg);
	void	(*committed)(void *arg);
	void	 *arg;
};
void	ld_loader_order(struct ds_loader *l, const struct ds_order *o);

/*
 * Commit at the first checkpoint after rows (default 50000) rows, bytes
 * (default 16 MiB) of rows and rejects held in memory, or seconds (default
 * 2); without checkpoint lines, at rows or bytes.
 */
void	ld_loader_limits(struct ds_loader *l, size_t rows, size_t bytes, double seconds);

/* Add a record line. Returns 0, or -1 when PostgreSQL text cannot hold one
 * of its strings: the caller turns the line into a reject. */
int	ld_loader_record(struct ds_loader *l, const struct ds_line *ln);

/* Add a reject: reason and raw text as given (raw may be NULL). */
void	ld_loader_reject(struct ds_loader *l, long long seq, const char *reason,
	    const char *raw, size_t rawlen);

/* Add a schema line (recorded when the batch commits). */
void	ld_loader_schema(struct ds_loader *l, const struct ds_line *ln);

/* Add a journal entry of fields dropped by the discard contract (JSON object text). */
void	ld_loader_discard(struct ds_loader *l, const char *discarded);

/* A checkpoint line closes a page; returns 1 when the batch should commit. */
int	ld_loader_checkpoint(struct ds_loader *l, const struct ds_line *ln);

/* Non-zero when a run without checkpoint lines has a full batch. */
int	ld_loader_full(const struct ds_loader *l);

/*
 * With the input quiet: 0 when the batch should commit now (it ends at a
 * checkpoint line and is --batch-seconds old), else the milliseconds until
 * it will be, or -1 when it holds no whole page or has lines after its last
 * checkpoint (the rest of that page is still to come).
 */
int	ld_loader_idle_due(const struct ds_loader *l);

/* Note that from (a loader of the same run) has read a checkpoint line, if it has. */
void	ld_loader_inherit(struct ds_loader *l, const struct ds_loader *from);

/* Drop rows and rejects read after the last checkpoint line; their count. */
size_t	ld_loader_drop_partial(struct ds_loader *l);

/* Commit the batch (exits on failures that a retry cannot fix). */
void	ld_loader_commit(struct ds_loader *l);

/* Rejects met so far in this run, committed or not, replayed or new. */
long long ld_loader_rejects(const struct ds_loader *l);

const struct ds_totals *ld_loader_totals(const struct ds_loader *l);
/* Name the run's one stream (before its first line is added). */
void	ld_loader_set_stream(struct ds_loader *l, const char *stream);
const char *ld_loader_stream(const struct ds_loader *l);

#endif
