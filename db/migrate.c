#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "db.h"
#include "migrate.h"

static const struct migration {
	const char	*name;
	const char	*sql;
} migrations[] = {
#include "migrations.inc"
};

#define NMIGRATIONS	(sizeof(migrations) / sizeof(migrations[0]))

/* Any constant: the key of the advisory lock that serialises schema changes. */
#define MIGRATE_LOCK	"7105332145071851009"

/* What a DDL step that failed for want of a privilege tells the user. */
#define NEED_OWNER	" (this role may not change the schema: run ds-load --migrate-only" \
			" once as the owner of the schema and tables)"

/*
 * Run the DDL sql; on failure log doing (with NEED_OWNER when the role
 * lacks the privilege) and exit as ds_db_die does.
 */
static void
ddl(PGconn *conn, const char *sql, const char *doing)
{
	struct ds_buf d = { 0 };
	PGresult *res = PQexec(conn, sql);

	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK) {
		PQclear(res);
		return;
	}
	ds_buf_adds(&d, doing);
	if (strcmp(ds_db_sqlstate(res), "42501") == 0)
		ds_buf_adds(&d, NEED_OWNER);
	ds_db_die(conn, res, d.p);
}

void
ds_migrate_index_name(const char *relname, struct ds_buf *b)
{
	size_t n = strlen(relname), keep;
	uint32_t h = 2166136261u;
	const unsigned char *p;

	if (n + 7 <= 63) {
		ds_buf_adds(b, relname);
		ds_buf_adds(b, "_ts_idx");
		return;
	}
	for (p = (const unsigned char *)relname; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	/* 63 bytes: a prefix cut at a character boundary, _, 8 hex, _ts_idx */
	keep = 63 - 7 - 9;
	while (keep > 0 && ((unsigned char)relname[keep] & 0xc0) == 0x80)
		keep--;
	ds_buf_add(b, relname, keep);
	ds_buf_printf(b, "_%08x_ts_idx", (unsigned)h);
}

/* Create the records table and its ts index, as ds-load expects them. */
static void
create_table(PGconn *conn, const char *table)
{
	struct ds_buf sql = { 0 }, idx = { 0 };
	const char *dot = strchr(table, '.');

	ds_migrate_index_name(dot ? dot + 1 : table, &idx);
	ds_buf_adds(&sql, "CREATE TABLE IF NOT EXISTS ");
	ds_db_ident(conn, table, &sql);
	ds_buf_adds(&sql, " (id text PRIMARY KEY, stream text NOT NULL, type text,"
	    " ts timestamptz, hash text NOT NULL, data jsonb NOT NULL,"
	    " ingested_at timestamptz NOT NULL DEFAULT now());"
	    " CREATE INDEX IF NOT EXISTS ");
	ds_db_ident(conn, idx.p, &sql);	/* the index lives in the table's schema */
	ds_buf_adds(&sql, " ON ");
	ds_db_ident(conn, table, &sql);
	ds_buf_adds(&sql, " (ts)");
	ddl(conn, sql.p, "cannot create the records table");
	ds_buf_free(&sql);
	ds_buf_free(&idx);
}

int
ds_migrated(PGconn *conn)
{
	PGresult *res;
	int yes;

	res = ds_db_exec(conn, "SELECT to_regclass('ds_checkpoints') IS NOT NULL",
	    "cannot look for the ds tables");
	yes = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return yes;
}

/* Non-zero when res (names of applied migrations) lacks migration i. */
static int
missing(const PGresult *res, size_t i)
{
	int j;

	for (j = 0; j < PQntuples(res); j++)
		if (strcmp(PQgetvalue(res, j, 0), migrations[i].name) == 0)
			return 0;
	return 1;
}

int
ds_schema_current(PGconn *conn, const char *table)
{
	struct ds_buf q = { 0 };
	const char *vals[1];
	PGresult *res;
	size_t i;
	int ok;

	/* only SELECTs: a role without DDL rights may run them */
	if (table != NULL) {
		ds_db_ident(conn, table, &q);
		vals[0] = q.p;
		res = ds_db_execp(conn, "SELECT to_regclass('ds_schema_migrations') IS NOT NULL,"
		    " EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a"
		    " ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
		    " WHERE i.indrelid = to_regclass($1) AND i.indnatts = 1"
		    " AND a.attname = 'ts')", 1, vals, "cannot look for the ds tables");
	} else
		res = ds_db_exec(conn, "SELECT to_regclass('ds_schema_migrations') IS NOT NULL,"
		    " true", "cannot look for the ds tables");
	ok = PQgetvalue(res, 0, 0)[0] == 't' && PQgetvalue(res, 0, 1)[0] == 't';
	PQclear(res);
	ds_buf_free(&q);
	if (!ok)
		return 0;
	res = ds_db_exec(conn, "SELECT name FROM ds_schema_migrations",
	    "cannot read ds_schema_migrations");
	for (i = 0; i < NMIGRATIONS && ok; i++)
		ok = !missing(res, i);
	PQclear(res);
	return ok;
}

int
ds_migrate(PGconn *conn, const char *table)
{
	struct ds_buf doing = { 0 };
	PGresult *res;
	const char *vals[1];
	size_t i;
	int applied = 0;

	if (ds_schema_current(conn, table))
		return 0;
	ddl(conn, "SET client_min_messages = warning; BEGIN;"
	    " SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ");"
	    " CREATE TABLE IF NOT EXISTS ds_schema_migrations (name text PRIMARY KEY,"
	    " applied_at timestamptz NOT NULL DEFAULT now())",
	    "cannot lock the schema for migrations");
	res = ds_db_exec(conn, "SELECT name FROM ds_schema_migrations",
	    "cannot read ds_schema_migrations");
	for (i = 0; i < NMIGRATIONS; i++) {
		if (!missing(res, i))
			continue;
		ds_buf_reset(&doing);
		ds_buf_printf(&doing, "migration %s failed", migrations[i].name);
		ddl(conn, migrations[i].sql, doing.p);
		vals[0] = migrations[i].name;
		PQclear(ds_db_execp(conn, "INSERT INTO ds_schema_migrations (name)"
		    " VALUES ($1)", 1, vals, "cannot record a migration"));
		ds_logkv(DS_LOG_INFO, "migration applied", "name=%s", migrations[i].name);
		applied++;
	}
	PQclear(res);
	ds_buf_free(&doing);
	if (table != NULL)
		create_table(conn, table);
	PQclear(ds_db_exec(conn, "COMMIT; RESET client_min_messages",
	    "cannot commit the migrations"));
	return applied;
}
