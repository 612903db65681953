#!/usr/bin/env bats
# Write modes (ds-load --mode, ds-run --mode): snapshot passes that mark the
# rows the source no longer has, across a kill -9 and a permanent error;
# history tables that keep every version; a table of another mode refused.
# The source changes between passes: ds-mockapi --generation G --churn R
# (events removed, changed and added deterministically, with a manifest of
# the live set). Real ds-mockapi, real PostgreSQL.
# shellcheck disable=SC2154 # bats' run sets status, output and stderr
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	start_pg
}

teardown_file() {
	ds_teardown
}

setup() {
	T=$(ds_tmpdir)
	fresh_db
	SESSIONS=""
}

teardown() {
	local p
	for p in $SESSIONS; do
		kill_session "$p"
	done
	stop_mock
	rm -rf "$T"
}

# gen G EVENTS [ARGS...]: serve generation G of EVENTS events (seed 5,
# 20-event pages, churn 0.1); its live set "id<TAB>rev" sorted in $T/live.G.
gen() {
	local g=$1 n=$2
	shift 2
	stop_mock
	start_mock --events "$n" --seed 5 --page-max 20 --generation "$g" --churn 0.1 \
		--manifest "$T/manifest.$g" "$@"
	awk -F '\t' '$1 == "valid" { print $2 "\t" $3 }' "$T/manifest.$g" | sort >"$T/live.$g"
}

# live TABLE: the table's rows not marked deleted, "id<TAB>rev" sorted.
live() {
	sql "select id || chr(9) || coalesce(data->>'rev', '0') from $1
		where deleted_at is null" | sort
}

# snaprun ARGS...: one ds-run of stream s into table snap, mode snapshot.
snaprun() {
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --stream s \
		--table snap --mode snapshot "$@" "$MOCK_URL"
}

# bg ARGS...: ds-run in a session of its own, in the background ($BG).
bg() {
	setsid ds-run --state-dir "$T/state" --db "$DATABASE_URL" "$@" \
		>"$T/bg.out" 2>"$T/bg.err" &
	BG=$!
	SESSIONS="$SESSIONS $BG"
	local _
	for _ in $(seq 1 100); do
		[ "$(ps -o sid= -p "$BG" 2>/dev/null | tr -d ' ')" = "$BG" ] && return 0
		sleep 0.02
	done
}

@test "snapshot over three passes (rows added, changed and removed between them, the chain killed with SIGKILL in the middle of pass two): after each pass the live rows equal the source exactly; with --snapshot-delete the table equals it" {
	gen 0 600
	snaprun
	assert_status 0
	assert_stderr_contains 'msg="snapshot pass complete" stream=s table=snap marked_deleted=0 restored=0 seen_stored=0'
	assert_equal "$(live snap)" "$(cat "$T/live.0")"

	# pass two: 700 events, some gone, some changed; slow, so it is cut midway
	gen 1 700 --rate 5/1
	[ "$(wc -l <"$T/live.1")" -gt 600 ]
	[ "$(comm -23 "$T/live.0" "$T/live.1" | wc -l)" -gt 40 ]
	bg --stream s --table snap --mode snapshot "$MOCK_URL"
	for _ in $(seq 1 300); do
		[ "$(sql "select count(*) from ds_snapshot_seen")" -ge 60 ] && break
		sleep 0.1
	done
	kill_session "$BG"
	assert_equal "$(sql "select has_more from ds_checkpoints where stream = 's'")" t
	# nothing is marked before the pass is complete
	assert_equal "$(sql "select count(*) from snap where deleted_at is not null")" 0
	seen=$(sql "select count(*) from ds_snapshot_seen")
	[ "$seen" -ge 60 ] && [ "$seen" -lt 700 ]
	snaprun
	assert_status 0
	assert_stderr_lacks 'starting the next pass'
	assert_stderr_contains 'msg="snapshot pass complete" stream=s table=snap marked_deleted='
	assert_equal "$(live snap)" "$(cat "$T/live.1")"
	assert_equal "$(sql "select count(*) from snap where deleted_at is not null")" \
		"$(comm -23 <(cut -f1 "$T/live.0") <(cut -f1 "$T/live.1") | wc -l)"
	assert_equal "$(sql "select count(*) from ds_snapshot_seen")" 0

	# pass three: rows come back, others go; deleted, the table is the source
	gen 2 700
	snaprun --snapshot-delete
	assert_status 0
	assert_stderr_contains 'snapshot pass finished earlier: starting the next pass'
	assert_stderr_contains 'msg="snapshot pass complete" stream=s table=snap deleted='
	assert_equal "$(live snap)" "$(cat "$T/live.2")"
	assert_equal "$(sql "select count(*) from snap")" "$(wc -l <"$T/live.2")"
	[ "$(comm -13 <(cut -f1 "$T/live.1") <(cut -f1 "$T/live.2") | wc -l)" -gt 0 ]
}

@test "snapshot: a pass that ends in a permanent error marks nothing; resumed, it marks exactly the rows the source lacks" {
	gen 0 300
	snaprun
	assert_status 0
	gen 1 300
	ds-checkpoint --db "$DATABASE_URL" reset s >/dev/null
	# the stream format ends in a line that is not: ds-load commits its pages, exits 100
	run --separate-stderr bash -c 'ds-fetch --stream s "$1" 2>/dev/null |
		ds-transform --stream s 2>/dev/null | { head -n 60; echo "{}"; } |
		ds-load --db "$2" --table snap --mode snapshot --batch-rows 1'"
		"'exit "${PIPESTATUS[3]}"' _ "$MOCK_URL" "$DATABASE_URL"
	assert_status 100
	assert_stderr_contains "input is not ds-transform's stream format"
	assert_stderr_lacks 'snapshot pass complete'
	assert_equal "$(sql "select has_more from ds_checkpoints where stream = 's'")" t
	assert_equal "$(sql "select count(*) from snap where deleted_at is not null")" 0
	assert_equal "$(live snap | cut -f1)" "$(cut -f1 "$T/live.0")"
	snaprun
	assert_status 0
	assert_stderr_lacks 'starting the next pass'
	assert_equal "$(live snap)" "$(cat "$T/live.1")"
	assert_equal "$(sql "select count(*) from snap where deleted_at is not null")" \
		"$(comm -23 <(cut -f1 "$T/live.0") <(cut -f1 "$T/live.1") | wc -l)"
}

# histrun: the stream h read again from the beginning into table hist.
histrun() {
	ds-checkpoint --db "$DATABASE_URL" reset h >/dev/null
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --stream h \
		--table hist --mode history "$MOCK_URL"
}

@test "history keeps every version with valid_from from the record's ts and ranges that never overlap; the current view holds the source's versions; a replay adds no version" {
	gen 0 400
	histrun
	assert_status 0
	gen 1 450
	histrun
	assert_status 0
	gen 2 450
	histrun
	assert_status 0
	# every (id, rev) the source served is one version
	assert_equal "$(sql "select count(*) from hist")" \
		"$(cat "$T/live.0" "$T/live.1" "$T/live.2" | sort -u | wc -l)"
	[ "$(sql "select count(*) from hist where valid_to is not null")" -gt 50 ]
	assert_equal "$(sql "select count(*) from hist where valid_from <> ts")" 0
	assert_equal "$(sql "select count(*) from hist a join hist b on a.id = b.id
		and a.valid_from < b.valid_from
		and (a.valid_to is null or a.valid_to > b.valid_from)")" 0
	# each closed version ends where the next begins
	assert_equal "$(sql "select count(*) from hist a where a.valid_to is not null
		and not exists (select 1 from hist b where b.id = a.id
		and b.valid_from = a.valid_to)")" 0
	assert_equal "$(sql "select id || chr(9) || coalesce(data->>'rev', '0')
		from hist_current" | sort | join -t "$(printf '\t')" - <(cut -f1 "$T/live.2") |
		sort)" "$(cat "$T/live.2")"
	before=$(sql "select count(*), max(ingested_at) from hist")
	histrun
	assert_status 0
	assert_stderr_contains 'prog=ds-load msg=done records=0 '
	assert_equal "$(sql "select count(*), max(ingested_at) from hist")" "$before"
}

@test "a table made for one row per id is refused with --mode history, a history table with the other modes (100, nothing loaded); contradicting options are usage errors (64)" {
	gen 0 50
	ds-fetch "$MOCK_URL" 2>/dev/null | ds-transform 2>/dev/null >"$T/stream"
	run --separate-stderr ds-load --db "$DATABASE_URL" --table plain <"$T/stream"
	assert_status 0
	run --separate-stderr ds-load --db "$DATABASE_URL" --table plain --mode history <"$T/stream"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains '--mode history needs a table of its own, whose key is id and valid_from; give another --table" table=plain status=permanent'
	run --separate-stderr ds-load --db "$DATABASE_URL" --table hist --mode history <"$T/stream"
	assert_status 0
	assert_equal "$(sql "select count(*) from hist_current")" 50
	for m in append upsert snapshot; do
		run --separate-stderr ds-load --db "$DATABASE_URL" --table hist --mode "$m" <"$T/stream"
		assert_status 100
		assert_stderr_contains 'it loads only with --mode history; load the other modes into another --table" table=hist status=permanent'
	done
	assert_equal "$(sql "select count(*) from hist")" 50
	run --separate-stderr ds-load --db "$DATABASE_URL" --snapshot-delete </dev/null
	assert_status 64
	assert_stderr_contains '--snapshot-delete goes with --mode snapshot only'
	run --separate-stderr ds-load --db "$DATABASE_URL" --on-conflict update --mode append </dev/null
	assert_status 64
	assert_stderr_contains '--mode append contradicts --mode or --on-conflict given before'
	run --separate-stderr ds-run --mode snapshot --on-conflict skip "$MOCK_URL"
	assert_status 64
	assert_stderr_contains 'ON_CONFLICT skip contradicts MODE snapshot'
	# --on-conflict update is --mode upsert
	run --separate-stderr ds-load --db "$DATABASE_URL" --table up --on-conflict update --mode upsert <"$T/stream"
	assert_status 0
}

@test "history of an event stream: versions of one id in one batch each close the one before; a time not after the current version's starts just after it; a version with a value that does not cast is a reject; replays add no version" {
	printf '%s\n' \
		'{"id":"a","timestamp":"2026-01-01T00:00:00Z","v":1,"amount":"1.5"}' \
		'{"id":"a","timestamp":"2026-01-02T00:00:00Z","v":2,"amount":"x"}' \
		'{"id":"a","timestamp":"2026-01-03T00:00:00Z","v":3,"amount":"3"}' \
		'{"id":"b","timestamp":"2026-01-05T00:00:00Z","v":1,"amount":"4"}' \
		'{"id":"b","timestamp":"2026-01-04T00:00:00Z","v":2,"amount":"5"}' |
		ds-transform --stream e >"$T/stream"
	for round in 1 2 3; do
		run --separate-stderr ds-load --db "$DATABASE_URL" --table ev --mode history \
			--column 'amount numeric amount' <"$T/stream"
		assert_status 0
		if [ "$round" = 1 ]; then
			assert_stderr_contains 'msg=done records=4 duplicates=0 updated=2 rejects=1 '
			assert_stderr_contains 'error="invalid input syntax for type numeric: \"x\" (column amount)"'
		else
			assert_stderr_contains 'msg=done records=0 duplicates=4 updated=0 rejects=0 '
		fi
	done
	utc="'YYYY-MM-DD HH24:MI:SS.US'"
	assert_equal "$(sql "select id, data->>'v', amount,
		to_char(valid_from at time zone 'UTC', $utc),
		coalesce(to_char(valid_to at time zone 'UTC', $utc), '-')
		from ev order by id, valid_from")" \
		"a|1|1.5|2026-01-01 00:00:00.000000|2026-01-03 00:00:00.000000
a|3|3|2026-01-03 00:00:00.000000|-
b|1|4|2026-01-05 00:00:00.000000|2026-01-05 00:00:00.000002
b|2|5|2026-01-05 00:00:00.000002|-"
	# the view shows the declared column, added after the table was made
	assert_equal "$(sql "select id, data->>'v', amount from ev_current order by id")" "a|3|3
b|2|5"
	assert_equal "$(sql "select count(*) from ds_rejects")" 1
}

@test "a definition file's mode = snapshot and snapshot-delete = yes reach ds-load through ds-run (ds-fetch and ds-transform skip them); --mode overrides them; a bad mode there is a usage error naming the file and line" {
	gen 0 60
	printf '# a dataset published whole\nmode = "snapshot"\nsnapshot-delete = yes\n' >"$T/def"
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --stream d \
		--table dd --definition "$T/def" "$MOCK_URL"
	assert_status 0
	assert_stderr_contains 'msg="snapshot pass complete" stream=d table=dd deleted=0 restored=0 seen_stored=0'
	assert_equal "$(sql "select count(*) from dd")" 60
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --stream d2 \
		--table da --definition "$T/def" --mode append "$MOCK_URL"
	assert_status 0
	assert_stderr_lacks 'snapshot pass complete'
	assert_equal "$(sql "select count(*) from information_schema.columns
		where table_name = 'da' and column_name = 'deleted_at'")" 0
	printf 'mode = sometimes\n' >"$T/bad.def"
	run --separate-stderr ds-run --definition "$T/bad.def" "$MOCK_URL"
	assert_status 64
	assert_stderr_contains "$T/bad.def:1: setting mode: MODE must be append, upsert, history or snapshot"
}

@test "history: a version that a CHECK of the table refuses is a reject with the server's message; the versions around it load and close each other; a replay stores nothing twice" {
	printf '%s\n' \
		'{"id":"a","timestamp":"2026-01-01T00:00:00Z","v":1}' \
		'{"id":"a","timestamp":"2026-01-02T00:00:00Z","v":2}' \
		'{"id":"a","timestamp":"2026-01-03T00:00:00Z","v":3}' \
		'{"id":"b","timestamp":"2026-01-04T00:00:00Z","v":2}' |
		ds-transform --stream c >"$T/stream"
	run --separate-stderr ds-load --db "$DATABASE_URL" --table ck --mode history --migrate-only
	assert_status 0
	sql "alter table ck add constraint no_two check ((data->>'v')::int <> 2)"
	for round in 1 2; do
		run --separate-stderr ds-load --db "$DATABASE_URL" --table ck --mode history <"$T/stream"
		assert_status 0
		assert_stderr_contains 'violates check constraint \"no_two\"'
		if [ "$round" = 1 ]; then
			assert_stderr_contains 'msg=done records=2 duplicates=0 updated=1 rejects=2 '
		else
			assert_stderr_contains 'msg=done records=0 duplicates=2 updated=0 rejects=0 '
		fi
	done
	assert_equal "$(sql "select id, data->>'v', valid_from::date, coalesce(valid_to::date::text, '-')
		from ck order by id, valid_from")" "a|1|2026-01-01|2026-01-03
a|3|2026-01-03|-"
	assert_equal "$(sql "select count(*) from ds_rejects where reason like '%no_two%'")" 2
}
