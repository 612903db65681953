#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "copy.h"
#include "../db/db.h"
#include "keyset.h"
#include "loader.h"

enum ds_outcome
ld_strategy_staging(struct ds_loader *l)
{
	int open = PQtransactionStatus(l->conn) == PQTRANS_INTRANS;
	struct ds_buf sql = { 0 };
	PGresult *res;

	if (l->staging != DS_STAGING_NONE)
		return DS_DONE;
	if (l->notemp)
		return DS_NOTEMP;
	if (open)
		ld_loader_exec(l, "SAVEPOINT ds_temp", "cannot set a savepoint");
	ds_buf_adds(&sql, l->cols.staging);
	ds_buf_adds(&sql, "; CREATE TEMP TABLE IF NOT EXISTS ds_stage_rej"
	    " (stream text, seq bigint, reason text, raw text, n bigserial)"
	    " ON COMMIT DELETE ROWS");
	res = PQexec(l->conn, sql.p);
	ds_buf_free(&sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		if (open)
			ld_loader_exec(l, "RELEASE SAVEPOINT ds_temp",
			    "cannot release a savepoint");
		l->staging = open ? DS_STAGING_OPEN : DS_STAGING_MADE;
		return DS_DONE;
	}
	if (PQstatus(l->conn) != CONNECTION_OK || strcmp(ds_db_sqlstate(res), "42501") != 0)
		ds_db_die(l->conn, res, "cannot create the staging tables");
	if (open)
		ld_loader_exec(l, "ROLLBACK TO SAVEPOINT ds_temp; RELEASE SAVEPOINT ds_temp",
		    "cannot roll back to a savepoint");
	ds_logkv(DS_LOG_INFO, "no TEMP privilege: stored ids are looked up and rejects"
	    " stored one by one (--on-conflict update needs it to replay)", NULL);
	PQclear(res);
	l->notemp = 1;
	return DS_NOTEMP;
}

void
ld_strategy_need_staging(struct ds_loader *l)
{
	if (ld_strategy_staging(l) != DS_DONE && l->rls) {
		ds_logkv(DS_LOG_ERROR, "cannot load: row-level security on the table refuses"
		    " COPY and staging needs the TEMP privilege: GRANT TEMP ON DATABASE ..."
		    " TO the role, or load as the table's owner or a BYPASSRLS role",
		    "table=%s status=permanent", l->table);
		ds_db_exit(DS_EX_PERM);
	}
	if (ld_strategy_staging(l) != DS_DONE) {
		ds_logkv(DS_LOG_ERROR, "cannot stage this batch (--on-conflict update"
		    " with ids stored already): the role needs the TEMP privilege"
		    " (GRANT TEMP ON DATABASE ... TO it)", "status=permanent");
		ds_db_exit(DS_EX_PERM);
	}
}

/* Append id (n bytes) to b as an element of a text array literal. */
static void
array_elem(struct ds_buf *b, const char *id, size_t n)
{
	size_t i;

	ds_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (id[i] == '"' || id[i] == '\\')
			ds_buf_addc(b, '\\');
		ds_buf_addc(b, id[i]);
	}
	ds_buf_addc(b, '"');
}

/*
 * The ids of the live rows of [lo, hi) that the table holds, found with one
 * query in the open transaction (caller frees the key set).
 */
static struct ds_keyset *
stored_ids(struct ds_loader *l, size_t lo, size_t hi)
{
	struct ds_buf arr = { 0 }, id = { 0 }, sql = { 0 };
	struct ds_keyset *stored = ld_keyset_new(2);
	const char *vals[1];
	PGresult *res;
	size_t i;
	int k;

	ds_buf_addc(&arr, '{');
	for (i = lo; i < hi; i++) {
		if (l->rows.state[i] != DS_ROW_LIVE)
			continue;
		ds_buf_reset(&id);
		ld_rows_field(&l->rows, i, 0, &id);
		if (arr.len > 1)
			ds_buf_addc(&arr, ',');
		array_elem(&arr, id.p, id.len);
	}
	ds_buf_adds(&arr, "}");
	ds_buf_printf(&sql, "SELECT id FROM %s WHERE id = ANY($1::text[])", l->qtable);
	vals[0] = arr.p;
	res = ds_db_execp(l->conn, sql.p, 1, vals, "cannot look up stored ids");
	for (k = 0; k < PQntuples(res); k++)
		(void)ld_keyset_add(stored, PQgetvalue(res, k, 0),
		    (size_t)PQgetlength(res, k, 0), "", 0);
	PQclear(res);
	ds_buf_free(&arr);
	ds_buf_free(&id);
	ds_buf_free(&sql);
	return stored;
}

/* Non-zero when the id of row i is in ks (and adds it when it is not). */
static int
row_in(struct ds_loader *l, struct ds_keyset *ks, size_t i, struct ds_buf *id)
{
	ds_buf_reset(id);
	ld_rows_field(&l->rows, i, 0, id);
	return ld_keyset_add(ks, id->p, id->len, "", 0) == 1;
}

void
ld_strategy_skip_stored(struct ds_loader *l)
{
	struct ds_keyset *stored = stored_ids(l, 0, l->rows.n);
	struct ds_buf id = { 0 };
	size_t i;

	for (i = 0; i < l->rows.n; i++)
		if (l->rows.state[i] == DS_ROW_LIVE && row_in(l, stored, i, &id))
			ld_rows_skip(&l->rows, i);
	ld_keyset_free(stored);
	ds_buf_free(&id);
}

/*
 * Fewer rows of [lo, hi) than were live reached the table: a BEFORE INSERT
 * trigger returned NULL for some. Refuse each live row whose id the table
 * does not hold, saying so.
 */
static void
refuse_dropped(struct ds_loader *l, size_t lo, size_t hi)
{
	struct ds_keyset *stored = stored_ids(l, lo, hi);
	struct ds_buf id = { 0 }, msg = { 0 };
	size_t i;

	ds_buf_printf(&msg, "not stored: a BEFORE INSERT trigger on %s returned NULL",
	    l->table);
	for (i = lo; i < hi; i++)
		if (l->rows.state[i] == DS_ROW_LIVE && !row_in(l, stored, i, &id))
			ld_book_refuse_msg(l, i, msg.p);
	ld_keyset_free(stored);
	ds_buf_free(&id);
	ds_buf_free(&msg);
}

/*
 * Non-zero when a failed res is COPY's refusal of a table with row-level
 * security (0A000): INSERT ... SELECT from staging works under it.
 */
static int
rls_copy(const PGresult *res)
{
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	return strcmp(ds_db_sqlstate(res), "0A000") == 0 && msg != NULL &&
	    strstr(msg, "row-level security") != NULL;
}

/* Open the streamed COPY (and its transaction) if none is open. */
static void
stream_open(struct ds_loader *l)
{
	PGresult *res;
	int stage;

	if (l->copying != DS_M_NONE)
		return;
	if (l->rls || l->wmode == DS_WM_HISTORY)
		ld_strategy_need_staging(l);
	if (l->stage_next && ld_strategy_staging(l) != DS_DONE)
		l->stage_next = 0;
	stage = l->stage_next || l->rls || l->wmode == DS_WM_HISTORY;
	ld_loader_begin(l);
	if ((res = ld_copy_begin(l->conn, stage ? l->text_target : l->target)) != NULL) {
		if (stage || PQstatus(l->conn) != CONNECTION_OK || !rls_copy(res))
			ds_db_die(l->conn, res, "cannot start COPY");
		PQclear(res);
		ld_loader_rollback(l);
		l->rls = 1;
		ds_logkv(DS_LOG_INFO, "row-level security refuses COPY into the table:"
		    " loading through staging", "table=%s", l->table);
		stream_open(l);
		return;
	}
	l->copying = stage ? DS_M_TEXT : DS_M_TABLE;
}

void
ld_strategy_flush(struct ds_loader *l)
{
	if (l->sent == l->rows.n || l->ord.wait != NULL)
		return;
	stream_open(l);
	if (ld_copy_put(l->conn, l->rows.text.p + l->rows.off[l->sent],
	    l->rows.text.len - l->rows.off[l->sent]) != 0)
		ds_db_die(l->conn, NULL, "lost the connection while sending rows");
	l->sent = l->rows.n;
}

enum ds_outcome
ld_strategy_stream_end(struct ds_loader *l, enum ds_mode *m, struct ds_counts *c)
{
	PGresult *res;
	enum ds_outcome r = DS_DONE;

	*m = l->copying;
	l->copying = DS_M_NONE;
	res = ld_copy_end(l->conn, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		if (PQstatus(l->conn) != CONNECTION_OK)
			ds_db_die(l->conn, res, "lost the connection while loading rows");
		/* a stored id (to stage) or a refused row (to isolate) */
		r = *m != DS_M_TABLE || (l->update &&
		    strcmp(ds_db_sqlstate(res), "23505") == 0) ? DS_STORED : DS_RETRY;
		*m = r == DS_STORED ? DS_M_TEXT : DS_M_TABLE;
		PQclear(res);
		ld_loader_rollback(l);
		return r;
	}
	l->loaded = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	if (*m == DS_M_TABLE && (size_t)l->loaded < l->rows.n - l->rows.nskip - l->rows.nref)
		refuse_dropped(l, 0, l->rows.n);
	c->records = l->loaded;
	l->path = *m;
	if (*m == DS_M_TABLE || (r = ld_strategy_merge(l, *m, c)) == DS_DONE)
		return DS_DONE;
	ld_loader_rollback(l);
	if (r == DS_RECAST)
		*m = DS_M_STAGE;
	return r;
}

void
ld_strategy_stream_abort(struct ds_loader *l)
{
	PQclear(ld_copy_end(l->conn, "a partial page is dropped"));
	if (PQstatus(l->conn) != CONNECTION_OK)
		ds_db_die(l->conn, NULL, "lost the connection while loading rows");
	ld_loader_rollback(l);
	l->copying = DS_M_NONE;
	l->sent = 0;
}

/* COPY the live rows of [lo, hi) into mode's table; the result (caller clears). */
static PGresult *
copy_rows(struct ds_loader *l, size_t lo, size_t hi, enum ds_mode m)
{
	const struct ds_rows *rows = &l->rows;
	PGresult *res;
	size_t i, run;

	if ((res = ld_copy_begin(l->conn, m == DS_M_STAGE ? l->stage_target :
	    m == DS_M_TEXT ? l->text_target : l->target)) != NULL)
		return res;
	for (i = lo; i < hi; ) {
		if (rows->state[i] != DS_ROW_LIVE) {
			i++;
			continue;
		}
		for (run = i; run < hi && rows->state[run] == DS_ROW_LIVE; run++)
			;
		if (ld_copy_put(l->conn, rows->text.p + rows->off[i],
		    ld_rows_end(rows, run - 1) - rows->off[i]) != 0)
			ds_db_die(l->conn, NULL, "lost the connection while sending rows");
		i = run;
	}
	return ld_copy_end(l->conn, NULL);
}

/*
 * The 1-based line of COPY's input that a failed res names, or 0: the
 * context has a line "COPY <relname>, line N" (other lines hold data).
 */
static size_t
context_line(const PGresult *res, const char *relname)
{
	const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT), *p;
	size_t rl = strlen(relname);

	for (p = ctx; p != NULL && *p != '\0'; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, "COPY ", 5) == 0 && strncmp(p + 5, relname, rl) == 0 &&
		    strncmp(p + 5 + rl, ", line ", 7) == 0)
			return (size_t)strtoull(p + 12 + rl, NULL, 10);
	return 0;
}

/*
 * Non-zero when a failed res was raised by a RAISE or ASSERT statement of
 * a PL/pgSQL function (the innermost line of its context says so): a
 * user's trigger refusing a row, with whatever SQLSTATE it chose.
 */
static int
raised(const PGresult *res)
{
	const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT);
	size_t n;

	if (ctx == NULL || strncmp(ctx, "PL/pgSQL function ", 18) != 0)
		return 0;
	n = strcspn(ctx, "\n");
	return (n > 9 && memcmp(ctx + n - 9, " at RAISE", 9) == 0) ||
	    (n > 10 && memcmp(ctx + n - 10, " at ASSERT", 10) == 0);
}

/*
 * Non-zero for a failed res that one row causes (so the row is refused):
 * the classes of ds_db_row_error(), a row-level security policy's WITH
 * CHECK, and an error a PL/pgSQL RAISE or ASSERT throws unless its class
 * is temporary; but not a NOT NULL violation of a column ds-load does not
 * write (the table is not what it expects).
 */
static int
row_error(const PGresult *res)
{
	const char *st = ds_db_sqlstate(res), *name, *msg;
	const struct ds_column *col;

	if (strcmp(st, "23502") == 0 &&
	    (name = PQresultErrorField(res, PG_DIAG_COLUMN_NAME)) != NULL)
		return (col = ld_columns_find(ds_cols, ds_ncols, name)) != NULL &&
		    col->fill != DS_FILL_NONE;
	if (strcmp(st, "42501") == 0)
		return (msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) != NULL &&
		    strncmp(msg, "new row violates row-level security policy", 42) == 0;
	if (ds_db_row_error(st))
		return 1;
	return *st != '\0' && ds_db_classify(st)->kind != DS_DB_TEMP && raised(res);
}

/*
 * Non-zero when a unique violation (23505, in res) by row i means its id
 * is stored already: the table's primary key was violated, or another
 * unique index was but the id is stored too. Else the row is refused.
 * Runs a query: the transaction must not be in a failed state.
 */
static int
stored(struct ds_loader *l, const PGresult *res, size_t i)
{
	const char *con = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	struct ds_buf id = { 0 }, sql = { 0 };
	const char *vals[1];
	PGresult *q;
	int yes;

	if (con == NULL || (l->pkey != NULL && strcmp(con, l->pkey) == 0))
		return 1;
	ld_rows_field(&l->rows, i, 0, &id);
	ds_buf_printf(&sql, "SELECT 1 FROM %s WHERE id = $1", l->qtable);
	vals[0] = id.p;
	q = ds_db_execp(l->conn, sql.p, 1, vals, "cannot look up a stored id");
	yes = PQntuples(q) > 0;
	PQclear(q);
	ds_buf_free(&id);
	ds_buf_free(&sql);
	return yes;
}

/*
 * Non-zero when row i, which the server refused, is stored already (with
 * --on-conflict update: with the same hash), so a replay skips it: a rule
 * added after the load (a CHECK ... NOT VALID, a trigger) refuses it only
 * as a new row. Runs a query: the transaction must not be in a failed state.
 */
static int
kept(struct ds_loader *l, size_t i)
{
	struct ds_buf id = { 0 }, hash = { 0 }, sql = { 0 };
	const char *vals[2];
	PGresult *q;
	int yes;

	ld_rows_field(&l->rows, i, 0, &id);
	vals[0] = id.p;
	ds_buf_printf(&sql, "SELECT 1 FROM %s WHERE id = $1", l->qtable);
	if (l->update) {
		ld_rows_field(&l->rows, i, l->cols.version, &hash);
		vals[1] = hash.p;
		ds_buf_adds(&sql, " AND hash = $2");
	}
	q = ds_db_execp(l->conn, sql.p, l->update ? 2 : 1, vals,
	    "cannot look up a stored id");
	yes = PQntuples(q) > 0;
	PQclear(q);
	ds_buf_free(&id);
	ds_buf_free(&hash);
	ds_buf_free(&sql);
	return yes;
}

/* Row k (0-based, of n) of the live rows of [lo, hi) that COPY's line names, or hi. */
static size_t
named_row(const struct ds_loader *l, size_t lo, size_t hi, size_t line, size_t n)
{
	return line >= 1 && line <= n ? ld_rows_nth_live(&l->rows, lo, hi, line - 1) : hi;
}

/*
 * A row error that names no row: load no row (an empty COPY into m's
 * table, or with merge the merge of an empty range) under a savepoint.
 * When that fails too, the statement itself is refused (a statement-level
 * trigger or a rule): exit naming it, refusing no row. Else return.
 */
static void	merge_sql(struct ds_loader *, enum ds_mode, long long, long long,
		    struct ds_buf *);

static void
statement_check(struct ds_loader *l, enum ds_mode m, int merge)
{
	struct ds_buf sql = { 0 };
	PGresult *res;

	ld_loader_exec(l, "SAVEPOINT ds_empty", "cannot set a savepoint");
	if (merge) {
		merge_sql(l, m, 0, 0, &sql);
		res = PQexec(l->conn, sql.p);
		ds_buf_free(&sql);
	} else
		res = copy_rows(l, 0, 0, m);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		ds_buf_printf(&sql, "cannot load into %s: the statement fails with no row"
		    " in it (a statement-level trigger or a rule refuses it)", l->table);
		ds_db_die(l->conn, res, sql.p);
	}
	PQclear(res);
	ld_loader_exec(l, "RELEASE SAVEPOINT ds_empty", "cannot release a savepoint");
}

enum ds_outcome
ld_strategy_rows(struct ds_loader *l, size_t lo, size_t hi, enum ds_mode m)
{
	PGresult *res;
	enum ds_outcome r;
	size_t n, bad, mid;
	long long got;
	const char *st;

	while ((n = ld_rows_live(&l->rows, lo, hi)) > 0) {
		ld_loader_exec(l, "SAVEPOINT ds_rows", "cannot set a savepoint");
		res = copy_rows(l, lo, hi, m);
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			got = strtoll(PQcmdTuples(res), NULL, 10);
			l->loaded += got;
			PQclear(res);
			ld_loader_exec(l, "RELEASE SAVEPOINT ds_rows",
			    "cannot release a savepoint");
			if (m == DS_M_TABLE && (size_t)got < n)
				refuse_dropped(l, lo, hi);
			return DS_DONE;
		}
		if (PQstatus(l->conn) != CONNECTION_OK)
			ds_db_die(l->conn, res, "lost the connection while loading rows");
		ld_loader_exec(l, "ROLLBACK TO SAVEPOINT ds_rows; RELEASE SAVEPOINT ds_rows",
		    "cannot roll back to a savepoint");
		if (m == DS_M_TABLE && rls_copy(res)) {
			PQclear(res);
			l->rls = 1;
			return DS_STORED;
		}
		st = ds_db_sqlstate(res);
		bad = named_row(l, lo, hi, context_line(res, m == DS_M_STAGE ? DS_STAGE_REL :
		    m == DS_M_TEXT ? DS_TEXT_REL : l->relname), n);
		if (strcmp(st, "23505") == 0 && (l->update || m != DS_M_TABLE ||
		    bad == hi || stored(l, res, bad))) {
			/* a few stored ids are skipped here; many go to staging */
			PQclear(res);
			if (l->update || m != DS_M_TABLE || bad == hi ||
			    (l->rows.nskip >= DS_MAX_SKIPS && !l->notemp))
				return DS_STORED;
			if ((r = ld_strategy_rows(l, lo, bad, m)) != DS_DONE)
				return r;
			ld_rows_skip(&l->rows, bad);
			lo = bad + 1;
			continue;
		}
		if (strncmp(st, "40", 2) == 0) {
			PQclear(res);
			return DS_RETRY;
		}
		if (!row_error(res))
			ds_db_die(l->conn, res, "cannot load rows");
		if (bad == hi)
			statement_check(l, m, 0);
		if (bad == hi && n == 1)
			bad = ld_rows_nth_live(&l->rows, lo, hi, 0);
		if (bad != hi) {
			/* the row the server names (or the only one) is refused */
			if ((r = ld_strategy_rows(l, lo, bad, m)) != DS_DONE) {
				PQclear(res);
				return r;
			}
			if (kept(l, bad))
				ld_rows_skip(&l->rows, bad);
			else
				ld_book_refuse(l, bad, res);
			PQclear(res);
			lo = bad + 1;
			continue;
		}
		PQclear(res);
		mid = ld_rows_nth_live(&l->rows, lo, hi, n / 2);
		if ((r = ld_strategy_rows(l, lo, mid, m)) != DS_DONE)
			return r;
		lo = mid;
	}
	return DS_DONE;
}

/*
 * Append to sql the statement that moves the rows staged in m's table into
 * the table: all of them, or with lo <= hi those whose n is in [lo, hi].
 */
static void
merge_sql(struct ds_loader *l, enum ds_mode m, long long lo, long long hi,
    struct ds_buf *sql)
{
	const char *from = m == DS_M_TEXT ? DS_TEXT : DS_STAGE;
	struct ds_buf range = { 0 };

	if (lo <= hi)
		ds_buf_printf(&range, "n BETWEEN %lld AND %lld", lo, hi);
	if (l->update)
		ds_buf_adds(sql, "WITH u AS (");
	ds_buf_adds(sql, "INSERT INTO ");
	ds_buf_adds(sql, l->qtable);
	ds_buf_printf(sql, " AS ds_t%s SELECT %s FROM ", l->cols.list,
	    m == DS_M_TEXT ? l->cols.casts : l->cols.names);
	/* with update, the last of a batch's rows with one id wins */
	if (l->update)
		ds_buf_printf(sql, "(SELECT DISTINCT ON (id) * FROM %s%s%s ORDER BY id, n DESC)",
		    from, range.len ? " WHERE " : "", range.len ? range.p : "");
	else
		ds_buf_adds(sql, from);
	ds_buf_adds(sql, " s WHERE ");
	if (range.len > 0 && !l->update) {
		ds_buf_adds(sql, "s.");
		ds_buf_adds(sql, range.p);
		ds_buf_adds(sql, " AND ");
	}
	ds_buf_adds(sql, "NOT EXISTS (SELECT 1 FROM ");
	ds_buf_adds(sql, l->qtable);
	ds_buf_adds(sql, l->update ? " e WHERE e.id = s.id AND e.hash = s.hash)" :
	    " e WHERE e.id = s.id)");
	if (!l->update)
		ds_buf_adds(sql, " ON CONFLICT (id) DO NOTHING");
	else
		ds_buf_printf(sql, " ON CONFLICT (id) DO UPDATE SET %s"
		    " WHERE ds_t.hash IS DISTINCT FROM EXCLUDED.hash", l->cols.set);
	if (l->update)
		ds_buf_adds(sql,
		    " RETURNING (xmax = 0) AS fresh)"
		    " SELECT count(*) FILTER (WHERE fresh), count(*) FILTER (WHERE NOT fresh)"
		    " FROM u");
	ds_buf_free(&range);
}

/* Add the rows a successful merge statement res inserted (and updated) to c. */
static void
merge_counts(const struct ds_loader *l, PGresult *res, struct ds_counts *c)
{
	if (l->update) {
		c->records += strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		c->updated += strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	} else
		c->records += strtoll(PQcmdTuples(res), NULL, 10);
}

/*
 * Merge the staged rows ns[lo..hi) (their n values; row[k] is the batch row
 * staged as ns[k]) under a savepoint, halving a range that fails with a
 * row error down to the row, which is refused. Counts go to c. DS_DONE or
 * DS_RETRY; exits on other errors.
 */
static enum ds_outcome
merge_part(struct ds_loader *l, enum ds_mode m, const long long *ns,
    const size_t *row, size_t lo, size_t hi, struct ds_counts *c)
{
	struct ds_buf sql = { 0 };
	PGresult *res;
	size_t mid;

	ld_loader_exec(l, "SAVEPOINT ds_merge", "cannot set a savepoint");
	merge_sql(l, m, ns[lo], ns[hi - 1], &sql);
	res = PQexec(l->conn, sql.p);
	ds_buf_free(&sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK) {
		merge_counts(l, res, c);
		PQclear(res);
		ld_loader_exec(l, "RELEASE SAVEPOINT ds_merge", "cannot release a savepoint");
		return DS_DONE;
	}
	if (PQstatus(l->conn) != CONNECTION_OK)
		ds_db_die(l->conn, res, "lost the connection while merging staged rows");
	ld_loader_exec(l, "ROLLBACK TO SAVEPOINT ds_merge; RELEASE SAVEPOINT ds_merge",
	    "cannot roll back to a savepoint");
	if (ds_db_retryable(res))
		return ld_loader_conflict(l, res, "cannot merge staged rows");
	if (!row_error(res))
		ds_db_die(l->conn, res, "cannot merge staged rows");
	if (hi - lo == 1) {
		if (kept(l, row[lo]))
			ld_rows_skip(&l->rows, row[lo]);
		else
			ld_book_refuse(l, row[lo], res);
		PQclear(res);
		return DS_DONE;
	}
	PQclear(res);
	mid = lo + (hi - lo) / 2;
	if (merge_part(l, m, ns, row, lo, mid, c) != DS_DONE)
		return DS_RETRY;
	return merge_part(l, m, ns, row, mid, hi, c);
}

/*
 * After the merge of all staged rows failed with a row error: merge them
 * again by ranges (see merge_part), so the rows the server refuses are
 * found and the others stored. The staged rows are the batch's live rows,
 * in order. DS_DONE or DS_RETRY.
 */
static enum ds_outcome
merge_isolated(struct ds_loader *l, enum ds_mode m, struct ds_counts *c)
{
	PGresult *res;
	long long *ns;
	size_t *row, k, i, nst, nlive = ld_rows_live(&l->rows, 0, l->rows.n);
	enum ds_outcome r;

	res = ds_db_exec(l->conn, m == DS_M_TEXT ? "SELECT n FROM " DS_TEXT " ORDER BY n" :
	    "SELECT n FROM " DS_STAGE " ORDER BY n", "cannot read the staged rows");
	nst = (size_t)PQntuples(res);
	if (nst != nlive) {
		ds_logkv(DS_LOG_ERROR, "staged rows do not match the batch", "staged=%zu"
		    " rows=%zu status=permanent", nst, nlive);
		ds_db_exit(DS_EX_PERM);
	}
	ns = ds_xcalloc(nst + 1, sizeof(*ns));
	row = ds_xcalloc(nst + 1, sizeof(*row));
	for (k = 0, i = 0; k < nst; k++, i++) {
		ns[k] = strtoll(PQgetvalue(res, (int)k, 0), NULL, 10);
		while (l->rows.state[i] != DS_ROW_LIVE)
			i++;
		row[k] = i;
	}
	PQclear(res);
	r = nst > 0 ? merge_part(l, m, ns, row, 0, nst, c) : DS_DONE;
	free(ns);
	free(row);
	return r;
}

/*
 * After a merge without update: the staged rows still live whose id the
 * table lacks were either dropped by a BEFORE INSERT trigger returning NULL
 * or met a key a trigger rewrote NEW.id to. Each is inserted again without
 * ON CONFLICT under a savepoint: a unique violation means stored (a
 * duplicate); no row inserted means dropped, refused saying so. Counts
 * rows inserted now to c. DS_DONE or DS_RETRY.
 */
static enum ds_outcome
merge_dropped(struct ds_loader *l, enum ds_mode m, struct ds_counts *c)
{
	const char *from = m == DS_M_TEXT ? DS_TEXT : DS_STAGE;
	struct ds_buf sql = { 0 }, id = { 0 }, msg = { 0 };
	struct ds_keyset *absent = ld_keyset_new(2);
	enum ds_outcome r = DS_DONE;
	PGresult *res;
	const char *vals[1];
	size_t i;
	int k, nabs;

	ds_buf_printf(&sql, "SELECT s.id FROM %s s WHERE NOT EXISTS"
	    " (SELECT 1 FROM %s e WHERE e.id = s.id)", from, l->qtable);
	res = ds_db_exec(l->conn, sql.p, "cannot look up the merged rows");
	for (k = 0; k < PQntuples(res); k++)
		(void)ld_keyset_add(absent, PQgetvalue(res, k, 0),
		    (size_t)PQgetlength(res, k, 0), "", 0);
	nabs = PQntuples(res);
	PQclear(res);
	ds_buf_printf(&msg, "not stored: a BEFORE INSERT trigger on %s returned NULL",
	    l->table);
	ds_buf_reset(&sql);
	ds_buf_printf(&sql, "INSERT INTO %s AS ds_t%s SELECT %s FROM %s s WHERE s.id = $1",
	    l->qtable, l->cols.list, m == DS_M_TEXT ? l->cols.casts : l->cols.names, from);
	for (i = 0; i < l->rows.n && nabs > 0 && r == DS_DONE; i++) {
		if (l->rows.state[i] != DS_ROW_LIVE || !row_in(l, absent, i, &id))
			continue;
		ld_loader_exec(l, "SAVEPOINT ds_drop", "cannot set a savepoint");
		vals[0] = id.p;
		res = PQexecParams(l->conn, sql.p, 1, NULL, vals, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			ld_loader_exec(l, "RELEASE SAVEPOINT ds_drop",
			    "cannot release a savepoint");
			if (strtoll(PQcmdTuples(res), NULL, 10) > 0)
				c->records++;
			else
				ld_book_refuse_msg(l, i, msg.p);
			PQclear(res);
			continue;
		}
		if (PQstatus(l->conn) != CONNECTION_OK)
			ds_db_die(l->conn, res, "lost the connection while merging staged rows");
		ld_loader_exec(l, "ROLLBACK TO SAVEPOINT ds_drop; RELEASE SAVEPOINT ds_drop",
		    "cannot roll back to a savepoint");
		if (ds_db_retryable(res)) {
			r = ld_loader_conflict(l, res, "cannot merge staged rows");
			continue;
		}
		/* a unique violation: a trigger rewrote the id to a stored one */
		if (strcmp(ds_db_sqlstate(res), "23505") != 0) {
			if (!row_error(res))
				ds_db_die(l->conn, res, "cannot merge staged rows");
			ld_book_refuse(l, i, res);
		}
		PQclear(res);
	}
	ld_keyset_free(absent);
	ds_buf_free(&sql);
	ds_buf_free(&id);
	ds_buf_free(&msg);
	return r;
}

enum ds_outcome
ld_strategy_merge(struct ds_loader *l, enum ds_mode m, struct ds_counts *c)
{
	struct ds_buf sql = { 0 };
	PGresult *res;
	long long staged = l->loaded;
	size_t refused = l->rows.nref;

	if (l->wmode == DS_WM_HISTORY)
		return ld_history_merge(l, m, c);
	c->records = c->updated = 0;
	/* probe the index for each staged id; never scan the table */
	PQclear(ds_db_exec(l->conn, "SET LOCAL enable_hashjoin = off;"
	    " SET LOCAL enable_mergejoin = off; SAVEPOINT ds_merge",
	    "cannot set the merge plan"));
	merge_sql(l, m, 1, 0, &sql);
	res = PQexec(l->conn, sql.p);
	ds_buf_free(&sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK) {
		merge_counts(l, res, c);
		PQclear(res);
		ld_loader_exec(l, "RELEASE SAVEPOINT ds_merge", "cannot release a savepoint");
	} else if (PQstatus(l->conn) != CONNECTION_OK || !row_error(res)) {
		return ld_loader_conflict(l, res, "cannot merge staged rows");
	} else if (m == DS_M_TEXT && strncmp(ds_db_sqlstate(res), "22", 2) == 0) {
		PQclear(res);
		return DS_RECAST;
	} else {
		PQclear(res);
		ld_loader_exec(l, "ROLLBACK TO SAVEPOINT ds_merge; RELEASE SAVEPOINT ds_merge",
		    "cannot roll back to a savepoint");
		statement_check(l, m, 1);
		if (merge_isolated(l, m, c) != DS_DONE)
			return DS_RETRY;
	}
	if (!l->update && merge_dropped(l, m, c) != DS_DONE)
		return DS_RETRY;
	c->duplicates = staged - c->records - (long long)(l->rows.nref - refused);
	return DS_DONE;
}
