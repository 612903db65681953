-- The records table ds-load writes, and its index on ts. A table migration is
-- applied to each table ds-load loads (--table) and recorded as "TABLE:NAME"
-- in ds_schema_migrations; @TABLE@ is the table's quoted name, @TS_INDEX@ that
-- of its ts index. The columns ds-load fills are described in load/columns.c:
-- a new column is a row there plus a migration here (ALTER TABLE @TABLE@ ADD
-- COLUMN IF NOT EXISTS ...).
CREATE TABLE IF NOT EXISTS @TABLE@ (
	id		text PRIMARY KEY,
	stream		text NOT NULL,
	type		text,
	ts		timestamptz,
	hash		text NOT NULL,
	data		jsonb NOT NULL,
	ingested_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS @TS_INDEX@ ON @TABLE@ (ts);
