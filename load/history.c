/*
 * history.c - ds-load --mode history: the table keeps every version of a
 * record (slowly changing dimension, type 2). A batch is staged, then
 * merged in three statements under a savepoint:
 *   1. the staged rows that are new versions go to pg_temp.ds_hist with
 *      their validity: a row is a new version when its hash differs from
 *      the one before it (the batch's previous row of its id, else the
 *      stored current version) and no stored version of its id has its hash
 *      and its ts (a replay of an event stream; a record without ts is
 *      compared with the current version only);
 *   2. the current version of each id with a new one is closed (valid_to =
 *      the first new version's valid_from);
 *   3. the new versions are inserted, each closed by the next of its id in
 *      the batch, the last one current (valid_to null).
 * When the insert fails on a row (a CHECK, a trigger), the new versions
 * are inserted one at a time instead, each closing its id's current
 * version, and those the server refuses are rejects.
 * valid_from is the record's ts, or the load time (the transaction's
 * start) when it has none; a version whose time is not after the one
 * before it starts k microseconds after it, so the ranges of an id never
 * overlap and keep the load order.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "../db/db.h"
#include "keyset.h"
#include "loader.h"

#define HIST	"pg_temp.ds_hist"

void
ld_history_staging(struct ds_loader *l)
{
	static const char ddl[] = "; CREATE TEMP TABLE IF NOT EXISTS ds_hist"
	    " (ds_hn bigint, ds_hid text, ds_hvf timestamptz, ds_hvt timestamptz)"
	    " ON COMMIT DELETE ROWS";
	size_t n = strlen(l->cols.staging);

	l->cols.staging = ds_xrealloc(l->cols.staging, n + sizeof(ddl));
	memcpy(l->cols.staging + n, ddl, sizeof(ddl));
}

/* Non-zero when two live rows of the batch (the staged ones) share an id. */
static int
repeated_id(const struct ds_loader *l)
{
	struct ds_keyset *ks = ld_keyset_new(2);
	const char *key;
	size_t i, n;
	int dup = 0;

	for (i = 0; i < l->rows.n && !dup; i++) {
		if (l->rows.state[i] != DS_ROW_LIVE)
			continue;
		key = ld_snapshot_key(l, i, &n);
		dup = ld_keyset_add(ks, key, n, "", 0) == 1;
	}
	ld_keyset_free(ks);
	return dup;
}

/*
 * Append step 1 (see above) for the rows staged in from to sql. When no id
 * has two rows in the batch, each row is compared with its current version
 * alone, with no window to sort the batch by: an unchanged replay costs one
 * index probe per row.
 */
static void
versions_sql(const struct ds_loader *l, const char *from, struct ds_buf *sql)
{
	if (!repeated_id(l)) {
		ds_buf_printf(sql, "INSERT INTO " HIST " (ds_hn, ds_hid, ds_hvf)"
		    " SELECT s.n, s.id, greatest(coalesce(s.ts::timestamptz, now()),"
		    " cur.cf + interval '1 microsecond') FROM %s s LEFT JOIN LATERAL"
		    " (SELECT e.hash AS ch, e.valid_from AS cf FROM %s e WHERE e.id = s.id"
		    " AND e.valid_to IS NULL) cur ON true WHERE s.hash IS DISTINCT FROM cur.ch"
		    " AND NOT EXISTS (SELECT 1 FROM %s v WHERE s.ts IS NOT NULL"
		    " AND v.id = s.id AND v.hash = s.hash AND v.ts = s.ts::timestamptz)",
		    from, l->qtable, l->qtable);
		return;
	}
	ds_buf_printf(sql, "INSERT INTO " HIST " (ds_hn, ds_hid, ds_hvf, ds_hvt)"
	    " SELECT n, id, vf, lead(vf) OVER (PARTITION BY id ORDER BY n) FROM ("
	    "SELECT n, id, greatest(vf0, coalesce(greatest(cf, max(vf0) OVER b),"
	    " '-infinity') + k * interval '1 microsecond') AS vf FROM ("
	    "SELECT y.*, row_number() OVER (PARTITION BY id ORDER BY n) AS k FROM ("
	    "SELECT s.n, s.id, s.hash, s.ts, coalesce(s.ts::timestamptz, now()) AS vf0,"
	    " lag(s.hash) OVER (PARTITION BY s.id ORDER BY s.n) AS prev, cur.ch, cur.cf"
	    " FROM %s s LEFT JOIN LATERAL (SELECT e.hash AS ch, e.valid_from AS cf"
	    " FROM %s e WHERE e.id = s.id AND e.valid_to IS NULL) cur ON true) y"
	    " WHERE y.hash IS DISTINCT FROM coalesce(y.prev, y.ch) AND NOT EXISTS"
	    " (SELECT 1 FROM %s v WHERE y.ts IS NOT NULL AND v.id = y.id"
	    " AND v.hash = y.hash AND v.ts = y.vf0)) z"
	    " WINDOW b AS (PARTITION BY id ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING"
	    " AND 1 PRECEDING)) w", from, l->qtable, l->qtable);
}

/*
 * Run sql; its row count is added to *n. NULL, or the failed result
 * (caller clears).
 */
static PGresult *
step(struct ds_loader *l, const char *sql, long long *n)
{
	PGresult *res = PQexec(l->conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return res;
	if (n != NULL)
		*n += strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return NULL;
}

/* Steps 1 to 3 in the open transaction; NULL, or the failed result. */
static PGresult *
merge(struct ds_loader *l, enum ds_mode m, struct ds_counts *c)
{
	const char *from = m == DS_M_TEXT ? DS_TEXT : DS_STAGE;
	struct ds_buf sql = { 0 };
	PGresult *res;
	size_t n = strlen(l->cols.list);

	versions_sql(l, from, &sql);
	if ((res = step(l, sql.p, NULL)) != NULL)
		goto out;
	ds_buf_reset(&sql);
	ds_buf_printf(&sql, "UPDATE %s e SET valid_to = h.ds_hvf FROM (SELECT DISTINCT ON"
	    " (ds_hid) ds_hid, ds_hvf FROM " HIST " ORDER BY ds_hid, ds_hn) h"
	    " WHERE e.id = h.ds_hid AND e.valid_to IS NULL", l->qtable);
	if ((res = step(l, sql.p, &c->updated)) != NULL)
		goto out;
	/* a hash join of the few new versions with the staged rows */
	ds_buf_reset(&sql);
	ds_buf_printf(&sql, "SET LOCAL enable_hashjoin = on; WITH i AS (INSERT INTO %s",
	    l->qtable);
	ds_buf_add(&sql, l->cols.list, n - 1);
	ds_buf_printf(&sql, ", valid_from, valid_to) SELECT %s, h.ds_hvf, h.ds_hvt FROM "
	    HIST " h JOIN %s s ON s.n = h.ds_hn RETURNING valid_to) SELECT count(*),"
	    " count(valid_to) FROM i", m == DS_M_TEXT ? l->cols.casts : l->cols.names, from);
	res = PQexec(l->conn, sql.p);
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		/* versions closed by a later one of the batch count as updated too */
		c->records += strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		c->updated += strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		PQclear(res);
		res = NULL;
	}
out:
	ds_buf_free(&sql);
	return res;
}

/*
 * Run the statement sql for the new version whose staged n is hn under a
 * savepoint; its row count is added to *n. NULL, or the failed result (the
 * savepoint rolled back; caller clears).
 */
static PGresult *
one(struct ds_loader *l, const char *sql, const char *hn, long long *n)
{
	const char *vals[1] = { hn };
	PGresult *res;

	ld_loader_exec(l, "SAVEPOINT ds_one", "cannot set a savepoint");
	res = PQexecParams(l->conn, sql, 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		*n += strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		ld_loader_exec(l, "RELEASE SAVEPOINT ds_one", "cannot release a savepoint");
		return NULL;
	}
	if (PQstatus(l->conn) == CONNECTION_OK)
		ld_loader_exec(l, "ROLLBACK TO SAVEPOINT ds_one; RELEASE SAVEPOINT ds_one",
		    "cannot roll back to a savepoint");
	return res;
}

/*
 * After the insert of the new versions failed on a row: find them again
 * and insert each alone, in input order, closing its id's current version
 * first; a version the server refuses is refused (the batch's live rows
 * are the staged ones, in order). Counts go to c. DS_DONE or DS_RETRY;
 * exits on other errors.
 */
static enum ds_outcome
one_by_one(struct ds_loader *l, enum ds_mode m, struct ds_counts *c)
{
	const char *from = m == DS_M_TEXT ? DS_TEXT : DS_STAGE;
	struct ds_buf sql = { 0 }, close = { 0 }, ins = { 0 };
	PGresult *res, *q;
	size_t n = strlen(l->cols.list), *rowi;
	long long closed;
	int k;

	c->records = c->updated = 0;
	versions_sql(l, from, &sql);
	if ((res = step(l, sql.p, NULL)) != NULL)
		return ld_loader_conflict(l, res, "cannot merge the staged versions");
	ds_buf_reset(&sql);
	ds_buf_printf(&sql, "SELECT h.ds_hn, s.k FROM " HIST " h JOIN (SELECT n,"
	    " row_number() OVER (ORDER BY n) - 1 AS k FROM %s) s ON s.n = h.ds_hn"
	    " ORDER BY h.ds_hn", from);
	q = ds_db_exec(l->conn, sql.p, "cannot read the new versions");
	/* the rows before any is refused: refusing one makes the next live rows shift */
	rowi = ds_xcalloc((size_t)PQntuples(q) + 1, sizeof(*rowi));
	for (k = 0; k < PQntuples(q); k++)
		rowi[k] = ld_rows_nth_live(&l->rows, 0, l->rows.n,
		    (size_t)strtoull(PQgetvalue(q, k, 1), NULL, 10));
	ds_buf_printf(&close, "UPDATE %s e SET valid_to = h.ds_hvf FROM " HIST " h"
	    " WHERE h.ds_hn = $1::bigint AND e.id = h.ds_hid AND e.valid_to IS NULL",
	    l->qtable);
	ds_buf_printf(&ins, "INSERT INTO %s", l->qtable);
	ds_buf_add(&ins, l->cols.list, n - 1);
	ds_buf_printf(&ins, ", valid_from) SELECT %s, h.ds_hvf FROM " HIST " h JOIN %s s"
	    " ON s.n = h.ds_hn WHERE h.ds_hn = $1::bigint", m == DS_M_TEXT ?
	    l->cols.casts : l->cols.names, from);
	for (k = 0; k < PQntuples(q); k++) {
		closed = 0;
		ld_loader_exec(l, "SAVEPOINT ds_version", "cannot set a savepoint");
		if ((res = one(l, close.p, PQgetvalue(q, k, 0), &closed)) == NULL &&
		    (res = one(l, ins.p, PQgetvalue(q, k, 0), &c->records)) == NULL) {
			c->updated += closed;
			ld_loader_exec(l, "RELEASE SAVEPOINT ds_version",
			    "cannot release a savepoint");
			continue;
		}
		if (PQstatus(l->conn) != CONNECTION_OK || ds_db_retryable(res) ||
		    !ds_db_row_error(ds_db_sqlstate(res))) {
			PQclear(q);
			free(rowi);
			ds_buf_free(&sql);
			ds_buf_free(&close);
			ds_buf_free(&ins);
			return ld_loader_conflict(l, res, "cannot merge the staged versions");
		}
		ld_loader_exec(l, "ROLLBACK TO SAVEPOINT ds_version; RELEASE SAVEPOINT"
		    " ds_version", "cannot roll back to a savepoint");
		ld_book_refuse(l, rowi[k], res);
		PQclear(res);
	}
	PQclear(q);
	free(rowi);
	ds_buf_free(&sql);
	ds_buf_free(&close);
	ds_buf_free(&ins);
	return DS_DONE;
}

enum ds_outcome
ld_history_merge(struct ds_loader *l, enum ds_mode m, struct ds_counts *c)
{
	long long staged = l->loaded;
	size_t refused = l->rows.nref;
	PGresult *res;

	c->records = c->updated = 0;
	/*
	 * Probe the indexes for each staged id, never scan the table; no JIT: the
	 * anti-join's estimate makes the server compile the plan, which took longer
	 * (0.45 s a batch) than running it
	 */
	ld_loader_exec(l, "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;"
	    " SET LOCAL jit = off; SAVEPOINT ds_hist", "cannot set the merge plan");
	if ((res = merge(l, m, c)) == NULL) {
		ld_loader_exec(l, "RELEASE SAVEPOINT ds_hist", "cannot release a savepoint");
		c->duplicates = staged - c->records;
		return DS_DONE;
	}
	if (PQstatus(l->conn) != CONNECTION_OK || ds_db_retryable(res))
		return ld_loader_conflict(l, res, "cannot merge the staged versions");
	if (m == DS_M_TEXT && strncmp(ds_db_sqlstate(res), "22", 2) == 0) {
		/* a value that does not cast: COPY into typed staging names its row */
		PQclear(res);
		return DS_RECAST;
	}
	if (!ds_db_row_error(ds_db_sqlstate(res)))
		ds_db_die(l->conn, res, "cannot merge the staged versions into the history"
		    " table");
	PQclear(res);
	ld_loader_exec(l, "ROLLBACK TO SAVEPOINT ds_hist; RELEASE SAVEPOINT ds_hist",
	    "cannot roll back to a savepoint");
	if (one_by_one(l, m, c) != DS_DONE)
		return DS_RETRY;
	c->duplicates = staged - c->records - (long long)(l->rows.nref - refused);
	return DS_DONE;
}
