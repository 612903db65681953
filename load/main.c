/*
 * ds-load - load ds-transform's stream into PostgreSQL, exactly once.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "buf.h"
#include "clock.h"
#include "deffile.h"
#include "exits.h"
#include "json.h"
#include "log.h"
#include "name.h"
#include "output.h"
#include "reader.h"
#include "secure.h"
#include "batch.h"
#include "catalog.h"
#include "columns.h"
#include "contract.h"
#include "../db/db.h"
#include "../db/migrate.h"
#include "../db/own.h"
#include "pool.h"
#include "settings.h"
#include "signals.h"
#include "stats.h"
#include "stream.h"

#define MAX_LINE	((size_t)64 << 20)	/* longest input line accepted */
#define JOBS		2			/* default --jobs: see the README's figures */
#define MAX_JOBS	64
#define BATCH_BYTES	(16 << 20)		/* default --batch-bytes: bounds memory */

static PGconn *conn;
static struct ds_pool *pool;
static const char *stream_name;
static long long run;
static const char *statsfile;
static int finished;
static double t0;

static void	summary(const char *, double);
static struct ds_contract *contract;	/* --schema-contract */
static int singer;		/* the input carries Singer states: echo them */
static char *echoed;		/* the state echoed last */

/* Print the synopsis to f and exit with status. */
static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: ds-load [--batch-bytes n] [--batch-rows n] [--batch-seconds seconds]\n"
	    "               [--column 'name type path'] [--column-index name]\n"
	    "               [--connector name] [--db url] [--definition file]\n"
	    "               [--geometry path] [--jobs n] [--max-rejects n] [--migrate-only]\n"
	    "               [--mode append|upsert|history|snapshot] [--on-conflict skip|update]\n"
	    "               [--schema-contract evolve|freeze|discard] [--snapshot-delete]\n"
	    "               [--srid n]\n"
	    "               [--stats file] [--table name]\n");
	exit(status);
}

/*
 * Name each declared column's type as the server does (a type it does not
 * know is a usage error), before any migration.
 */
static void
check_types(void)
{
	struct ds_column *c;
	struct ds_buf msg = { 0 };
	const char *vals[1];
	PGresult *res;
	size_t i;

	for (i = 0; i < ld_columns_ndeclared(); i++) {
		c = ld_columns_declared(i, NULL);
		if (c->fill == DS_FILL_GEOM)
			continue;
		vals[0] = c->type;
		res = PQexecParams(conn, "SELECT format_type($1::regtype, NULL)", 1, NULL,
		    vals, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			ds_db_message(conn, res, &msg);
			ds_diex(DS_EX_USAGE, "--column %s: type %s: %s", c->name, c->type,
			    msg.p);
		}
		c->type = ds_xstrdup(PQgetvalue(res, 0, 0));	/* the given one is kept: small */
		PQclear(res);
	}
}

/* Add the declared columns missing on table (and their indexes). */
static void
declare_columns(const char *table)
{
	struct ds_declared *d;
	struct ds_column *c;
	size_t i, n = ld_columns_ndeclared();
	int index;

	if (n == 0)
		return;
	d = ds_xcalloc(n, sizeof(*d));
	for (i = 0; i < n; i++) {
		c = ld_columns_declared(i, &index);
		d[i].name = c->name;
		d[i].type = c->type;
		d[i].index = index;
		d[i].geometry = c->fill == DS_FILL_GEOM;
	}
	ld_columns_declare_done();
	ds_migrate_columns(conn, table, d, n);
	free(d);
}

/*
 * The schema the database knows for the stream (ds_catalog.fields), for
 * the contract; says when there is none and the run's records define it.
 */
static void
known_schema(const char *name, const char *mode)
{
	const char *vals[1] = { name };
	PGresult *res;

	res = ds_db_execp(conn, "SELECT fields::text FROM ds_catalog WHERE stream = $1", 1,
	    vals, "cannot read the stream's schema from ds_catalog");
	if (PQntuples(res) == 1 && ld_contract_merge(contract, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0)) != 0)
		ds_diex(DS_EX_PERM, "ds_catalog.fields of stream %s is not a fields object", name);
	PQclear(res);
	if (!ld_contract_enforced(contract))
		ds_logkv(DS_LOG_INFO, "no schema known for the stream yet: this run's records"
		    " (or a declared schema) define it", "stream=%s schema_contract=%s",
		    name, mode);
}

/*
 * A record line under the contract: loaded as it is, loaded without the
 * fields discard drops (journaled once), or rejected for freeze; returns
 * 1 when it was rejected.
 */
static int
contract_record(struct ds_contract *c, struct ds_loader *loader,
    struct ds_line *ln)
{
	static struct ds_buf why, journal;

	switch (ld_contract_record(c, ln, &why, &journal)) {
	case DS_CONTRACT_REJECT:
		ld_loader_reject(loader, -1, why.p, ln->data.p, ln->data.n);
		return 1;
	case DS_CONTRACT_DROPPED:
		if (journal.len > 0)
			ld_loader_discard(loader, journal.p);
		break;
	}
	return 0;
}

/*
 * Apply the migrations of the ds tables and of table, fitted to the write
 * mode (see ds_migrate_mode): their count.
 */
static int
migrate(const char *table, int mode)
{
	int n = ds_migrate(conn, NULL);

	ds_migrate_mode(conn, table, mode == DS_WM_HISTORY, mode >= DS_WM_SNAPSHOT);
	n += ds_migrate(conn, table);
	if (mode != DS_WM_HISTORY)
		ds_migrate_check_table(conn, table);
	return n;
}

/*
 * With --geometry, before anything is made or loaded: the database has
 * PostGIS, or gets it (CREATE EXTENSION, when the server has it and the
 * role may); else exit (permanent) naming what to install or run.
 */
static void
need_postgis(void)
{
	struct ds_buf msg = { 0 };
	PGresult *res;
	int installed, available;

	res = ds_db_exec(conn, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname ="
	    " 'postgis'), EXISTS (SELECT 1 FROM pg_available_extensions WHERE name ="
	    " 'postgis'), current_setting('server_version_num')::int / 10000,"
	    " current_database()", "cannot look for PostGIS");
	installed = PQgetvalue(res, 0, 0)[0] == 't';
	available = PQgetvalue(res, 0, 1)[0] == 't';
	if (!installed && !available) {
		ds_logkv(DS_LOG_ERROR, "--geometry needs PostGIS, which the database server"
		    " does not have: install the package on the server (make deps does), then"
		    " run again; nothing was loaded", "package=postgresql-%s-postgis-3"
		    " database=%s status=permanent", PQgetvalue(res, 0, 2),
		    PQgetvalue(res, 0, 3));
		ds_db_exit(DS_EX_PERM);
	}
	if (installed) {
		PQclear(res);
		return;
	}
	PQclear(res);
	res = PQexec(conn, "SET client_min_messages = warning;"
	    " CREATE EXTENSION IF NOT EXISTS postgis; RESET client_min_messages");
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		ds_logkv(DS_LOG_INFO, "created the extension postgis", NULL);
		return;
	}
	ds_db_message(conn, res, &msg);
	ds_logkv(DS_LOG_ERROR, "--geometry needs PostGIS in the database and this role"
	    " cannot create it: have a superuser run CREATE EXTENSION postgis in it,"
	    " then run again; nothing was loaded", "database=%s error=\"%s\""
	    " status=permanent", PQdb(conn), msg.p);
	ds_db_exit(DS_EX_PERM);
}

/* Write the stats file with the committed totals and state. */
static void
stats(const char *state)
{
	struct ds_totals t;

	ld_pool_totals(pool, &t);
	ld_stats_write(statsfile, &t, state);
	free(t.cursor);
}

/* At any exit before the end: mark the stats and the run as failed. */
static void
at_exit(void)
{
	PGresult *res;

	if (finished || pool == NULL)
		return;
	stats("failed");
	if (PQstatus(conn) == CONNECTION_OK) {
		if (PQtransactionStatus(conn) == PQTRANS_ACTIVE &&
		    PQputCopyEnd(conn, "ds-load is exiting") == 1)
			while ((res = PQgetResult(conn)) != NULL)
				PQclear(res);
		if (PQtransactionStatus(conn) != PQTRANS_IDLE)
			PQclear(PQexec(conn, "ROLLBACK"));
		ld_catalog_run_end(conn, run, stream_name, "failed", ds_db_last_error());
	}
}

/*
 * As a Singer target: once a checkpoint carrying a tap's state has
 * committed, write that state to stdout (one line), as a tap's runner
 * expects; each committed state once, never one not yet committed.
 */
static void
echo_state(void)
{
	struct ds_totals t;

	if (!singer)
		return;
	ld_pool_totals(pool, &t);
	if (t.committed_cp && t.cursor != NULL &&
	    (echoed == NULL || strcmp(echoed, t.cursor) != 0)) {
		ds_out_write(t.cursor, strlen(t.cursor));
		ds_out_write("\n", 1);
		ds_out_flush();
		free(echoed);
		echoed = t.cursor;
		return;
	}
	free(t.cursor);
}

/* Commit what is loaded (or hand it to a job) and write the stats. */
static void
commit(void)
{
	ld_pool_commit(pool);
	stats("running");
	echo_state();
}

/*
 * The reader's idle hook: the upstream is quiet (a slow or paced API), so
 * a batch that ends at a checkpoint commits once --batch-seconds old
 * instead of waiting for the next page to arrive. As a Singer target it
 * also looks every 100 ms for a state whose batch a job has committed
 * since, so a quiet tap's state is echoed without waiting for the next.
 */
static int
commit_idle(void *arg)
{
	int ms;

	(void)arg;
	if (ld_signals_caught())
		return -1;
	if ((ms = ld_loader_idle_due(ld_pool_loader(pool))) == 0) {
		commit();
		ms = -1;
	}
	if (!singer)
		return ms;
	echo_state();
	return ms < 0 || ms > 100 ? 100 : ms;
}

/*
 * Stop early: commit through the last checkpoint line, record the run and
 * exit with status (the reason was logged by the caller). A run stopped by
 * a signal logs its totals after that final commit.
 */
static void __attribute__((noreturn))
stop(int status, const char *runstatus, const char *error)
{
	size_t dropped = ld_loader_drop_partial(ld_pool_loader(pool));

	if (dropped > 0)
		ds_logkv(DS_LOG_INFO, "dropped lines after the last checkpoint",
		    "lines=%zu", dropped);
	commit();
	ld_pool_drain(pool);
	echo_state();
	finished = 1;
	stats("failed");
	ld_catalog_run_end(conn, run, stream_name, runstatus, error);
	if (strcmp(runstatus, "stopped") == 0)
		summary("stopped", ds_mono() - t0);
	ds_db_exit(status);
}

/* Decode a validated JSON string span (NULL for null) into b; -1 on \u0000. */
static int
decode(const struct ds_span *s, struct ds_buf *b)
{
	ds_buf_reset(b);
	if (s->p == NULL) {
		ds_buf_terminate(b);
		return 0;
	}
	if (ds_json_str_decode(s->p, s->n, b) != 0)
		return -1;
	ds_buf_terminate(b);
	return 0;
}

/* Store a reject line from ds-transform. */
static void
reject_line(const struct ds_line *ln)
{
	struct ds_buf reason = { 0 }, raw = { 0 };

	if (decode(&ln->reason, &reason) != 0) {
		ds_buf_reset(&reason);
		ds_buf_add(&reason, ln->reason.p, ln->reason.n);
	}
	if (decode(&ln->raw, &raw) != 0) {
		/* PostgreSQL text cannot hold NUL: keep the JSON-escaped text */
		ds_buf_reset(&raw);
		ds_buf_add(&raw, ln->raw.p, ln->raw.n);
	}
	ds_buf_terminate(&reason);
	ld_loader_reject(ld_pool_loader(pool), ln->seq, reason.p, raw.p ? raw.p : "",
	    raw.len);
	ds_buf_free(&reason);
	ds_buf_free(&raw);
}

/*
 * Non-zero when the n bytes at p are the start of a UTF-8 sequence cut
 * short (a lead byte and fewer continuation bytes than it announces).
 */
static int
cut_utf8(const unsigned char *p, size_t n)
{
	size_t need, i;

	if (n == 0 || *p < 0xc2 || *p > 0xf4)
		return 0;
	need = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
	if (n >= need)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return 1;
}

/*
 * After a line that failed to parse: non-zero when it is not valid JSON,
 * but not for invalid UTF-8 other than a sequence cut at its end, and the
 * input ends with it (an upstream killed mid-line), which is temporary,
 * not a format error. A line holding invalid UTF-8 is a format error
 * wherever it is. Reads on; the line is invalid after.
 */
static int
truncated(struct ds_reader *rd, const char *line, size_t len)
{
	struct ds_json j;
	char *next;
	size_t n;

	ds_json_init(&j, line);
	if (ds_json_validate(&j, line, line + len) == 0)
		return 0;
	if (j.erroff < len && (strstr(j.errmsg, "UTF-8") != NULL ||
	    (unsigned char)line[j.erroff] >= 0x80) &&
	    !cut_utf8((const unsigned char *)line + j.erroff, len - j.erroff))
		return 0;
	return ds_reader_next(rd, &next, &n) == DS_READ_EOF;
}

/* Summary line at the end of a run. */
static void
summary(const char *msg, double secs)
{
	struct ds_totals t;
	struct ds_buf kv = { 0 };

	ld_pool_totals(pool, &t);
	ds_buf_printf(&kv, "records=%lld duplicates=%lld updated=%lld rejects=%lld"
	    " batches=%lld seconds=%.1f", t.c.records, t.c.duplicates,
	    t.c.updated, t.c.rejects, t.batches, secs);
	if (t.committed_cp)
		ds_buf_printf(&kv, " seq=%lld has_more=%s", t.seq,
		    t.has_more ? "true" : "false");
	ds_logkv(DS_LOG_INFO, msg, "%s", kv.p);
	ds_buf_free(&kv);
	free(t.cursor);
}

int
main(int argc, char *argv[])
{
	enum { O_BBYTES = 256, O_BROWS, O_BSECS, O_COLUMN, O_COLINDEX, O_DB, O_JOBS, O_MAXREJ, O_MIGRATE,
	    O_CONFLICT, O_CONTRACT, O_STATS, O_TABLE, O_CONNECTOR, O_DEFINITION, O_MODE, O_SNAPDEL,
	    O_GEOMETRY, O_SRID };
	static const struct option longopts[] = {
		{ "batch-bytes", required_argument, NULL, O_BBYTES },
		{ "batch-rows", required_argument, NULL, O_BROWS },
		{ "batch-seconds", required_argument, NULL, O_BSECS },
		{ "column", required_argument, NULL, O_COLUMN },
		{ "column-index", required_argument, NULL, O_COLINDEX },
		{ "connector", required_argument, NULL, O_CONNECTOR },
		{ "db", required_argument, NULL, O_DB },
		{ "definition", required_argument, NULL, O_DEFINITION },
		{ "geometry", required_argument, NULL, O_GEOMETRY },
		{ "help", no_argument, NULL, 'h' },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "max-rejects", required_argument, NULL, O_MAXREJ },
		{ "migrate-only", no_argument, NULL, O_MIGRATE },
		{ "mode", required_argument, NULL, O_MODE },
		{ "on-conflict", required_argument, NULL, O_CONFLICT },
		{ "schema-contract", required_argument, NULL, O_CONTRACT },
		{ "snapshot-delete", no_argument, NULL, O_SNAPDEL },
		{ "srid", required_argument, NULL, O_SRID },
		{ "stats", required_argument, NULL, O_STATS },
		{ "table", required_argument, NULL, O_TABLE },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const conflicts[] = { "skip", "update", NULL };
	struct ds_reader *rd;
	struct ds_loader *loader;
	struct ds_totals tot;
	struct ds_line ln;
	struct ds_buf err = { 0 }, name = { 0 }, stream = { 0 };
	const char *db = NULL, *table = "events", *why = NULL;
	const char *connector = NULL, *definition = NULL;
	long long batch_rows = 50000, batch_bytes = BATCH_BYTES, max_rejects = -1;
	long long jobs = JOBS;
	double batch_secs = 2;
	char *line;
	size_t len;
	uint64_t lineno;
	int ch, r, mode = -1, sig, migrate_only = 0, snapdel = 0, cmode = DS_CONTRACT_EVOLVE;
	struct load_def def = { &cmode, 0, &mode, &snapdel, 0, NULL, 4326, 0, 0, NULL, 0 };
	size_t i;

	ds_log_init(argv[0]);
	ds_no_core();	/* it holds the database password */
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case O_BBYTES:
			batch_bytes = (long long)ds_arg_bytes("batch-bytes", optarg, 1, (uint64_t)1 << 36);
			break;
		case O_BROWS:
			batch_rows = ds_arg_count("batch-rows", optarg, 1, 100000000);
			break;
		case O_BSECS:
			batch_secs = ds_arg_seconds("batch-seconds", optarg, 0, 86400);
			break;
		case O_COLUMN:
			ds_buf_reset(&err);
			if (ld_columns_declare(optarg, &err) != 0)
				ds_diex(DS_EX_USAGE, "--column %s: %s", optarg, err.p);
			break;
		case O_COLINDEX:
			def.colidx = ds_xrealloc(def.colidx, (def.ncolidx + 1) *
			    sizeof(*def.colidx));
			def.colidx[def.ncolidx++] = optarg;
			break;
		case O_DB:
			db = optarg;
			break;
		case O_CONNECTOR:
			connector = optarg;
			break;
		case O_DEFINITION:
			definition = optarg;
			break;
		case O_GEOMETRY:
			def.geometry = optarg;
			def.geometry_given = 1;
			break;
		case O_SRID:
			def.srid = ds_arg_count("srid", optarg, 0, 999999);
			def.srid_given = 1;
			break;
		case 'h':
			usage(stdout, DS_EX_OK);
		case O_JOBS:
			jobs = ds_arg_count("jobs", optarg, 1, MAX_JOBS);
			break;
		case O_MAXREJ:
			max_rejects = ds_arg_count("max-rejects", optarg, 0, 1LL << 62);
			break;
		case O_MIGRATE:
			migrate_only = 1;
			break;
		case O_CONFLICT:	/* the old name of --mode append|upsert */
			r = ds_arg_choice("on-conflict", optarg, conflicts);
			if (mode >= 0 && mode != r)
				ds_diex(DS_EX_USAGE, "--on-conflict %s contradicts --mode %s",
				    optarg, ld_modes[mode]);
			mode = r;
			break;
		case O_MODE:
			r = ds_arg_choice("mode", optarg, ld_modes);
			if (mode >= 0 && mode != r)
				ds_diex(DS_EX_USAGE, "--mode %s contradicts --mode or"
				    " --on-conflict given before", optarg);
			mode = r;
			break;
		case O_SNAPDEL:
			snapdel = 1;
			break;
		case O_CONTRACT:
			cmode = ds_arg_choice("schema-contract", optarg, ld_contracts);
			def.contract_given = 1;
			break;
		case O_STATS:
			statsfile = optarg;
			break;
		case O_TABLE:
			table = ds_arg_table("table", optarg);
			break;
		default:
			usage(stderr, DS_EX_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, DS_EX_USAGE);
	/* a definition's settings, where the command line gave none */
	def.mode_given = mode >= 0 || snapdel;
	ds_def_read_layers(connector, definition, ld_def_setting, &def);
	if (mode < 0)
		mode = DS_WM_APPEND;
	if (snapdel && mode != DS_WM_SNAPSHOT)
		ds_diex(DS_EX_USAGE, "--snapshot-delete goes with --mode snapshot only");
	if (snapdel)
		mode = DS_WM_SNAPSHOT_DELETE;
	if (def.geometry != NULL && ld_columns_geometry(def.geometry, (int)def.srid,
	    &err) != 0)
		ds_diex(DS_EX_USAGE, "--geometry %s: %s", def.geometry, err.p);
	for (i = 0; i < def.ncolidx; i++)
		if (ld_columns_index(def.colidx[i]) != 0)
			ds_diex(DS_EX_USAGE, "--column-index %s: no --column declares it",
			    def.colidx[i]);
	free(def.colidx);

	ds_out_init();
	ld_signals_init();
	t0 = ds_mono();
	conn = ds_db_connect(db, "ds-load");
	if (def.geometry != NULL)
		need_postgis();
	check_types();
	if (migrate_only) {
		r = migrate(table, mode);
		declare_columns(table);
		if (mode == DS_WM_HISTORY)
			ds_migrate_history_view(conn, table);
		ds_logkv(DS_LOG_INFO, "schema ready", "table=%s migrations_applied=%d",
		    table, r);
		PQfinish(conn);
		return DS_EX_OK;
	}
	migrate(table, mode);
	declare_columns(table);
	if (mode == DS_WM_HISTORY)
		ds_migrate_history_view(conn, table);
	run = ld_catalog_run_start(conn, table);
	pool = ld_pool_new(conn, db, (int)jobs, table, mode, run, (size_t)batch_rows,
	    (size_t)batch_bytes, batch_secs);
	atexit(at_exit);
	rd = ds_reader_new(STDIN_FILENO, MAX_LINE);
	ds_reader_on_idle(rd, commit_idle, NULL);

	while ((r = ds_reader_next(rd, &line, &len)) == DS_READ_LINE) {
		if (ld_signals_caught())
			break;
		loader = ld_pool_loader(pool);
		ds_buf_reset(&err);
		if (ds_json_ws(line, line + len) == line + len)
			continue;
		lineno = ds_reader_lineno(rd);
		if (ld_stream_parse(line, len, &ln, &err) != 0 && truncated(rd, line, len)) {
			ds_logkv(DS_LOG_ERROR, "input ends inside a line: the upstream stopped"
			    " mid-write", "line=%llu", (unsigned long long)lineno);
			stop(DS_EX_TEMP, "failed", "input ends inside a line");
		} else if (err.len > 0) {
			ds_buf_reset(&name);
			ds_log_quote(&name, err.p, err.len);
			ds_buf_terminate(&name);
			ds_logkv(DS_LOG_ERROR, "input is not ds-transform's stream format:"
			    " put ds-transform in front (ds-fetch URL | ds-transform | ds-load)",
			    "line=%llu error=%s", (unsigned long long)lineno, name.p);
			stop(DS_EX_PERM, "failed", "input is not the stream format");
		}
		if (stream.len == 0) {
			ds_buf_add(&stream, ln.stream.p, ln.stream.n);
			if (decode(&ln.stream, &name) != 0 ||
			    (why = ds_name_why(name.p, name.len)) != NULL) {
				ds_buf_reset(&err);
				ds_log_quote(&err, ln.stream.p, ln.stream.n > 200 ? 200 :
				    ln.stream.n);
				ds_buf_terminate(&err);
				ds_logkv(DS_LOG_ERROR, "bad stream name in the input", "line=%llu"
				    " stream=%s why=\"%s\"", (unsigned long long)lineno, err.p,
				    why != NULL ? why : "it holds \\u0000");
				stop(DS_EX_PERM, "failed", "bad stream name");
			}
			/* one chain per stream: nothing is written for it before this */
			ds_own_claim(conn, name.p, run);
			ld_pool_set_stream(pool, name.p);
			if (cmode != DS_CONTRACT_EVOLVE) {
				contract = ld_contract_new(cmode);
				known_schema(name.p, ld_contracts[cmode]);
			}
			stream_name = ld_loader_stream(loader);
		} else if (ln.stream.n != stream.len ||
		    memcmp(ln.stream.p, stream.p, stream.len) != 0) {
			ds_logkv(DS_LOG_ERROR, "a second stream in the input: run one ds-load"
			    " per stream", "line=%llu stream=%s",
			    (unsigned long long)ds_reader_lineno(rd), stream_name);
			stop(DS_EX_PERM, "failed", "more than one stream in the input");
		}
		switch (ln.kind) {
		case DS_LINE_RECORD:
			if (contract != NULL && contract_record(contract, loader, &ln))
				break;
			if (ld_loader_record(loader, &ln) != 0)
				ld_loader_reject(loader, -1, "a string field of the record holds"
				    " \\u0000, which PostgreSQL text cannot store", line, len);
			if (ld_loader_full(loader))
				commit();
			break;
		case DS_LINE_REJECT:
			reject_line(&ln);
			break;
		case DS_LINE_SCHEMA:
			/* enforced, the contract keeps drift out of the schema */
			if (contract != NULL && ln.declared)
				ld_contract_merge(contract, ln.fields.p, ln.fields.n);
			else if (contract != NULL && ld_contract_enforced(contract))
				break;
			ld_loader_schema(loader, &ln);
			break;
		case DS_LINE_CHECKPOINT:
			singer |= ln.state.p != NULL;
			if (ld_loader_checkpoint(loader, &ln))
				commit();
			break;
		}
		if (max_rejects >= 0 && ld_pool_rejects(pool) > max_rejects) {
			ds_logkv(DS_LOG_ERROR, "too many rejects: stopping at the last checkpoint",
			    "rejects=%lld max_rejects=%lld", ld_pool_rejects(pool),
			    max_rejects);
			stop(DS_EX_REJECTS, "failed", "more rejects than --max-rejects");
		}
	}
	if ((sig = ld_signals_caught()) != 0) {
		ds_logkv(DS_LOG_INFO, "signal: committing through the last checkpoint",
		    "signal=%d", sig);
		stop(128 + sig, "stopped", "stopped by a signal");
	}
	if (r == DS_READ_LONG) {
		ds_logkv(DS_LOG_ERROR, "input line too long", "line=%llu max_bytes=%zu",
		    (unsigned long long)ds_reader_lineno(rd), MAX_LINE);
		stop(DS_EX_PERM, "failed", "input line too long");
	}
	if (r == DS_READ_ERR) {
		ds_buf_reset(&name);
		ds_log_quote(&name, ds_reader_error(rd), strlen(ds_reader_error(rd)));
		ds_buf_terminate(&name);
		ds_logkv(DS_LOG_ERROR, "cannot read the input", "error=%s line=%llu",
		    name.p, (unsigned long long)ds_reader_lineno(rd) + 1);
		stop(DS_EX_TEMP, "failed", ds_reader_error(rd));
	}
	if (ld_loader_drop_partial(ld_pool_loader(pool)) > 0)
		ds_logkv(DS_LOG_WARN, "input ended inside a page: dropped its lines after"
		    " the last checkpoint (the next run fetches them again)", NULL);
	ld_pool_commit(pool);
	ld_pool_drain(pool);
	echo_state();
	finished = 1;
	ld_pool_totals(pool, &tot);
	free(tot.cursor);
	if (max_rejects >= 0 && tot.c.rejects > max_rejects)
		stop(DS_EX_REJECTS, "failed", "more rejects than --max-rejects");
	stats("done");
	ld_catalog_run_end(conn, run, stream_name, "done", NULL);
	summary("done", ds_mono() - t0);
	ds_reader_free(rd);
	ld_pool_free(pool);
	pool = NULL;
	PQfinish(conn);
	ds_buf_free(&err);
	ds_buf_free(&name);
	ds_buf_free(&stream);
	ld_contract_free(contract);
	free(echoed);
	ds_out_close();
	return DS_EX_OK;
}
