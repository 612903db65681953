#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "copy.h"
#include "../db/db.h"
#include "loader.h"

/*
 * Append " (column NAME)" to b when the COPY context of res names a declared
 * column (a value that does not cast: the message names the value).
 */
static void
declared_column(const PGresult *res, struct ds_buf *b)
{
	const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT), *p;
	const struct ds_column *col;
	struct ds_buf name = { 0 };
	size_t n;

	if (ctx == NULL || strncmp(ctx, "COPY ", 5) != 0 ||
	    (p = strstr(ctx, ", column ")) == NULL)
		return;
	p += 9;
	n = strcspn(p, ":\n");
	ds_buf_add(&name, p, n);
	ds_buf_terminate(&name);
	if ((col = ld_columns_find(ds_cols, ds_ncols, name.p)) != NULL &&
	    col->fill == DS_FILL_PATH) {
		ds_buf_printf(b, " (column %s)", name.p);
		ds_buf_terminate(b);
	}
	ds_buf_free(&name);
}

/*
 * The reason stored for a refused row: the server's message and its detail,
 * but not a detail that changes from run to run ("Failing row contains"
 * has ingested_at, "Index row references tuple" a location), so a replay
 * finds the reject stored. Caller frees b.
 */
static void
reason(PGconn *conn, const PGresult *res, struct ds_buf *b)
{
	const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

	if (m == NULL || d == NULL || (strncmp(d, "Failing row contains", 20) != 0 &&
	    strncmp(d, "Index row references tuple", 26) != 0)) {
		ds_db_message(conn, res, b);
		declared_column(res, b);
		return;
	}
	ds_buf_add(b, m, strcspn(m, "\n"));
	ds_buf_terminate(b);
}

/*
 * Refuse row i with msg (taken over; malloc'd) and sqlstate; it is logged
 * once its batch commits (log_refusals), when its page's seq is known.
 */
static void
refuse(struct ds_loader *l, size_t i, char *msg, const char *sqlstate)
{
	ld_rows_refuse(&l->rows, i, msg, sqlstate);
	l->rejseen++;
}

/* Log each row the committed batch stored in ds_rejects: id, page seq, reason. */
static void
log_refusals(const struct ds_loader *l)
{
	struct ds_buf id = { 0 }, kv = { 0 };
	const struct ds_refusal *f;
	size_t i;

	for (i = 0; i < l->rows.nref; i++) {
		f = &l->rows.ref[i];
		ds_buf_reset(&id);
		ds_buf_reset(&kv);
		ld_rows_field(&l->rows, f->row, 0, &id);
		ds_buf_adds(&kv, "id=");
		ds_log_quote(&kv, id.p, id.len);
		if (l->rows.pageseq[f->row] >= 0)	/* else a line of no page */
			ds_buf_printf(&kv, " seq=%lld", l->rows.pageseq[f->row]);
		ds_buf_printf(&kv, " sqlstate=%s error=", f->sqlstate);
		ds_log_quote(&kv, f->msg, strlen(f->msg));
		ds_logkv(DS_LOG_WARN, "row refused by PostgreSQL, stored in ds_rejects", "%s",
		    kv.p);
	}
	ds_buf_free(&id);
	ds_buf_free(&kv);
}

void
ld_book_refuse(struct ds_loader *l, size_t i, const PGresult *res)
{
	struct ds_buf msg = { 0 };

	reason(l->conn, res, &msg);
	refuse(l, i, msg.p, ds_db_sqlstate(res));
}

void
ld_book_refuse_msg(struct ds_loader *l, size_t i, const char *msg)
{
	refuse(l, i, ds_xstrdup(msg), "none");
}

/*
 * Insert the ds_rejects COPY lines of b one at a time, each unless stored
 * already (a replayed page's): the way without a temp table. Adds the rows
 * inserted to *n. NULL on success, else the failed result (caller clears).
 */
static PGresult *
rejects_one_by_one(struct ds_loader *l, const struct ds_buf *b, long long *n)
{
	struct ds_buf f[4] = { { 0 } };
	const char *p = b->p, *end = b->p + b->len, *eol, *tab, *vals[4];
	PGresult *res = NULL;
	int k;

	for (; p != NULL && p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		for (k = 0; k < 4; k++) {
			tab = k < 3 ? memchr(p, '\t', (size_t)(eol - p)) : eol;
			ds_buf_reset(&f[k]);
			ld_copy_unfield(&f[k], p, (size_t)(tab - p));
			ds_buf_terminate(&f[k]);
			vals[k] = tab - p == 2 && memcmp(p, "\\N", 2) == 0 ? NULL : f[k].p;
			p = tab + 1;
		}
		res = PQexecParams(l->conn, "INSERT INTO ds_rejects (stream, seq, reason, raw)"
		    " SELECT $1, $2::bigint, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM ds_rejects r"
		    " WHERE r.stream IS NOT DISTINCT FROM $1 AND md5(r.raw) = md5($4)"
		    " AND r.reason = $3)", 4, NULL, vals, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			break;
		*n += strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		res = NULL;
	}
	for (k = 0; k < 4; k++)
		ds_buf_free(&f[k]);
	return res;
}

/*
 * Store the COPY lines of the rejects (from ds-transform, in l->rows.rej)
 * and the refused rows (in refused) through the staging table, each
 * unless stored already (a replayed page's); the count stored goes to
 * c. NULL on success, else the failed result (caller clears).
 */
static PGresult *
rejects_staged(struct ds_loader *l, const struct ds_buf *refused, struct ds_counts *c)
{
	PGresult *res;

	if ((res = ld_copy_begin(l->conn,
	    "pg_temp.ds_stage_rej (stream, seq, reason, raw)")) != NULL)
		return res;
	if (ld_copy_put(l->conn, l->rows.rej.p, l->rows.rej.len) != 0 ||
	    ld_copy_put(l->conn, refused->p, refused->len) != 0)
		ds_db_die(l->conn, NULL, "lost the connection while storing rejects");
	res = ld_copy_end(l->conn, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return res;
	PQclear(res);
	/* rejects of a replayed page are stored already */
	res = PQexec(l->conn, "INSERT INTO ds_rejects (stream, seq, reason, raw)"
	    " SELECT stream, seq, reason, raw FROM (SELECT DISTINCT ON (md5(raw), reason)"
	    " * FROM pg_temp.ds_stage_rej ORDER BY md5(raw), reason, n) s"
	    " WHERE NOT EXISTS (SELECT 1 FROM ds_rejects r"
	    " WHERE r.stream IS NOT DISTINCT FROM s.stream AND md5(r.raw) = md5(s.raw)"
	    " AND r.reason = s.reason) ORDER BY n");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return res;
	c->rejects = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return NULL;
}

/*
 * Store the batch's rejects (from ds-transform) and refused rows in
 * ds_rejects, each unless stored already (a replayed page's); the count
 * stored goes to c. NULL on success, else the failed result (caller clears).
 */
static PGresult *
store_rejects(struct ds_loader *l, struct ds_counts *c)
{
	struct ds_buf refused = { 0 };
	PGresult *res;

	ld_rows_refusals(&l->rows, l->stream, l->cols.raw, &refused);
	if (ld_strategy_staging(l) == DS_DONE)
		res = rejects_staged(l, &refused, c);
	else {
		c->rejects = 0;
		if ((res = rejects_one_by_one(l, &l->rows.rej, &c->rejects)) == NULL)
			res = rejects_one_by_one(l, &refused, &c->rejects);
	}
	ds_buf_free(&refused);
	return res;
}

/* The bookkeeping statements of the batch, in its open transaction; NULL or the failed result. */
static PGresult *
book(struct ds_loader *l, struct ds_counts *c)
{
	struct ds_counts cc;
	PGresult *res;
	size_t i;

	if (l->rows.nrej + l->rows.nref > 0 && (res = store_rejects(l, c)) != NULL)
		return res;
	for (i = 0; i < l->nsch; i++)
		if ((res = l->sch[i].fields == NULL ?
		    ld_catalog_discard(l->conn, l->stream, l->sch[i].discarded) :
		    ld_catalog_schema(l->conn, l->stream, l->table,
		    l->sch[i].fields, l->sch[i].removed)) != NULL)
			return res;
	cc = *c;
	cc.duplicates += l->repeats;
	if ((res = ld_catalog_add(l->conn, l->run, l->stream, l->table, &cc)) != NULL)
		return res;
	if (l->wmode >= DS_WM_SNAPSHOT && (res = ld_snapshot_book(l)) != NULL)
		return res;
	if (l->have_cp && (res = ld_catalog_checkpoint(l->conn, l->stream, l->cp_seq,
	    l->cp_cursor, l->cp_has_more, c->records)) != NULL)
		return res;
	res = PQexec(l->conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return res;
	PQclear(res);
	return NULL;
}

enum ds_outcome
ld_book_commit(struct ds_loader *l, struct ds_counts *c)
{
	PGresult *res;

	/* the bookkeeping rows are shared: batches write them in order */
	if (l->ord.wait != NULL && l->ord.wait(l->ord.arg) != 0)
		return DS_RETRY;
	if ((res = book(l, c)) != NULL)
		return ld_loader_conflict(l, res, "cannot commit the batch");
	if (l->staging == DS_STAGING_OPEN)
		l->staging = DS_STAGING_MADE;
	log_refusals(l);
	if (l->ord.committed != NULL)
		l->ord.committed(l->ord.arg);
	return DS_DONE;
}
