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
#include "stream.h"

#define COLUMNS		" (id, stream, type, ts, hash, data)"
#define STAGE		"pg_temp.ds_stage"
#define STAGE_REL	"ds_stage"
#define TEXT		"pg_temp.ds_stage_text"
#define TEXT_REL	"ds_stage_text"
#define MAX_TRIES	5		/* deadlock/serialization retries of a batch */
#define FLUSH_BYTES	(128 * 1024)	/* rows go to the server in chunks this big */
#define MAX_SKIPS	16		/* stored ids skipped one by one before staging */

/* Whether the temp tables exist (they are made on first need). */
#define STAGING_NONE	0
#define STAGING_MADE	1	/* committed */
#define STAGING_OPEN	2	/* made in the open transaction */

/* What refused[] says of a row. */
#define ROW_LIVE	0
#define ROW_REFUSED	1	/* stored in ds_rejects */
#define ROW_STORED	2	/* its id is stored already: skipped */

/*
 * Where rows go: the table itself; the text staging table, whose rows are
 * cast only when their id (and hash) is new, so a replay parses no JSON;
 * or the typed staging table, where COPY names a row the server refuses.
 */
enum mode { M_NONE, M_TABLE, M_TEXT, M_STAGE };
enum outcome { R_OK, R_UNIQUE, R_RETRY };

struct refusal {
	size_t		 row;
	char		*msg;
};

struct schema {
	char		*fields;
	char		*removed;
};

struct ds_loader {
	PGconn		*conn;
	char		*table;		/* as given */
	char		*relname;	/* unqualified, as COPY's error context names it */
	char		*qtable;	/* quoted table */
	char		*target;	/* quoted table and column list */
	char		*pkey;		/* name of the table's primary key, or NULL */
	int		 staging;	/* the temp tables: STAGING_* */
	int		 notemp;	/* the role may not create them */
	int		 update;
	long long	 run;
	char		*stream;

	/* the batch: rows as COPY text lines; off[i] is row i's first byte */
	struct ds_buf	 rows;
	size_t		*off;
	size_t		 nrows, caprows;
	size_t		 sent;		/* rows streamed into the open COPY */
	size_t		 pageend;	/* rows up to the last checkpoint */
	struct refusal	*ref;
	size_t		 nref, capref;
	unsigned char	*refused;	/* per row: ROW_* */
	size_t		 nskip;		/* rows marked ROW_STORED */
	struct ds_keyset	*seen;		/* keys of this batch and the last (or shared) */
	int		 own_seen;	/* seen is this loader's: rotate it at commit */
	int		 serial;	/* an id of an earlier batch with another hash:
					   load after that batch committed */
	struct ds_order	 ord;		/* set when batches load on several connections */
	long long	 repeats;	/* rows skipped: key met in this or the last batch */
	long long	 repeatpage;	/* repeats up to the last checkpoint */
	long long	*pageseq;	/* per row: seq of its page (-1 unknown) */
	size_t		 seqset;	/* rows whose pageseq is set */
	struct ds_buf	 rej;		/* ds_rejects COPY lines */
	size_t		 nrej, rejpage, nrejpage;
	_Atomic long long rejseen;	/* rejects met in this run, stored or not */
	struct schema	*sch;
	size_t		 nsch;
	int		 paged;		/* a checkpoint line was seen this run */
	int		 have_cp;
	long long	 cp_seq;
	char		*cp_cursor;
	int		 cp_has_more;
	double		 cp_at;		/* when the batch's last checkpoint was read */
	double		 started;	/* when the batch's first line arrived */
	int		 started_set;

	enum mode	 copying;	/* a streamed COPY is open */
	int		 stage_next;	/* the last batch was mostly stored ids */
	long long	 loaded;	/* rows loaded by this attempt's COPYs */
	size_t		 batch_rows;
	size_t		 batch_bytes;
	double		 batch_seconds;

	struct ds_totals tot;
};

static void	rollback(struct ds_loader *);

/* Run sql; exit (see ds_db_die) when it fails. */
static void
exec_or_die(struct ds_loader *l, const char *sql, const char *doing)
{
	PQclear(ds_db_exec(l->conn, sql, doing));
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
ds_loader_new(PGconn *conn, const char *table, int update, long long run,
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
	ds_buf_adds(&t, COLUMNS);
	l->target = t.p;
	l->update = update;
	l->run = run;
	l->batch_rows = 50000;
	l->batch_bytes = 16 << 20;
	l->batch_seconds = 2;
	l->tot.seq = -1;
	l->own_seen = seen == NULL;
	l->seen = seen != NULL ? seen : ds_keyset_new(2);
	l->pkey = primary_key(conn, l->qtable);
	return l;
}

/*
 * Create the temp staging tables unless they exist: only a batch that
 * meets stored ids or refused rows, or holds rejects, needs them (and the
 * TEMP privilege), so a role without it loads fresh records. Made inside
 * an open transaction (under a savepoint, so a refusal leaves it usable),
 * they are forgotten if it rolls back (see rollback()). Returns 0, or -1
 * when the role may not create temp tables; exits on other failures.
 */
static int
staging(struct ds_loader *l)
{
	int open = PQtransactionStatus(l->conn) == PQTRANS_INTRANS;
	PGresult *res;

	if (l->staging != STAGING_NONE)
		return 0;
	if (l->notemp)
		return -1;
	if (open)
		exec_or_die(l, "SAVEPOINT ds_temp", "cannot set a savepoint");
	res = PQexec(l->conn, "CREATE TEMP TABLE IF NOT EXISTS ds_stage (id text,"
	    " stream text, type text, ts timestamptz, hash text, data jsonb, n bigserial)"
	    " ON COMMIT DELETE ROWS; CREATE TEMP TABLE IF NOT EXISTS ds_stage_text"
	    " (id text, stream text, type text, ts text, hash text, data text,"
	    " n bigserial) ON COMMIT DELETE ROWS; CREATE TEMP TABLE IF NOT EXISTS ds_stage_rej"
	    " (stream text, seq bigint, reason text, raw text, n bigserial)"
	    " ON COMMIT DELETE ROWS");
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		if (open)
			exec_or_die(l, "RELEASE SAVEPOINT ds_temp", "cannot release a savepoint");
		l->staging = open ? STAGING_OPEN : STAGING_MADE;
		return 0;
	}
	if (PQstatus(l->conn) != CONNECTION_OK || strcmp(ds_db_sqlstate(res), "42501") != 0)
		ds_db_die(l->conn, res, "cannot create the staging tables");
	if (open)
		exec_or_die(l, "ROLLBACK TO SAVEPOINT ds_temp; RELEASE SAVEPOINT ds_temp",
		    "cannot roll back to a savepoint");
	ds_logkv(DS_LOG_INFO, "no TEMP privilege: stored ids are looked up and rejects"
	    " stored one by one (--on-conflict update needs it to replay)", NULL);
	PQclear(res);
	l->notemp = 1;
	return -1;
}

/* Create the staging tables or exit: the batch cannot load without them. */
static void
need_staging(struct ds_loader *l)
{
	if (staging(l) != 0) {
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
 * Mark the batch's live rows whose id is stored ROW_STORED, found with one
 * query in the open transaction: how a role without TEMP skips the ids of
 * a replay without staging tables.
 */
static void
skip_stored(struct ds_loader *l)
{
	struct ds_buf arr = { 0 }, id = { 0 }, sql = { 0 };
	struct ds_keyset *stored = ds_keyset_new(2);
	const char *vals[1], *row;
	PGresult *res;
	size_t i;
	int k;

	ds_buf_addc(&arr, '{');
	for (i = 0; i < l->nrows; i++) {
		if (l->refused[i])
			continue;
		row = l->rows.p + l->off[i];
		ds_buf_reset(&id);
		ds_copy_unfield(&id, row, strcspn(row, "\t"));
		if (arr.len > 1)
			ds_buf_addc(&arr, ',');
		array_elem(&arr, id.p ? id.p : "", id.len);
	}
	ds_buf_adds(&arr, "}");
	ds_buf_printf(&sql, "SELECT id FROM %s WHERE id = ANY($1::text[])", l->qtable);
	vals[0] = arr.p;
	res = ds_db_execp(l->conn, sql.p, 1, vals, "cannot look up stored ids");
	for (k = 0; k < PQntuples(res); k++)
		(void)ds_keyset_add(stored, PQgetvalue(res, k, 0),
		    (size_t)PQgetlength(res, k, 0), "", 0);
	for (i = 0; i < l->nrows && PQntuples(res) > 0; i++) {
		if (l->refused[i])
			continue;
		row = l->rows.p + l->off[i];
		ds_buf_reset(&id);
		ds_copy_unfield(&id, row, strcspn(row, "\t"));
		if (ds_keyset_add(stored, id.p ? id.p : "", id.len, "", 0) == 1) {
			l->refused[i] = ROW_STORED;
			l->nskip++;
		}
	}
	PQclear(res);
	ds_keyset_free(stored);
	ds_buf_free(&arr);
	ds_buf_free(&id);
	ds_buf_free(&sql);
}

void
ds_loader_order(struct ds_loader *l, const struct ds_order *o)
{
	l->ord = *o;
}

void
ds_loader_limits(struct ds_loader *l, size_t rows, size_t bytes, double seconds)
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

	ds_buf_reset(&l->rows);
	l->nrows = l->sent = l->pageend = l->seqset = l->nskip = 0;
	l->repeats = l->repeatpage = 0;
	for (i = 0; i < l->nref; i++)
		free(l->ref[i].msg);
	l->nref = 0;
	ds_buf_reset(&l->rej);
	l->nrej = l->rejpage = l->nrejpage = 0;
	for (i = 0; i < l->nsch; i++) {
		free(l->sch[i].fields);
		free(l->sch[i].removed);
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
ds_loader_free(struct ds_loader *l)
{
	if (l == NULL)
		return;
	reset(l);
	ds_buf_free(&l->rows);
	ds_buf_free(&l->rej);
	free(l->off);
	free(l->refused);
	free(l->pageseq);
	free(l->ref);
	free(l->table);
	free(l->relname);
	free(l->target);
	free(l->qtable);
	free(l->pkey);
	free(l->stream);
	free(l->tot.cursor);
	if (l->own_seen)
		ds_keyset_free(l->seen);
	free(l);
}

void
ds_loader_set_stream(struct ds_loader *l, const char *stream)
{
	free(l->stream);
	l->stream = ds_xstrdup(stream);
}

const char *
ds_loader_stream(const struct ds_loader *l)
{
	return l->stream;
}

const struct ds_totals *
ds_loader_totals(const struct ds_loader *l)
{
	return &l->tot;
}

long long
ds_loader_rejects(const struct ds_loader *l)
{
	return l->rejseen;
}

void
ds_loader_inherit(struct ds_loader *l, const struct ds_loader *from)
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
 * Begin the batch's transaction. A user's deferred constraint is checked
 * at each statement, so a row breaking it is found like any refused row,
 * not at COMMIT.
 */
static void
begin(struct ds_loader *l)
{
	exec_or_die(l, "BEGIN; SET CONSTRAINTS ALL IMMEDIATE", "cannot begin a transaction");
	if (l->ord.begun != NULL)
		l->ord.begun(l->ord.arg);
}

/* Open the streamed COPY (and its transaction) if none is open. */
static void
open_copy(struct ds_loader *l)
{
	PGresult *res;

	if (l->copying != M_NONE)
		return;
	if (l->stage_next && staging(l) != 0)
		l->stage_next = 0;
	begin(l);
	if ((res = ds_copy_begin(l->conn, l->stage_next ? TEXT COLUMNS : l->target)) != NULL)
		ds_db_die(l->conn, res, "cannot start COPY");
	l->copying = l->stage_next ? M_TEXT : M_TABLE;
}

/* Stream the rows not yet sent into the open COPY (not when batches are ordered). */
static void
flush(struct ds_loader *l)
{
	if (l->sent == l->nrows || l->ord.wait != NULL)
		return;
	open_copy(l);
	if (ds_copy_put(l->conn, l->rows.p + l->off[l->sent],
	    l->rows.len - l->off[l->sent]) != 0)
		ds_db_die(l->conn, NULL, "lost the connection while sending rows");
	l->sent = l->nrows;
}

/*
 * Non-zero when the row being built at start (its fields up to hash) is
 * stored already or will be with this batch: its id was met in this batch
 * or the last (with --on-conflict update: with the same hash as last time).
 */
static int
repeated(struct ds_loader *l, size_t start)
{
	const char *row = l->rows.p + start, *id_end = strchr(row, '\t'), *hash;
	int r;

	if (!l->update)
		return ds_keyset_add(l->seen, row, (size_t)(id_end - row), "", 0) == 1;
	hash = l->rows.p + l->rows.len - 1;	/* the row ends with "hash\t" */
	while (hash[-1] != '\t')
		hash--;
	r = ds_keyset_add(l->seen, row, (size_t)(id_end - row), hash,
	    (size_t)(l->rows.p + l->rows.len - hash));
	/* a new version of an id an earlier batch (maybe in flight) holds */
	if (r == 2)
		l->serial = 1;
	return r == 1;
}

int
ds_loader_record(struct ds_loader *l, const struct ds_line *ln)
{
	size_t start = l->rows.len;
	struct ds_span sp;

	mark_start(l);
	if (ds_copy_jstr(&l->rows, &ln->id) != 0)
		goto nul;
	ds_buf_addc(&l->rows, '\t');
	if (ds_copy_jstr(&l->rows, &ln->stream) != 0)
		goto nul;
	ds_buf_addc(&l->rows, '\t');
	if (ds_copy_jstr(&l->rows, &ln->type) != 0)
		goto nul;
	ds_buf_addc(&l->rows, '\t');
	if (ds_copy_jstr(&l->rows, &ln->ts) != 0)
		goto nul;
	ds_buf_addc(&l->rows, '\t');
	if (ds_copy_jstr(&l->rows, &ln->hash) != 0)
		goto nul;
	ds_buf_addc(&l->rows, '\t');
	if (repeated(l, start)) {
		l->rows.len = start;
		ds_buf_terminate(&l->rows);
		l->repeats++;
		return 0;
	}
	sp = ln->data;
	ds_copy_field(&l->rows, sp.p, sp.n);
	ds_buf_addc(&l->rows, '\n');
	if (l->nrows + 1 >= l->caprows) {
		l->caprows = l->caprows ? l->caprows * 2 : 4096;
		l->off = ds_xrealloc(l->off, l->caprows * sizeof(*l->off));
		l->refused = ds_xrealloc(l->refused, l->caprows);
		l->pageseq = ds_xrealloc(l->pageseq, l->caprows * sizeof(*l->pageseq));
	}
	l->off[l->nrows] = start;
	l->refused[l->nrows] = 0;
	l->pageseq[l->nrows] = -1;
	l->nrows++;
	if (l->rows.len - l->off[l->sent] >= FLUSH_BYTES)
		flush(l);
	return 0;
nul:
	l->rows.len = start;
	ds_buf_terminate(&l->rows);
	return -1;
}

/* Append one ds_rejects COPY line. */
static void
add_reject(struct ds_buf *b, const char *stream, long long seq,
    const char *reason, const char *raw, size_t rawlen)
{
	if (stream != NULL)
		ds_copy_field(b, stream, strlen(stream));
	else
		ds_buf_adds(b, "\\N");
	if (seq >= 0)
		ds_buf_printf(b, "\t%lld\t", seq);
	else
		ds_buf_adds(b, "\t\\N\t");
	ds_copy_field(b, reason, strlen(reason));
	ds_buf_addc(b, '\t');
	ds_copy_field(b, raw ? raw : "", raw ? rawlen : 0);
	ds_buf_addc(b, '\n');
}

void
ds_loader_reject(struct ds_loader *l, long long seq, const char *reason,
    const char *raw, size_t rawlen)
{
	mark_start(l);
	add_reject(&l->rej, l->stream, seq, reason, raw, rawlen);
	l->nrej++;
	l->rejseen++;
}

void
ds_loader_schema(struct ds_loader *l, const struct ds_line *ln)
{
	struct schema *s;

	mark_start(l);
	l->sch = ds_xrealloc(l->sch, (l->nsch + 1) * sizeof(*l->sch));
	s = &l->sch[l->nsch++];
	s->fields = ds_xstrndup(ln->fields.p, ln->fields.n);
	s->removed = ln->removed.p ? ds_xstrndup(ln->removed.p, ln->removed.n) : NULL;
}

int
ds_loader_checkpoint(struct ds_loader *l, const struct ds_line *ln)
{
	struct ds_buf cur = { 0 };
	size_t i;

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
	for (i = l->seqset; i < l->nrows; i++)
		l->pageseq[i] = ln->seq;
	l->seqset = l->pageend = l->nrows;
	l->rejpage = l->rej.len;
	l->nrejpage = l->nrej;
	l->repeatpage = l->repeats;
	flush(l);
	return l->nrows >= l->batch_rows || l->rows.len + l->rej.len >= l->batch_bytes ||
	    l->cp_at - l->started >= l->batch_seconds;
}

int
ds_loader_full(const struct ds_loader *l)
{
	return !l->paged && (l->nrows >= l->batch_rows ||
	    l->rows.len + l->rej.len >= l->batch_bytes);
}

int
ds_loader_idle_due(const struct ds_loader *l)
{
	double left;

	if (!l->have_cp || l->nrows != l->pageend || l->nrej != l->nrejpage)
		return -1;
	left = l->started + l->batch_seconds - ds_mono();
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

size_t
ds_loader_drop_partial(struct ds_loader *l)
{
	size_t n;

	if (!l->paged)
		return 0;
	n = l->nrows - l->pageend + (l->nrej - l->nrejpage);
	if (l->copying != M_NONE && l->sent > l->pageend) {
		/* the open COPY holds rows of the cut page: start the batch over */
		PQclear(ds_copy_end(l->conn, "a partial page is dropped"));
		if (PQstatus(l->conn) != CONNECTION_OK)
			ds_db_die(l->conn, NULL, "lost the connection while loading rows");
		rollback(l);
		l->copying = M_NONE;
		l->sent = 0;
	}
	if (l->pageend < l->nrows) {
		l->rows.len = l->off[l->pageend];
		l->nrows = l->pageend;
		ds_buf_terminate(&l->rows);
	}
	l->rej.len = l->rejpage;
	l->repeats = l->repeatpage;
	l->rejseen -= (long long)(l->nrej - l->nrejpage);
	l->nrej = l->nrejpage;
	ds_buf_terminate(&l->rej);
	return n;
}

/* End of row i's text. */
static size_t
row_end(const struct ds_loader *l, size_t i)
{
	return i + 1 < l->nrows ? l->off[i + 1] : l->rows.len;
}

/* Rows in [lo, hi) not refused. */
static size_t
live(const struct ds_loader *l, size_t lo, size_t hi)
{
	size_t n = 0;

	for (; lo < hi; lo++)
		n += !l->refused[lo];
	return n;
}

/* The k-th (0-based) row in [lo, hi) not refused. */
static size_t
nth_live(const struct ds_loader *l, size_t lo, size_t hi, size_t k)
{
	for (; lo < hi; lo++)
		if (!l->refused[lo] && k-- == 0)
			return lo;
	return hi;
}

/* COPY the live rows of [lo, hi) into mode's table; the result (caller clears). */
static PGresult *
copy_rows(struct ds_loader *l, size_t lo, size_t hi, enum mode m)
{
	PGresult *res;
	size_t i, run;

	if ((res = ds_copy_begin(l->conn, m == M_STAGE ? STAGE COLUMNS :
	    m == M_TEXT ? TEXT COLUMNS : l->target)) != NULL)
		return res;
	for (i = lo; i < hi; ) {
		if (l->refused[i]) {
			i++;
			continue;
		}
		for (run = i; run < hi && !l->refused[run]; run++)
			;
		if (ds_copy_put(l->conn, l->rows.p + l->off[i],
		    row_end(l, run - 1) - l->off[i]) != 0)
			ds_db_die(l->conn, NULL, "lost the connection while sending rows");
		i = run;
	}
	return ds_copy_end(l->conn, NULL);
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
 * Non-zero for a failed res that one row causes (so the row is refused):
 * the classes of ds_db_row_error(), but not a NOT NULL violation of a
 * column ds-load does not write (the table is not what it expects).
 */
static int
row_error(const PGresult *res)
{
	static const char *const ours[] = { "id", "stream", "type", "ts", "hash", "data" };
	const char *st = ds_db_sqlstate(res), *col;
	size_t i;

	if (strcmp(st, "23502") == 0 &&
	    (col = PQresultErrorField(res, PG_DIAG_COLUMN_NAME)) != NULL) {
		for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
			if (strcmp(col, ours[i]) == 0)
				return 1;
		return 0;
	}
	return ds_db_row_error(st);
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
		return;
	}
	ds_buf_add(b, m, strcspn(m, "\n"));
	ds_buf_terminate(b);
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
	ds_copy_unfield(&id, l->rows.p + l->off[i], strcspn(l->rows.p + l->off[i], "\t"));
	ds_buf_terminate(&id);
	ds_buf_printf(&sql, "SELECT 1 FROM %s WHERE id = $1", l->qtable);
	vals[0] = id.p;
	q = ds_db_execp(l->conn, sql.p, 1, vals, "cannot look up a stored id");
	yes = PQntuples(q) > 0;
	PQclear(q);
	ds_buf_free(&id);
	ds_buf_free(&sql);
	return yes;
}

/* Refuse row i with the server's message in res. */
static void
refuse(struct ds_loader *l, size_t i, PGconn *conn, const PGresult *res)
{
	struct ds_buf msg = { 0 }, id = { 0 }, kv = { 0 };
	size_t idend;

	reason(conn, res, &msg);
	if (l->nref == l->capref) {
		l->capref = l->capref ? l->capref * 2 : 16;
		l->ref = ds_xrealloc(l->ref, l->capref * sizeof(*l->ref));
	}
	l->ref[l->nref].row = i;
	l->ref[l->nref].msg = msg.p;
	l->nref++;
	l->rejseen++;
	l->refused[i] = ROW_REFUSED;
	idend = strcspn(l->rows.p + l->off[i], "\t");
	ds_copy_unfield(&id, l->rows.p + l->off[i], idend);
	ds_buf_adds(&kv, "id=");
	ds_log_quote(&kv, id.p ? id.p : "", id.len);
	ds_buf_printf(&kv, " seq=%lld sqlstate=%s error=", l->pageseq[i],
	    ds_db_sqlstate(res));
	ds_log_quote(&kv, msg.p, msg.len);
	ds_logkv(DS_LOG_WARN, "row refused by PostgreSQL, stored in ds_rejects", "%s", kv.p);
	ds_buf_free(&id);
	ds_buf_free(&kv);
}

/*
 * Load the live rows of [lo, hi) into mode's table inside the open
 * transaction, each COPY under a savepoint. A refused row named by the
 * error context is refused and the rows around it loaded; without a line
 * the range is bisected. Exits on errors no row explains.
 */
static enum outcome
load_range(struct ds_loader *l, size_t lo, size_t hi, enum mode m)
{
	PGresult *res;
	enum outcome r;
	size_t n, line, bad, mid;
	const char *st;

	while ((n = live(l, lo, hi)) > 0) {
		exec_or_die(l, "SAVEPOINT ds_rows", "cannot set a savepoint");
		res = copy_rows(l, lo, hi, m);
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			l->loaded += strtoll(PQcmdTuples(res), NULL, 10);
			PQclear(res);
			exec_or_die(l, "RELEASE SAVEPOINT ds_rows", "cannot release a savepoint");
			return R_OK;
		}
		if (PQstatus(l->conn) != CONNECTION_OK)
			ds_db_die(l->conn, res, "lost the connection while loading rows");
		exec_or_die(l, "ROLLBACK TO SAVEPOINT ds_rows; RELEASE SAVEPOINT ds_rows",
		    "cannot roll back to a savepoint");
		st = ds_db_sqlstate(res);
		line = context_line(res, m == M_STAGE ? STAGE_REL : m == M_TEXT ?
		    TEXT_REL : l->relname);
		if (strcmp(st, "23505") == 0 && (l->update || m != M_TABLE ||
		    line < 1 || line > n || stored(l, res, nth_live(l, lo, hi, line - 1)))) {
			/* a few stored ids are skipped here; many go to staging */
			PQclear(res);
			if (l->update || m != M_TABLE || (l->nskip >= MAX_SKIPS &&
			    !l->notemp) || line < 1 || line > n)
				return R_UNIQUE;
			bad = nth_live(l, lo, hi, line - 1);
			if ((r = load_range(l, lo, bad, m)) != R_OK)
				return r;
			l->refused[bad] = ROW_STORED;
			l->nskip++;
			lo = bad + 1;
			continue;
		}
		if (strncmp(st, "40", 2) == 0) {
			PQclear(res);
			return R_RETRY;
		}
		if (!row_error(res))
			ds_db_die(l->conn, res, "cannot load rows");
		if (line >= 1 && line <= n) {
			bad = nth_live(l, lo, hi, line - 1);
			if ((r = load_range(l, lo, bad, m)) != R_OK) {
				PQclear(res);
				return r;
			}
			refuse(l, bad, l->conn, res);
			PQclear(res);
			lo = bad + 1;
			continue;
		}
		if (n == 1) {
			refuse(l, nth_live(l, lo, hi, 0), l->conn, res);
			PQclear(res);
			return R_OK;
		}
		PQclear(res);
		mid = nth_live(l, lo, hi, n / 2);
		if ((r = load_range(l, lo, mid, m)) != R_OK)
			return r;
		lo = mid;
	}
	return R_OK;
}

/* Failed step: retry (0) on deadlock/serialization, else exit. */
static int
failed(struct ds_loader *l, PGresult *res, const char *doing)
{
	if (PQstatus(l->conn) == CONNECTION_OK && ds_db_retryable(res)) {
		ds_logkv(DS_LOG_WARN, "transaction conflict, retrying the batch",
		    "sqlstate=%s", ds_db_sqlstate(res));
		PQclear(res);
		return 0;
	}
	ds_db_die(l->conn, res, doing);
}

/*
 * Append to sql the statement that moves the rows staged in m's table into
 * the table: all of them, or with lo <= hi those whose n is in [lo, hi].
 */
static void
merge_sql(struct ds_loader *l, enum mode m, long long lo, long long hi,
    struct ds_buf *sql)
{
	const char *from, *cast;
	struct ds_buf range = { 0 };

	if (m == M_TEXT) {
		from = TEXT;
		cast = " SELECT id, stream, type, ts::timestamptz, hash, data::jsonb FROM ";
	} else {
		from = STAGE;
		cast = " SELECT id, stream, type, ts, hash, data FROM ";
	}
	if (lo <= hi)
		ds_buf_printf(&range, "n BETWEEN %lld AND %lld", lo, hi);
	if (l->update)
		ds_buf_adds(sql, "WITH u AS (");
	ds_buf_adds(sql, "INSERT INTO ");
	ds_buf_adds(sql, l->qtable);
	ds_buf_adds(sql, " AS ds_t" COLUMNS);
	ds_buf_adds(sql, cast);
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
		ds_buf_adds(sql, " ON CONFLICT (id) DO UPDATE SET"
		    " stream = EXCLUDED.stream, type = EXCLUDED.type, ts = EXCLUDED.ts,"
		    " hash = EXCLUDED.hash, data = EXCLUDED.data, ingested_at = now()"
		    " WHERE ds_t.hash IS DISTINCT FROM EXCLUDED.hash"
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
 * row error down to the row, which is refused. Counts go to c. Returns 0,
 * or -1 when the batch must be retried. Exits on other errors.
 */
static int
merge_part(struct ds_loader *l, enum mode m, const long long *ns,
    const size_t *row, size_t lo, size_t hi, struct ds_counts *c)
{
	struct ds_buf sql = { 0 };
	PGresult *res;
	size_t mid;

	exec_or_die(l, "SAVEPOINT ds_merge", "cannot set a savepoint");
	merge_sql(l, m, ns[lo], ns[hi - 1], &sql);
	res = PQexec(l->conn, sql.p);
	ds_buf_free(&sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK) {
		merge_counts(l, res, c);
		PQclear(res);
		exec_or_die(l, "RELEASE SAVEPOINT ds_merge", "cannot release a savepoint");
		return 0;
	}
	if (PQstatus(l->conn) != CONNECTION_OK)
		ds_db_die(l->conn, res, "lost the connection while merging staged rows");
	exec_or_die(l, "ROLLBACK TO SAVEPOINT ds_merge; RELEASE SAVEPOINT ds_merge",
	    "cannot roll back to a savepoint");
	if (ds_db_retryable(res))
		return failed(l, res, "cannot merge staged rows") - 1;
	if (!row_error(res))
		ds_db_die(l->conn, res, "cannot merge staged rows");
	if (hi - lo == 1) {
		refuse(l, row[lo], l->conn, res);
		PQclear(res);
		return 0;
	}
	PQclear(res);
	mid = lo + (hi - lo) / 2;
	if (merge_part(l, m, ns, row, lo, mid, c) != 0)
		return -1;
	return merge_part(l, m, ns, row, mid, hi, c);
}

/*
 * After the merge of all staged rows failed with a row error: merge them
 * again by ranges (see merge_part), so the rows the server refuses are
 * found and the others stored. The staged rows are the batch's live rows,
 * in order. Returns 0, or -1 when the batch must be retried.
 */
static int
merge_isolated(struct ds_loader *l, enum mode m, struct ds_counts *c)
{
	PGresult *res;
	long long *ns;
	size_t *row, k, i, nst;
	int rc;

	res = ds_db_exec(l->conn, m == M_TEXT ? "SELECT n FROM " TEXT " ORDER BY n" :
	    "SELECT n FROM " STAGE " ORDER BY n", "cannot read the staged rows");
	nst = (size_t)PQntuples(res);
	if (nst != live(l, 0, l->nrows)) {
		ds_logkv(DS_LOG_ERROR, "staged rows do not match the batch", "staged=%zu"
		    " rows=%zu status=permanent", nst, live(l, 0, l->nrows));
		ds_db_exit(DS_EX_PERM);
	}
	ns = ds_xcalloc(nst + 1, sizeof(*ns));
	row = ds_xcalloc(nst + 1, sizeof(*row));
	for (k = 0, i = 0; k < nst; k++, i++) {
		ns[k] = strtoll(PQgetvalue(res, (int)k, 0), NULL, 10);
		while (l->refused[i])
			i++;
		row[k] = i;
	}
	PQclear(res);
	rc = nst > 0 ? merge_part(l, m, ns, row, 0, nst, c) : 0;
	free(ns);
	free(row);
	return rc;
}

/*
 * Move the rows staged in m's table into the table; counts go to c. A row
 * the server refuses (a constraint, a trigger, a value too large) is found
 * and refused, and the others merged. Returns 0; -1 when the batch must be
 * retried; -2 when a text-staged row fails its cast (the batch then goes
 * through the typed staging table, whose COPY names the row).
 */
static int
merge(struct ds_loader *l, enum mode m, struct ds_counts *c)
{
	struct ds_buf sql = { 0 };
	PGresult *res;
	long long staged = l->loaded;
	size_t refused = l->nref;
	const char *st;

	c->records = c->updated = 0;
	/* probe the index for each staged id; never scan the table */
	PQclear(ds_db_exec(l->conn, "SET LOCAL enable_hashjoin = off;"
	    " SET LOCAL enable_mergejoin = off; SAVEPOINT ds_merge",
	    "cannot set the merge plan"));
	merge_sql(l, m, 1, 0, &sql);
	res = PQexec(l->conn, sql.p);
	ds_buf_free(&sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		st = ds_db_sqlstate(res);
		if (PQstatus(l->conn) != CONNECTION_OK || !row_error(res))
			return failed(l, res, "cannot merge staged rows") - 1;
		if (m == M_TEXT && strncmp(st, "22", 2) == 0) {
			PQclear(res);
			return -2;
		}
		PQclear(res);
		exec_or_die(l, "ROLLBACK TO SAVEPOINT ds_merge; RELEASE SAVEPOINT ds_merge",
		    "cannot roll back to a savepoint");
		if (merge_isolated(l, m, c) != 0)
			return -1;
	} else {
		merge_counts(l, res, c);
		PQclear(res);
		exec_or_die(l, "RELEASE SAVEPOINT ds_merge", "cannot release a savepoint");
	}
	c->duplicates = staged - c->records - (long long)(l->nref - refused);
	return 0;
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
			ds_copy_unfield(&f[k], p, (size_t)(tab - p));
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
 * Store the batch's rejects (from ds-transform) and refused rows in
 * ds_rejects, each unless stored already (a replayed page's); the count
 * stored goes to c. NULL on success, else the failed result (caller clears).
 */
static PGresult *
store_rejects(struct ds_loader *l, struct ds_counts *c)
{
	struct ds_buf extra = { 0 };
	PGresult *res = NULL;
	size_t i;

	for (i = 0; i < l->nref; i++) {
		size_t r = l->ref[i].row, p = l->off[r];
		const char *row = l->rows.p + p, *data = row;
		struct ds_buf raw = { 0 };
		int tabs;

		/* the data column is the sixth */
		for (tabs = 0; tabs < 5; tabs++)
			data = strchr(data, '\t') + 1;
		ds_copy_unfield(&raw, data, row_end(l, r) - 1 - (size_t)(data - l->rows.p));
		add_reject(&extra, l->stream, l->pageseq[r], l->ref[i].msg,
		    raw.p ? raw.p : "", raw.len);
		ds_buf_free(&raw);
	}
	if (staging(l) != 0) {
		c->rejects = 0;
		if ((res = rejects_one_by_one(l, &l->rej, &c->rejects)) == NULL)
			res = rejects_one_by_one(l, &extra, &c->rejects);
		goto out;
	}
	if ((res = ds_copy_begin(l->conn,
	    "pg_temp.ds_stage_rej (stream, seq, reason, raw)")) != NULL)
		goto out;
	if (ds_copy_put(l->conn, l->rej.p, l->rej.len) != 0 ||
	    ds_copy_put(l->conn, extra.p, extra.len) != 0)
		ds_db_die(l->conn, NULL, "lost the connection while storing rejects");
	res = ds_copy_end(l->conn, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		goto out;
	PQclear(res);
	/* rejects of a replayed page are stored already */
	res = PQexec(l->conn, "INSERT INTO ds_rejects (stream, seq, reason, raw)"
	    " SELECT stream, seq, reason, raw FROM (SELECT DISTINCT ON (md5(raw), reason)"
	    " * FROM pg_temp.ds_stage_rej ORDER BY md5(raw), reason, n) s"
	    " WHERE NOT EXISTS (SELECT 1 FROM ds_rejects r"
	    " WHERE r.stream IS NOT DISTINCT FROM s.stream AND md5(r.raw) = md5(s.raw)"
	    " AND r.reason = s.reason) ORDER BY n");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		goto out;
	c->rejects = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	res = NULL;
out:
	ds_buf_free(&extra);
	return res;
}

/*
 * Store the batch's rejects, schema lines, catalog counts and checkpoint,
 * then COMMIT. Returns 0, or -1 when the batch must be retried.
 */
static int
finish(struct ds_loader *l, struct ds_counts *c)
{
	struct ds_counts cc;
	PGresult *res;
	size_t i;
	int rc = -1;

	/* the bookkeeping rows are shared: batches write them in order */
	if (l->ord.wait != NULL && l->ord.wait(l->ord.arg) != 0)
		return -1;
	if (l->nrej + l->nref > 0 && (res = store_rejects(l, c)) != NULL)
		goto fail;
	for (i = 0; i < l->nsch; i++)
		if ((res = ds_catalog_schema(l->conn, l->stream, l->table,
		    l->sch[i].fields, l->sch[i].removed)) != NULL)
			goto fail;
	cc = *c;
	cc.duplicates += l->repeats;
	if ((res = ds_catalog_add(l->conn, l->run, l->stream, l->table, &cc)) != NULL)
		goto fail;
	if (l->have_cp && (res = ds_catalog_checkpoint(l->conn, l->stream, l->cp_seq,
	    l->cp_cursor, l->cp_has_more, c->records)) != NULL)
		goto fail;
	res = PQexec(l->conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		goto fail;
	PQclear(res);
	if (l->staging == STAGING_OPEN)
		l->staging = STAGING_MADE;
	if (l->ord.committed != NULL)
		l->ord.committed(l->ord.arg);
	rc = 0;
	goto out;
fail:
	failed(l, res, "cannot commit the batch");
out:
	return rc;
}

/* Forget which rows were skipped as stored (a retry finds them again). */
static void
unskip(struct ds_loader *l)
{
	size_t i;

	for (i = 0; i < l->nrows && l->nskip > 0; i++)
		if (l->refused[i] == ROW_STORED) {
			l->refused[i] = ROW_LIVE;
			l->nskip--;
		}
}

/* Start the next batch in staging when this one was mostly stored ids. */
static int
stage_next(const struct ds_counts *c)
{
	return c->duplicates > MAX_SKIPS && c->duplicates * 4 > c->records;
}

/* Roll back the open transaction (exits when the connection is gone). */
static void
rollback(struct ds_loader *l)
{
	exec_or_die(l, "ROLLBACK", "cannot roll back");
	if (l->staging == STAGING_OPEN)
		l->staging = STAGING_NONE;
}

/*
 * Load the batch from memory: rows (falling back to staging on stored ids),
 * then finish(). Retries deadlocks and serialization failures.
 */
static enum mode
apply(struct ds_loader *l, enum mode m, struct ds_counts *c)
{
	enum outcome r;
	int tries = 0, mr, probe = 0;
	struct timespec pause;

	/* an id of a batch in flight changes: let that batch commit first */
	if (l->serial && l->ord.wait != NULL)
		(void)l->ord.wait(l->ord.arg);
	for (;;) {
		if (tries >= MAX_TRIES) {
			ds_logkv(DS_LOG_ERROR, "gave up after deadlocks or serialization"
			    " failures in one batch", "tries=%d status=temporary", MAX_TRIES);
			ds_db_exit(DS_EX_TEMP);
		}
		memset(c, 0, sizeof(*c));
		l->loaded = 0;
		unskip(l);
		if (m != M_TABLE && staging(l) != 0) {
			/* no TEMP: skip the stored ids found by one query */
			if (l->update)
				need_staging(l);
			m = M_TABLE;
			probe = 1;
		}
		begin(l);
		if (probe)
			skip_stored(l);
		r = load_range(l, 0, l->nrows, m);
		if (r == R_UNIQUE) {
			rollback(l);
			if (probe)
				need_staging(l);
			m = M_TEXT;
			continue;
		}
		if (r == R_RETRY) {
			rollback(l);
			tries++;
			pause.tv_sec = 0;
			pause.tv_nsec = 50000000L * tries;
			nanosleep(&pause, NULL);
			continue;
		}
		if (m != M_TABLE) {
			if ((mr = merge(l, m, c)) != 0) {
				rollback(l);
				if (mr == -2)
					m = M_STAGE;
				else
					tries++;
				continue;
			}
		} else {
			c->records = l->loaded;
			c->duplicates = (long long)l->nskip;
		}
		if (finish(l, c) == 0)
			break;
		rollback(l);
		tries++;
	}
	l->stage_next = stage_next(c);
	return m;
}

void
ds_loader_commit(struct ds_loader *l)
{
	struct ds_counts c = { 0 };
	struct ds_buf kv = { 0 };
	PGresult *res;
	enum mode m;
	double t, secs;
	enum mode path = M_TABLE;
	int done = 0, mr;

	if (l->nrows == 0 && l->nrej == 0 && l->nsch == 0 && !l->have_cp &&
	    l->copying == M_NONE && l->repeats == 0) {
		reset(l);
		return;
	}
	l->sent = l->sent > l->nrows ? l->nrows : l->sent;
	flush(l);
	if (l->ord.wait != NULL && l->stage_next)
		path = M_TEXT;
	if ((m = l->copying) != M_NONE) {
		l->copying = M_NONE;
		res = ds_copy_end(l->conn, NULL);
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			l->loaded = strtoll(PQcmdTuples(res), NULL, 10);
			PQclear(res);
			c.records = l->loaded;
			path = m;
			mr = m == M_TABLE ? 0 : merge(l, m, &c);
			if (mr == 0 && finish(l, &c) == 0) {
				done = 1;
				l->stage_next = stage_next(&c);
			} else {
				rollback(l);
				path = mr == -2 ? M_STAGE : m;
			}
		} else {
			if (PQstatus(l->conn) != CONNECTION_OK)
				ds_db_die(l->conn, res, "lost the connection while loading rows");
			path = m != M_TABLE || (l->update &&
			    strcmp(ds_db_sqlstate(res), "23505") == 0) ? M_TEXT : M_TABLE;
			PQclear(res);
			rollback(l);
		}
	} else if (l->nrows == 0) {
		begin(l);
		if (finish(l, &c) == 0)
			done = 1;
		else
			rollback(l);
	}
	if (!done)
		path = apply(l, path, &c);

	c.duplicates += l->repeats;
	if (l->own_seen)
		ds_keyset_rotate(l->seen);
	t = ds_mono();
	secs = t - l->started;
	l->tot.c.records += c.records;
	l->tot.c.duplicates += c.duplicates;
	l->tot.c.updated += c.updated;
	l->tot.c.rejects += c.rejects;
	l->tot.batches++;
	if (l->have_cp) {
		l->tot.seq = l->cp_seq;
		free(l->tot.cursor);
		l->tot.cursor = l->cp_cursor ? ds_xstrdup(l->cp_cursor) : NULL;
		l->tot.has_more = l->cp_has_more;
		l->tot.committed_cp = 1;
		l->tot.checkpoints++;
	}
	ds_buf_printf(&kv, "rows=%lld duplicates=%lld", c.records, c.duplicates);
	if (l->update)
		ds_buf_printf(&kv, " updated=%lld", c.updated);
	ds_buf_printf(&kv, " rejects=%lld rows_per_s=%.0f", c.rejects,
	    secs > 0 ? (double)(c.records + c.duplicates) / secs : 0.0);
	if (l->have_cp)
		ds_buf_printf(&kv, " seq=%lld lag_ms=%.0f", l->cp_seq, (t - l->cp_at) * 1000);
	ds_buf_printf(&kv, " path=%s", path == M_TABLE ? "copy" : "staging");
	ds_logkv(DS_LOG_INFO, "commit", "%s", kv.p);
	ds_buf_free(&kv);
	reset(l);
}
