/*
 * modes.c - the records table's shape for ds-load's write modes: a
 * history table (made by db/migrations/history/, key (id, valid_from))
 * and the deleted_at column of a snapshot table; a table of the other
 * shape is refused before anything loads.
 */
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

/* The history table's migrations, templated on its name. */
static const struct migration history[] = {
#include "history_migrations.inc"
};

#define NHISTORY	(sizeof(history) / sizeof(history[0]))

/*
 * Append relname (unqualified) and suffix to b, or when that passes
 * PostgreSQL's 63 bytes ds_, 8 hex of a hash of relname and suffix.
 */
static void
derived_name(const char *relname, const char *suffix, struct ds_buf *b)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	if (strlen(relname) + strlen(suffix) <= 63) {
		ds_buf_printf(b, "%s%s", relname, suffix);
		return;
	}
	for (p = (const unsigned char *)relname; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	ds_buf_printf(b, "ds_%08x%s", (unsigned)h, suffix);
}

/*
 * Append tmpl to b with @TABLE@, @CURRENT@ (the view of current versions,
 * in the table's schema) and @CURRENT_INDEX@ replaced, quoted.
 */
static void
expand(PGconn *conn, const char *tmpl, const char *table, struct ds_buf *b)
{
	struct ds_buf qt = { 0 }, view = { 0 }, qv = { 0 }, idx = { 0 }, qi = { 0 };
	const char *dot = strchr(table, '.'), *rel = dot ? dot + 1 : table, *p, *at;

	ds_db_ident(conn, table, &qt);
	if (dot != NULL)
		ds_buf_add(&view, table, (size_t)(dot - table + 1));
	derived_name(rel, "_current", &view);
	ds_db_ident(conn, view.p, &qv);
	derived_name(rel, "_current_idx", &idx);
	ds_db_ident(conn, idx.p, &qi);
	for (p = tmpl; (at = strchr(p, '@')) != NULL; ) {
		ds_buf_add(b, p, (size_t)(at - p));
		if (strncmp(at, "@TABLE@", 7) == 0) {
			ds_buf_adds(b, qt.p);
			p = at + 7;
		} else if (strncmp(at, "@CURRENT@", 9) == 0) {
			ds_buf_adds(b, qv.p);
			p = at + 9;
		} else if (strncmp(at, "@CURRENT_INDEX@", 15) == 0) {
			ds_buf_adds(b, qi.p);
			p = at + 15;
		} else {
			ds_buf_addc(b, '@');
			p = at + 1;
		}
	}
	ds_buf_adds(b, p);
	ds_buf_free(&qt);
	ds_buf_free(&view);
	ds_buf_free(&qv);
	ds_buf_free(&idx);
	ds_buf_free(&qi);
}

/* The table's shape: bit 1 it exists, 2 it has valid_from, 4 deleted_at. */
static int
shape(PGconn *conn, const char *table)
{
	struct ds_buf q = { 0 };
	const char *vals[1];
	PGresult *res;
	int s;

	ds_db_ident(conn, table, &q);
	vals[0] = q.p;
	res = ds_db_execp(conn, "SELECT to_regclass($1) IS NOT NULL, EXISTS (SELECT 1"
	    " FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'valid_from'"
	    " AND NOT attisdropped), EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid ="
	    " to_regclass($1) AND attname = 'deleted_at' AND NOT attisdropped)", 1, vals,
	    "cannot read the records table's columns");
	s = (PQgetvalue(res, 0, 0)[0] == 't') | (PQgetvalue(res, 0, 1)[0] == 't') << 1 |
	    (PQgetvalue(res, 0, 2)[0] == 't') << 2;
	PQclear(res);
	ds_buf_free(&q);
	return s;
}

/* Run sql (DDL) in the migration transaction, naming doing on failure. */
static void
ddl(PGconn *conn, const char *sql, const char *doing)
{
	PGresult *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		ds_db_die(conn, res, doing);
	PQclear(res);
}

/* Record migration name for table (as given) in ds_schema_migrations. */
static void
record(PGconn *conn, const char *table, const char *name)
{
	struct ds_buf n = { 0 };
	const char *vals[1];

	ds_buf_printf(&n, "%s:%s", table, name);
	vals[0] = n.p;
	PQclear(ds_db_execp(conn, "INSERT INTO ds_schema_migrations (name) VALUES ($1)"
	    " ON CONFLICT DO NOTHING", 1, vals, "cannot record a migration"));
	ds_logkv(DS_LOG_INFO, "migration applied", "name=%s", n.p);
	ds_buf_free(&n);
}

/* Under the migration lock: make the history table unless it exists now. */
static void
make_history(PGconn *conn, const char *table)
{
	struct ds_buf sql = { 0 }, name = { 0 };
	size_t i;

	ddl(conn, "SET client_min_messages = warning; BEGIN; SELECT pg_advisory_xact_lock("
	    DS_MIGRATE_LOCK ")", "cannot lock the schema for migrations");
	/* another run may have made it while this one waited for the lock */
	for (i = 0; i < NHISTORY && !(shape(conn, table) & 1); i++) {
		ds_buf_reset(&sql);
		expand(conn, history[i].sql, table, &sql);
		ddl(conn, sql.p, "cannot make the history table (--mode history)");
		ds_buf_reset(&name);
		ds_buf_printf(&name, "history:%s", history[i].name);
		record(conn, table, name.p);
	}
	ddl(conn, "COMMIT; RESET client_min_messages", "cannot commit the migrations");
	ds_buf_free(&sql);
	ds_buf_free(&name);
}

void
ds_migrate_history_view(PGconn *conn, const char *table)
{
	static const char tmpl[] = "CREATE OR REPLACE VIEW @CURRENT@ AS"
	    " SELECT * FROM @TABLE@ WHERE valid_to IS NULL";
	struct ds_buf sql = { 0 }, q = { 0 }, v = { 0 };
	const char *vals[2];
	PGresult *res;
	int same;

	/* the view's columns were the table's when it was made */
	expand(conn, "@TABLE@", table, &q);
	expand(conn, "@CURRENT@", table, &v);
	vals[0] = q.p;
	vals[1] = v.p;
	res = ds_db_execp(conn, "SELECT (SELECT count(*) FROM pg_attribute WHERE attrelid ="
	    " to_regclass($1) AND attnum > 0 AND NOT attisdropped) = (SELECT count(*)"
	    " FROM pg_attribute WHERE attrelid = to_regclass($2) AND attnum > 0)", 2, vals,
	    "cannot read the history view's columns");
	same = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!same) {
		expand(conn, tmpl, table, &sql);
		ddl(conn, "SET client_min_messages = warning; BEGIN; SELECT"
		    " pg_advisory_xact_lock(" DS_MIGRATE_LOCK ")",
		    "cannot lock the schema for migrations");
		ddl(conn, sql.p, "cannot add the new columns to the history table's view");
		ddl(conn, "COMMIT; RESET client_min_messages", "cannot commit the migrations");
		ds_logkv(DS_LOG_INFO, "history view has the table's columns", "view=%s", v.p);
	}
	ds_buf_free(&sql);
	ds_buf_free(&q);
	ds_buf_free(&v);
}

void
ds_migrate_mode(PGconn *conn, const char *table, int hist, int snapshot)
{
	int s = shape(conn, table);

	if ((s & 2) && !hist) {
		ds_logkv(DS_LOG_ERROR, "the table keeps history (one row per version, key"
		    " id and valid_from): it loads only with --mode history; load the other"
		    " modes into another --table", "table=%s status=permanent", table);
		ds_db_exit(DS_EX_PERM);
	}
	if ((s & 1) && !(s & 2) && hist) {
		ds_logkv(DS_LOG_ERROR, "the table holds one row per id (made for append,"
		    " upsert or snapshot): --mode history needs a table of its own, whose key"
		    " is id and valid_from; give another --table", "table=%s"
		    " status=permanent", table);
		ds_db_exit(DS_EX_PERM);
	}
	if (hist && !(s & 1))
		make_history(conn, table);
	if (!snapshot || (s & 4))
		return;
	if (!(s & 1))
		ds_migrate(conn, table);
	ddl(conn, "SET client_min_messages = warning; BEGIN; SELECT pg_advisory_xact_lock("
	    DS_MIGRATE_LOCK ")", "cannot lock the schema for migrations");
	if (!(shape(conn, table) & 4)) {
		struct ds_buf sql = { 0 };

		ds_buf_adds(&sql, "ALTER TABLE ");
		ds_db_ident(conn, table, &sql);
		ds_buf_adds(&sql, " ADD COLUMN IF NOT EXISTS deleted_at timestamptz");
		ddl(conn, sql.p, "cannot add deleted_at to the records table (--mode"
		    " snapshot; run ds-load --migrate-only --mode snapshot as its owner)");
		record(conn, table, "snapshot:deleted_at");
		ds_buf_free(&sql);
	}
	ddl(conn, "COMMIT; RESET client_min_messages", "cannot commit the migrations");
}
