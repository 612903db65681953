/*
 * Unit tests of load/columns.c (the records table's columns, described
 * once) and of the table migration templates of db/migrate.c: adding a
 * column is one row in the table plus one migration.
 */
#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "unit.h"
#include "../../db/migrate.h"
#include "../../load/columns.h"
#include "../../load/rows.h"
#include "../../load/stream.h"

UNIT_TEST(load_columns_give_the_copy_list_staging_casts_and_set_list)
{
	struct ds_columns_sql s;

	ld_columns_sql_make(ds_columns, ds_ncolumns, &s);
	CHECK_STR(s.names, "id, stream, type, ts, hash, data");
	CHECK_STR(s.list, " (id, stream, type, ts, hash, data)");
	CHECK_STR(s.staging, "CREATE TEMP TABLE IF NOT EXISTS ds_stage (id text,"
	    " stream text, type text, ts timestamptz, hash text, data jsonb, n bigserial)"
	    " ON COMMIT DELETE ROWS; CREATE TEMP TABLE IF NOT EXISTS ds_stage_text"
	    " (id text, stream text, type text, ts text, hash text, data text,"
	    " n bigserial) ON COMMIT DELETE ROWS");
	CHECK_STR(s.casts, "id, stream, type, ts::timestamptz, hash, data::jsonb");
	CHECK_STR(s.set, "stream = EXCLUDED.stream, type = EXCLUDED.type, ts = EXCLUDED.ts,"
	    " hash = EXCLUDED.hash, data = EXCLUDED.data, ingested_at = now()");
	CHECK(s.nloaded == 6);
	CHECK(s.version == 4);
	CHECK(s.raw == 5);
	CHECK(ds_columns[0].role == DS_ROLE_KEY);
	CHECK(ld_columns_find(ds_columns, ds_ncolumns, "ingested_at")->fill == DS_FILL_NONE);
	CHECK(ld_columns_find(ds_columns, ds_ncolumns, "nope") == NULL);
	ld_columns_sql_free(&s);
}

/*
 * A new column: one row (here a typed one, filled from the record's ts,
 * placed before the record so the record's field moves) and one table
 * migration adding it. Everything ds-load sends follows from the row.
 */
UNIT_TEST(load_columns_a_new_column_is_one_row_plus_one_migration)
{
	struct ds_column cols[16];
	struct ds_columns_sql s;
	struct ds_rows r = { 0 };
	struct ds_buf b = { 0 };
	const struct ds_column seen_at = { "seen_at", "timestamptz", "EXCLUDED.seen_at",
	    DS_FILL_STRING, offsetof(struct ds_line, ts), DS_ROLE_NONE, NULL };
	const char *migration = "ALTER TABLE @TABLE@ ADD COLUMN IF NOT EXISTS seen_at timestamptz;"
	    " CREATE INDEX IF NOT EXISTS @TS_INDEX@ ON @TABLE@ (ts); -- a @ stays";

	CHECK(ds_ncolumns + 1 <= sizeof(cols) / sizeof(cols[0]));
	memcpy(cols, ds_columns, 5 * sizeof(cols[0]));
	cols[5] = seen_at;
	memcpy(cols + 6, ds_columns + 5, (ds_ncolumns - 5) * sizeof(cols[0]));
	ld_columns_sql_make(cols, ds_ncolumns + 1, &s);
	CHECK_STR(s.list, " (id, stream, type, ts, hash, seen_at, data)");
	CHECK(strstr(s.staging, "hash text, seen_at timestamptz, data jsonb, n bigserial)") != NULL);
	CHECK(strstr(s.staging, "hash text, seen_at text, data text, n bigserial)") != NULL);
	CHECK_STR(s.casts, "id, stream, type, ts::timestamptz, hash, seen_at::timestamptz,"
	    " data::jsonb");
	CHECK_STR(s.set, "stream = EXCLUDED.stream, type = EXCLUDED.type, ts = EXCLUDED.ts,"
	    " hash = EXCLUDED.hash, seen_at = EXCLUDED.seen_at, data = EXCLUDED.data,"
	    " ingested_at = now()");
	CHECK(s.nloaded == 7);
	CHECK(s.raw == 6);

	/* a refused row's record is found in its new place */
	ds_buf_adds(&r.text, "e1\tevents\tt\t2024-01-01\th1\t2024-01-02\t{\"a\":\"x\\\\ty\"}\n");
	ld_rows_push(&r, 0);
	ld_rows_field(&r, 0, s.raw, &b);
	CHECK_STR(b.p, "{\"a\":\"x\\ty\"}");
	ds_buf_reset(&b);
	ld_rows_field(&r, 0, 0, &b);
	CHECK_STR(b.p, "e1");

	ds_buf_reset(&b);
	ds_migrate_expand(migration, "\"s\".\"my t\"", "\"my t_ts_idx\"", &b);
	CHECK_STR(b.p, "ALTER TABLE \"s\".\"my t\" ADD COLUMN IF NOT EXISTS seen_at timestamptz;"
	    " CREATE INDEX IF NOT EXISTS \"my t_ts_idx\" ON \"s\".\"my t\" (ts); -- a @ stays");
	ds_buf_free(&b);
	ld_rows_free(&r);
	ld_columns_sql_free(&s);
}

/*
 * Declared columns (ds-load --column): after the loaded columns of
 * ds_columns, quoted (a name may be a keyword), cast in the text merge,
 * replaced under --on-conflict update; filled from the record's path.
 */
UNIT_TEST(load_columns_declared_columns_give_quoted_sql_and_path_values)
{
	struct ds_columns_sql s;
	struct ds_buf b = { 0 }, err = { 0 };
	const char *data = "{\"a\":{\"b\":\"x\\ty\",\"n\":12.5,\"b\":\"last\"},"
	    "\"t\":[\"p\",null,\"q\\\"r,s\",[1,2],{\"k\":1}],\"o\":{\"z\":true},\"nul\":null}";

	CHECK(ld_columns_declare("order numeric a.n", &err) == 0);
	CHECK(ld_columns_declare("tags  text[]  t", &err) == 0);
	CHECK(ld_columns_declare("at timestamp with time zone a.b", &err) == 0);
	CHECK(ld_columns_declare("Bad text x", &err) == -1);
	CHECK(strstr(err.p, "want a lower-case SQL identifier") != NULL);
	ds_buf_reset(&err);
	CHECK(ld_columns_declare("id text x", &err) == -1);
	ds_buf_reset(&err);
	CHECK(ld_columns_declare("x text .a", &err) == -1);
	CHECK(ld_columns_index("tags") == 0);
	CHECK(ld_columns_index("nope") == -1);
	CHECK(ld_columns_ndeclared() == 3);
	CHECK_STR(ld_columns_declared(2, NULL)->type, "timestamp with time zone");
	ld_columns_declare_done();
	CHECK(ds_ncols == ds_ncolumns + 3);
	ld_columns_sql_make(ds_cols, ds_ncols, &s);
	CHECK_STR(s.names, "id, stream, type, ts, hash, data, \"order\", \"tags\", \"at\"");
	CHECK_STR(s.casts, "id, stream, type, ts::timestamptz, hash, data::jsonb,"
	    " \"order\"::numeric, \"tags\"::text[], \"at\"::timestamp with time zone");
	CHECK(strstr(s.staging, "data jsonb, \"order\" numeric, \"tags\" text[],"
	    " \"at\" timestamp with time zone, n bigserial)") != NULL);
	CHECK(strstr(s.set, "data = EXCLUDED.data, \"order\" = EXCLUDED.\"order\","
	    " \"tags\" = EXCLUDED.\"tags\", \"at\" = EXCLUDED.\"at\", ingested_at = now()")
	    != NULL);
	CHECK(s.nloaded == 9);
	CHECK(s.raw == 5);
	ld_columns_sql_free(&s);

	/* values, found in one scan: the last of equal keys, decoded strings, array literals, \N */
	CHECK(ld_columns_declare("obj jsonb o", &err) == 0);
	CHECK(ld_columns_declare("nul text nul", &err) == 0);
	CHECK(ld_columns_declare("deep text a.b.c", &err) == 0);
	CHECK(ld_columns_declare("gone text missing", &err) == 0);
	CHECK(ld_columns_declare("ab2 text a.b", &err) == 0);
	ld_columns_declare_done();
	CHECK(ds_ncols == ds_ncolumns + 8);
	ld_columns_lookup(data, strlen(data));
	CHECK(ld_columns_copy_path(&b, ld_columns_find(ds_cols, ds_ncols, "at")) == 0);
	CHECK_STR(b.p, "last");
	ds_buf_reset(&b);
	CHECK(ld_columns_copy_path(&b, ld_columns_find(ds_cols, ds_ncols, "ab2")) == 0);
	CHECK_STR(b.p, "last");
	ds_buf_reset(&b);
	CHECK(ld_columns_copy_path(&b, ld_columns_find(ds_cols, ds_ncols, "order")) == 0);
	CHECK_STR(b.p, "12.5");
	ds_buf_reset(&b);
	CHECK(ld_columns_copy_path(&b, ld_columns_find(ds_cols, ds_ncols, "tags")) == 0);
	CHECK_STR(b.p, "{\"p\",NULL,\"q\\\\\"r,s\",{\"1\",\"2\"},\"{\\\\\"k\\\\\":1}\"}");
	ds_buf_reset(&b);
	CHECK(ld_columns_copy_path(&b, ld_columns_find(ds_cols, ds_ncols, "obj")) == 0);
	CHECK_STR(b.p, "{\"z\":true}");
	ds_buf_reset(&b);
	CHECK(ld_columns_copy_path(&b, ld_columns_find(ds_cols, ds_ncols, "nul")) == 0);
	CHECK_STR(b.p, "\\N");
	ds_buf_reset(&b);
	CHECK(ld_columns_copy_path(&b, ld_columns_find(ds_cols, ds_ncols, "deep")) == 0);
	CHECK_STR(b.p, "\\N");
	ds_buf_reset(&b);
	CHECK(ld_columns_copy_path(&b, ld_columns_find(ds_cols, ds_ncols, "gone")) == 0);
	CHECK_STR(b.p, "\\N");
	ds_buf_reset(&b);
	/* a record without the object: every declared column NULL */
	ld_columns_lookup("{\"a\":7}", 7);
	CHECK(ld_columns_copy_path(&b, ld_columns_find(ds_cols, ds_ncols, "order")) == 0);
	CHECK_STR(b.p, "\\N");
	ds_buf_free(&b);
	ds_buf_free(&err);
}
