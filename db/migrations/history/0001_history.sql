-- The records table of ds-load --mode history: every version of a record,
-- valid from valid_from (the record's ts, else the load time) until
-- valid_to (the next version's valid_from; null for the current one). The
-- key is (id, valid_from); at most one current version per id; @CURRENT@
-- is the view of the current versions. Applied instead of the first table
-- migration when the table does not exist (recorded as TABLE:history:NAME);
-- the table migrations after it apply as to any records table.
CREATE TABLE IF NOT EXISTS @TABLE@ (
	id		text NOT NULL,
	stream		text NOT NULL,
	type		text,
	ts		timestamptz,
	hash		text NOT NULL,
	data		jsonb NOT NULL,
	ingested_at	timestamptz NOT NULL DEFAULT now(),
	valid_from	timestamptz NOT NULL,
	valid_to	timestamptz CHECK (valid_to > valid_from),
	PRIMARY KEY (id, valid_from)
);
CREATE UNIQUE INDEX IF NOT EXISTS @CURRENT_INDEX@ ON @TABLE@ (id) WHERE valid_to IS NULL;
CREATE OR REPLACE VIEW @CURRENT@ AS SELECT * FROM @TABLE@ WHERE valid_to IS NULL;
