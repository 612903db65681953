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

/* Create the records table and its ts index, as ds-load expects them. */
static void
create_table(PGconn *conn, const char *table)
{
	struct ds_buf sql = { 0 }, idx = { 0 };
	const char *dot = strchr(table, '.');
	PGresult *res;

	ds_buf_adds(&idx, dot ? dot + 1 : table);
	ds_buf_adds(&idx, "_ts_idx");
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
	res = ds_db_exec(conn, sql.p, "cannot create the records table");
	PQclear(res);
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

int
ds_migrate(PGconn *conn, const char *table)
{
	struct ds_buf doing = { 0 };
	PGresult *res;
	const char *vals[1];
	size_t i;
	int applied = 0, done, j;

	PQclear(ds_db_exec(conn, "SET client_min_messages = warning; BEGIN;"
	    " SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ");"
	    " CREATE TABLE IF NOT EXISTS ds_schema_migrations (name text PRIMARY KEY,"
	    " applied_at timestamptz NOT NULL DEFAULT now())",
	    "cannot lock the schema for migrations"));
	res = ds_db_exec(conn, "SELECT name FROM ds_schema_migrations",
	    "cannot read ds_schema_migrations");
	for (i = 0; i < NMIGRATIONS; i++) {
		done = 0;
		for (j = 0; j < PQntuples(res) && !done; j++)
			done = strcmp(PQgetvalue(res, j, 0), migrations[i].name) == 0;
		if (done)
			continue;
		ds_buf_reset(&doing);
		ds_buf_printf(&doing, "migration %s failed", migrations[i].name);
		PQclear(ds_db_exec(conn, migrations[i].sql, doing.p));
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
