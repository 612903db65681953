#!/usr/bin/env bash
# rejects.bash - helpers for the loader integrity tests: the ids a run must
# account for (the manifest's valid ones) against those stored or refused, and
# a digest of the table and ds_rejects to show a replay changed nothing.
# Loaded after helpers.bash; reads $BATS_FILE_TMPDIR/manifest.

# valid_ids: the manifest's valid ids, sorted bytewise.
valid_ids() {
	awk -F '\t' '$1 == "valid" { print $2 }' "$BATS_FILE_TMPDIR/manifest" | LC_ALL=C sort
}

# refused_ids: ids of the records PostgreSQL refused (ds_rejects rows whose
# raw is a record; the mock's bad records, rejected by ds-transform, carry
# a marker), sorted.
refused_ids() {
	sql "select raw from ds_rejects" |
		jq -rR 'fromjson? | objects | select(has("marker") | not) | .id | strings' |
		LC_ALL=C sort
}

# accounted_ids: the table's ids and the refused ones, sorted; an id in both
# or twice shows up twice.
accounted_ids() {
	{ sql "select id from events"; refused_ids; } | LC_ALL=C sort
}

# snapshot: the table's rows and ds_rejects, as one digest.
snapshot() {
	{
		sql "select id, hash, data, ingested_at from events order by id collate \"C\""
		sql "select id, reason, raw, at from ds_rejects order by id"
	} | md5sum
}
