#!/usr/bin/env bats
# ds-run: the supervisor of ds-fetch | ds-transform | ds-load, against a real
# ds-mockapi and a real PostgreSQL.
# shellcheck disable=SC2154 # bats' run sets status, output and stderr
bats_require_minimum_version 1.5.0
load helpers
load chain

setup_file() {
	start_pg
}

teardown_file() {
	ds_teardown
}

setup() {
	T=$(ds_tmpdir)
	STATE=$T/state
	fresh_db
}

teardown() {
	local p
	for p in ${BG_PIDS:-}; do
		kill_session "$p"
	done
	stop_mock
	if [ -n "${PG_STOPPED:-}" ]; then
		ds-pg start "$DS_PG_DIR" >/dev/null
	fi
	rm -rf "$T"
}

@test "runs the chain to the end of the stream, exits 0 and the checkpoint says finished" {
	start_mock --events 3000 --seed 7 --manifest "$T/manifest"
	ds_run --limit 500 "$MOCK_URL"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'msg="done" stream=events records=3000 duplicates=0 rejects=0'
	assert_stderr_lacks "restarting"
	ids_match "$T/manifest"
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" get events
	assert_status 3
	assert_equal "$output" ""
}

@test "installed under DESTDIR (nothing of the tree in PATH), ds-run finds its helpers beside it and runs the stream to the end" {
	run --separate-stderr make -C "$DS_TOP" -s install DESTDIR="$T/dest" PREFIX=/usr/local
	assert_status 0
	start_mock --events 300 --seed 7 --manifest "$T/manifest"
	run --separate-stderr env -u DS_BIN PATH="$T/dest/usr/local/bin:/usr/bin:/bin" \
		ds-run --state-dir "$STATE" --db "$DATABASE_URL" --limit 100 --overlap 1m30s "$MOCK_URL"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'level=info prog=ds-run msg="done" stream=events records=300'
	ids_match "$T/manifest"
	run --separate-stderr env -u DS_BIN PATH="$T/dest/usr/local/bin:/usr/bin:/bin" \
		ds-run --state-dir "$STATE" --overlap soon "$MOCK_URL"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains 'prog=ds-run msg="--overlap: OVERLAP soon: want a duration from 0 to 31536000 seconds'
}

@test "a finished stream without --follow: a new run exits 0 at once, fetching nothing" {
	start_mock --events 1000 --seed 3 --log
	ds_run --limit 500 "$MOCK_URL"
	assert_status 0
	requests=$(grep -c 'msg=request' "$MOCK_LOG")
	ds_run --limit 500 "$MOCK_URL"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'msg="done" stream=events records=0'
	assert_equal "$(grep -c 'msg=request' "$MOCK_LOG")" "$requests"
}

@test "a stage killed by a signal restarts the chain from the checkpoint; every id is stored once" {
	start_mock --events 6000 --seed 11 --rate 6/1 --manifest "$T/manifest"
	start_bg --limit 200 "$MOCK_URL"
	sleep 3
	load_pid=$(wait_for_stage ds-load)
	kill -KILL "$load_pid"
	wait_bg
	assert_status 0
	run cat "$BG_ERR"
	assert_output_contains 'msg="temporary failure: restarting"'
	assert_output_contains 'load=137'
	assert_output_contains 'msg="done"'
	ids_match "$T/manifest"
	assert_equal "$(sql "select count(*) - count(distinct id) from events")" "0"
}

@test "the database going away is temporary: ds-run backs off, retries and finishes" {
	start_mock --events 2000 --seed 5 --manifest "$T/manifest"
	ds-pg stop "$DS_PG_DIR"
	PG_STOPPED=1
	start_bg --limit 500 "$MOCK_URL"
	sleep 4
	ds-pg start "$DS_PG_DIR" >/dev/null
	PG_STOPPED=
	wait_bg
	assert_status 0
	run cat "$BG_ERR"
	# The stream's lock is taken first, in the same database.
	assert_output_contains 'msg="cannot take the stream'"'"'s lock: retrying"'
	# The pauses grow: 1 s, then 2 s.
	assert_output_contains 'backoff_s=1'
	assert_output_contains 'backoff_s=2'
	assert_output_contains 'msg="done"'
	ids_match "$T/manifest"
}

@test "--since and --until reach ds-fetch: only the events of that range are stored" {
	start_mock --events 2000 --seed 43
	ds_run --since 2026-01-01T00:10:00Z --until 2026-01-01T00:20:00+00:00 --limit 250 "$MOCK_URL"
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$(sql "select count(*) from events")" "600"
	assert_equal "$(sql "select count(*) from events where ts < '2026-01-01T00:10:00Z' or ts >= '2026-01-01T00:20:00Z'")" "0"
}

@test "an API key refused by the server stops at once with status 101, the key never shown" {
	start_mock --events 1000 --api-key right-key-4711
	DS_API_KEY=wrong-key-0815 ds_run "$MOCK_URL"
	assert_status 101
	assert_equal "$output" ""
	assert_stderr_contains 'msg="permanent failure: stopping" stream=events fetch=101'
	assert_stderr_lacks "restarting"
	assert_stderr_lacks "wrong-key-0815"
	assert_stderr_lacks "right-key-4711"
}

@test "the API key is read from --api-key-file and never appears in any command line" {
	start_mock --events 3000 --api-key k3y-in-a-file --rate 4/1 --manifest "$T/manifest"
	printf 'k3y-in-a-file\n' >"$T/key"
	start_bg --api-key-file "$T/key" --limit 300 "$MOCK_URL"
	wait_for_stage ds-fetch >/dev/null
	for p in $(session_pids "$BG"); do
		if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q 'k3y-in-a-file'; then
			echo "key in the command line of $p" >&2
			false
		fi
	done
	wait_bg
	assert_status 0
	run grep -c 'k3y-in-a-file' "$BG_ERR"
	assert_equal "$output" "0"
	ids_match "$T/manifest"
}

# An expired stored cursor: load two pages by hand, then let the cursor age.
expired_setup() {
	start_mock --events 3000 --seed 13 --cursor-ttl 1 --manifest "$T/manifest"
	ds-fetch --quiet --limit 500 --max-pages 2 "$MOCK_URL" | ds-transform | ds-load --db "$DATABASE_URL" 2>/dev/null
	[ -n "$(ds-checkpoint --db "$DATABASE_URL" get events)" ]
	sleep 2.5
}

@test "an expired cursor with --on-expired fail stops with status 102" {
	expired_setup
	ds_run --on-expired fail --limit 500 "$MOCK_URL"
	assert_status 102
	assert_equal "$output" ""
	assert_stderr_contains 'msg="cursor expired: stopping (--on-expired fail)" stream=events fetch=102'
	assert_equal "$(sql "select count(*) from events")" "1000"
}

@test "an expired cursor starts the stream over by default; the records seen again are skipped" {
	expired_setup
	ds_run --limit 500 "$MOCK_URL"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'msg="cursor expired: starting the stream over"'
	assert_stderr_contains 'duplicates=1000'
	ids_match "$T/manifest"
}

@test "cursors that expire again and again: each start-over waits longer, the fifth expiry in a row stops with 102" {
	# one request each 2 s, cursors that live 1 s: every second page expires
	start_mock --events 3000 --cursor-ttl 1 --rate 1/2
	ds_run --backoff-max 1 --limit 500 "$MOCK_URL"
	assert_status 102
	assert_equal "$output" ""
	assert_stderr_contains 'msg="cursor expired: starting the stream over" stream=events fetch=102 transform=0 load=0 expiries=4 backoff_s=1'
	assert_stderr_contains 'msg="cursor expired 5 times in a row: stopping" stream=events fetch=102'
	assert_equal "$(grep -c 'starting the stream over' <<<"$stderr")" 4
}

@test "too many rejects stops with status 103" {
	start_mock --events 3000 --bad-rate 0.1
	ds_run --max-rejects 5 --limit 500 "$MOCK_URL"
	assert_status 103
	assert_equal "$output" ""
	assert_stderr_contains 'msg="too many rejects: stopping" stream=events'
	assert_stderr_lacks "restarting"
}

@test "a second ds-run of the same stream exits at once with 111: already running, naming the live ds-run" {
	# 150 pages at 3 requests/s: the first run is still going when it is killed.
	start_mock --events 30000 --rate 3/1
	start_bg --limit 200 "$MOCK_URL"
	wait_for_stage ds-fetch >/dev/null
	SECONDS=0
	ds_run --limit 200 "$MOCK_URL"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains "stream events is already running (ds-run pid $BG on this host)"
	[ "$SECONDS" -le 2 ]
	# Another stream is not held back by it (from a server of its own: the
	# first one's budget is the first run's, which must still be running).
	start_mock --events 30000
	ds_run --stream other --table other_events --limit 5000 "$MOCK_URL"
	assert_status 0
	assert_equal "$(sql "select count(*) from other_events")" "30000"
	kill -TERM "$BG" || { cat "$BG_ERR" >&2; false; }
	wait_bg
	assert_status 143
}

@test "SIGTERM stops the chain, exits 143 within 10 s and leaves no process behind" {
	start_mock --events 20000 --seed 17 --rate 4/1 --manifest "$T/manifest"
	start_bg --limit 500 "$MOCK_URL"
	wait_for_stage ds-load >/dev/null
	sleep 3
	SECONDS=0
	kill -TERM "$BG"
	wait_bg
	assert_status 143
	[ "$SECONDS" -lt 10 ]
	assert_equal "$(session_pids "$BG")" ""
	run cat "$BG_ERR"
	assert_output_contains 'msg="stopped by SIGTERM"'
	# What was committed stays consistent: a new run finishes the stream exactly.
	ds_run --limit 5000 "$MOCK_URL"
	assert_status 0
	ids_match "$T/manifest"
}

@test "SIGINT stops the chain with status 130" {
	start_mock --events 20000 --rate 4/1
	start_bg --limit 500 "$MOCK_URL"
	wait_for_stage ds-fetch >/dev/null
	kill -INT "$BG"
	wait_bg
	assert_status 130
	assert_equal "$(session_pids "$BG")" ""
}

@test "--follow asks a finished stream only for what is new: since the newest ts minus --overlap" {
	start_mock --events 2000 --seed 19 --log --manifest "$T/manifest"
	ds_run --limit 1000 "$MOCK_URL"
	assert_status 0
	newest=$(sql "select max(ts) from events")
	since=$(date -u -d "@$(($(date -u -d "$newest" +%s) - 300))" +%Y-%m-%dT%H:%M:%SZ)
	inwindow=$(sql "select count(*) from events where ts >= '$since'")
	[ "$inwindow" -gt 0 ] && [ "$inwindow" -lt 2000 ]
	ds_run --follow --overlap 5m --limit 1000 "$MOCK_URL"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains "msg=\"stream finished earlier: following what is new\" stream=events since=$since"
	assert_stderr_contains "records=0 duplicates=$inwindow rejects=0"
	grep -q "since=${since//:/%3A}" "$MOCK_LOG"
	ids_match "$T/manifest"
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" get events
	assert_status 3
	# the cycle is over: nothing of it is left beside the checkpoint
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" follow-get events
	assert_status 0
	assert_equal "$output" ""
}

@test "--follow: a cycle interrupted by SIGKILL is continued with the same since" {
	start_mock --events 3000 --seed 23 --rate 3/1 --log --manifest "$T/manifest"
	ds_run --limit 3000 "$MOCK_URL"
	assert_status 0
	start_bg --follow --overlap 30m --limit 100 "$MOCK_URL"
	wait_for_stage ds-load >/dev/null
	sleep 3
	kill_session "$BG"
	wait "$BG" || true
	# the cycle's since is kept beside the checkpoint, not in the state directory
	since=$(ds-checkpoint --db "$DATABASE_URL" follow-get events)
	since=${since#since=}
	[ -n "$since" ]
	ds_run --follow --overlap 30m --limit 100 "$MOCK_URL"
	assert_status 0
	assert_stderr_lacks "following what is new"
	# Every request after the first run carried the cycle's since.
	assert_equal "$(grep 'msg=request' "$MOCK_LOG" | tail -n +2 | grep -vc "since=${since//:/%3A}")" "0"
	ids_match "$T/manifest"
	assert_equal "$(ds-checkpoint --db "$DATABASE_URL" follow-get events)" ""
}

@test "a follow cycle that failed permanently is finished by the next run, with or without --follow, with its since, and said so; --since of another time is 64; reset drops it" {
	printf 'good-key-61c2\n' >"$T/key"
	printf 'bad-key-0f3e\n' >"$T/bad"
	start_mock --events 3000 --seed 31 --api-key-file "$T/key" --log --manifest "$T/manifest"
	ds_run --api-key-file "$T/key" --limit 1000 "$MOCK_URL"
	assert_status 0
	# the cycle starts, then its first request is refused: permanent
	ds_run --follow --overlap 30m --api-key-file "$T/bad" --limit 1000 "$MOCK_URL"
	assert_status 101
	since=$(ds-checkpoint --db "$DATABASE_URL" follow-get events)
	since=${since#since=}
	[ -n "$since" ]
	# another since would not match the stored cursor's: refused before any request
	: >"$MOCK_LOG"
	ds_run --since 2026-01-01T00:00:00Z --api-key-file "$T/key" "$MOCK_URL"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "--since 2026-01-01T00:00:00Z: stream events has an unfinished follow cycle since $since"
	run ! grep -q 'msg=request' "$MOCK_LOG"
	# a run without --follow finishes the cycle, with its since
	ds_run --api-key-file "$T/key" --limit 1000 "$MOCK_URL"
	assert_status 0
	assert_stderr_contains "msg=\"continuing an unfinished follow cycle\" stream=events since=$since"
	assert_equal "$(grep 'msg=request' "$MOCK_LOG" | grep -vc "since=${since//:/%3A}")" "0"
	assert_equal "$(ds-checkpoint --db "$DATABASE_URL" follow-get events)" ""
	ids_match "$T/manifest"
	# a reset starts the stream over from its first page: no cycle is left to bind it
	ds_run --follow --overlap 30m --api-key-file "$T/bad" --limit 1000 "$MOCK_URL"
	assert_status 101
	[ -n "$(ds-checkpoint --db "$DATABASE_URL" follow-get events)" ]
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" reset events
	assert_status 0
	assert_equal "$(ds-checkpoint --db "$DATABASE_URL" follow-get events)" ""
	: >"$MOCK_LOG"
	ds_run --api-key-file "$T/key" --limit 1000 "$MOCK_URL"
	assert_status 0
	assert_stderr_lacks "follow cycle"
	assert_stderr_contains "records=0 duplicates=3000"
	run ! grep -q 'since=' "$MOCK_LOG"
}

@test "a cursor that expires inside a follow cycle starts the cycle over with its since, and the cycle stays stored" {
	# one request each 2 s, cursors that live 1 s: every second page expires
	start_mock --events 3000 --cursor-ttl 1 --rate 1/2 --log
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" follow-start events 2026-01-01T00:10:00Z
	assert_status 0
	ds_run --backoff-max 1 --limit 500 "$MOCK_URL"
	assert_status 102
	assert_equal "$output" ""
	assert_stderr_contains 'msg="continuing an unfinished follow cycle" stream=events since=2026-01-01T00:10:00Z'
	assert_stderr_contains 'msg="cursor expired 5 times in a row: stopping" stream=events fetch=102'
	assert_equal "$(grep 'msg=request' "$MOCK_LOG" | grep -vc 'since=2026-01-01T00%3A10%3A00Z')" "0"
	assert_equal "$(ds-checkpoint --db "$DATABASE_URL" follow-get events)" "since=2026-01-01T00:10:00Z"
}

@test "--config reads KEY=value settings: URL, DB, STREAM, LIMIT, METRICS" {
	start_mock --events 1500 --seed 29 --manifest "$T/manifest"
	cat >"$T/events.conf" <<EOF
# the events stream, every 15 minutes
URL=$MOCK_URL

DB = "$DATABASE_URL"
STREAM=events
LIMIT=500
STATE_DIR=$STATE
METRICS='$T/ds.prom'
EOF
	run --separate-stderr ds-run --config "$T/events.conf"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'msg="done" stream=events records=1500'
	ids_match "$T/manifest"
	grep -qx 'ds_run_records{stream="events"} 1500' "$T/ds.prom"
}

@test "--config is data: values are never evaluated, an unknown key is a usage error naming the line" {
	cat >"$T/bad.conf" <<EOF
URL=http://127.0.0.1:1/\$(touch $T/pwned)
TABLE=\`touch $T/pwned\`
FETCH_EVERYTHING=yes
EOF
	run --separate-stderr ds-run --state-dir "$STATE" --config "$T/bad.conf"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "$T/bad.conf:3: unknown setting FETCH_EVERYTHING"
	[ ! -e "$T/pwned" ]
	printf 'STREAM=`touch %s/pwned`\n' "$T" >"$T/stream.conf"
	run --separate-stderr ds-run --state-dir "$STATE" --config "$T/stream.conf" http://127.0.0.1:1/
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "$T/stream.conf:1: STREAM \\\"\`touch $T/pwned\`\\\": a stream name starts with a letter or a digit"
	[ ! -e "$T/pwned" ]
	printf 'API_KEY=secret\n' >"$T/key.conf"
	run --separate-stderr ds-run --state-dir "$STATE" --config "$T/key.conf"
	assert_status 64
	assert_stderr_contains "$T/key.conf:1: the API key itself is not a setting"
	assert_stderr_lacks "secret"
}

@test "a bad count or duration in --config exits 64 naming the file, the line, the setting and what is wanted" {
	printf 'URL=http://127.0.0.1:1/\n# the overlap\nOVERLAP = 5 minutes\n' >"$T/dur.conf"
	run --separate-stderr ds-run --state-dir "$STATE" --config "$T/dur.conf"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "msg=\"$T/dur.conf:3: OVERLAP \\\"5 minutes\\\": want a duration from 0 to 31536000 seconds, such as 30, 2.5, 90s, 15m, 1h30m or 2d\""
	printf 'URL=http://127.0.0.1:1/\nJOBS=0\n' >"$T/jobs.conf"
	run --separate-stderr ds-run --state-dir "$STATE" --config "$T/jobs.conf"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "msg=\"$T/jobs.conf:2: JOBS 0: want a whole number from 1 to 64\""
}

@test "--metrics writes Prometheus text format, atomically, with the run's figures" {
	start_mock --events 2000 --seed 31 --bad-rate 0.02 --manifest "$T/manifest"
	mkdir "$T/m"
	ds_run --metrics "$T/m/ds.prom" --limit 500 "$MOCK_URL"
	assert_status 0
	# Only the final file: no temporary file is left beside it.
	assert_equal "$(ls "$T/m")" "ds.prom"
	# Every sample line: name{labels} integer, each family with HELP and TYPE.
	run grep -Evc '^(# (HELP|TYPE) ds_run_[a-z0-9_]+ .+|ds_run_[a-z0-9_]+\{stream="events"(,state="[a-z]+")?\} [0-9]+)$' "$T/m/ds.prom"
	assert_equal "$output" "0"
	for f in records duplicates rejects retries http_429 restarts duration_seconds \
		last_success_timestamp_seconds state; do
		grep -q "^# TYPE ds_run_$f gauge$" "$T/m/ds.prom"
	done
	rejects=$(awk -F '\t' '$1 == "bad"' "$T/manifest" | wc -l)
	grep -qx "ds_run_records{stream=\"events\"} $(sql "select count(*) from events")" "$T/m/ds.prom"
	grep -qx "ds_run_rejects{stream=\"events\"} $rejects" "$T/m/ds.prom"
	grep -qx 'ds_run_state{stream="events",state="done"} 1' "$T/m/ds.prom"
	grep -qx 'ds_run_state{stream="events",state="running"} 0' "$T/m/ds.prom"
	last=$(sed -n 's/^ds_run_last_success_timestamp_seconds{stream="events"} //p' "$T/m/ds.prom")
	[ "$(($(date +%s) - last))" -lt 60 ]
}

@test "not on a terminal: a logfmt progress line every --progress-interval seconds" {
	start_mock --events 4000 --seed 37 --rate 4/1
	ds_run --progress-interval 1 --limit 200 "$MOCK_URL"
	assert_status 0
	assert_equal "$output" ""
	n=$(grep -c 'msg="progress" stream=events records=[0-9]* rate=[0-9]* pct=[0-9.]* eta_s=[0-9]* retries=[0-9]* rejects=0 ' <<<"$stderr")
	[ "$n" -ge 2 ]
	run grep -c $'\r' <<<"$stderr"
	assert_equal "$output" "0"
}

@test "on a terminal: one live line rewritten with \\r" {
	command -v script >/dev/null || skip "script(1) is absent"
	start_mock --events 3000 --seed 41 --rate 4/1
	run script -qec "ds-run --state-dir '$STATE' --db '$DATABASE_URL' --limit 200 '$MOCK_URL'" /dev/null
	assert_status 0
	[[ "$output" == *$'\r'"events: "*" records  "*" rec/s  "*"%  ETA "*"s  retries "*"  rejects 0"* ]]
	run grep -c 'msg="progress"' <<<"$output"
	assert_equal "$output" "0"
}

@test "--quiet: a run that goes well prints nothing, from any stage" {
	start_mock --events 1000 --seed 47
	ds_run --quiet --limit 250 "$MOCK_URL"
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	assert_equal "$(sql "select count(*) from events")" "1000"
}

@test "usage: --help prints the synopsis; a bad option or a missing URL is status 64" {
	run --separate-stderr ds-run --help
	assert_status 0
	assert_output_contains "usage: ds-run [--config FILE]"
	assert_equal "$stderr" ""
	run --separate-stderr ds-run --state-dir "$STATE" --bogus http://x
	assert_status 64
	assert_stderr_contains 'msg="unknown option --bogus"'
	run --separate-stderr ds-run --state-dir "$STATE"
	assert_status 64
	assert_stderr_contains "no URL"
	run --separate-stderr ds-run --state-dir "$STATE" --on-expired later http://x
	assert_status 64
	assert_stderr_contains "ON_EXPIRED must be restart or fail"
	run --separate-stderr ds-run --state-dir "$STATE" --api-key sekrit http://x
	assert_status 64
	assert_stderr_contains "there is no --api-key"
}
