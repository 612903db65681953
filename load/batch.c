#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "exits.h"
#include "log.h"
#include "json.h"
#include "batch.h"
#include "catalog.h"
#include "copy.h"
#include "../db/db.h"
#include "keyset.h"
#include "loader.h"
#include "stream.h"

#define MAX_TRIES	5		/* deadlock/serialization retries of a batch */
#define FLUSH_BYTES	(128 * 1024)	/* rows go to the server in chunks this big */

void
ld_loader_exec(struct ds_loader *l, const char *sql, const char *doing)
{
	PQclear(ds_db_exec(l->conn, sql, doing));
}

void
ld_loader_begin(struct ds_loader *l)
{
	ld_loader_exec(l, "BEGIN; SET CONSTRAINTS ALL IMMEDIATE", "cannot begin a transaction");
	if (l->ord.begun != NULL)
		l->ord.begun(l->ord.arg);
}

void
ld_loader_rollback(struct ds_loader *l)
{
	ld_loader_exec(l, "ROLLBACK", "cannot roll back");
	if (l->staging == DS_STAGING_OPEN)
		l->staging = DS_STAGING_NONE;
}

enum ds_outcome
ld_loader_conflict(struct ds_loader *l, PGresult *res, const char *doing)
{
	if (PQstatus(l->conn) == CONNECTION_OK && ds_db_retryable(res)) {
		ds_logkv(DS_LOG_WARN, "transaction conflict, retrying the batch",
		    "sqlstate=%s", ds_db_sqlstate(res));
		PQclear(res);
		return DS_RETRY;
	}
	ds_db_die(l->conn, res, doing);
}

/*
 * The name of qtable's primary key constraint (the one unique violation
 * that means "this id is stored"), or NULL when it has none. Caller frees.
 */
static char *
primary_key(PGconn *conn, const char *qtable)
{
	const char *vals[1] = { qtable };
	PGresult *res;
	char *name = NULL;

	res = ds_db_execp(conn, "SELECT conname FROM pg_constraint WHERE"
	    " conrelid = to_regclass($1) AND contype = 'p'", 1, vals,
	    "cannot read the records table's primary key");
	if (PQntuples(res) == 1)
		name = ds_xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return name;
}

struct ds_loader *
ld_loader_new(PGconn *conn, const char *table, int mode, long long run,
    struct ds_keyset *seen)
{
	struct ds_loader *l = ds_xcalloc(1, sizeof(*l));
	struct ds_buf t = { 0 };
	const char *dot = strchr(table, '.');

	l->conn = conn;
	l->table = ds_xstrdup(table);
	l->relname = ds_xstrdup(dot ? dot + 1 : table);
	ds_db_ident(conn, table, &t);
	l->qtable = ds_xstrdup(t.p);
	ld_columns_sql_make(ds_cols, ds_ncols, &l->cols);
	ds_buf_adds(&t, l->cols.list);
	l->target = t.p;
	l->stage_target = ds_xmalloc(strlen(DS_STAGE) + strlen(l->cols.list) + 1);
	strcat(strcpy(l->stage_target, DS_STAGE), l->cols.list);
	l->text_target = ds_xmalloc(strlen(DS_TEXT) + strlen(l->cols.list) + 1);
	strcat(strcpy(l->text_target, DS_TEXT), l->cols.list);
	l->wmode = mode;
	l->update = mode != DS_WM_APPEND;
	if (mode == DS_WM_HISTORY)
		ld_history_staging(l);
	l->run = run;
	l->batch_rows = 50000;
	l->batch_bytes = 16 << 20;
	l->batch_seconds = 2;
	l->tot.seq = -1;
	l->own_seen = seen == NULL;
	l->seen = seen != NULL ? seen : ld_keyset_new(2);
	l->pkey = primary_key(conn, l->qtable);
	return l;
}

void
ld_loader_order(struct ds_loader *l, const struct ds_order *o)
{
	l->ord = *o;
}

void
ld_loader_limits(struct ds_loader *l, size_t rows, size_t bytes, double seconds)
{
	l->batch_rows = rows;
	l->batch_bytes = bytes;
	l->batch_seconds = seconds;
}

/* Forget the batch's contents (memory is kept for the next one). */
static void
reset(struct ds_loader *l)
{
	size_t i;

	ld_rows_reset(&l->rows);
	l->sent = 0;
	l->repeats = l->repeatpage = 0;
	for (i = 0; i < l->nsch; i++) {
		free(l->sch[i].fields);
		free(l->sch[i].removed);
		free(l->sch[i].discarded);
	}
	free(l->sch);
	l->sch = NULL;
	l->nsch = 0;
	l->have_cp = 0;
	free(l->cp_cursor);
	l->cp_cursor = NULL;
	l->started_set = 0;
	l->serial = 0;
}

void
ld_loader_free(struct ds_loader *l)
{
	if (l == NULL)
		return;
	reset(l);
	ld_rows_free(&l->rows);
	free(l->table);
	free(l->relname);
	free(l->target);
	free(l->stage_target);
	free(l->text_target);
	ld_columns_sql_free(&l->cols);
	free(l->qtable);
	free(l->pkey);
	free(l->stream);
	free(l->tot.cursor);
	if (l->own_seen)
		ld_keyset_free(l->seen);
	free(l);
}

void
ld_loader_set_stream(struct ds_loader *l, const char *stream)
{
	free(l->stream);
	l->stream = ds_xstrdup(stream);
}

const char *
ld_loader_stream(const struct ds_loader *l)
{
	return l->stream;
}

const struct ds_totals *
ld_loader_totals(const struct ds_loader *l)
{
	return &l->tot;
}

long long
ld_loader_rejects(const struct ds_loader *l)
{
	return l->rejseen;
}

void
ld_loader_inherit(struct ds_loader *l, const struct ds_loader *from)
{
	l->paged |= from->paged;
}

/* Note when the batch's first line arrived. */
static void
mark_start(struct ds_loader *l)
{
	if (!l->started_set) {
		l->started = ds_mono();
		l->started_set = 1;
	}
}

/*
 * Non-zero when the row built at start is stored already or will be with
 * this batch: its key (ending at idend) was met in this batch or the last
 * (with --on-conflict update: with the same version, the bytes [vstart,
 * vend), as last time).
 */
static int
repeated(struct ds_loader *l, size_t start, size_t idend, size_t vstart, size_t vend)
{
	const char *p = l->rows.text.p;
	int r;

	if (!l->update)
		return ld_keyset_add(l->seen, p + start, idend - start, "", 0) == 1;
	r = ld_keyset_add(l->seen, p + start, idend - start, p + vstart, vend - vstart);
	/* a new version of an id an earlier batch (maybe in flight) holds */
	if (r == 2)
		l->serial = 1;
	return r == 1;
}

int
ld_loader_record(struct ds_loader *l, const struct ds_line *ln)
{
	struct ds_buf *b = &l->rows.text;
	const size_t n = l->cols.nloaded, ver = l->cols.version;
	size_t start = b->len, idend = 0, vstart = 0, vend = 0, i;
	const struct ds_column *col;
	const struct ds_span *sp;
	struct ds_buf why = { 0 }, kv = { 0 };

	mark_start(l);
	/* the loaded columns, filled as the table says; the key is the first */
	for (i = 0; i < n; i++) {
		col = &ds_cols[i];
		sp = (const struct ds_span *)(const void *)((const char *)ln + col->from);
		if (i == ver)
			vstart = b->len;
		if (col->fill >= DS_FILL_PATH && col->from == 0)
			ld_columns_lookup(ln->data.p, ln->data.n);
		if (col->fill == DS_FILL_PATH) {
			if (ld_columns_copy_path(b, col) != 0)
				goto nul;
		} else if (col->fill == DS_FILL_GEOM) {
			if (ld_columns_copy_geom(b, col, &why) != 0)
				goto geom;
		} else if (col->fill == DS_FILL_JSON && sp->p != NULL)
			ld_copy_field(b, sp->p, sp->n);
		else if (ld_copy_jstr(b, sp) != 0)
			goto nul;
		if (i == 0)
			idend = b->len;
		else if (i == ver)
			vend = b->len;
		ds_buf_addc(b, i + 1 < n ? '\t' : '\n');
	}
	if (repeated(l, start, idend, vstart, vend)) {
		b->len = start;
		ds_buf_terminate(b);
		l->repeats++;
		return 0;
	}
	ld_rows_push(&l->rows, start);
	if (b->len - l->rows.off[l->sent] >= FLUSH_BYTES)
		ld_strategy_flush(l);
	return 0;
nul:
	b->len = start;
	ds_buf_terminate(b);
	return -1;
geom:
	/* no geometry PostGIS would parse: a reject, as the server's refusals are */
	b->len = start;
	ds_buf_terminate(b);
	ld_loader_reject(l, -1, why.p, ln->data.p, ln->data.n);
	ds_buf_reset(&kv);
	ds_log_quote(&kv, why.p, why.len);
	ds_buf_terminate(&kv);
	ds_logkv(DS_LOG_WARN, "record refused: its geometry", "error=%s", kv.p);
	ds_buf_free(&kv);
	ds_buf_free(&why);
	return 0;
}

void
ld_loader_reject(struct ds_loader *l, long long seq, const char *reason,
    const char *raw, size_t rawlen)
{
	mark_start(l);
	ld_rows_reject(&l->rows, l->stream, seq, reason, raw, rawlen);
	l->rejseen++;
}

void
ld_loader_schema(struct ds_loader *l, const struct ds_line *ln)
{
	struct ds_schema_line *s;

	mark_start(l);
	l->sch = ds_xrealloc(l->sch, (l->nsch + 1) * sizeof(*l->sch));
	s = &l->sch[l->nsch++];
	s->fields = ds_xstrndup(ln->fields.p, ln->fields.n);
	s->removed = ln->removed.p ? ds_xstrndup(ln->removed.p, ln->removed.n) : NULL;
	s->discarded = NULL;
}

void
ld_loader_discard(struct ds_loader *l, const char *discarded)
{
	struct ds_schema_line *s;

	mark_start(l);
	l->sch = ds_xrealloc(l->sch, (l->nsch + 1) * sizeof(*l->sch));
	s = &l->sch[l->nsch++];
	s->fields = s->removed = NULL;
	s->discarded = ds_xstrdup(discarded);
}

int
ld_loader_checkpoint(struct ds_loader *l, const struct ds_line *ln)
{
	struct ds_buf cur = { 0 };

	mark_start(l);
	l->paged = 1;
	free(l->cp_cursor);
	l->cp_cursor = NULL;
	if (ln->cursor.p != NULL) {
		/* the parser validated the string; a cursor holding \u0000 is kept raw */
		if (ds_json_str_decode(ln->cursor.p, ln->cursor.n, &cur) != 0) {
			ds_buf_reset(&cur);
			ds_buf_add(&cur, ln->cursor.p, ln->cursor.n);
		}
		ds_buf_terminate(&cur);
		l->cp_cursor = ds_xstrdup(cur.p);
		ds_buf_free(&cur);
	}
	l->have_cp = 1;
	l->cp_seq = ln->seq;
	l->cp_has_more = ln->has_more;
	l->cp_at = ds_mono();
	ld_rows_page(&l->rows, ln->seq);
	l->repeatpage = l->repeats;
	ld_strategy_flush(l);
	return l->rows.n >= l->batch_rows ||
	    l->rows.text.len + l->rows.rej.len >= l->batch_bytes ||
	    l->cp_at - l->started >= l->batch_seconds;
}

int
ld_loader_full(const struct ds_loader *l)
{
	return !l->paged && (l->rows.n >= l->batch_rows ||
	    l->rows.text.len + l->rows.rej.len >= l->batch_bytes);
}

int
ld_loader_idle_due(const struct ds_loader *l)
{
	double left;

	if (!l->have_cp || l->rows.n != l->rows.pageend || l->rows.nrej != l->rows.nrejpage)
		return -1;
	left = l->started + l->batch_seconds - ds_mono();
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

size_t
ld_loader_drop_partial(struct ds_loader *l)
{
	size_t rows, rejects;

	if (!l->paged)
		return 0;
	/* the open COPY holds rows of the cut page: start the batch over */
	if (l->copying != DS_M_NONE && l->sent > l->rows.pageend)
		ld_strategy_stream_abort(l);
	ld_rows_drop_partial(&l->rows, &rows, &rejects);
	l->repeats = l->repeatpage;
	l->rejseen -= (long long)rejects;
	return rows + rejects;
}

/* Start the next batch in staging when this one was mostly stored ids. */
static int
stage_next(const struct ds_counts *c)
{
	return c->duplicates > DS_MAX_SKIPS && c->duplicates * 4 > c->records;
}

/* Wait a little longer after each of the tries'th conflict. */
static void
pause_after(int tries)
{
	struct timespec pause = { 0, 50000000L * tries };

	nanosleep(&pause, NULL);
}

/*
 * Load the batch from memory in mode m (staging on stored ids; without
 * TEMP the stored ids are skipped instead), then the bookkeeping, retrying
 * deadlocks and serialization failures. Returns the mode that loaded it.
 */
static enum ds_mode
from_memory(struct ds_loader *l, enum ds_mode m, struct ds_counts *c)
{
	enum ds_outcome r;
	int tries = 0, probe = 0;

	/* an id of a batch in flight changes: let that batch commit first */
	if (l->serial && l->ord.wait != NULL)
		(void)l->ord.wait(l->ord.arg);
	for (;; ld_loader_rollback(l)) {
		if (tries >= MAX_TRIES) {
			ds_logkv(DS_LOG_ERROR, "gave up after deadlocks or serialization"
			    " failures in one batch", "tries=%d status=temporary", MAX_TRIES);
			ds_db_exit(DS_EX_TEMP);
		}
		memset(c, 0, sizeof(*c));
		l->loaded = 0;
		ld_rows_unskip(&l->rows);
		if (m != DS_M_TABLE && ld_strategy_staging(l) != DS_DONE) {
			/* no TEMP: skip the stored ids found by one query */
			if (l->update || l->rls)
				ld_strategy_need_staging(l);
			m = DS_M_TABLE;
			probe = 1;
		}
		ld_loader_begin(l);
		if (probe)
			ld_strategy_skip_stored(l);
		r = ld_strategy_rows(l, 0, l->rows.n, m);
		if (r == DS_DONE && m != DS_M_TABLE)
			r = ld_strategy_merge(l, m, c);
		else if (r == DS_DONE) {
			c->records = l->loaded;
			c->duplicates = (long long)l->rows.nskip;
		}
		l->path = m;
		if (r == DS_DONE)
			r = ld_book_commit(l, c);
		if (r == DS_DONE)
			return m;
		if (r == DS_STORED) {
			if (probe)
				ld_strategy_need_staging(l);
			m = DS_M_TEXT;
		} else if (r == DS_RECAST)
			m = DS_M_STAGE;
		else
			pause_after(++tries);
	}
}

/* Add the batch's counts to the run's totals and log its commit line. */
static void
tally(struct ds_loader *l, const struct ds_counts *c, enum ds_mode m)
{
	struct ds_buf kv = { 0 };
	double t = ds_mono(), secs = t - l->started;

	l->tot.c.records += c->records;
	l->tot.c.duplicates += c->duplicates;
	l->tot.c.updated += c->updated;
	l->tot.c.rejects += c->rejects;
	l->tot.batches++;
	if (l->have_cp) {
		l->tot.seq = l->cp_seq;
		free(l->tot.cursor);
		l->tot.cursor = l->cp_cursor ? ds_xstrdup(l->cp_cursor) : NULL;
		l->tot.has_more = l->cp_has_more;
		l->tot.committed_cp = 1;
		l->tot.checkpoints++;
	}
	ds_buf_printf(&kv, "rows=%lld duplicates=%lld", c->records, c->duplicates);
	if (l->update)
		ds_buf_printf(&kv, " updated=%lld", c->updated);
	ds_buf_printf(&kv, " rejects=%lld rows_per_s=%.0f", c->rejects,
	    secs > 0 ? (double)(c->records + c->duplicates) / secs : 0.0);
	if (l->have_cp)
		ds_buf_printf(&kv, " seq=%lld lag_ms=%.0f", l->cp_seq, (t - l->cp_at) * 1000);
	ds_buf_printf(&kv, " path=%s", m == DS_M_TABLE ? "copy" : "staging");
	ds_logkv(DS_LOG_INFO, "commit", "%s", kv.p);
	ds_buf_free(&kv);
}

/*
 * The batch's commit: the rows streamed so far are completed and committed
 * with the bookkeeping; if that fails (a stored id, a refused row, a
 * conflict), or rows were held back (ordered batches), the batch is loaded
 * again from memory.
 */
void
ld_loader_commit(struct ds_loader *l)
{
	struct ds_counts c = { 0 };
	enum ds_outcome r = DS_RETRY;
	enum ds_mode m;
	int rowless;

	if (l->rows.n == 0 && l->rows.nrej == 0 && l->nsch == 0 && !l->have_cp &&
	    l->copying == DS_M_NONE && l->repeats == 0) {
		reset(l);
		return;
	}
	l->sent = l->sent > l->rows.n ? l->rows.n : l->sent;
	ld_strategy_flush(l);
	m = (l->ord.wait != NULL && l->stage_next) || l->rls ||
	    l->wmode == DS_WM_HISTORY ? DS_M_TEXT : DS_M_TABLE;
	rowless = l->copying == DS_M_NONE && l->rows.n == 0;
	if (l->copying != DS_M_NONE) {
		if ((r = ld_strategy_stream_end(l, &m, &c)) == DS_DONE &&
		    (r = ld_book_commit(l, &c)) != DS_DONE)
			ld_loader_rollback(l);
	} else if (l->rows.n == 0) {
		ld_loader_begin(l);
		if ((r = ld_book_commit(l, &c)) != DS_DONE)
			ld_loader_rollback(l);
	}
	if (r != DS_DONE)
		m = from_memory(l, m, &c);
	if (r != DS_DONE || !rowless)
		l->stage_next = stage_next(&c);
	c.duplicates += l->repeats;
	if (l->own_seen)
		ld_keyset_rotate(l->seen);
	tally(l, &c, m);
	reset(l);
}
