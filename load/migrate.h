/*
 * migrate.h - versioned schema migrations, compiled in from
 * load/migrations/NNNN_name.sql, and the target table's definition.
 */
#ifndef DS_LOAD_MIGRATE_H
#define DS_LOAD_MIGRATE_H

#include <libpq-fe.h>

/*
 * Apply the migrations not yet recorded in ds_schema_migrations, in order,
 * in one transaction under an advisory lock (so concurrent runs are safe);
 * with table non-NULL also create that records table (quoted: see
 * ds_db_ident) and its ts index if missing. Exits on failure.
 * Returns the number of migrations applied.
 */
int	ds_migrate(PGconn *conn, const char *table);

/* Non-zero when the ds tables exist (ds_checkpoints is there). */
int	ds_migrated(PGconn *conn);

#endif
