/*
 * store.h - ds-checkpoint's verbs: the queries on ds_checkpoints,
 * ds_catalog, ds_schema_changes and the records table.
 *
 * Each verb writes its output through lib/output.h and returns the exit
 * status; database failures exit (see db/db.h).
 */
#ifndef DS_CHECKPOINT_STORE_H
#define DS_CHECKPOINT_STORE_H

#include <libpq-fe.h>

int	cp_store_get(PGconn *conn, const char *stream);
int	cp_store_set(PGconn *conn, const char *stream, const char *cursor);
int	cp_store_reset(PGconn *conn, const char *stream);
int	cp_store_list(PGconn *conn);
/* max_age in seconds, or -1 for no freshness limit. */
int	cp_store_status(PGconn *conn, long long max_age);
int	cp_store_ack(PGconn *conn, const char *stream);
int	cp_store_newest(PGconn *conn, const char *stream, const char *table);

/*
 * The follow cycle of a stream, kept in ds_streams beside its checkpoint:
 * get prints "since=T" while a cycle is in progress (nothing otherwise);
 * start resets the checkpoint and records the cycle's since in one
 * transaction; end forgets the cycle.
 */
int	cp_store_follow_get(PGconn *conn, const char *stream);
int	cp_store_follow_start(PGconn *conn, const char *stream, const char *since);
int	cp_store_follow_end(PGconn *conn, const char *stream);

#endif
