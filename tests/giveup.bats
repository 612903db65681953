#!/usr/bin/env bats
# Temporary must mean "will pass" (issue 13, item 5): ds-run stops with 111,
# naming the cause, after --give-up-after without a committed batch; ds-fetch
# spends little on a server that never answered.
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
	BG=''
}

teardown() {
	[ -z "$BG" ] || kill_session "$BG"
	stop_mock
	rm -rf "$T"
}

# closed_url: the URL of a port nothing listens on (a mock started and stopped).
closed_url() {
	start_mock --events 1
	CLOSED=$MOCK_URL
	stop_mock
}

@test "a mistyped URL (connection refused): ds-run stops with 111 after --give-up-after, naming the cause" {
	closed_url
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --give-up-after 2s \
		--retries 1 "$CLOSED"
	assert_status 111
	assert_equal "$output" ""
	port=${CLOSED#http://127.0.0.1:}
	port=${port%%/*}
	assert_stderr_contains "level=warn prog=ds-run msg=\"temporary failure: restarting\" stream=events fetch=111 transform=0 load=0 backoff_s=1"
	assert_stderr_contains "level=error prog=ds-run msg=\"no progress for "
	assert_stderr_contains "s (--give-up-after 2s): giving up; last error: ds-fetch: giving up at cursor null after 2 attempts: last cause connect: Failed to connect to 127.0.0.1 port $port "
	assert_stderr_contains "(no server has answered yet: is the URL right?)"
	assert_stderr_contains 'level=info prog=ds-run msg="failed" stream=events '
	# the lock is free again: cron's next run starts
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --give-up-after 1s \
		--retries 0 "$CLOSED"
	assert_status 111
	assert_stderr_lacks "already running"
}

@test "a database that cannot be reached: ds-run stops with 111 after --give-up-after, naming ds-checkpoint's error" {
	# 5 s: room for a first failed try and a retry after 1 s on a loaded machine
	closed_url
	printf 'GIVE_UP_AFTER=5s\n' >"$T/conf"
	run --separate-stderr ds-run --state-dir "$T/state" --config "$T/conf" \
		--db "postgresql:///nodb?host=$T/nosocket" "$CLOSED"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains "prog=ds-run msg=\"cannot take the stream's lock: retrying\" stream=events backoff_s=1"
	assert_stderr_contains "s (--give-up-after 5s): giving up; last error: ds-checkpoint: cannot connect to the database error="
	assert_stderr_contains "$T/nosocket/.s.PGSQL.5432"
}

@test "--give-up-after 0 never gives up: the chain is restarted again and again" {
	closed_url
	setsid ds-run --state-dir "$T/state" --db "$DATABASE_URL" --give-up-after 0 --retries 0 \
		--backoff-max 1 "$CLOSED" 2>"$T/err" &
	BG=$!
	for _ in $(seq 1 300); do
		[ "$(grep -c 'msg="temporary failure: restarting"' "$T/err")" -ge 3 ] && break
		sleep 0.1
	done
	kill -0 "$BG"
	[ "$(grep -c 'msg="temporary failure: restarting"' "$T/err")" -ge 3 ]
	run grep -c 'giving up;' "$T/err"
	assert_equal "$output" 0
}

@test "progress (a committed batch) restarts the give-up clock: a stream whose fetch is killed again and again finishes" {
	start_mock --events 4000 --page-max 100 --rate 4/1 --manifest "$T/manifest"
	setsid ds-run --state-dir "$T/state" --db "$DATABASE_URL" --give-up-after 3s --backoff-max 1 \
		--quiet "$MOCK_URL" 2>"$T/err" &
	BG=$!
	# Kill each ds-fetch seen alive in two samples 1.2 s apart: every chain
	# has fetched (and ds-load committed) pages by then, the run lasts longer
	# than --give-up-after, and no failure comes 3 s after the last progress.
	local prev='' cur p kills=0
	while kill -0 "$BG" 2>/dev/null; do
		sleep 1.2
		cur=''
		for p in $(session_pids "$BG"); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = ds-fetch ] && cur=$p
		done
		if [ -n "$cur" ] && [ "$cur" = "$prev" ]; then
			kill -KILL "$cur" 2>/dev/null && kills=$((kills + 1))
			cur=''
		fi
		prev=$cur
	done
	status=0
	wait "$BG" || status=$?
	BG=''
	assert_status 0
	[ "$kills" -ge 2 ]
	[ "$(grep -c 'msg="temporary failure: restarting"' "$T/err")" -ge 2 ]
	run grep -c 'giving up;' "$T/err"
	assert_equal "$output" 0
	assert_equal "$(sql 'select count(*) from events')" "$(grep -c '^valid' "$T/manifest")"
}

@test "GIVE_UP_AFTER that is not a duration is a usage error naming the line" {
	printf 'URL=http://127.0.0.1:1/\nGIVE_UP_AFTER=soon\n' >"$T/conf"
	run --separate-stderr ds-run --state-dir "$T/state" --config "$T/conf"
	assert_status 64
	assert_stderr_contains "msg=\"$T/conf:2: GIVE_UP_AFTER soon: want a duration from 0 to 31536000 seconds, such as 30, 2.5, 90s, 15m, 1h30m or 2d\""
	run --separate-stderr ds-run --state-dir "$T/state" --give-up-after=-1 http://127.0.0.1:1/
	assert_status 64
	assert_stderr_contains "msg=\"--give-up-after: GIVE_UP_AFTER -1: want a duration from 0 to 31536000 seconds"
}

@test "ds-fetch: while no server ever answered, a refused connection is retried 3 times, not --retries" {
	closed_url
	run --separate-stderr ds-fetch --retries 10 --backoff-max 0.05 "$CLOSED"
	assert_status 111
	assert_equal "$output" ""
	assert_equal "$(grep -c 'msg=retry cause=connect' <<<"$stderr")" 3
	assert_stderr_contains "msg=\"giving up at cursor null after 4 attempts: last cause connect: "
	assert_stderr_contains "(no server has answered yet: is the URL right?)\""
}

@test "ds-fetch: once the server has answered, a refused connection gets all of --retries" {
	start_mock --events 300 --page-max 100 --rate 1/1
	( sleep 0.5; stop_mock ) &
	run --separate-stderr ds-fetch --retries 5 --backoff-max 0.05 "$MOCK_URL"
	wait
	assert_status 111
	assert_equal "$(grep -c 'msg=retry cause=' <<<"$stderr")" 5
	assert_stderr_contains "msg=retry cause=connect attempt=5 "
	assert_stderr_contains "msg=\"giving up at cursor "
	assert_stderr_lacks "no server has answered yet"
}
