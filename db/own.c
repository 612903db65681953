#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "db.h"
#include "own.h"

/* The lock key of the stream given as $1. */
#define KEY	"hashtextextended('ds-stream:' || $1, 0)"

/* Condition on pg_locks l: the granted lock of the stream $1 in this database. */
#define LOCKED	" l.locktype = 'advisory' AND l.granted" \
	" AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database" \
	"  WHERE datname = current_database())" \
	" AND l.classid::bigint = (" KEY " >> 32) & 4294967295" \
	" AND l.objid::bigint = " KEY " & 4294967295"

/* What ds-load found when it took the stream: later commits must agree. */
static struct {
	int		 pid;		/* the backend holding the lock for us */
	long long	 run;		/* our ds_runs id */
	long long	 epoch;		/* the stream's epoch then */
	int		 stored;	/* a checkpoint of that epoch was stored */
	long long	 position;	/* its position */
	char		*by;		/* the run that stored it, NULL if unknown */
} base;

/* The holder's row: pid, application_name, since, backend start (µs). */
static PGresult *
holder_row(PGconn *conn, const char *stream)
{
	const char *vals[1] = { stream };

	return ds_db_execp(conn, "SELECT l.pid, coalesce(a.application_name, ''),"
	    " to_char(coalesce(CASE WHEN a.application_name LIKE 'ds-run %'"
	    "  AND a.state = 'idle' THEN a.state_change END, a.backend_start)"
	    "  AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	    " (extract(epoch FROM a.backend_start) * 1000000)::bigint"
	    " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
	    " WHERE" LOCKED, 1, vals, "cannot look up who holds the stream");
}

int
ds_own_holder(PGconn *conn, const char *stream, struct ds_buf *desc)
{
	PGresult *res = holder_row(conn, stream);
	int pid = 0;

	if (PQntuples(res) > 0) {
		pid = atoi(PQgetvalue(res, 0, 0));
		if (PQgetvalue(res, 0, 1)[0] != '\0')
			ds_buf_printf(desc, "%s since %s (backend pid %d)",
			    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), pid);
		else
			ds_buf_printf(desc, "backend pid %d since %s", pid,
			    PQgetvalue(res, 0, 2));
		ds_buf_terminate(desc);
	}
	PQclear(res);
	return pid;
}

/* Parse DS_OWNER (PID.MICROS); 0 when unset or malformed. */
static int
owner_token(int *pid, long long *micros)
{
	const char *t = getenv("DS_OWNER");
	char *end;

	if (t == NULL || *t == '\0')
		return 0;
	errno = 0;
	*pid = (int)strtol(t, &end, 10);
	if (errno != 0 || *pid <= 0 || *end != '.')
		return 0;
	*micros = strtoll(end + 1, &end, 10);
	return errno == 0 && *end == '\0';
}

int
ds_own_is_mine(PGconn *conn, const char *stream)
{
	PGresult *res;
	long long micros;
	int pid, yes;

	if (!owner_token(&pid, &micros))
		return 0;
	res = holder_row(conn, stream);
	yes = PQntuples(res) > 0 && atoi(PQgetvalue(res, 0, 0)) == pid &&
	    strtoll(PQgetvalue(res, 0, 3), NULL, 10) == micros;
	PQclear(res);
	return yes;
}

/* Log that stream is held by desc (what: the refused action) and exit 111. */
static void __attribute__((noreturn))
refuse(const char *stream, const char *what, const char *desc, int pid)
{
	struct ds_buf kv = { 0 };

	ds_buf_adds(&kv, "stream=");
	ds_log_quote(&kv, stream, strlen(stream));
	ds_buf_adds(&kv, " holder=");
	ds_log_quote(&kv, desc, strlen(desc));
	ds_buf_printf(&kv, " holder_backend_pid=%d", pid);
	ds_logkv(DS_LOG_ERROR, what, "%s", kv.p);
	ds_buf_free(&kv);
	ds_db_exit(DS_EX_TEMP);
}

void
ds_own_refuse_held(PGconn *conn, const char *stream, const char *what)
{
	struct ds_buf desc = { 0 }, msg = { 0 };
	int pid;

	if ((pid = ds_own_holder(conn, stream, &desc)) == 0 || ds_own_is_mine(conn, stream)) {
		ds_buf_free(&desc);
		return;
	}
	ds_buf_printf(&msg, "stream %s is held by %s: %s refused (stop that run first, or"
	    " end its connection with pg_terminate_backend(%d))", stream, desc.p, what, pid);
	refuse(stream, msg.p, desc.p, pid);
}

/* Append this host's name to b (at most max bytes). */
static void
hostname(struct ds_buf *b, size_t max)
{
	char h[256];

	if (gethostname(h, sizeof(h)) != 0)
		snprintf(h, sizeof(h), "unknown");
	h[sizeof(h) - 1] = '\0';
	ds_buf_add(b, h, strlen(h) < max ? strlen(h) : max);
}

/* Name this connection "LABEL PID@HOST" in application_name (63 bytes at most). */
static void
name_session(PGconn *conn, const char *label, int pid)
{
	struct ds_buf name = { 0 }, sql = { 0 };

	ds_buf_printf(&name, "%s %d@", label, pid);
	hostname(&name, name.len < 63 ? 63 - name.len : 0);
	ds_buf_terminate(&name);
	ds_buf_adds(&sql, "SET application_name = ");
	ds_db_literal(conn, name.p, &sql);
	PQclear(ds_db_exec(conn, sql.p, "cannot name the session"));
	ds_buf_free(&name);
	ds_buf_free(&sql);
}

/* Take stream's lock on conn without waiting; non-zero when taken. */
static int
try_lock(PGconn *conn, const char *stream)
{
	const char *vals[1] = { stream };
	PGresult *res;
	int yes;

	res = ds_db_execp(conn, "SELECT pg_try_advisory_lock(" KEY ")", 1, vals,
	    "cannot take the stream's lock");
	yes = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return yes;
}

void
ds_own_claim(PGconn *conn, const char *stream, long long run)
{
	struct ds_buf desc = { 0 }, msg = { 0 };
	const char *vals[1] = { stream };
	PGresult *res;
	long long micros;
	int pid;

	if (owner_token(&pid, &micros)) {
		if (!ds_own_is_mine(conn, stream)) {
			if ((pid = ds_own_holder(conn, stream, &desc)) == 0) {
				ds_buf_adds(&desc, "nobody");
				ds_buf_terminate(&desc);
			}
			ds_buf_printf(&msg, "stream %s is not held by the owner DS_OWNER names"
			    " (its ds-run is gone?): held by %s; nothing loaded", stream, desc.p);
			refuse(stream, msg.p, desc.p, pid);
		}
		base.pid = pid;
	} else {
		if (!try_lock(conn, stream)) {
			if ((pid = ds_own_holder(conn, stream, &desc)) == 0) {
				/* released in between: one more try */
				if (!try_lock(conn, stream))
					ds_diex(DS_EX_TEMP, "stream %s: its lock is taken and"
					    " released again and again", stream);
			} else {
				ds_buf_printf(&msg, "stream %s is already running: held by %s;"
				    " nothing loaded", stream, desc.p);
				refuse(stream, msg.p, desc.p, pid);
			}
		}
		base.pid = PQbackendPID(conn);
		name_session(conn, "ds-load", (int)getpid());
	}
	base.run = run;
	PQclear(ds_db_execp(conn, "INSERT INTO ds_streams (stream) VALUES ($1)"
	    " ON CONFLICT (stream) DO NOTHING", 1, vals, "cannot record the stream"));
	res = ds_db_execp(conn, "SELECT s.epoch, c.epoch = s.epoch, c.position, c.run"
	    " FROM ds_streams s LEFT JOIN ds_checkpoints c USING (stream)"
	    " WHERE s.stream = $1", 1, vals, "cannot read the stream's epoch");
	base.epoch = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	base.stored = PQgetvalue(res, 0, 1)[0] == 't';
	base.position = base.stored ? strtoll(PQgetvalue(res, 0, 2), NULL, 10) : 0;
	free(base.by);
	base.by = base.stored && !PQgetisnull(res, 0, 3) ?
	    ds_xstrdup(PQgetvalue(res, 0, 3)) : NULL;
	PQclear(res);
	ds_buf_free(&desc);
	ds_buf_free(&msg);
}

/*
 * Log a refused checkpoint (msg, with the stream and kv), roll back the
 * batch's transaction on conn (its locks would hold up the exit handlers'
 * statements on other connections) and exit 111.
 */
static void __attribute__((noreturn))
refuse_cp(PGconn *conn, const char *stream, const char *msg, const char *kv)
{
	struct ds_buf b = { 0 };

	ds_buf_adds(&b, "stream=");
	ds_log_quote(&b, stream, strlen(stream));
	ds_buf_printf(&b, " %s", kv);
	ds_logkv(DS_LOG_ERROR, msg, "%s", b.p);
	ds_buf_free(&b);
	PQclear(PQexec(conn, "ROLLBACK"));
	ds_db_exit(DS_EX_TEMP);
}

PGresult *
ds_own_checkpoint(PGconn *conn, const char *stream, long long seq,
    const char *cursor, int has_more, long long inserted)
{
	char sq[24], ins[24], ep[24], pos[24], run[24], kv[160];
	const char *vals[8] = { stream, cursor, sq, has_more ? "t" : "f", ins, ep, pos, run };
	const char *q[3] = { stream, base.by, run };
	PGresult *res;
	long long epoch, stored;
	int holder, same, ok;

	snprintf(run, sizeof(run), "%lld", base.run);
	/* the stream's row is locked: resets and other commits wait for ours */
	res = PQexecParams(conn, "SELECT s.epoch, c.epoch = s.epoch, c.position,"
	    " c.run IS NOT DISTINCT FROM $2::bigint, c.run IS NOT DISTINCT FROM $3::bigint,"
	    " (SELECT l.pid FROM pg_locks l WHERE" LOCKED " LIMIT 1), c.run"
	    " FROM ds_streams s LEFT JOIN ds_checkpoints c USING (stream)"
	    " WHERE s.stream = $1 FOR UPDATE OF s", 3, NULL, q, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return res;
	if (PQntuples(res) != 1) {
		PQclear(res);
		refuse_cp(conn, stream, "the stream's row in ds_streams is gone (deleted while"
		    " this chain ran): checkpoint not stored", "");
	}
	epoch = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	same = PQgetvalue(res, 0, 1)[0] == 't';
	stored = same ? strtoll(PQgetvalue(res, 0, 2), NULL, 10) : 0;
	holder = PQgetisnull(res, 0, 5) ? 0 : atoi(PQgetvalue(res, 0, 5));
	if (holder != base.pid) {
		PQclear(res);
		snprintf(kv, sizeof(kv), "owner_backend_pid=%d holder_backend_pid=%d",
		    base.pid, holder);
		refuse_cp(conn, stream, "this chain lost the stream (its owner's lock was"
		    " released): checkpoint not stored", kv);
	}
	if (epoch != base.epoch) {
		PQclear(res);
		snprintf(kv, sizeof(kv), "epoch=%lld stored_epoch=%lld", base.epoch, epoch);
		refuse_cp(conn, stream, "the stream was reset or set while this chain ran:"
		    " its checkpoint is out of date, not stored", kv);
	}
	/* since we took the stream, only we may have stored a checkpoint */
	if (same && PQgetvalue(res, 0, 4)[0] == 't')
		ok = 1;
	else if (!base.stored)
		ok = !same;
	else
		ok = same && stored == base.position && PQgetvalue(res, 0, 3)[0] == 't';
	if (!ok) {
		snprintf(kv, sizeof(kv), "stored_position=%lld stored_by_run=%s"
		    " base_position=%lld run=%lld", stored,
		    PQgetisnull(res, 0, 6) ? "none" : PQgetvalue(res, 0, 6),
		    base.position, base.run);
		PQclear(res);
		refuse_cp(conn, stream, "checkpoint would move backwards: another run stored one"
		    " since this load took the stream; not stored", kv);
	}
	PQclear(res);
	snprintf(sq, sizeof(sq), "%lld", seq);
	snprintf(ins, sizeof(ins), "%lld", inserted);
	snprintf(ep, sizeof(ep), "%lld", epoch);
	snprintf(pos, sizeof(pos), "%lld", stored + 1);
	if (seq < 0)
		vals[2] = NULL;
	res = PQexecParams(conn, "INSERT INTO ds_checkpoints AS k (stream, cursor, seq,"
	    " has_more, records, updated_at, epoch, position, run)"
	    " VALUES ($1, $2, $3, $4, $5, now(), $6, $7, $8)"
	    " ON CONFLICT (stream) DO UPDATE SET cursor = $2, seq = $3,"
	    " has_more = $4, records = k.records + $5, updated_at = now(),"
	    " epoch = $6, position = $7, run = $8", 8, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Write line (with its newline) to standard output at once. */
static void
say(const char *what, const char *text)
{
	struct ds_buf b = { 0 };
	size_t off = 0;
	ssize_t n;

	ds_buf_printf(&b, "%s %s\n", what, text);
	while (off < b.len) {
		if ((n = write(STDOUT_FILENO, b.p + off, b.len - off)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	ds_buf_free(&b);
}

/* Read and drop what standard input holds; non-zero at its end or an error. */
static int
stdin_ended(void)
{
	char buf[512];
	ssize_t n;

	do
		n = read(STDIN_FILENO, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	return n <= 0;
}

/* The comm of our parent (the program we hold the lock for) into b. */
static void
parent_name(struct ds_buf *b)
{
	char path[64], name[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)getppid());
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(name, sizeof(name), f) == NULL)
			name[0] = '\0';
		fclose(f);
	}
	name[strcspn(name, "\n ")] = '\0';
	ds_buf_adds(b, name[0] != '\0' ? name : "ds-checkpoint");
	ds_buf_terminate(b);
}

int
ds_own_hold(PGconn *conn, const char *stream, int wait)
{
	struct ds_buf desc = { 0 }, last = { 0 }, label = { 0 }, tok = { 0 };
	struct pollfd pf[2];
	PGresult *res;
	int pid, status = DS_EX_OK;

	while (!try_lock(conn, stream)) {
		ds_buf_reset(&desc);
		if ((pid = ds_own_holder(conn, stream, &desc)) == 0)
			continue;	/* released in between */
		if (!wait) {
			say("busy", desc.p);
			ds_buf_reset(&last);
			ds_buf_printf(&last, "stream %s is already running: held by %s", stream,
			    desc.p);
			ds_buf_terminate(&last);
			ds_logkv(DS_LOG_INFO, last.p, "holder_backend_pid=%d", pid);
			status = DS_EX_TEMP;
			goto out;
		}
		if (last.len == 0 || strcmp(last.p, desc.p) != 0) {
			say("wait", desc.p);
			ds_buf_reset(&last);
			ds_buf_adds(&last, desc.p);
			ds_buf_terminate(&last);
		}
		pf[0].fd = STDIN_FILENO;
		pf[0].events = POLLIN;
		if (poll(pf, 1, 1000) > 0 && stdin_ended())
			goto out;
	}
	parent_name(&label);
	name_session(conn, label.p, (int)getppid());
	res = ds_db_exec(conn, "SELECT pg_backend_pid(), (extract(epoch FROM backend_start)"
	    " * 1000000)::bigint FROM pg_stat_activity WHERE pid = pg_backend_pid()",
	    "cannot read the session's start");
	ds_buf_printf(&tok, "%s.%s", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	ds_buf_terminate(&tok);
	PQclear(res);
	say("held", tok.p);
	for (;;) {
		pf[0].fd = STDIN_FILENO;
		pf[0].events = POLLIN;
		pf[1].fd = PQsocket(conn);
		pf[1].events = POLLIN;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ds_die(DS_EX_TEMP, "poll");
		}
		if (pf[0].revents != 0 && stdin_ended())
			break;
		if (pf[1].revents != 0) {
			if (PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK) {
				ds_buf_reset(&desc);
				ds_db_message(conn, NULL, &desc);
				ds_logkv(DS_LOG_ERROR, "lost the connection that holds the stream",
				    "stream=%s error=\"%s\"", stream, desc.p);
				status = DS_EX_TEMP;
				break;
			}
			while ((res = PQgetResult(conn)) != NULL)
				PQclear(res);
		}
	}
out:
	ds_buf_free(&desc);
	ds_buf_free(&last);
	ds_buf_free(&label);
	ds_buf_free(&tok);
	return status;
}
