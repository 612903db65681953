/*
 * loader.h - the loader's state, shared by its modules (not a public
 * interface: see batch.h).
 *
 *   batch.c     the public calls and the commit flow
 *   columns.c   the records table's columns (columns.h)
 *   rows.c      the row buffer (rows.h)
 *   strategy.c  how rows reach the table: streamed COPY, isolation of
 *               refused rows, staging and merge, skipping stored ids
 *   book.c      the bookkeeping of a batch's transaction: rejects,
 *               catalog, checkpoint, COMMIT
 *   history.c   --mode history: the merge that keeps every version
 *   snapshot.c  --mode snapshot: the ids a pass has seen, and its end
 *
 * Every step that may fail without ending the process returns an
 * enum ds_outcome; failures a retry cannot fix exit (see ds_db_die).
 */
#ifndef DS_LOAD_LOADER_H
#define DS_LOAD_LOADER_H

#include <stddef.h>
#include <libpq-fe.h>

#include "batch.h"
#include "catalog.h"
#include "columns.h"
#include "rows.h"

#define DS_STAGE	"pg_temp.ds_stage"
#define DS_STAGE_REL	"ds_stage"
#define DS_TEXT		"pg_temp.ds_stage_text"
#define DS_TEXT_REL	"ds_stage_text"
#define DS_MAX_SKIPS	16	/* stored ids skipped one by one before staging */

/* Whether the temp tables exist (they are made on first need). */
enum ds_staging { DS_STAGING_NONE, DS_STAGING_MADE, DS_STAGING_OPEN };

/*
 * Where rows go: the table itself; the text staging table, whose rows are
 * cast only when their id (and hash) is new, so a replay parses no JSON;
 * or the typed staging table, where COPY names a row the server refuses.
 */
enum ds_mode { DS_M_NONE, DS_M_TABLE, DS_M_TEXT, DS_M_STAGE };

/* How a step ended. */
enum ds_outcome {
	DS_DONE,	/* did its work */
	DS_STORED,	/* met stored ids: the batch goes through staging */
	DS_RETRY,	/* deadlock or serialization failure: roll back, retry */
	DS_RECAST,	/* a text-staged row fails its cast: stage typed */
	DS_NOTEMP	/* the role may not create temp tables */
};

struct ds_schema_line {
	char		*fields;	/* NULL for a discard entry */
	char		*removed;
	char		*discarded;	/* {"field":"type",...} dropped (discard) */
};

struct ds_loader {
	PGconn		*conn;
	char		*table;		/* as given */
	char		*relname;	/* unqualified, as COPY's error context names it */
	char		*qtable;	/* quoted table */
	struct ds_columns_sql cols;		/* the SQL the columns give */
	char		*target;	/* quoted table and column list */
	char		*stage_target;	/* the typed staging table and column list */
	char		*text_target;	/* the text staging table and column list */
	char		*pkey;		/* name of the table's primary key, or NULL */
	enum ds_staging	 staging;	/* the temp tables */
	int		 notemp;	/* the role may not create them */
	int		 rls;		/* row-level security refuses COPY into the table:
					   every batch loads through staging */
	int		 update;	/* a changed hash is a new row or version */
	int		 wmode;		/* enum ds_wmode */
	long long	 run;
	char		*stream;

	struct ds_rows	 rows;		/* the batch */
	size_t		 sent;		/* rows streamed into the open COPY */
	struct ds_keyset *seen;		/* keys of this batch and the last (or shared) */
	int		 own_seen;	/* seen is this loader's: rotate it at commit */
	int		 serial;	/* an id of an earlier batch with another hash:
					   load after that batch committed */
	struct ds_order	 ord;		/* set when batches load on several connections */
	long long	 repeats;	/* rows skipped: key met in this or the last batch */
	long long	 repeatpage;	/* repeats up to the last checkpoint */
	_Atomic long long rejseen;	/* rejects met in this run, stored or not */
	struct ds_schema_line *sch;
	size_t		 nsch;
	int		 paged;		/* a checkpoint line was seen this run */
	int		 have_cp;
	long long	 cp_seq;
	char		*cp_cursor;
	int		 cp_has_more;
	double		 cp_at;		/* when the batch's last checkpoint was read */
	double		 started;	/* when the batch's first line arrived */
	int		 started_set;

	enum ds_mode	 copying;	/* a streamed COPY is open */
	enum ds_mode	 path;		/* where the batch's rows went (for snapshot.c) */
	int		 stage_next;	/* the last batch was mostly stored ids */
	long long	 loaded;	/* rows loaded by this attempt's COPYs */
	size_t		 batch_rows;
	size_t		 batch_bytes;
	double		 batch_seconds;

	struct ds_totals tot;
};

/* batch.c: the transaction. */

/* Run sql; exit (see ds_db_die) when it fails. */
void	ld_loader_exec(struct ds_loader *l, const char *sql, const char *doing);

/* Begin the batch's transaction (constraints checked per statement). */
void	ld_loader_begin(struct ds_loader *l);

/* Roll back the open transaction (exits when the connection is gone). */
void	ld_loader_rollback(struct ds_loader *l);

/*
 * A step failed with res (cleared here): DS_RETRY on a deadlock or
 * serialization failure, else log doing and exit.
 */
enum ds_outcome ld_loader_conflict(struct ds_loader *l, PGresult *res, const char *doing);

/* strategy.c: how rows reach the table. */

/*
 * Create the temp staging tables unless they exist (in an open transaction
 * under a savepoint; forgotten if it rolls back). DS_DONE, or DS_NOTEMP when
 * the role may not create temp tables; exits on other failures.
 */
enum ds_outcome ld_strategy_staging(struct ds_loader *l);

/* Create the staging tables or exit saying the role needs TEMP. */
void	ld_strategy_need_staging(struct ds_loader *l);

/*
 * Stream the rows not yet sent into the streamed COPY, opening it and its
 * transaction (not when batches are ordered: they load from memory).
 */
void	ld_strategy_flush(struct ds_loader *l);

/*
 * End the streamed COPY (of mode *m). DS_DONE with the rows loaded in
 * c->records (merged when staged); else the transaction is rolled back and
 * *m is the mode the batch is to be loaded with from memory.
 */
enum ds_outcome ld_strategy_stream_end(struct ds_loader *l, enum ds_mode *m,
	    struct ds_counts *c);

/* Abort the streamed COPY and roll back (a cut page is dropped). */
void	ld_strategy_stream_abort(struct ds_loader *l);

/*
 * Mark the live rows whose id is stored skipped, found with one query in
 * the open transaction (a role without TEMP replays so).
 */
void	ld_strategy_skip_stored(struct ds_loader *l);

/*
 * Load the live rows of [lo, hi) into m's table in the open transaction,
 * isolating the rows the server refuses (each refused). DS_DONE, DS_STORED
 * (stored ids met where they cannot be skipped) or DS_RETRY.
 */
enum ds_outcome ld_strategy_rows(struct ds_loader *l, size_t lo, size_t hi,
	    enum ds_mode m);

/*
 * Move the rows staged in m's table into the table; counts go to c. Rows
 * the server refuses are isolated and refused. DS_DONE, DS_RETRY, or
 * DS_RECAST when a text-staged row fails its cast.
 */
enum ds_outcome ld_strategy_merge(struct ds_loader *l, enum ds_mode m,
	    struct ds_counts *c);

/* book.c: bookkeeping. */

/*
 * Store the batch's rejects and refused rows, schema lines, catalog counts
 * and checkpoint, then COMMIT (in batch order when ordered). DS_DONE or
 * DS_RETRY (the caller rolls back).
 */
enum ds_outcome ld_book_commit(struct ds_loader *l, struct ds_counts *c);

/* Append the refused row i and log it: the server's message in res. */
void	ld_book_refuse(struct ds_loader *l, size_t i, const PGresult *res);

/* Append the refused row i and log it: msg says why (no server error). */
void	ld_book_refuse_msg(struct ds_loader *l, size_t i, const char *msg);

/* history.c: --mode history. */

/*
 * Move the rows staged in m's table into the history table: a row whose
 * hash differs from its id's current version (and is no replay of a stored
 * version) closes it and becomes the current one. Counts go to c. DS_DONE,
 * DS_RETRY, or DS_RECAST when a text-staged row fails its cast.
 */
enum ds_outcome ld_history_merge(struct ds_loader *l, enum ds_mode m,
	    struct ds_counts *c);

/* The DDL of history's temp table, appended to the staging tables'. */
void	ld_history_staging(struct ds_loader *l);

/* snapshot.c: --mode snapshot. */

/*
 * In the batch's transaction, before its checkpoint: record the ids the
 * pass has seen and, at the pass's last checkpoint, mark (or delete) the
 * rows it did not see. NULL, or the failed result (caller clears).
 */
PGresult *ld_snapshot_book(struct ds_loader *l);

/* The id of row i as its COPY text (n bytes, escaped), in the row buffer. */
const char *ld_snapshot_key(const struct ds_loader *l, size_t i, size_t *n);

#endif
