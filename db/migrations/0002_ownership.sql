-- Stream ownership and a checkpoint that never moves backwards.
-- ds_streams: per stream, the epoch (bumped by every reset or set of its
-- checkpoint, so a chain that started before one cannot commit after it)
-- and the follow cycle in progress (its since binds the stored cursor), so
-- that any host can continue any stream.
CREATE TABLE IF NOT EXISTS ds_streams (
	stream		text PRIMARY KEY,
	epoch		bigint NOT NULL DEFAULT 0,
	follow		boolean NOT NULL DEFAULT false,
	follow_since	text,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- epoch: the ds_streams epoch the checkpoint belongs to; position: the
-- checkpoints committed in that epoch (each commit is the stored one + 1);
-- run: the ds_runs id of the ds-load that wrote it.
ALTER TABLE ds_checkpoints ADD COLUMN IF NOT EXISTS epoch bigint NOT NULL DEFAULT 0;
ALTER TABLE ds_checkpoints ADD COLUMN IF NOT EXISTS position bigint NOT NULL DEFAULT 0;
ALTER TABLE ds_checkpoints ADD COLUMN IF NOT EXISTS run bigint;
