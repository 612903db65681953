#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "db.h"
#include "migrate.h"

struct migration {
	const char	*name;
	const char	*sql;
};

/* The ds tables' migrations. */
static const struct migration migrations[] = {
#include "migrations.inc"
};

/* Each records table's, templated on its name (see ds_migrate_expand). */
static const struct migration table_migrations[] = {
#include "table_migrations.inc"
};

#define NMIGRATIONS	(sizeof(migrations) / sizeof(migrations[0]))
#define NTABLE_MIGRATIONS (sizeof(table_migrations) / sizeof(table_migrations[0]))

#define MIGRATE_LOCK	DS_MIGRATE_LOCK

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

void
ds_migrate_expand(const char *tmpl, const char *qtable, const char *qindex,
    struct ds_buf *b)
{
	const char *p = tmpl, *at;

	while ((at = strchr(p, '@')) != NULL) {
		ds_buf_add(b, p, (size_t)(at - p));
		if (strncmp(at, "@TABLE@", 7) == 0) {
			ds_buf_adds(b, qtable);
			p = at + 7;
		} else if (strncmp(at, "@TS_INDEX@", 10) == 0) {
			ds_buf_adds(b, qindex);
			p = at + 10;
		} else {
			ds_buf_addc(b, '@');
			p = at + 1;
		}
	}
	ds_buf_adds(b, p);
}

/* Append the name table migration i is recorded under for table to b. */
static void
table_migration_name(const char *table, size_t i, struct ds_buf *b)
{
	ds_buf_reset(b);
	ds_buf_printf(b, "%s:%s", table, table_migrations[i].name);
}

/* Non-zero when res (names of applied migrations) lacks name. */
static int
missing(const PGresult *res, const char *name)
{
	int j;

	for (j = 0; j < PQntuples(res); j++)
		if (strcmp(PQgetvalue(res, j, 0), name) == 0)
			return 0;
	return 1;
}

/*
 * Apply the table migrations of table not recorded (all of them when the
 * table does not exist), in the open migration transaction; their count.
 */
static int
migrate_table(PGconn *conn, const char *table)
{
	struct ds_buf qt = { 0 }, idx = { 0 }, qi = { 0 }, sql = { 0 }, name = { 0 };
	struct ds_buf doing = { 0 };
	const char *dot = strchr(table, '.'), *vals[1];
	PGresult *res;
	size_t i;
	int applied = 0;

	ds_db_ident(conn, table, &qt);
	ds_migrate_index_name(dot ? dot + 1 : table, &idx);
	ds_db_ident(conn, idx.p, &qi);	/* the index lives in the table's schema */
	vals[0] = qt.p;
	res = ds_db_execp(conn, "SELECT to_regclass($1) IS NULL", 1, vals,
	    "cannot look for the records table");
	vals[0] = table;
	if (PQgetvalue(res, 0, 0)[0] == 't')	/* dropped: made again from the first */
		PQclear(ds_db_execp(conn, "DELETE FROM ds_schema_migrations"
		    " WHERE left(name, length($1) + 1) = $1 || ':'", 1, vals,
		    "cannot forget a dropped table's migrations"));
	PQclear(res);
	res = ds_db_execp(conn, "SELECT name FROM ds_schema_migrations"
	    " WHERE left(name, length($1) + 1) = $1 || ':'", 1, vals,
	    "cannot read ds_schema_migrations");
	for (i = 0; i < NTABLE_MIGRATIONS; i++) {
		table_migration_name(table, i, &name);
		if (!missing(res, name.p))
			continue;
		ds_buf_reset(&sql);
		ds_migrate_expand(table_migrations[i].sql, qt.p, qi.p, &sql);
		ds_buf_reset(&doing);
		ds_buf_printf(&doing, "migration %s of the records table failed",
		    table_migrations[i].name);
		ddl(conn, sql.p, doing.p);
		vals[0] = name.p;
		PQclear(ds_db_execp(conn, "INSERT INTO ds_schema_migrations (name)"
		    " VALUES ($1)", 1, vals, "cannot record a migration"));
		ds_logkv(DS_LOG_INFO, "migration applied", "name=%s", name.p);
		applied++;
	}
	PQclear(res);
	ds_buf_free(&qt);
	ds_buf_free(&idx);
	ds_buf_free(&qi);
	ds_buf_free(&sql);
	ds_buf_free(&name);
	ds_buf_free(&doing);
	return applied;
}

int
ds_migrate_applied(PGconn *conn)
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
ds_migrate_current(PGconn *conn, const char *table)
{
	struct ds_buf q = { 0 }, name = { 0 };
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
		ok = !missing(res, migrations[i].name);
	for (i = 0; table != NULL && i < NTABLE_MIGRATIONS && ok; i++) {
		table_migration_name(table, i, &name);
		/* the first: the table exists with its ts index, made by it or adopted */
		if (missing(res, name.p))
			ok = i == 0 ? 2 : 0;
	}
	PQclear(res);
	ds_buf_free(&name);
	return ok;
}

void
ds_migrate_check_table(PGconn *conn, const char *table)
{
	struct ds_buf q = { 0 };
	const char *vals[1];
	PGresult *res;
	int ok;

	ds_db_ident(conn, table, &q);
	vals[0] = q.p;
	/* ON CONFLICT (id) infers a unique, immediate, whole-table index on id */
	res = ds_db_execp(conn, "SELECT EXISTS (SELECT 1 FROM pg_index i"
	    " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
	    " WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indimmediate"
	    " AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL"
	    " AND a.attname = 'id')", 1, vals, "cannot read the records table's indexes");
	ok = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	ds_buf_free(&q);
	if (!ok) {
		ds_logkv(DS_LOG_ERROR, "the records table has no unique index on id alone,"
		    " so a replay cannot tell stored ids: add one (ALTER TABLE ... ADD"
		    " PRIMARY KEY (id)) or let ds-load create the table", "table=%s"
		    " status=permanent", table);
		ds_db_exit(DS_EX_PERM);
	}
}

/*
 * Record the first table migration of table, made by an older ds-load
 * (it is what that made): an INSERT, no DDL. A role that may not insert
 * leaves it to the next run that may.
 */
static void
adopt(PGconn *conn, const char *table)
{
	struct ds_buf name = { 0 };
	const char *vals[1];
	PGresult *res;

	table_migration_name(table, 0, &name);
	vals[0] = name.p;
	res = PQexecParams(conn, "INSERT INTO ds_schema_migrations (name) VALUES ($1)"
	    " ON CONFLICT DO NOTHING", 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		if (strcmp(PQcmdTuples(res), "1") == 0)
			ds_logkv(DS_LOG_INFO, "records table adopted", "name=%s", name.p);
	} else if (strcmp(ds_db_sqlstate(res), "42501") != 0)
		ds_db_die(conn, res, "cannot record a migration");
	PQclear(res);
	ds_buf_free(&name);
}

int
ds_migrate(PGconn *conn, const char *table)
{
	struct ds_buf doing = { 0 };
	PGresult *res;
	const char *vals[1];
	size_t i;
	int applied = 0;

	switch (ds_migrate_current(conn, table)) {
	case 1:
		return 0;
	case 2:
		adopt(conn, table);
		return 0;
	}
	ddl(conn, "SET client_min_messages = warning; BEGIN;"
	    " SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ");"
	    " CREATE TABLE IF NOT EXISTS ds_schema_migrations (name text PRIMARY KEY,"
	    " applied_at timestamptz NOT NULL DEFAULT now())",
	    "cannot lock the schema for migrations");
	res = ds_db_exec(conn, "SELECT name FROM ds_schema_migrations",
	    "cannot read ds_schema_migrations");
	for (i = 0; i < NMIGRATIONS; i++) {
		if (!missing(res, migrations[i].name))
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
		applied += migrate_table(conn, table);
	PQclear(ds_db_exec(conn, "COMMIT; RESET client_min_messages",
	    "cannot commit the migrations"));
	return applied;
}

/*
 * The index name of declared column col of the table relname: relname_col_idx,
 * or ds_<8 hex of both>_idx when that is longer than 63 bytes. Appended to b.
 */
static void
column_index_name(const char *relname, const char *col, struct ds_buf *b)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	if (strlen(relname) + strlen(col) + 5 <= 63) {
		ds_buf_printf(b, "%s_%s_idx", relname, col);
		return;
	}
	for (p = (const unsigned char *)relname; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	h = (h ^ '.') * 16777619u;
	for (p = (const unsigned char *)col; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	ds_buf_printf(b, "ds_%08x_%.40s_idx", (unsigned)h, col);
}

/*
 * The CHECK of a geometry column (made once, for every table that has one):
 * NULL or valid, else an error naming
 * PostGIS's reason (ST_IsValidReason: it raises no NOTICE, ST_IsValid
 * does), which ds-load stores as the row's reject.
 */
#define GEOM_VALID \
	"DO $d$ BEGIN IF to_regprocedure('ds_geom_valid(geometry)') IS NULL THEN" \
	" CREATE FUNCTION ds_geom_valid(g geometry) RETURNS boolean" \
	" LANGUAGE plpgsql IMMUTABLE AS $f$ DECLARE r text; BEGIN" \
	" IF g IS NULL THEN RETURN true; END IF; r := ST_IsValidReason(g);" \
	" IF r = 'Valid Geometry' THEN RETURN true; END IF;" \
	" RAISE EXCEPTION 'invalid geometry: %', r USING ERRCODE = '22023'; END $f$;" \
	" END IF; END $d$"

/*
 * One pass over the declared columns of table: with apply zero, count the
 * migrations missing (SELECTs only); else apply them in the open
 * transaction. Exits (DS_EX_PERM) when a column exists with another type.
 */
static int
columns_pass(PGconn *conn, const char *table, const struct ds_declared *cols,
    size_t n, int apply)
{
	struct ds_buf qt = { 0 }, qc = { 0 }, sql = { 0 }, name = { 0 }, idx = { 0 };
	struct ds_buf qi = { 0 };
	const char *dot = strchr(table, '.'), *vals[2];
	PGresult *res;
	size_t i;
	int need = 0, has, rec;

	ds_db_ident(conn, table, &qt);
	for (i = 0; i < n; i++) {
		vals[0] = qt.p;
		vals[1] = cols[i].name;
		res = ds_db_execp(conn, "SELECT format_type(atttypid, NULL),"
		    " format_type(atttypid, atttypmod) FROM pg_attribute"
		    " WHERE attrelid = to_regclass($1) AND attname = $2 AND attnum > 0"
		    " AND NOT attisdropped", 2, vals, "cannot read the records table's columns");
		has = PQntuples(res) == 1;
		if (has && strcmp(PQgetvalue(res, 0, cols[i].geometry), cols[i].type) != 0) {
			ds_logkv(DS_LOG_ERROR, "a declared column exists with another type:"
			    " change the declaration or the table (ALTER TABLE ... ALTER COLUMN"
			    " ... TYPE)", "table=%s column=%s declared=%s stored=%s"
			    " status=permanent", table, cols[i].name, cols[i].type,
			    PQgetvalue(res, 0, cols[i].geometry));
			PQclear(res);
			ds_db_exit(DS_EX_PERM);
		}
		PQclear(res);
		ds_buf_reset(&qc);
		ds_db_ident(conn, cols[i].name, &qc);
		if (!has) {
			need++;
			if (apply) {
				ds_buf_reset(&sql);
				if (cols[i].geometry)
					ddl(conn, GEOM_VALID, "cannot make ds_geom_valid()");
				ds_buf_printf(&sql, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s",
				    qt.p, qc.p, cols[i].type);
				if (cols[i].geometry)
					ds_buf_printf(&sql, " CHECK (ds_geom_valid(%s))", qc.p);
				ddl(conn, sql.p, "cannot add a declared column to the records table");
				ds_buf_reset(&name);
				ds_buf_printf(&name, "%s:column:%s", table, cols[i].name);
				vals[0] = name.p;
				PQclear(ds_db_execp(conn, "INSERT INTO ds_schema_migrations (name)"
				    " VALUES ($1) ON CONFLICT DO NOTHING", 1, vals,
				    "cannot record a migration"));
				ds_logkv(DS_LOG_INFO, "migration applied", "name=%s", name.p);
			}
		}
		if (!cols[i].index)
			continue;
		ds_buf_reset(&name);
		ds_buf_printf(&name, "%s:index:%s", table, cols[i].name);
		vals[0] = name.p;
		res = ds_db_execp(conn, "SELECT to_regclass('ds_schema_migrations') IS NOT NULL"
		    " AND EXISTS (SELECT 1 FROM ds_schema_migrations WHERE name = $1)", 1, vals,
		    "cannot read ds_schema_migrations");
		rec = PQgetvalue(res, 0, 0)[0] == 't';
		PQclear(res);
		if (rec)
			continue;
		need++;
		if (!apply)
			continue;
		ds_buf_reset(&idx);
		ds_buf_reset(&qi);
		column_index_name(dot ? dot + 1 : table, cols[i].name, &idx);
		ds_db_ident(conn, idx.p, &qi);
		ds_buf_reset(&sql);
		ds_buf_printf(&sql, "CREATE INDEX IF NOT EXISTS %s ON %s%s (%s)", qi.p, qt.p,
		    cols[i].geometry ? " USING gist" : "", qc.p);
		ddl(conn, sql.p, "cannot index a declared column");
		PQclear(ds_db_execp(conn, "INSERT INTO ds_schema_migrations (name)"
		    " VALUES ($1) ON CONFLICT DO NOTHING", 1, vals, "cannot record a migration"));
		ds_logkv(DS_LOG_INFO, "migration applied", "name=%s", name.p);
	}
	ds_buf_free(&qt);
	ds_buf_free(&qc);
	ds_buf_free(&sql);
	ds_buf_free(&name);
	ds_buf_free(&idx);
	ds_buf_free(&qi);
	return need;
}

int
ds_migrate_columns(PGconn *conn, const char *table, const struct ds_declared *cols,
    size_t n)
{
	int applied;

	if (n == 0 || columns_pass(conn, table, cols, n, 0) == 0)
		return 0;
	ddl(conn, "SET client_min_messages = warning; BEGIN;"
	    " SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")",
	    "cannot lock the schema for migrations");
	applied = columns_pass(conn, table, cols, n, 1);
	PQclear(ds_db_exec(conn, "COMMIT; RESET client_min_messages",
	    "cannot commit the migrations"));
	return applied;
}
