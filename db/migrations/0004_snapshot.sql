-- ds-load --mode snapshot: the ids the pass in progress of each stream has
-- seen stored already, written with each batch in its transaction, under the
-- stream's epoch
-- (ds_streams: a reset or set starts a new pass, and the old ids no longer
-- count). The batch with the pass's last checkpoint marks the rows not seen
-- deleted (or deletes them) and forgets the stream's ids.
CREATE TABLE IF NOT EXISTS ds_snapshot_seen (
	stream		text NOT NULL,
	epoch		bigint NOT NULL,
	id		text NOT NULL
);

-- When each pass in progress began (the earliest start of its batches'
-- transactions): a row the pass inserted or changed has an ingested_at
-- since then, so only the ids a batch merely met stored are written above.
CREATE TABLE IF NOT EXISTS ds_snapshot_passes (
	stream		text NOT NULL,
	epoch		bigint NOT NULL,
	started_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (stream, epoch)
);
