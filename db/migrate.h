/*
 * migrate.h - versioned schema migrations, compiled in: the ds tables'
 * from db/migrations/NNNN_name.sql (recorded in ds_schema_migrations as
 * NNNN_name), each records table's from db/migrations/table/NNNN_name.sql
 * (recorded as TABLE:NNNN_name, TABLE as given to --table).
 */
#ifndef DS_DB_MIGRATE_H
#define DS_DB_MIGRATE_H

#include <libpq-fe.h>

struct ds_buf;

/*
 * Non-zero when the schema is current: every migration is recorded in
 * ds_schema_migrations and (with table non-NULL) that table exists with an
 * index on ts and its table migrations are recorded: 1. 2 when the first of
 * those is not (the table was made by an older ds-load, which recorded
 * none): it is what that migration makes. Runs only SELECTs. Exits on failure.
 */
int	ds_migrate_current(PGconn *conn, const char *table);

/*
 * Unless the schema is current (then no DDL is run, so a role without DDL
 * rights may load; a table an older ds-load made has its first table
 * migration recorded, if the role may insert): apply the migrations not yet recorded in
 * ds_schema_migrations, in order, in one transaction under an advisory
 * lock (so concurrent runs are safe); with table non-NULL also that
 * records table's (quoted: see ds_db_ident). A table that does not exist
 * gets all its table migrations again.
 * Exits on failure, saying to run ds-load --migrate-only as the owner when
 * the role lacks the privilege. Returns the number of migrations applied.
 */
int	ds_migrate(PGconn *conn, const char *table);

/*
 * Append to b the name of the ts index of a table named relname
 * (unquoted): relname_ts_idx, or when that exceeds PostgreSQL's 63 bytes a
 * prefix of relname, a hash of all of it and _ts_idx, so that long names
 * never collide.
 */
void	ds_migrate_index_name(const char *relname, struct ds_buf *b);

/*
 * Exit (permanent) unless the records table has what ON CONFLICT (id)
 * needs: a unique, not deferrable index on id alone, without predicate
 * (the primary key ds-load creates is one). A table a user made with
 * another key would load once and then fail every replay.
 */
void	ds_migrate_check_table(PGconn *conn, const char *table);

/*
 * Append to b the table migration text tmpl with @TABLE@ replaced by
 * qtable and @TS_INDEX@ by qindex (both quoted already).
 */
void	ds_migrate_expand(const char *tmpl, const char *qtable, const char *qindex,
	    struct ds_buf *b);

/* Non-zero when the ds tables exist (ds_checkpoints is there). */
int	ds_migrate_applied(PGconn *conn);

/* Any constant: the key of the advisory lock that serialises schema changes. */
#define DS_MIGRATE_LOCK	"7105332145071851009"

/*
 * Fit table to ds-load's write mode (hist: --mode history; snapshot:
 * --mode snapshot), after the ds tables' migrations and before table's
 * (ds_migrate): a history table that does not exist is made by the history
 * migrations (db/migrations/history/, recorded as TABLE:history:NAME); a
 * snapshot table gets deleted_at (TABLE:snapshot:deleted_at). No DDL when
 * the table fits. Exits DS_EX_PERM when it exists in the other shape (a
 * history table for another mode, or the reverse).
 */
void	ds_migrate_mode(PGconn *conn, const char *table, int hist, int snapshot);

/*
 * Make the view of a history table's current versions (TABLE_current) show
 * the columns added to the table since it was made (declared columns); no
 * DDL when it does.
 */
void	ds_migrate_history_view(PGconn *conn, const char *table);

/* A declared column of a records table (see ds-load --column). */
struct ds_declared {
	const char	*name;	/* a plain identifier */
	const char	*type;	/* as format_type() writes it */
	int		 index;	/* index it */
	int		 geometry; /* a PostGIS geometry: type has its typmod, a GiST
				   index, a CHECK refusing invalid ones with the reason */
};

/*
 * Add the declared columns cols (n) missing on table, each recorded as
 * "TABLE:column:NAME", and their indexes, "TABLE:index:NAME", under the
 * migration lock; nothing (SELECTs only) when all are there. Exits
 * (DS_EX_PERM) when a column exists with another type. Returns the
 * migrations applied.
 */
int	ds_migrate_columns(PGconn *conn, const char *table,
	    const struct ds_declared *cols, size_t n);

#endif
