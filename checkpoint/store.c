#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "output.h"
#include "../db/db.h"
#include "../db/migrate.h"
#include "../db/own.h"
#include "store.h"

/* Write s to standard output (exits on a write error). */
static void
out(const char *s)
{
	ds_out_write(s, strlen(s));
}

/* Append seconds as a short age: 42s, 7m, 3h, 2d. */
static void
age(struct ds_buf *b, long long s)
{
	if (s < 120)
		ds_buf_printf(b, "%llds", s);
	else if (s < 7200)
		ds_buf_printf(b, "%lldm", s / 60);
	else if (s < 172800)
		ds_buf_printf(b, "%lldh", s / 3600);
	else
		ds_buf_printf(b, "%lldd", s / 86400);
}

int
cp_store_get(PGconn *conn, const char *stream)
{
	const char *vals[1] = { stream };
	PGresult *res;
	int status = DS_EX_OK;

	if (!ds_migrate_applied(conn))
		return DS_EX_OK;
	res = ds_db_execp(conn, "SELECT cursor, has_more FROM ds_checkpoints"
	    " WHERE stream = $1", 1, vals, "cannot read the checkpoint");
	if (PQntuples(res) == 1) {
		if (strcmp(PQgetvalue(res, 0, 1), "f") == 0)
			status = DS_EX_FINISHED;
		else if (!PQgetisnull(res, 0, 0)) {
			out(PQgetvalue(res, 0, 0));
			out("\n");
		}
	}
	PQclear(res);
	return status;
}

/*
 * Begin a transaction that changes stream's checkpoint by hand: refused
 * while another run holds the stream; the stream's epoch is bumped (its row
 * locked until COMMIT), so a chain that started before cannot store a
 * checkpoint after. Returns the new epoch as text (caller frees).
 */
static char *
begin_change(PGconn *conn, const char *stream, const char *what)
{
	const char *vals[1] = { stream };
	PGresult *res;
	char *epoch;

	ds_migrate(conn, NULL);
	ds_own_refuse_held(conn, stream, what);
	PQclear(ds_db_exec(conn, "BEGIN", "cannot begin a transaction"));
	res = ds_db_execp(conn, "INSERT INTO ds_streams AS s (stream, epoch) VALUES ($1, 1)"
	    " ON CONFLICT (stream) DO UPDATE SET epoch = s.epoch + 1, updated_at = now()"
	    " RETURNING epoch", 1, vals, "cannot bump the stream's epoch");
	epoch = ds_xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return epoch;
}

int
cp_store_set(PGconn *conn, const char *stream, const char *cursor)
{
	char *epoch = begin_change(conn, stream, "set");
	const char *vals[3] = { stream, cursor, epoch };

	PQclear(ds_db_execp(conn, "INSERT INTO ds_checkpoints AS k (stream, cursor,"
	    " has_more, updated_at, epoch, position) VALUES ($1, $2, true, now(), $3, 0)"
	    " ON CONFLICT (stream) DO UPDATE SET cursor = $2, seq = NULL, has_more = true,"
	    " updated_at = now(), epoch = $3, position = 0, run = NULL",
	    3, vals, "cannot store the checkpoint"));
	PQclear(ds_db_exec(conn, "COMMIT", "cannot store the checkpoint"));
	free(epoch);
	return DS_EX_OK;
}

int
cp_store_reset(PGconn *conn, const char *stream)
{
	const char *vals[1] = { stream };

	free(begin_change(conn, stream, "reset"));
	PQclear(ds_db_execp(conn, "DELETE FROM ds_checkpoints WHERE stream = $1",
	    1, vals, "cannot reset the checkpoint"));
	/* the stream starts over from its first page: no follow cycle binds it */
	PQclear(ds_db_execp(conn, "UPDATE ds_streams SET follow = false, follow_since = NULL"
	    " WHERE stream = $1", 1, vals, "cannot end the follow cycle"));
	PQclear(ds_db_exec(conn, "COMMIT", "cannot reset the checkpoint"));
	return DS_EX_OK;
}

int
cp_store_follow_get(PGconn *conn, const char *stream)
{
	const char *vals[1] = { stream };
	PGresult *res;

	if (!ds_migrate_applied(conn))
		return DS_EX_OK;
	ds_migrate(conn, NULL);
	res = ds_db_execp(conn, "SELECT coalesce(follow_since, '') FROM ds_streams"
	    " WHERE stream = $1 AND follow", 1, vals, "cannot read the follow cycle");
	if (PQntuples(res) == 1) {
		out("since=");
		out(PQgetvalue(res, 0, 0));
		out("\n");
	}
	PQclear(res);
	return DS_EX_OK;
}

int
cp_store_follow_start(PGconn *conn, const char *stream, const char *since)
{
	const char *vals[2] = { stream, since };

	free(begin_change(conn, stream, "a follow cycle"));
	PQclear(ds_db_execp(conn, "UPDATE ds_streams SET follow = true, follow_since = $2"
	    " WHERE stream = $1", 2, vals, "cannot record the follow cycle"));
	PQclear(ds_db_execp(conn, "DELETE FROM ds_checkpoints WHERE stream = $1",
	    1, vals, "cannot reset the checkpoint"));
	PQclear(ds_db_exec(conn, "COMMIT", "cannot start the follow cycle"));
	return DS_EX_OK;
}

int
cp_store_follow_end(PGconn *conn, const char *stream)
{
	const char *vals[1] = { stream };

	ds_migrate(conn, NULL);
	PQclear(ds_db_execp(conn, "UPDATE ds_streams SET follow = false, follow_since = NULL,"
	    " updated_at = now() WHERE stream = $1", 1, vals, "cannot end the follow cycle"));
	return DS_EX_OK;
}

int
cp_store_list(PGconn *conn)
{
	struct ds_buf b = { 0 };
	PGresult *res;
	int i;

	if (!ds_migrate_applied(conn))
		return DS_EX_OK;
	res = ds_db_exec(conn, "SELECT k.stream, coalesce(k.cursor, ''), k.records,"
	    " coalesce(c.rejects, 0),"
	    " to_char(k.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	    " floor(extract(epoch FROM now() - k.updated_at))::bigint, k.has_more"
	    " FROM ds_checkpoints k LEFT JOIN ds_catalog c USING (stream)"
	    " ORDER BY k.stream", "cannot list the checkpoints");
	ds_buf_adds(&b, "stream\tcursor\trecords\trejects\tupdated\tage\n");
	for (i = 0; i < PQntuples(res); i++) {
		ds_buf_printf(&b, "%s\t%s\t%s\t%s\t%s\t", PQgetvalue(res, i, 0),
		    PQgetisnull(res, i, 6) || PQgetvalue(res, i, 6)[0] == 't' ?
		    PQgetvalue(res, i, 1) : "(finished)", PQgetvalue(res, i, 2),
		    PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
		age(&b, strtoll(PQgetvalue(res, i, 5), NULL, 10));
		ds_buf_addc(&b, '\n');
	}
	ds_out_write(b.p, b.len);
	ds_buf_free(&b);
	PQclear(res);
	return DS_EX_OK;
}

/*
 * The status query: a row per stream (stream, age in seconds or NULL,
 * unacknowledged schema changes, records, has_more, NULL, NULL, file),
 * but a file stream of ds-files (PREFIX.NAME.SUM: a prefix without a dot,
 * 16 hexadecimal digits, a file position or no cursor) that is finished
 * and without unacknowledged changes has no row of its own: a row per
 * PREFIX ("PREFIX.*") stands for all the files of that source, its age
 * that of the file loaded last (finished or not), with the files loaded
 * whole and the stream of the newest.
 */
static const char status_sql[] =
    "WITH s AS (SELECT s.stream, greatest(k.updated_at, c.last_loaded_at) AS at,"
    " floor(extract(epoch FROM now() - greatest(k.updated_at, c.last_loaded_at)))::bigint"
    "  AS age,"
    " (SELECT count(*) FROM ds_schema_changes d WHERE d.stream = s.stream"
    "  AND d.acked_at IS NULL) AS drift,"
    " coalesce(k.records, c.records, 0) AS records, k.has_more,"
    " CASE WHEN k.has_more IS NOT NULL"
    "  AND s.stream ~ '^[A-Za-z0-9][A-Za-z0-9_-]*[.].+[.][0-9a-f]{16}$'"
    "  AND (k.cursor IS NULL OR k.cursor ~ '^offset=[0-9]+ (row|element|feature)=[0-9]+$')"
    "  THEN substring(s.stream FROM '^[^.]+') END AS src"
    " FROM (SELECT stream FROM ds_checkpoints UNION SELECT stream FROM ds_catalog) s"
    " LEFT JOIN ds_checkpoints k USING (stream) LEFT JOIN ds_catalog c USING (stream))"
    " SELECT * FROM (SELECT stream, age, drift, records, has_more, NULL::bigint,"
    " NULL, src IS NOT NULL FROM s"
    " WHERE src IS NULL OR has_more OR drift > 0"
    " UNION ALL SELECT src || '.*', min(age), 0, sum(records), NULL,"
    " count(*) FILTER (WHERE NOT has_more),"
    " (array_agg(stream ORDER BY at DESC, stream))[1], false FROM s"
    " WHERE src IS NOT NULL GROUP BY src) u"
    " ORDER BY stream COLLATE \"C\"";

int
cp_store_status(PGconn *conn, long long max_age)
{
	struct ds_buf b = { 0 };
	PGresult *res;
	long long a;
	int i, bad = 0, stale, drift, finished, source;

	if (!ds_migrate_applied(conn))
		return DS_EX_OK;
	res = ds_db_exec(conn, status_sql, "cannot read the streams' status");
	for (i = 0; i < PQntuples(res); i++) {
		a = PQgetisnull(res, i, 1) ? -1 : strtoll(PQgetvalue(res, i, 1), NULL, 10);
		finished = !PQgetisnull(res, i, 4) && PQgetvalue(res, i, 4)[0] == 'f';
		source = !PQgetisnull(res, i, 5);
		/* a file loaded whole is judged with its source, never alone */
		stale = max_age >= 0 && (a < 0 || a > max_age) &&
		    !(finished && PQgetvalue(res, i, 7)[0] == 't');
		drift = strtoll(PQgetvalue(res, i, 2), NULL, 10) > 0;
		ds_buf_reset(&b);
		ds_buf_printf(&b, "%s %s age=", PQgetvalue(res, i, 0),
		    stale ? "STALE" : drift ? "DRIFT" : "ok");
		if (a >= 0)
			age(&b, a);
		else
			ds_buf_adds(&b, "never");
		if (source)
			ds_buf_printf(&b, " files=%s", PQgetvalue(res, i, 5));
		ds_buf_printf(&b, " records=%s", PQgetvalue(res, i, 3));
		if (source)
			ds_buf_printf(&b, " newest=%s", PQgetvalue(res, i, 6));
		if (finished)
			ds_buf_adds(&b, " finished");
		if (stale) {
			ds_buf_adds(&b, " max_age=");
			age(&b, max_age);
		}
		if (drift)
			ds_buf_printf(&b, " unacknowledged_schema_changes=%s",
			    PQgetvalue(res, i, 2));
		ds_buf_addc(&b, '\n');
		ds_out_write(b.p, b.len);
		bad |= stale || drift;
	}
	ds_buf_free(&b);
	PQclear(res);
	return bad ? DS_EX_CHECK : DS_EX_OK;
}

int
cp_store_ack(PGconn *conn, const char *stream)
{
	const char *vals[1] = { stream };

	if (!ds_migrate_applied(conn))
		return DS_EX_OK;
	PQclear(ds_db_execp(conn, "UPDATE ds_schema_changes SET acked_at = now()"
	    " WHERE stream = $1 AND acked_at IS NULL", 1, vals,
	    "cannot acknowledge the schema changes"));
	return DS_EX_OK;
}

int
cp_store_newest(PGconn *conn, const char *stream, const char *table)
{
	struct ds_buf sql = { 0 }, name = { 0 };
	const char *vals[1] = { stream };
	PGresult *res;

	ds_db_ident(conn, table, &name);
	ds_buf_adds(&sql, "SELECT to_regclass(");
	ds_db_literal(conn, name.p, &sql);
	ds_buf_adds(&sql, ") IS NOT NULL");
	res = ds_db_exec(conn, sql.p, "cannot look for the records table");
	if (PQgetvalue(res, 0, 0)[0] != 't') {
		PQclear(res);
		ds_buf_free(&sql);
		ds_buf_free(&name);
		return DS_EX_OK;
	}
	PQclear(res);
	ds_buf_reset(&sql);
	ds_buf_printf(&sql, "SELECT to_char(max(ts) AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM %s WHERE stream = $1", name.p);
	res = ds_db_execp(conn, sql.p, 1, vals, "cannot read the newest timestamp");
	if (!PQgetisnull(res, 0, 0)) {
		out(PQgetvalue(res, 0, 0));
		out("\n");
	}
	PQclear(res);
	ds_buf_free(&sql);
	ds_buf_free(&name);
	return DS_EX_OK;
}
