/*
 * snapshot.c - ds-load --mode snapshot: each complete pass of the source
 * is the whole truth. A row the pass inserted or changed has an
 * ingested_at since the pass began (ds_snapshot_passes: the earliest start
 * of its batches' transactions); every batch records the other ids it
 * holds (met stored already) in ds_snapshot_seen (stream, epoch), in its
 * own transaction, so a pass cut by a crash resumes with what it has seen.
 * The batch that stores the pass's last checkpoint (has_more false) marks
 * the stream's rows the pass did not see deleted (deleted_at, or deletes
 * them), clears deleted_at of those seen again, and forgets the pass, all
 * before its checkpoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "copy.h"
#include "../db/db.h"
#include "loader.h"

/*
 * The stream's epoch as text into b (0 when it has no ds_streams row):
 * a reset or set bumps it, so the ids of a pass abandoned so are ignored.
 * NULL, or the failed result (caller clears).
 */
static PGresult *
epoch(struct ds_loader *l, struct ds_buf *b)
{
	const char *vals[1] = { l->stream };
	PGresult *res;

	res = PQexecParams(l->conn, "SELECT coalesce((SELECT epoch FROM ds_streams"
	    " WHERE stream = $1), 0)", 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return res;
	ds_buf_adds(b, PQgetvalue(res, 0, 0));
	PQclear(res);
	return NULL;
}

const char *
ld_snapshot_key(const struct ds_loader *l, size_t i, size_t *n)
{
	const char *row = l->rows.text.p + l->rows.off[i];
	size_t len = ld_rows_end(&l->rows, i) - l->rows.off[i];
	const char *tab = memchr(row, '\t', len);

	*n = tab != NULL ? (size_t)(tab - row) : len;
	return row;
}

/*
 * COPY into ds_snapshot_seen under epoch ep the ids of the batch's rows
 * that it may not have written (all are in the source): through staging,
 * every row (stored unchanged or not, the merge does not say); when COPY
 * into the table loaded it, the rows found stored or refused. NULL, or the
 * failed result (caller clears).
 */
static PGresult *
record_seen(struct ds_loader *l, const char *ep)
{
	struct ds_buf b = { 0 };
	const char *key;
	PGresult *res;
	size_t i, n;

	if ((res = ld_copy_begin(l->conn, "ds_snapshot_seen (stream, epoch, id)")) != NULL)
		return res;
	for (i = 0; i < l->rows.n; i++) {
		if (l->path == DS_M_TABLE && l->rows.state[i] == DS_ROW_LIVE)
			continue;
		key = ld_snapshot_key(l, i, &n);
		ds_buf_printf(&b, "%s\t%s\t", l->stream, ep);
		ds_buf_add(&b, key, n);
		ds_buf_addc(&b, '\n');
		if (b.len >= 128 * 1024) {
			if (ld_copy_put(l->conn, b.p, b.len) != 0)
				ds_db_die(l->conn, NULL, "lost the connection while recording"
				    " the ids a snapshot pass has seen");
			ds_buf_reset(&b);
		}
	}
	if (b.len > 0 && ld_copy_put(l->conn, b.p, b.len) != 0)
		ds_db_die(l->conn, NULL, "lost the connection while recording the ids a"
		    " snapshot pass has seen");
	ds_buf_free(&b);
	return ld_copy_end(l->conn, NULL);
}

/*
 * Run the statement sql with the stream and epoch ep as $1 and $2; its row
 * count into *n. NULL, or the failed result (caller clears).
 */
static PGresult *
end_step(struct ds_loader *l, const char *sql, const char *ep, long long *n)
{
	const char *vals[2] = { l->stream, ep };
	PGresult *res;

	res = PQexecParams(l->conn, sql, 2, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return res;
	*n = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return NULL;
}

/*
 * The pass is complete: the stream's rows it did not see are marked
 * deleted (or deleted), those it saw again are restored, and its ids are
 * forgotten. NULL, or the failed result (caller clears).
 */
static PGresult *
pass_end(struct ds_loader *l, const char *ep)
{
	struct ds_buf gone = { 0 }, back = { 0 };
	const char *seen = " EXISTS (SELECT 1 FROM ds_snapshot_seen s WHERE s.stream = $1"
	    " AND s.epoch = $2::bigint AND s.id = t.id) OR t.ingested_at >= (SELECT"
	    " p.started_at FROM ds_snapshot_passes p WHERE p.stream = $1 AND p.epoch ="
	    " $2::bigint)";
	long long marked = 0, restored = 0, forgot = 0, passes = 0;
	PGresult *res;

	/*
	 * An anti-join of the whole stream: hashed (the merge may have turned hash
	 * joins off; without statistics on a young ds_snapshot_seen the planner
	 * would scan it once per row), not compiled (JIT took longer than the join)
	 */
	res = PQexec(l->conn, "SET LOCAL enable_hashjoin = on; SET LOCAL enable_mergejoin = on;"
	    " SET LOCAL enable_nestloop = off; SET LOCAL jit = off");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return res;
	PQclear(res);
	if (l->wmode == DS_WM_SNAPSHOT_DELETE)
		ds_buf_printf(&gone, "DELETE FROM %s t WHERE t.stream = $1 AND NOT (%s)",
		    l->qtable, seen);
	else
		ds_buf_printf(&gone, "UPDATE %s t SET deleted_at = now() WHERE t.stream = $1"
		    " AND t.deleted_at IS NULL AND NOT (%s)", l->qtable, seen);
	ds_buf_printf(&back, "UPDATE %s t SET deleted_at = NULL WHERE t.stream = $1"
	    " AND t.deleted_at IS NOT NULL AND (%s)", l->qtable, seen);
	if ((res = end_step(l, gone.p, ep, &marked)) == NULL &&
	    (res = end_step(l, back.p, ep, &restored)) == NULL)
		res = end_step(l, "DELETE FROM ds_snapshot_seen WHERE stream = $1"
		    " AND $2::text IS NOT NULL", ep, &forgot);
	if (res == NULL)
		res = end_step(l, "DELETE FROM ds_snapshot_passes WHERE stream = $1"
		    " AND $2::text IS NOT NULL", ep, &passes);
	if (res == NULL)
		ds_logkv(DS_LOG_INFO, "snapshot pass complete", "stream=%s table=%s %s=%lld"
		    " restored=%lld seen_stored=%lld", l->stream, l->table,
		    l->wmode == DS_WM_SNAPSHOT_DELETE ? "deleted" : "marked_deleted",
		    marked, restored, forgot);
	ds_buf_free(&gone);
	ds_buf_free(&back);
	return res;
}

/*
 * Note that the pass (stream, epoch ep) began no later than this batch's
 * transaction: with --jobs a later batch may have begun before an earlier
 * one. NULL, or the failed result (caller clears).
 */
static PGresult *
pass_began(struct ds_loader *l, const char *ep)
{
	long long n;

	return end_step(l, "INSERT INTO ds_snapshot_passes AS p (stream, epoch)"
	    " VALUES ($1, $2::bigint) ON CONFLICT (stream, epoch) DO UPDATE"
	    " SET started_at = EXCLUDED.started_at"
	    " WHERE EXCLUDED.started_at < p.started_at", ep, &n);
}

PGresult *
ld_snapshot_book(struct ds_loader *l)
{
	struct ds_buf ep = { 0 };
	PGresult *res;

	if ((res = epoch(l, &ep)) == NULL)
		res = pass_began(l, ep.p);
	/* a batch COPY loaded whole wrote all its rows: nothing to record */
	if (res == NULL && l->rows.n > 0 &&
	    (l->path != DS_M_TABLE || l->rows.nskip + l->rows.nref > 0)) {
		if (PQresultStatus(res = record_seen(l, ep.p)) == PGRES_COMMAND_OK) {
			PQclear(res);
			res = NULL;
		}
	}
	if (res == NULL && l->have_cp && !l->cp_has_more)
		res = pass_end(l, ep.p);
	ds_buf_free(&ep);
	return res;
}
