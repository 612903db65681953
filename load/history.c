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
ds_history_staging(struct ds_loader *l)
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
	struct ds_keyset *ks = ds_keyset_new(2);
	const char *key;
	size_t i, n;
	int dup = 0;

	for (i = 0; i < l->rows.n && !dup; i++) {
		if (l->rows.state[i] != DS_ROW_LIVE)
			continue;
		key = ds_snapshot_key(l, i, &n);
		dup = ds_keyset_add(ks, key, n, "", 0) == 1;
	}
	ds_keyset_free(ks);
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
	ds_buf_printf(&sql, "SET LOCAL enable_hashjoin = on; INSERT INTO %s", l->qtable);
	ds_buf_add(&sql, l->cols.list, n - 1);
	ds_buf_printf(&sql, ", valid_from, valid_to) SELECT %s, h.ds_hvf, h.ds_hvt FROM "
	    HIST " h JOIN %s s ON s.n = h.ds_hn", m == DS_M_TEXT ? l->cols.casts :
	    l->cols.names, from);
	res = step(l, sql.p, &c->records);
out:
	ds_buf_free(&sql);
	return res;
}

enum ds_outcome
ds_history_merge(struct ds_loader *l, enum ds_mode m, struct ds_counts *c)
{
	long long staged = l->loaded;
	PGresult *res;

	c->records = c->updated = 0;
	/*
	 * Probe the indexes for each staged id, never scan the table; no JIT: the
	 * anti-join's estimate makes the server compile the plan, which took longer
	 * (0.45 s a batch) than running it
	 */
	ds_loader_exec(l, "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;"
	    " SET LOCAL jit = off; SAVEPOINT ds_hist", "cannot set the merge plan");
	if ((res = merge(l, m, c)) == NULL) {
		ds_loader_exec(l, "RELEASE SAVEPOINT ds_hist", "cannot release a savepoint");
		c->duplicates = staged - c->records;
		return DS_DONE;
	}
	if (PQstatus(l->conn) != CONNECTION_OK || ds_db_retryable(res))
		return ds_loader_conflict(l, res, "cannot merge the staged versions");
	if (m == DS_M_TEXT && strncmp(ds_db_sqlstate(res), "22", 2) == 0) {
		/* a value that does not cast: COPY into typed staging names its row */
		PQclear(res);
		return DS_RECAST;
	}
	ds_db_die(l->conn, res, "cannot merge the staged versions into the history table"
	    " (a constraint or trigger of the table refuses a version)");
}
