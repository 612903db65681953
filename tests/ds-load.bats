#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# ds-load: exactly-once loading of ds-transform's stream into PostgreSQL.
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
	T=$(ds_tmpdir)
}

teardown() {
	rm -rf "$T"
}

# pages FIRST LAST PER [STREAM] [TOTAL_PAGES]: stream-format lines for pages
# FIRST..LAST of PER records each (ids e1, e2, ...), each page followed by its
# checkpoint (cursor c<next page>; the last page of TOTAL_PAGES has has_more
# false). Each page after the first repeats the previous page's last record,
# as an at-least-once source does.
pages() {
	awk -v first="$1" -v last="$2" -v per="$3" -v stream="${4:-events}" \
	    -v total="${5:-$2}" 'BEGIN {
		for (p = first; p <= last; p++) {
			lo = (p - 1) * per + 1
			if (p > 1) lo--
			for (i = lo; i <= p * per; i++)
				printf "{\"stream\":\"%s\",\"id\":\"e%d\",\"type\":\"t%d\",\"ts\":\"2024-01-01T00:00:%02dZ\",\"hash\":\"h%d\",\"data\":{\"id\":\"e%d\",\"n\":%d,\"big\":123456789012345678901234567890}}\n", stream, i, i % 3, i % 60, i, i, i
			more = p < total ? "true" : "false"
			cur = p < total ? sprintf("\"c%d\"", p + 1) : "null"
			printf "{\"$ds\":\"checkpoint\",\"stream\":\"%s\",\"seq\":%d,\"cursor\":%s,\"has_more\":%s,\"records\":%d}\n", stream, p, cur, more, per
		}
	}'
}

# record ID [DATA] [TS]: one record line.
record() {
	printf '{"stream":"events","id":"%s","type":"t","ts":"%s","hash":"h-%s","data":%s}\n' \
	    "$1" "${3:-2024-01-01T00:00:00Z}" "$1" "${2:-{\"id\":\"$1\"\}}"
}

# checkpoint SEQ CURSOR HAS_MORE
checkpoint() {
	printf '{"$ds":"checkpoint","stream":"events","seq":%s,"cursor":%s,"has_more":%s,"records":1}\n' \
	    "$1" "$2" "$3"
}

# stored_seq: the highest checkpoint seq stored, 0 before any (or before
# the migrations have made the table).
stored_seq() {
	local s
	s=$(sql "select coalesce(max(seq), 0) from ds_checkpoints" 2>/dev/null) || s=0
	echo "${s:-0}"
}

# kill9_mid_load PID: wait until the load PID has committed a batch past the
# checkpoint stored now (so it is under way, whatever this machine's speed),
# then SIGKILL it at a random moment of the next 0.2 s. Succeeds only when
# the kill hit a running ds-load (it died of SIGKILL, status 137).
kill9_mid_load() {
	local pid=$1 seq0 _ st=0
	seq0=$(stored_seq)
	for _ in $(seq 1 400); do
		kill -0 "$pid" 2>/dev/null || break
		[ "$(stored_seq)" -le "$seq0" ] || break
		sleep 0.05
	done
	sleep "0.$((RANDOM % 2))$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" || st=$?
	[ "$st" -eq 137 ]
}

# paused_input FILE LINE: FILE's first LINE lines, then (once the file
# $T/resume exists) the rest; so a test can act while ds-load holds an
# open COPY in the middle of a page.
paused_input() {
	head -n "$2" "$1"
	while [ ! -e "$T/resume" ]; do sleep 0.05; done
	tail -n +"$(($2 + 1))" "$1"
}

@test "records, rejects, schema and checkpoint of a page commit together" {
	{
		record a1 '{"id":"a1","s":"tab\there, quote \" and \\ backslash","big":12345678901234567890123}'
		record a2
		printf '%s\n' '{"$ds":"reject","stream":"events","seq":1,"reason":"timestamp is not a time","raw":"{\"id\":\"a3\",\"timestamp\":\"soon\"}"}'
		printf '%s\n' '{"$ds":"schema","stream":"events","fields":{"id":"string","s":"string"},"added":["id","s"],"removed":[],"changed":[]}'
		checkpoint 1 '"c+/=2"' true
	} >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains "msg=commit rows=2 duplicates=0 rejects=1"
	assert_stderr_contains "msg=done records=2 duplicates=0"
	assert_equal "$(sql "select id, type, ts, hash from events order by id")" \
	    "a1|t|2024-01-01 00:00:00+00|h-a1
a2|t|2024-01-01 00:00:00+00|h-a2"
	assert_equal "$(sql "select data->>'s', data->>'big' from events where id = 'a1'")" \
	    "tab	here, quote \" and \\ backslash|12345678901234567890123"
	assert_equal "$(sql "select stream, seq, reason, raw from ds_rejects")" \
	    'events|1|timestamp is not a time|{"id":"a3","timestamp":"soon"}'
	assert_equal "$(sql "select stream, cursor, seq, has_more, records from ds_checkpoints")" \
	    "events|c+/=2|1|t|2"
	assert_equal "$(sql "select stream, \"table\", records, rejects, duplicates, fields from ds_catalog")" \
	    'events|events|2|1|0|{"s": "string", "id": "string"}'
	assert_equal "$(sql "select stream, status, records, duplicates, rejects from ds_runs")" \
	    "events|done|2|0|1"
}

@test "the records table and ds tables get the documented columns" {
	run --separate-stderr ds-load </dev/null
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$(sql "select string_agg(column_name || ':' || data_type, ',' order by ordinal_position) from information_schema.columns where table_name = 'events'")" \
	    "id:text,stream:text,type:text,ts:timestamp with time zone,hash:text,data:jsonb,ingested_at:timestamp with time zone"
	assert_equal "$(sql "select indexdef like '%(ts)' from pg_indexes where tablename = 'events' and indexname = 'events_ts_idx'")" "t"
	assert_equal "$(sql "select string_agg(column_name, ',' order by ordinal_position) from information_schema.columns where table_name = 'ds_checkpoints'")" \
	    "stream,cursor,seq,has_more,records,updated_at,epoch,position,run"
	assert_equal "$(sql "select string_agg(column_name, ',' order by ordinal_position) from information_schema.columns where table_name = 'ds_rejects'")" \
	    "id,stream,seq,reason,raw,at"
	assert_equal "$(sql "select string_agg(name, ' ' order by name) from ds_schema_migrations")" \
	    "$( (cd "$DS_TOP/db/migrations" && ls -- *.sql | sed 's/\.sql$//'; echo events:0001_table) | sort | paste -sd ' ')"
}

@test "zstd input loads like plain input" {
	pages 1 3 100 | zstd -q >"$T/in.zst"
	run --separate-stderr ds-load <"$T/in.zst"
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$(sql "select count(*), count(distinct id), min(data->>'n'), max((data->>'n')::int) from events")" "300|300|1|300"
	assert_equal "$(sql "select data->'big' from events where id = 'e7'")" "123456789012345678901234567890"
	assert_equal "$(sql "select seq, cursor, has_more from ds_checkpoints")" "3||f"
}

@test "a raw ds-fetch page is refused with a message to put ds-transform in front" {
	printf '%s\n' '{"data":[{"id":"x","type":"a","timestamp":1}],"pagination":{"hasMore":false,"nextCursor":null}}' >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains "put ds-transform in front"
	assert_stderr_contains "line=1"
	assert_equal "$(sql "select count(*) from events")" "0"
	assert_equal "$(sql "select status from ds_runs")" "failed"
}

@test "arbitrary JSON after good pages is refused naming its line; the pages before it commit" {
	{ pages 1 1 3; echo '{"hello":"world"}'; } >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains "line=5"
	assert_stderr_contains "put ds-transform in front"
	assert_equal "$(sql "select count(*) from events")" "3"
	assert_equal "$(sql "select seq from ds_checkpoints")" "1"
}

@test "invalid JSON is refused with the byte offset" {
	{ printf '{"stream":"events","id":"x",}\n'; pages 1 1 1; } >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 100
	assert_stderr_contains "line=1"
	assert_stderr_contains "at byte"
}

@test "replaying the same input stores nothing twice and counts the duplicates" {
	{ pages 1 2 50; printf '%s\n' '{"$ds":"reject","stream":"events","seq":3,"reason":"no id","raw":"{}"}'; pages 3 4 50; } >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 0
	assert_stderr_contains "msg=done records=200 duplicates=3"
	run --separate-stderr ds-load <"$T/in"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains "path=staging"
	assert_stderr_contains "msg=done records=0 duplicates=203 updated=0 rejects=0"
	assert_equal "$(sql "select count(*), count(distinct id) from events")" "200|200"
	assert_equal "$(sql "select count(*) from ds_rejects")" "1"
	assert_equal "$(sql "select records, duplicates, rejects from ds_catalog")" "200|206|1"
}

@test "a few stored ids in a fresh batch are skipped on the COPY path, many go to staging" {
	pages 1 1 100 >"$T/in1"
	{ pages 1 1 100 | sed -n '98,100p'; pages 2 2 100 | sed 1d; } >"$T/in2"
	run --separate-stderr ds-load <"$T/in1"
	assert_status 0
	run --separate-stderr ds-load <"$T/in2"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains "msg=commit rows=100 duplicates=3 rejects=0"
	assert_stderr_contains "path=copy"
	{ pages 1 1 100 | sed -n '51,100p'; pages 3 3 100 | sed 1d; } >"$T/in3"
	run --separate-stderr ds-load <"$T/in3"
	assert_status 0
	assert_stderr_contains "msg=commit rows=100 duplicates=50 rejects=0"
	assert_stderr_contains "path=staging"
	assert_equal "$(sql "select count(*), count(distinct id), max((data->>'n')::int) from events")" "300|300|300"
}

@test "a record repeated within a batch is stored once; with update the last version wins" {
	{
		record r1 '{"v":1}'
		printf '%s\n' '{"stream":"events","id":"r1","type":"t","ts":"2024-01-01T00:00:00Z","hash":"v2","data":{"v":2}}'
		record r1 '{"v":1}'
		checkpoint 1 null false
	} >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 0
	assert_stderr_contains "msg=done records=1 duplicates=2"
	assert_equal "$(sql "select data->>'v' from events")" "1"
	fresh_db
	run --separate-stderr ds-load --on-conflict update <"$T/in"
	assert_status 0
	assert_stderr_contains "msg=done records=1 duplicates=2"
	assert_equal "$(sql "select hash, data->>'v' from events")" "h-r1|1"
}

@test "overlapping replays of three streams into one table running at the same time store every id once" {
	# (one stream has one ds-load at a time: see ownership.bats)
	pages 1 20 500 >"$T/a"
	pages 10 30 500 s2 30 >"$T/b"
	pages 1 20 500 s3 >"$T/c"
	ds-load --batch-rows 1000 <"$T/a" 2>"$T/a.err" &
	pa=$!
	ds-load --batch-rows 1000 <"$T/b" 2>"$T/b.err" &
	pb=$!
	ds-load --batch-rows 1000 <"$T/c" 2>"$T/c.err" &
	pc=$!
	st=0
	wait "$pa" || st=$?
	wait "$pb" || st=$((st + $?))
	wait "$pc" || st=$((st + $?))
	assert_equal "$st" 0
	assert_equal "$(sql "select count(*), count(distinct id), min((data->>'n')::int), max((data->>'n')::int) from events")" "15000|15000|1|15000"
	assert_equal "$(sql "select sum(records) + sum(duplicates) from ds_runs")" \
	    "$(( $(grep -c '"id"' "$T/a") * 2 + $(grep -c '"id"' "$T/b") ))"
}

@test "--on-conflict update replaces rows whose hash changed and leaves the others" {
	{ record u1 '{"v":1}'; record u2 '{"v":1}'; checkpoint 1 '"c2"' true; } >"$T/in1"
	{
		record u1 '{"v":1}'
		printf '%s\n' '{"stream":"events","id":"u2","type":"new","ts":"2024-02-02T00:00:00Z","hash":"changed","data":{"v":2}}'
		record u3 '{"v":3}'
		checkpoint 2 null false
	} >"$T/in2"
	run --separate-stderr ds-load --on-conflict update <"$T/in1"
	assert_status 0
	sql "update events set ingested_at = '2000-01-01'" >/dev/null
	run --separate-stderr ds-load --on-conflict update <"$T/in2"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains "msg=commit rows=1 duplicates=2 updated=1"
	assert_equal "$(sql "select id, type, hash, data->>'v', ingested_at > '2000-01-01' from events order by id")" \
	    "u1|t|h-u1|1|f
u2|new|changed|2|t
u3|t|h-u3|3|t"
}

@test "rows PostgreSQL refuses are stored in ds_rejects with its message and the rest commits" {
	{
		record ok1
		record nul '{"s":"a\u0000b"}'
		record ok2
		record far '{"id":"far"}' '300000-01-01T00:00:00Z'
		record bad '{"id":"bad"}' 'yesterday-ish'
		record ok3
		checkpoint 1 '"c2"' true
		record ok4
		record nul2 '{"deep":{"x":["\u0000"]}}'
		checkpoint 2 null false
	} >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'msg="row refused by PostgreSQL, stored in ds_rejects" id=nul seq=1 sqlstate=22P05'
	assert_equal "$(sql "select string_agg(id, ',' order by id) from events")" "ok1,ok2,ok3,ok4"
	run sql "select seq, reason, raw from ds_rejects order by id"
	assert_equal "${lines[0]}" '1|unsupported Unicode escape sequence (\u0000 cannot be converted to text.)|{"s":"a\u0000b"}'
	assert_equal "${lines[1]}" '1|timestamp out of range: "300000-01-01T00:00:00Z"|{"id":"far"}'
	assert_equal "${lines[2]}" '1|invalid input syntax for type timestamp with time zone: "yesterday-ish"|{"id":"bad"}'
	assert_equal "${lines[3]}" '2|unsupported Unicode escape sequence (\u0000 cannot be converted to text.)|{"deep":{"x":["\u0000"]}}'
	assert_equal "${#lines[@]}" 4
	assert_equal "$(sql "select seq from ds_checkpoints")" "2"
}

@test "a refused row among stored ids is found on the staging path too" {
	{ record s1; record s2; checkpoint 1 '"c2"' true; } >"$T/in1"
	{ record s1; record s2; record s3 '{"s":"\u0000"}'; record s4; checkpoint 2 null false; } >"$T/in2"
	run --separate-stderr ds-load <"$T/in1"
	assert_status 0
	run --separate-stderr ds-load <"$T/in2"
	assert_status 0
	assert_stderr_contains "msg=commit rows=1 duplicates=2 rejects=1"
	assert_equal "$(sql "select string_agg(id, ',' order by id) from events")" "s1,s2,s4"
	assert_equal "$(sql "select count(*) from ds_rejects where reason like 'unsupported Unicode escape sequence%'")" "1"
	# many stored ids: the batch is staged, and the refused rows are found there
	{ pages 1 1 40; record s5 '{"s":"\u0000","k":5}'; record s6 '{"id":"s6"}' '300000-01-01T00:00:00Z'; record s7; checkpoint 2 null false; } >"$T/in3"
	run --separate-stderr ds-load <"$T/in3"
	assert_status 0
	assert_stderr_contains "msg=commit rows=41 duplicates=0 rejects=2"
	run --separate-stderr ds-load <"$T/in3"
	assert_status 0
	assert_stderr_contains "msg=commit rows=0 duplicates=41 rejects=0"
	assert_stderr_contains "path=staging"
	assert_stderr_contains "id=s5 seq=2 sqlstate=22P05"
	assert_stderr_contains "id=s6 seq=2 sqlstate=22008"
	assert_equal "$(sql "select count(*) from events where id like 's%'")" "4"
}

@test "--max-rejects stops with status 103 once a run has more rejects" {
	{
		pages 1 1 5
		for i in 1 2 3; do
			printf '{"$ds":"reject","stream":"events","seq":2,"reason":"bad %s","raw":"x%s"}\n' "$i" "$i"
		done
		checkpoint 2 '"c3"' true
		pages 3 3 5
	} >"$T/in"
	run --separate-stderr ds-load --max-rejects 2 <"$T/in"
	assert_status 103
	assert_equal "$output" ""
	assert_stderr_contains 'msg="too many rejects: stopping at the last checkpoint" rejects=3 max_rejects=2'
	assert_equal "$(sql "select count(*) from events")" "5"
	assert_equal "$(sql "select seq from ds_checkpoints")" "1"
	assert_equal "$(sql "select status, error from ds_runs")" "failed|more rejects than --max-rejects"
	run --separate-stderr ds-load --max-rejects 3 <"$T/in"
	assert_status 0
}

@test "SIGTERM commits through the last checkpoint line read and exits 143" {
	mkfifo "$T/fifo"
	ds-load --stats "$T/stats" <"$T/fifo" 2>"$T/err" &
	pid=$!
	exec 5>"$T/fifo"
	pages 1 2 10 "events" 5 >&5
	# a partial page bigger than what ds-load sends the server at once
	pages 3 3 3000 | head -n 2000 >&5
	# the upstream stays open and silent: ds-load must not wait for it
	sleep 1
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	exec 5>&-
	assert_equal "$st" 143
	run cat "$T/err"
	assert_output_contains "signal: committing through the last checkpoint"
	assert_output_contains 'msg="dropped lines after the last checkpoint" lines=2000'
	assert_equal "$(sql "select count(*) from events where (data->>'n')::int > 20")" "0"
	assert_equal "$(sql "select count(*) from events")" "20"
	assert_equal "$(sql "select seq, cursor from ds_checkpoints")" "2|c3"
	assert_equal "$(sql "select status from ds_runs")" "stopped"
	run cat "$T/stats"
	assert_output_contains "records=20"
	assert_output_contains "state=failed"
}

@test "kill -9 at random moments of a large load, then re-runs from the stored checkpoint, give the exact id set" {
	per=5000
	total=40
	killed=0
	for round in 1 2 3 4 5 6 7 8; do
		[ "$killed" -lt 4 ] || break
		cur=$(ds-checkpoint get events || true)
		first=${cur#c}
		[ -n "$first" ] || first=1
		pages "$first" "$total" "$per" events "$total" >"$T/in"
		ds-load --batch-rows 12000 <"$T/in" 2>"$T/err.$round" &
		if kill9_mid_load $!; then killed=$((killed + 1)); fi
	done
	# the kills must have hit running loads, or this test proves nothing
	echo "# $killed kills hit a running ds-load" >&3
	[ "$killed" -ge 2 ]
	cur=$(ds-checkpoint get events || true)
	first=${cur#c}
	[ -n "$first" ] || first=1
	pages "$first" "$total" "$per" events "$total" >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 0
	assert_stderr_contains "msg=done"
	assert_equal "$(sql "select count(*), count(distinct id), min((data->>'n')::int), max((data->>'n')::int) from events")" \
	    "200000|200000|1|200000"
	assert_equal "$(sql "select seq, has_more, records from ds_checkpoints")" "40|f|200000"
	run ds-checkpoint get events
	assert_status 3
}

@test "a database stopped mid-load exits 111 and a re-run completes the load" {
	pages 1 30 2000 events 30 >"$T/in"
	# stop the server while a COPY is open in the middle of page 13
	paused_input "$T/in" $((2001 + 11 * 2002 + 1000)) |
	    ds-load --batch-rows 2000 2>"$T/err" &
	pid=$!
	for _ in $(seq 1 400); do
		[ "$(stored_seq)" -lt 12 ] || break
		sleep 0.05
	done
	assert_equal "$(stored_seq)" 12
	ds-pg stop "$DS_PG_DIR" immediate
	touch "$T/resume"
	status=0
	wait "$pid" || status=$?
	ds-pg start "$DS_PG_DIR" >/dev/null
	assert_status 111
	run cat "$T/err"
	assert_output_contains "status=temporary"
	cur=$(ds-checkpoint get events || true)
	first=${cur#c}
	[ -n "$first" ] || first=1
	pages "$first" 30 2000 events 30 >"$T/rest"
	run --separate-stderr ds-load <"$T/rest"
	assert_status 0
	assert_equal "$(sql "select count(*) from events")" "60000"
}

@test "an unreachable database exits 111 naming the problem, without the URL's password" {
	run --separate-stderr ds-load --db "postgresql://u:sekrit@/x?host=$T/none" </dev/null
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains 'msg="cannot connect to the database"'
	assert_stderr_lacks "sekrit"
}

@test "a role without the right to create tables fails permanently with the server's message" {
	sql "create role ds_ro login" >/dev/null 2>&1 || true
	run --separate-stderr ds-load --db "${DATABASE_URL/user=ds/user=ds_ro}" </dev/null
	assert_status 100
	assert_stderr_contains "permission denied for schema public"
	assert_stderr_contains "status=permanent"
}

@test "migrations are idempotent and safe when several ds-load start at once" {
	for i in 1 2 3 4 5; do
		ds-load --table "t$((i % 2))" </dev/null 2>"$T/err.$i" &
	done
	fails=0
	for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
	assert_equal "$fails" 0
	run --separate-stderr ds-load --table t1 </dev/null
	assert_status 0
	assert_stderr_lacks "migration applied"
	assert_equal "$(sql "select string_agg(name, ',' order by name) from ds_schema_migrations")" \
	    "$( (cd "$DS_TOP/db/migrations" && ls -- *.sql | sed 's/\.sql$//'; echo t0:0001_table; echo t1:0001_table) | sort | paste -sd ',')"
	assert_equal "$(sql "select count(*) from pg_tables where tablename in ('t0', 't1')")" "2"
}

@test "table names with quotes, spaces and a schema are quoted, never spliced" {
	sql 'create schema "my schema"' >/dev/null
	pages 1 1 4 >"$T/in"
	run --separate-stderr ds-load --table 'my schema.odd "name"; drop table x' <"$T/in"
	assert_status 0
	assert_equal "$(sql 'select count(*) from "my schema"."odd ""name""; drop table x"')" "4"
	assert_equal "$(sql "select \"table\" from ds_catalog")" 'my schema.odd "name"; drop table x'
	run --separate-stderr ds-load --table 'my schema.odd "name"; drop table x' <"$T/in"
	assert_status 0
	assert_stderr_contains "duplicates=4"
}

@test "a server notice (a user's trigger warning) becomes a log line, not raw libpq text" {
	pages 1 1 4 >"$T/in"
	ds-load </dev/null 2>/dev/null		# the table, to put a trigger on
	sql "create function audit() returns trigger language plpgsql as \$\$ begin
		raise warning 'audit: rows arrived'; return null; end \$\$;
		create trigger audit after insert on events for each statement execute function audit()" >/dev/null
	run --separate-stderr ds-load <"$T/in"
	assert_status 0
	assert_equal "$(sql 'select count(*) from events')" 4
	assert_stderr_contains 'level=warn prog=ds-load msg="server notice" message="audit: rows arrived" sqlstate=01000 severity=WARNING'
	# every stderr line is a log line
	assert_equal "$(printf '%s\n' "$stderr" | grep -vc '^ts=[^ ]* level=[a-z]* prog=ds-load msg=')" 0
}

@test "batches commit after --batch-rows at a checkpoint, one log line each" {
	pages 1 6 10 >"$T/in"
	run --separate-stderr ds-load --batch-rows 20 --batch-seconds 60 --stats "$T/stats" <"$T/in"
	assert_status 0
	assert_equal "$(grep -c 'msg=commit' <<<"$stderr")" 3
	assert_stderr_contains "msg=commit rows=20 duplicates=1 rejects=0"
	assert_stderr_contains "seq=2 lag_ms="
	assert_equal "$(cat "$T/stats")" "records=60
duplicates=5
updated=0
rejects=0
batches=3
seq=6
cursor=
has_more=false
state=done"
}

@test "batches commit after --batch-bytes at a checkpoint, so large records bound memory" {
	pad=$(printf '%02000d' 0)
	for i in 1 2 3 4 5 6; do
		record "b$i" "{\"id\":\"b$i\",\"pad\":\"$pad\"}"
		checkpoint "$i" "\"c$((i + 1))\"" "$([ "$i" -lt 6 ] && echo true || echo false)"
	done >"$T/in"
	run --separate-stderr ds-load --batch-bytes 4000 --batch-seconds 60 <"$T/in"
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$(grep -c 'msg=commit' <<<"$stderr")" 3
	assert_stderr_contains "msg=commit rows=2 duplicates=0 rejects=0"
	assert_equal "$(sql "select count(*), sum(length(data->>'pad')) from events")" "6|12000"
	assert_equal "$(sql "select seq, has_more from ds_checkpoints")" "6|f"
	# without checkpoint lines, every --batch-bytes
	for i in 1 2 3 4 5 6; do record "n$i" "{\"id\":\"n$i\",\"pad\":\"$pad\"}"; done >"$T/plain"
	run --separate-stderr ds-load --batch-bytes 4000 <"$T/plain"
	assert_status 0
	assert_equal "$(grep -c 'msg=commit' <<<"$stderr")" 3
	run --separate-stderr ds-load --batch-bytes 0
	assert_status 64
	assert_stderr_contains "--batch-bytes 0: want a whole number of bytes from 1 to"
}

@test "a quiet upstream: a batch ending at a checkpoint commits once --batch-seconds old, not at the next page" {
	mkfifo "$T/fifo"
	ds-load --batch-seconds 0.5 <"$T/fifo" 2>"$T/err" &
	pid=$!
	exec 5>"$T/fifo"
	pages 1 1 10 events 3 >&5
	# the upstream is open and silent, as from a slow API
	for _ in $(seq 1 100); do
		[ "$(stored_seq)" -lt 1 ] || break
		sleep 0.05
	done
	assert_equal "$(sql "select count(*) from events")" 10
	assert_equal "$(stored_seq)" 1
	# a page cut off in the middle is not committed by the wait
	pages 2 2 10 events 3 | head -n 5 >&5
	sleep 1
	assert_equal "$(sql "select count(*) from events")" 10
	pages 2 3 10 events 3 | tail -n +6 >&5
	exec 5>&-
	status=0
	wait "$pid" || status=$?
	assert_status 0
	assert_equal "$(sql "select count(*), count(distinct id) from events")" "30|30"
	assert_equal "$(sql "select seq, has_more from ds_checkpoints")" "3|f"
}

@test "input without checkpoint lines commits every --batch-rows records" {
	for i in $(seq 1 25); do record "r$i"; done >"$T/in"
	run --separate-stderr ds-load --batch-rows 10 <"$T/in"
	assert_status 0
	assert_equal "$(grep -c 'msg=commit' <<<"$stderr")" 3
	assert_equal "$(sql "select count(*) from events")" "25"
	assert_equal "$(sql "select count(*) from ds_checkpoints")" "0"
}

@test "input that ends inside a page drops that page's lines (the next run fetches them)" {
	{ pages 1 1 3; pages 2 2 3000 | head -n 2000; printf '%s\n' '{"$ds":"reject","stream":"events","seq":2,"reason":"r","raw":"x"}'; } >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 0
	assert_stderr_contains "input ended inside a page"
	assert_equal "$(sql "select count(*) from events")" "3"
	assert_equal "$(sql "select count(*) from ds_rejects")" "0"
}

@test "input cut off inside a line is temporary (111): the pages before it commit" {
	{ pages 1 1 3; record cut | head -c 40; } >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains 'msg="input ends inside a line: the upstream stopped mid-write" line=5'
	assert_equal "$(sql "select count(*) from events")" "3"
	assert_equal "$(sql "select status, error from ds_runs")" "failed|input ends inside a line"
}

@test "a failed run records the server's error in ds_runs" {
	sql "create table events (id text primary key, stream text not null, type text, ts timestamptz, hash text not null, data jsonb not null, ingested_at timestamptz not null default now(), extra int not null)" >/dev/null
	pages 1 1 2 >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 100
	assert_stderr_contains 'null value in column \"extra\"'
	assert_equal "$(sql "select status, error like 'cannot load rows: null value in column \"extra\"%' from ds_runs")" "failed|t"
	assert_equal "$(sql "select count(*) from ds_checkpoints")" "0"
}

@test "a second stream in one input is refused" {
	{ pages 1 1 2 events; pages 1 1 2 other; } >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 100
	assert_stderr_contains "a second stream in the input"
	assert_stderr_contains "line=4"
}

@test "a changed schema is recorded as unacknowledged drift; the first one is not" {
	s1='{"$ds":"schema","stream":"events","fields":{"id":"string","n":"number"},"added":["id","n"],"removed":[],"changed":[]}'
	s2='{"$ds":"schema","stream":"events","fields":{"id":"string","n":"string","z":"object"},"added":["z"],"removed":[],"changed":["n"]}'
	{ echo "$s1"; pages 1 1 2; } >"$T/in1"
	{ echo "$s2"; pages 2 2 2; } >"$T/in2"
	run --separate-stderr ds-load <"$T/in1"
	assert_status 0
	assert_equal "$(sql "select count(*) from ds_schema_changes where acked_at is null")" "0"
	run --separate-stderr ds-load <"$T/in2"
	assert_status 0
	assert_equal "$(sql "select added, changed, removed from ds_schema_changes where acked_at is null")" '["z"]|["n"]|[]'
	assert_equal "$(sql "select fields from ds_catalog")" '{"n": "string", "z": "object", "id": "string"}'
}

@test "bad options are usage errors" {
	run --separate-stderr ds-load --on-conflict maybe
	assert_status 64
	assert_stderr_contains "want skip or update"
	run --separate-stderr ds-load --batch-rows 0
	assert_status 64
	run --separate-stderr ds-load extra-arg
	assert_status 64
	assert_stderr_contains "usage: ds-load"
	run --separate-stderr ds-load --help
	assert_status 0
	assert_output_contains "usage: ds-load"
}

@test "an input line over 64 MiB is refused (100) naming the line and the bound; the pages before it commit" {
	{
		pages 1 1 3
		printf '{"stream":"events","id":"huge","type":"t","ts":"2024-01-01T00:00:00Z","hash":"h","data":"'
		head -c $((65 << 20)) /dev/zero | tr '\0' 'x'
		printf '"}\n'
	} >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'msg="input line too long" line=5 max_bytes=67108864'
	assert_equal "$(sql "select count(*) from events")" "3"
	assert_equal "$(sql "select status, error from ds_runs")" "failed|input line too long"
}

# --jobs N: batches load on N connections and commit in batch order.

@test "--jobs 2: a slow batch holds back the next one's commit and checkpoint" {
	# the row e2500 (batch 3 of 1000 rows) sleeps on its way in; batch 4
	# loads meanwhile on the other connection and waits in the server
	sql "create table events (id text primary key, stream text not null, type text, ts timestamptz, hash text not null, data jsonb not null, ingested_at timestamptz not null default now());
	    create function slow() returns trigger language plpgsql as \$\$ begin if new.id = 'e2500' then perform pg_sleep(3); end if; return new; end \$\$;
	    create trigger slow before insert on events for each row execute function slow()" >/dev/null
	pages 1 10 500 >"$T/in"
	ds-load --jobs 2 --batch-rows 1000 <"$T/in" 2>"$T/err" &
	pid=$!
	for _ in $(seq 1 50); do
		[ "$(sql "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and wait_event = 'advisory'")" = 1 ] && break
		sleep 0.1
	done
	# batch 4 is loaded and waiting: nothing past batch 2 is visible
	assert_equal "$(sql "select count(*) from pg_stat_activity where wait_event = 'PgSleep'")" 1
	assert_equal "$(sql "select c.seq, (select count(*) from events), (select max((data->>'n')::int) from events) from ds_checkpoints c")" "4|2000|2000"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	run cat "$T/err"
	assert_equal "$(grep -o 'msg=commit.* seq=[0-9]*' "$T/err" | sed 's/.* seq=//' | tr '\n' ' ')" "2 4 6 8 10 "
	assert_output_contains "msg=done records=5000 duplicates=9"
	assert_equal "$(sql "select count(*), count(distinct id), max((data->>'n')::int) from events")" "5000|5000|5000"
	assert_equal "$(sql "select seq, records from ds_checkpoints")" "10|5000"
}

@test "--jobs 2: ids repeated across batches in flight are skipped, never deadlock" {
	# every page repeats the whole page before it: batch k+1 shares 500 ids
	# with batch k, which is still loading on the other connection
	{ pages 1 1 500; for p in $(seq 2 12); do pages "$((p - 1))" "$((p - 1))" 500 | grep -v '"\$ds"'; pages "$p" "$p" 500 events 12; done; } >"$T/in"
	run --separate-stderr timeout 60 ds-load --jobs 2 --batch-rows 500 <"$T/in"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains "msg=done records=6000 duplicates=$((11 * 501 + 10))"
	assert_stderr_lacks "deadlock"
	assert_equal "$(sql "select count(*), count(distinct id), min((data->>'n')::int), max((data->>'n')::int) from events")" "6000|6000|1|6000"
	assert_equal "$(sql "select seq, has_more from ds_checkpoints")" "12|f"
	assert_equal "$(sql "select records, duplicates from ds_catalog")" "6000|5521"
}

@test "--jobs 2 --on-conflict update: a record changed in the next batch in flight ends as its last version" {
	# page p carries new versions (hash v2) of page p-1's records
	{
		pages 1 1 300
		for p in $(seq 2 8); do
			pages "$((p - 1))" "$((p - 1))" 300 | grep -v '"\$ds"' | sed 's/"hash":"h\([0-9]*\)"/"hash":"v2-\1"/; s/"n":/"v":2,"n":/'
			pages "$p" "$p" 300 events 8 | sed 1d
		done
	} >"$T/in"
	run --separate-stderr timeout 60 ds-load --jobs 2 --batch-rows 300 --on-conflict update <"$T/in"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains "msg=done records=2400 duplicates=2106 updated=2100"
	assert_equal "$(sql "select count(*), count(distinct id) from events")" "2400|2400"
	assert_equal "$(sql "select count(*) from events where hash like 'v2-%' and data->>'v' = '2'")" "2100"
	assert_equal "$(sql "select min((data->>'n')::int) from events where hash not like 'v2-%'")" "2101"
	assert_equal "$(sql "select seq, has_more from ds_checkpoints")" "8|f"
}

@test "--jobs 3: overlapping replays of three streams into one table running at the same time store every id once" {
	pages 1 20 500 >"$T/a"
	pages 10 30 500 s2 30 >"$T/b"
	pages 1 20 500 s3 >"$T/c"
	timeout 120 ds-load --jobs 3 --batch-rows 1000 <"$T/a" 2>"$T/a.err" &
	pa=$!
	timeout 120 ds-load --jobs 2 --batch-rows 1000 <"$T/b" 2>"$T/b.err" &
	pb=$!
	timeout 120 ds-load --jobs 3 --batch-rows 1500 <"$T/c" 2>"$T/c.err" &
	pc=$!
	st=0
	wait "$pa" || st=$?
	wait "$pb" || st=$((st + $?))
	wait "$pc" || st=$((st + $?))
	assert_equal "$st" 0
	assert_equal "$(sql "select count(*), count(distinct id), min((data->>'n')::int), max((data->>'n')::int) from events")" "15000|15000|1|15000"
	assert_equal "$(sql "select sum(records) + sum(duplicates) from ds_runs")" \
	    "$(( $(grep -c '"id"' "$T/a") * 2 + $(grep -c '"id"' "$T/b") ))"
	# replayed again, in full: every row is a duplicate
	run --separate-stderr ds-load --jobs 2 --batch-rows 1000 <"$T/b"
	assert_status 0
	assert_stderr_contains "msg=done records=0 duplicates=$(grep -c '"id"' "$T/b")"
	assert_equal "$(sql "select count(*) from events")" "15000"
}

@test "--jobs 2: SIGTERM commits every batch through the last checkpoint line read and exits 143" {
	mkfifo "$T/fifo"
	ds-load --jobs 2 --batch-rows 10 --stats "$T/stats" <"$T/fifo" 2>"$T/err" &
	pid=$!
	exec 5>"$T/fifo"
	pages 1 4 10 "events" 9 >&5
	pages 5 5 3000 | head -n 2000 >&5
	sleep 1
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	exec 5>&-
	assert_equal "$st" 143
	run cat "$T/err"
	assert_output_contains "signal: committing through the last checkpoint"
	assert_output_contains 'msg="dropped lines after the last checkpoint" lines=2000'
	assert_equal "$(sql "select count(*), max((data->>'n')::int) from events")" "40|40"
	assert_equal "$(sql "select seq, cursor from ds_checkpoints")" "4|c5"
	assert_equal "$(sql "select status, records from ds_runs")" "stopped|40"
	run cat "$T/stats"
	assert_output_contains "records=40"
	assert_output_contains "seq=4"
	assert_output_contains "cursor=c5"
	assert_output_contains "state=failed"
}

@test "--jobs 2: kill -9 at random moments, then re-runs from the stored checkpoint, give the exact id set" {
	per=5000
	total=40
	killed=0
	for round in 1 2 3 4 5 6 7 8; do
		[ "$killed" -lt 4 ] || break
		cur=$(ds-checkpoint get events || true)
		first=${cur#c}
		[ -n "$first" ] || first=1
		pages "$first" "$total" "$per" events "$total" >"$T/in"
		ds-load --jobs 2 --batch-rows 8000 <"$T/in" 2>"$T/err.$round" &
		if kill9_mid_load $!; then killed=$((killed + 1)); fi
		# the stored checkpoint never runs ahead of the stored records
		seq=$(sql "select coalesce(max(seq), 0) from ds_checkpoints")
		assert_equal "$(sql "select count(*) from events where (data->>'n')::int <= $((seq * per))")" \
		    "$((seq * per))"
	done
	# the kills must have hit running loads, or this test proves nothing
	echo "# $killed kills hit a running ds-load" >&3
	[ "$killed" -ge 3 ]
	cur=$(ds-checkpoint get events || true)
	first=${cur#c}
	[ -n "$first" ] || first=1
	pages "$first" "$total" "$per" events "$total" >"$T/in"
	run --separate-stderr ds-load --jobs 2 <"$T/in"
	assert_status 0
	assert_stderr_contains "msg=done"
	assert_equal "$(sql "select count(*), count(distinct id), min((data->>'n')::int), max((data->>'n')::int) from events")" \
	    "200000|200000|1|200000"
	assert_equal "$(sql "select seq, has_more, records from ds_checkpoints")" "40|f|200000"
}

@test "--jobs 2: a database stopped mid-load exits 111 and a re-run completes the load" {
	pages 1 30 2000 events 30 >"$T/in"
	# stop the server while a COPY is open in the middle of page 13
	paused_input "$T/in" $((2001 + 11 * 2002 + 1000)) |
	    ds-load --jobs 2 --batch-rows 2000 2>"$T/err" &
	pid=$!
	for _ in $(seq 1 400); do
		[ "$(stored_seq)" -lt 12 ] || break
		sleep 0.05
	done
	assert_equal "$(stored_seq)" 12
	ds-pg stop "$DS_PG_DIR" immediate
	touch "$T/resume"
	status=0
	wait "$pid" || status=$?
	ds-pg start "$DS_PG_DIR" >/dev/null
	assert_status 111
	run cat "$T/err"
	assert_output_contains "status=temporary"
	seq=$(sql "select coalesce(max(seq), 0) from ds_checkpoints")
	assert_equal "$(sql "select count(*), coalesce(max((data->>'n')::int), 0) from events")" \
	    "$((seq * 2000))|$((seq * 2000))"
	cur=$(ds-checkpoint get events || true)
	first=${cur#c}
	[ -n "$first" ] || first=1
	pages "$first" 30 2000 events 30 >"$T/rest"
	run --separate-stderr ds-load --jobs 2 <"$T/rest"
	assert_status 0
	assert_equal "$(sql "select count(*), count(distinct id) from events")" "60000|60000"
}

@test "--jobs takes a whole number from 1 to 64" {
	run --separate-stderr ds-load --jobs 0
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "--jobs 0: want a whole number from 1 to 64"
	run --separate-stderr ds-load --jobs two
	assert_status 64
	assert_stderr_contains "--jobs two: want a whole number from 1 to 64"
}
