#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# ds-checkpoint: the stored position of each stream, its freshness and drift.
load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	start_pg
}

teardown_file() {
	ds_teardown
}

setup() {
	fresh_db
}

# load_page SEQ CURSOR HAS_MORE [STREAM]: load one page of two records with ds-load.
load_page() {
	local s=${4:-events} c=null
	[ "$2" = null ] || c="\"$2\""
	printf '{"stream":"%s","id":"%s-%s-1","type":"t","ts":"2024-03-0%sT10:00:00.250Z","hash":"h","data":{}}\n' "$s" "$s" "$1" "$1"
	printf '{"stream":"%s","id":"%s-%s-2","type":"t","ts":"2024-03-0%sT09:00:00Z","hash":"h","data":{}}\n' "$s" "$s" "$1" "$1"
	printf '{"$ds":"checkpoint","stream":"%s","seq":%s,"cursor":%s,"has_more":%s,"records":2}\n' "$s" "$1" "$c" "$3"
}

@test "get prints nothing and exits 0 before any table exists" {
	run --separate-stderr ds-checkpoint get events
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	assert_equal "$(sql "select to_regclass('ds_checkpoints') is null")" "t"
}

@test "get prints the cursor ds-load stored, byte for byte" {
	load_page 1 'a+b/c==' true | ds-load 2>/dev/null
	run --separate-stderr ds-checkpoint get events
	assert_status 0
	assert_equal "$output" "a+b/c=="
	assert_equal "$stderr" ""
	run --separate-stderr ds-checkpoint get other
	assert_status 0
	assert_equal "$output" ""
}

@test "get exits 3 and prints nothing when the stream is finished" {
	load_page 1 null false | ds-load 2>/dev/null
	run --separate-stderr ds-checkpoint get events
	assert_status 3
	assert_equal "$output" ""
	assert_equal "$stderr" ""
}

@test "set creates the tables when needed and stores a cursor; reset forgets it" {
	run --separate-stderr ds-checkpoint set events 'cur sor+/='
	assert_status 0
	assert_equal "$output" ""
	run --separate-stderr ds-checkpoint get events
	assert_status 0
	assert_equal "$output" "cur sor+/="
	load_page 1 null false | ds-load 2>/dev/null
	run --separate-stderr ds-checkpoint get events
	assert_status 3
	run --separate-stderr ds-checkpoint set events again
	assert_status 0
	run --separate-stderr ds-checkpoint get events
	assert_status 0
	assert_equal "$output" "again"
	run --separate-stderr ds-checkpoint reset events
	assert_status 0
	assert_equal "$output" ""
	run --separate-stderr ds-checkpoint get events
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$(sql "select count(*) from events")" "2"
}

@test "reset on an empty database runs the migrations" {
	run --separate-stderr ds-checkpoint reset events
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$(sql "select count(*) from ds_schema_migrations where name in ('0001_core', '0002_ownership')")" "2"
	# and bumps the stream's epoch (a chain started before cannot commit after)
	assert_equal "$(sql "select epoch from ds_streams where stream = 'events'")" "1"
}

@test "list shows stream, cursor, records, rejects, updated and age" {
	load_page 1 c2 true | ds-load 2>/dev/null
	{ load_page 1 null false other; printf '%s\n' '{"$ds":"reject","stream":"other","seq":2,"reason":"r","raw":"x"}'; load_page 2 null false other; } |
		ds-load 2>/dev/null
	run --separate-stderr ds-checkpoint list
	assert_status 0
	assert_equal "$stderr" ""
	assert_equal "${lines[0]}" "$(printf 'stream\tcursor\trecords\trejects\tupdated\tage')"
	# shellcheck disable=SC1011 # $'\t' inside a regex, not a stray quote
	[[ "${lines[1]}" =~ ^events$'\t'c2$'\t'2$'\t'0$'\t'20[0-9-]+T[0-9:]+Z$'\t'[0-9]+s$ ]]
	[[ "${lines[2]}" =~ ^other$'\t'\(finished\)$'\t'4$'\t'1$'\t' ]]
	assert_equal "${#lines[@]}" 3
}

@test "status exits 0 with a line per fresh stream" {
	load_page 1 c2 true | ds-load 2>/dev/null
	load_page 1 c2 true other | ds-load 2>/dev/null
	run --separate-stderr ds-checkpoint status --max-age 1h
	assert_status 0
	assert_equal "$stderr" ""
	[[ "${lines[0]}" =~ ^events\ ok\ age=[0-9]+s\ records=2$ ]]
	[[ "${lines[1]}" =~ ^other\ ok\ age=[0-9]+s\ records=2$ ]]
}

@test "status exits 1 naming each stream older than --max-age" {
	load_page 1 c2 true | ds-load 2>/dev/null
	load_page 1 c2 true other | ds-load 2>/dev/null
	sql "update ds_checkpoints set updated_at = now() - interval '3 hours' where stream = 'other'" >/dev/null
	sql "update ds_catalog set last_loaded_at = now() - interval '3 hours' where stream = 'other'" >/dev/null
	run --separate-stderr ds-checkpoint status --max-age 90m
	assert_status 1
	assert_equal "$stderr" ""
	[[ "${lines[0]}" =~ ^events\ ok\  ]]
	assert_equal "${lines[1]}" "other STALE age=3h records=2 max_age=90m"
}

@test "status exits 1 on unacknowledged schema drift until ack" {
	s1='{"$ds":"schema","stream":"events","fields":{"a":"string"},"added":["a"],"removed":[],"changed":[]}'
	s2='{"$ds":"schema","stream":"events","fields":{"a":"number"},"added":[],"removed":[],"changed":["a"]}'
	{ echo "$s1"; load_page 1 c2 true; } | ds-load 2>/dev/null
	run --separate-stderr ds-checkpoint status
	assert_status 0
	{ echo "$s2"; load_page 2 c3 true; } | ds-load 2>/dev/null
	run --separate-stderr ds-checkpoint status
	assert_status 1
	[[ "$output" =~ ^events\ DRIFT\ age=[0-9]+s\ records=4\ unacknowledged_schema_changes=1$ ]]
	run --separate-stderr ds-checkpoint ack events
	assert_status 0
	assert_equal "$output" ""
	run --separate-stderr ds-checkpoint status
	assert_status 0
	assert_equal "$(sql "select count(*) from ds_schema_changes where acked_at is not null")" "2"
}

@test "newest prints the newest stored ts in RFC 3339 UTC, nothing when none" {
	run --separate-stderr ds-checkpoint newest events
	assert_status 0
	assert_equal "$output" ""
	{ load_page 1 c2 true; load_page 2 c3 true; } | ds-load 2>/dev/null
	run --separate-stderr ds-checkpoint newest events
	assert_status 0
	assert_equal "$output" "2024-03-02T10:00:00.250000Z"
	run --separate-stderr ds-checkpoint newest other
	assert_status 0
	assert_equal "$output" ""
}

@test "newest reads the --table given, quoted" {
	sql 'create schema "s p"' >/dev/null
	load_page 1 c2 true | ds-load --table 's p.t"x' 2>/dev/null
	run --separate-stderr ds-checkpoint --table 's p.t"x' newest events
	assert_status 0
	assert_equal "$output" "2024-03-01T10:00:00.250000Z"
	run --separate-stderr ds-checkpoint --table 'missing' newest events
	assert_status 0
	assert_equal "$output" ""
}

@test "--db overrides DATABASE_URL" {
	ds-checkpoint set events one
	url=$DATABASE_URL
	DATABASE_URL="postgresql:///nope?host=/nonexistent"
	run --separate-stderr ds-checkpoint --db "$url" get events
	assert_status 0
	assert_equal "$output" "one"
	run --separate-stderr ds-checkpoint get events
	assert_status 111
	assert_stderr_contains 'msg="cannot connect to the database"'
}

@test "usage errors exit 64" {
	run --separate-stderr ds-checkpoint
	assert_status 64
	assert_stderr_contains "usage: ds-checkpoint"
	run --separate-stderr ds-checkpoint frobnicate x
	assert_status 64
	assert_stderr_contains 'msg="unknown verb" verb=frobnicate'
	run --separate-stderr ds-checkpoint get
	assert_status 64
	run --separate-stderr ds-checkpoint set events
	assert_status 64
	run --separate-stderr ds-checkpoint status --max-age soon
	assert_status 64
	assert_stderr_contains "want a duration"
	run --separate-stderr ds-checkpoint --help
	assert_status 0
	assert_output_contains "usage: ds-checkpoint"
}
