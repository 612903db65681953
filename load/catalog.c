#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "catalog.h"
#include "../db/db.h"
#include "../db/own.h"

/* Run sql with n text parameters; NULL on success, else the failed result. */
static PGresult *
exec1(PGconn *conn, const char *sql, int n, const char *const *vals)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, vals, NULL, NULL, 0);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(res);
		return NULL;
	}
	return res != NULL ? res : PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
}

long long
ld_catalog_run_start(PGconn *conn, const char *table)
{
	const char *vals[1] = { table };
	PGresult *res;
	long long id;

	res = ds_db_execp(conn, "INSERT INTO ds_runs (\"table\") VALUES ($1) RETURNING id",
	    1, vals, "cannot record the run in ds_runs");
	id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return id;
}

PGresult *
ld_catalog_add(PGconn *conn, long long run, const char *stream,
    const char *table, const struct ds_counts *c)
{
	char id[24], rec[24], dup[24], rej[24];
	const char *rv[5] = { id, stream, rec, dup, rej };
	const char *cv[5] = { stream, table, rec, dup, rej };
	PGresult *res;

	snprintf(id, sizeof(id), "%lld", run);
	snprintf(rec, sizeof(rec), "%lld", c->records);
	snprintf(dup, sizeof(dup), "%lld", c->duplicates);
	snprintf(rej, sizeof(rej), "%lld", c->rejects);
	res = exec1(conn, "UPDATE ds_runs SET stream = coalesce($2, stream),"
	    " records = records + $3, duplicates = duplicates + $4,"
	    " rejects = rejects + $5 WHERE id = $1", 5, rv);
	if (res != NULL || stream == NULL)
		return res;
	return exec1(conn, "INSERT INTO ds_catalog AS c (stream, \"table\", first_loaded_at,"
	    " last_loaded_at, records, duplicates, rejects)"
	    " VALUES ($1, $2, now(), now(), $3, $4, $5)"
	    " ON CONFLICT (stream) DO UPDATE SET \"table\" = $2,"
	    " first_loaded_at = coalesce(c.first_loaded_at, now()),"
	    " last_loaded_at = now(), records = c.records + $3,"
	    " duplicates = c.duplicates + $4, rejects = c.rejects + $5", 5, cv);
}

PGresult *
ld_catalog_checkpoint(PGconn *conn, const char *stream, long long seq,
    const char *cursor, int has_more, long long inserted)
{
	return ds_own_checkpoint(conn, stream, seq, cursor, has_more, inserted);
}

PGresult *
ld_catalog_schema(PGconn *conn, const char *stream, const char *table,
    const char *fields, const char *removed)
{
	const char *vals[3] = { stream, fields, removed ? removed : "[]" };
	const char *cv[2] = { stream, table };
	PGresult *res;

	res = exec1(conn, "INSERT INTO ds_catalog (stream, \"table\") VALUES ($1, $2)"
	    " ON CONFLICT (stream) DO NOTHING", 2, cv);
	if (res != NULL)
		return res;
	return exec1(conn,
	    "WITH c AS (SELECT fields AS old FROM ds_catalog WHERE stream = $1 FOR UPDATE),"
	    " d AS (SELECT c.old, $2::jsonb AS new,"
	    "  coalesce((SELECT jsonb_agg(k ORDER BY k) FROM jsonb_object_keys($2::jsonb) k"
	    "   WHERE NOT c.old ? k), '[]') AS added,"
	    "  coalesce((SELECT jsonb_agg(k ORDER BY k) FROM jsonb_object_keys($2::jsonb) k"
	    "   WHERE c.old ? k AND c.old -> k <> $2::jsonb -> k), '[]') AS changed,"
	    "  coalesce((SELECT jsonb_agg(r ORDER BY r) FROM jsonb_array_elements_text($3::jsonb) r"
	    "   WHERE c.old ? r AND NOT $2::jsonb ? r), '[]') AS removed"
	    "  FROM c),"
	    " x AS (SELECT * FROM d WHERE added <> '[]' OR changed <> '[]' OR removed <> '[]'),"
	    " ins AS (INSERT INTO ds_schema_changes (stream, added, removed, changed, acked_at)"
	    "  SELECT $1, added, removed, changed, CASE WHEN old = '{}' THEN now() END FROM x)"
	    " UPDATE ds_catalog SET fields = (x.old || x.new)"
	    "  - ARRAY(SELECT jsonb_array_elements_text(x.removed)), fields_changed_at = now()"
	    " FROM x WHERE stream = $1", 3, vals);
}

PGresult *
ld_catalog_discard(PGconn *conn, const char *stream, const char *discarded)
{
	const char *vals[2] = { stream, discarded };

	return exec1(conn, "INSERT INTO ds_schema_changes (stream, discarded)"
	    " SELECT $1, d FROM (SELECT jsonb_object_agg(e.key, e.value) AS d"
	    "  FROM jsonb_each($2::jsonb) e WHERE NOT EXISTS (SELECT 1 FROM ds_schema_changes s"
	    "   WHERE s.stream = $1 AND s.discarded @> jsonb_build_object(e.key, e.value))) x"
	    " WHERE d IS NOT NULL", 2, vals);
}

void
ld_catalog_run_end(PGconn *conn, long long run, const char *stream,
    const char *status, const char *error)
{
	char id[24];
	const char *vals[4] = { id, status, error, stream };
	PGresult *res;

	if (PQstatus(conn) != CONNECTION_OK)
		return;
	snprintf(id, sizeof(id), "%lld", run);
	res = PQexecParams(conn, "UPDATE ds_runs SET finished_at = now(), status = $2,"
	    " error = $3, stream = coalesce($4, stream) WHERE id = $1",
	    4, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		ds_logkv(DS_LOG_WARN, "cannot record the run's end in ds_runs", NULL);
	PQclear(res);
}
