/*
 * pool.h - batches loaded on several connections, committed in order.
 *
 * Each of N slots owns a connection, a loader and a thread. The caller
 * fills the current slot's loader; ld_pool_commit() hands the batch to the
 * slot's thread and makes the next slot current. A thread loads its batch
 * (COPY, staging, refused rows) alongside the others, then waits for the
 * batch before it to commit, writes its rejects, catalog and checkpoint and
 * commits: batch k's checkpoint is never visible before batches 1..k are.
 * The key set is shared and covers every batch in flight plus the last
 * committed one, so batches in flight never share an id. Each batch's
 * transaction holds an advisory lock that the next batch waits on inside
 * the server, so a lock cycle through another ds-load's batches is a
 * deadlock PostgreSQL detects (the batch is retried), never a hang.
 * With N = 1 there is no thread: a batch streams into COPY as it is read
 * and commits in the caller, on the caller's connection.
 */
#ifndef DS_LOAD_POOL_H
#define DS_LOAD_POOL_H

#include <stddef.h>
#include <libpq-fe.h>

struct ds_loader;
struct ds_totals;

struct ds_pool;

/*
 * A pool of jobs loaders into table (see ld_loader_new) for run: with
 * jobs 1 on conn, else on jobs new connections to db. Exits when a
 * connection fails. Free with ld_pool_free().
 */
struct ds_pool *ld_pool_new(PGconn *conn, const char *db, int jobs,
	    const char *table, int update, long long run, size_t rows, size_t bytes,
	    double seconds);

/* Wait for every batch handed over, stop the threads, close connections. */
void	ld_pool_free(struct ds_pool *p);

/* The loader the caller fills now (owned by the pool). */
struct ds_loader *ld_pool_loader(struct ds_pool *p);

/* Name the run's stream on every loader (before the first commit). */
void	ld_pool_set_stream(struct ds_pool *p, const char *stream);

/* Hand the current batch over (with one job: load and commit it now). */
void	ld_pool_commit(struct ds_pool *p);

/* Wait until every batch handed over has committed. */
void	ld_pool_drain(struct ds_pool *p);

/* Totals of the committed batches into t; t->cursor is the caller's to free. */
void	ld_pool_totals(struct ds_pool *p, struct ds_totals *t);

/* Rejects met so far by all loaders, committed or not. */
long long ld_pool_rejects(struct ds_pool *p);

#endif
