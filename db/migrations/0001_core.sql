-- ds core tables: checkpoints, rejects, data catalog, drift history, runs.
CREATE TABLE IF NOT EXISTS ds_checkpoints (
	stream		text PRIMARY KEY,
	cursor		text,
	seq		bigint,
	has_more	boolean,
	records		bigint NOT NULL DEFAULT 0,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS ds_rejects (
	id		bigserial PRIMARY KEY,
	stream		text,
	seq		bigint,
	reason		text NOT NULL,
	raw		text NOT NULL,
	at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ds_rejects_stream_idx ON ds_rejects (stream, at);
-- a replayed page's rejects are stored once: ds-load looks them up by content
CREATE INDEX IF NOT EXISTS ds_rejects_raw_idx ON ds_rejects (stream, md5(raw));

CREATE TABLE IF NOT EXISTS ds_catalog (
	stream			text PRIMARY KEY,
	"table"			text,
	first_loaded_at		timestamptz,
	last_loaded_at		timestamptz,
	records			bigint NOT NULL DEFAULT 0,
	rejects			bigint NOT NULL DEFAULT 0,
	duplicates		bigint NOT NULL DEFAULT 0,
	fields			jsonb NOT NULL DEFAULT '{}',
	fields_changed_at	timestamptz
);

CREATE TABLE IF NOT EXISTS ds_schema_changes (
	id		bigserial PRIMARY KEY,
	stream		text NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	added		jsonb NOT NULL DEFAULT '[]',
	removed		jsonb NOT NULL DEFAULT '[]',
	changed		jsonb NOT NULL DEFAULT '[]',
	acked_at	timestamptz
);
CREATE INDEX IF NOT EXISTS ds_schema_changes_stream_idx ON ds_schema_changes (stream, at);

CREATE TABLE IF NOT EXISTS ds_runs (
	id		bigserial PRIMARY KEY,
	stream		text,
	"table"		text,
	started_at	timestamptz NOT NULL DEFAULT now(),
	finished_at	timestamptz,
	status		text NOT NULL DEFAULT 'running',
	records		bigint NOT NULL DEFAULT 0,
	duplicates	bigint NOT NULL DEFAULT 0,
	rejects		bigint NOT NULL DEFAULT 0,
	error		text
);
