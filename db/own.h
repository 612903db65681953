/*
 * own.h - who owns a stream: a session-level advisory lock in PostgreSQL,
 * and checkpoints that never move backwards.
 *
 * The lock of stream S is pg_advisory_lock(hashtextextended('ds-stream:' ||
 * S, 0)) in the database that holds ds_checkpoints: one chain per stream
 * across every host, released by the server when the holding connection
 * ends. ds-run holds it through "ds-checkpoint hold" and hands its chain a
 * token (DS_OWNER=BACKENDPID.STARTMICROS, the holding backend); a ds-load
 * without DS_OWNER takes the lock itself on its connection. Each checkpoint
 * commit checks, in its transaction, that the owner still holds the lock,
 * that the stream's epoch (bumped by every reset and set) is the one the
 * load started in, and that nobody else stored a checkpoint since; a failed
 * check exits DS_EX_TEMP, naming what it found, and stores nothing.
 *
 * Shared by ds-load and ds-checkpoint (linked into both).
 */
#ifndef DS_DB_OWN_H
#define DS_DB_OWN_H

#include <libpq-fe.h>

struct ds_buf;

/*
 * Describe the live holder of stream's lock into desc ("ds-run
 * 1234@host since T (backend pid N)"); returns the holder's backend pid,
 * or 0 when nobody holds it (desc untouched). Exits on database errors.
 */
int	ds_own_holder(PGconn *conn, const char *stream, struct ds_buf *desc);

/*
 * Non-zero when DS_OWNER names the backend that holds stream's lock now
 * (the caller runs in that owner's chain).
 */
int	ds_own_is_mine(PGconn *conn, const char *stream);

/*
 * Exit DS_EX_TEMP naming the holder when stream is held by someone other
 * than the DS_OWNER named (for writers outside a chain: reset, set).
 */
void	ds_own_refuse_held(PGconn *conn, const char *stream, const char *what);

/*
 * ds-load: own stream for this run (ds_runs id run) before anything is
 * written for it, or exit DS_EX_TEMP naming the holder. Notes the stream's
 * epoch and stored checkpoint as the base later commits are checked against.
 */
void	ds_own_claim(PGconn *conn, const char *stream, long long run);

/*
 * ds-load: inside a batch's transaction on conn, check the ownership, the
 * epoch and the stored checkpoint (exits DS_EX_TEMP when one fails) and
 * store the checkpoint. Returns NULL, or the failed result for the caller.
 */
PGresult *ds_own_checkpoint(PGconn *conn, const char *stream, long long seq,
	    const char *cursor, int has_more, long long inserted);

/*
 * ds-checkpoint hold: take stream's lock (with wait, waiting for it; each
 * holder met is printed as "wait DESC"), print "held TOKEN", and hold it
 * until standard input ends. Prints "busy DESC" and returns DS_EX_TEMP when
 * it is held and wait is 0; returns DS_EX_TEMP when the connection is lost.
 */
int	ds_own_hold(PGconn *conn, const char *stream, int wait);

#endif
