#!/usr/bin/env bats
# The end-to-end promise: whatever the API, the network, the supervisor's
# death and the database's crash do, the table ends holding exactly the
# source's valid records, each once, every bad record kept with its reason,
# and the archive replays to the same data without the API.
# shellcheck disable=SC2154 # bats' run sets status, output and stderr
bats_require_minimum_version 1.5.0
load helpers

# DS_E2E_EVENTS overrides the size (for a quick try).
EVENTS=${DS_E2E_EVENTS:-200000}

setup_file() {
	start_pg
	E2E=$(ds_tmpdir)
	export E2E
}

teardown_file() {
	local p
	if [ -f "$E2E/sessions" ]; then
		while read -r p; do kill_session "$p"; done <"$E2E/sessions"
	fi
	stop_mock
	ds_teardown
	# DS_E2E_LOG=FILE keeps the supervisors' log of the run.
	if [ -n "${DS_E2E_LOG:-}" ]; then
		cp "$E2E/run.log" "$DS_E2E_LOG" || true
	fi
	rm -rf "$E2E"
}

# The options of every ds-run of the test: short fetch timeouts against slow
# responses, a short backoff cap, the archive kept.
run_opts() {
	echo --state-dir "$E2E/state" --db "$DATABASE_URL" --limit 500 --timeout 2 \
		--backoff-max 2 --archive "$E2E/archive" --progress-interval 5
}

# valid ids of the manifest, and those in the table, both sorted bytewise.
manifest_ids() {
	awk -F '\t' '$1 == "valid" { print $2 }' "$E2E/manifest" | LC_ALL=C sort
}
table_ids() {
	sql "select id from events" | LC_ALL=C sort
}
table_data() {
	sql "select id, stream, type, ts, hash, data from events order by id collate \"C\"" | md5sum
}

@test "200k events through faults, duplicates, bad records, a rate limit, 8 SIGKILLs and a database crash: exactly the valid ids, once" {
	fresh_db
	echo "$DATABASE_URL" >"$E2E/db1"
	start_mock --events "$EVENTS" --seed 2026 --fail-rate 0.02 --slow-seconds 3 \
		--dup-rate 0.01 --bad-rate 0.001 --rate 20/1 --cursor-ttl 10 \
		--manifest "$E2E/manifest"
	: >"$E2E/run.log"
	alive=0
	for i in 1 2 3 4 5 6 7 8; do
		# shellcheck disable=SC2046 # run_opts is a list of words
		setsid ds-run $(run_opts) "$MOCK_URL" >>"$E2E/run.log" 2>&1 &
		pid=$!
		echo "$pid" >>"$E2E/sessions"
		if [ "$i" -eq 4 ]; then
			# The database crashes under the running chain, once a cursor
			# is stored, and comes back after longer than the cursor TTL.
			sleep 2
			for _ in $(seq 1 100); do
				[ -z "$(ds-checkpoint --db "$DATABASE_URL" get events 2>/dev/null)" ] || break
				sleep 0.2
			done
			ds-pg stop "$DS_PG_DIR" immediate
			echo "# kill $i: database stopped (immediate)" >>"$E2E/run.log"
			sleep 11
			ds-pg start "$DS_PG_DIR" >/dev/null
		fi
		delay=$((20 + RANDOM % 41))
		sleep "$((delay / 10)).$((delay % 10))"
		if kill -0 "$pid" 2>/dev/null; then
			alive=$((alive + 1))
		fi
		echo "# kill $i after ${delay}00 ms" >>"$E2E/run.log"
		kill_session "$pid"
		wait "$pid" || true
		assert_equal "$(session_pids "$pid")" ""
	done
	# Every SIGKILL hit a running supervisor, not a finished one.
	assert_equal "$alive" "8"
	# shellcheck disable=SC2046
	run --separate-stderr timeout 300 ds-run $(run_opts) "$MOCK_URL"
	echo "$stderr" >>"$E2E/run.log"
	# Shown only when an assertion below fails.
	tail -n 40 "$E2E/run.log"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'msg="done" stream=events'
	grep -q 'msg="cursor expired: starting the stream over"' "$E2E/run.log"
	grep -q 'temporary failure: restarting\|ds-checkpoint get failed: restarting' "$E2E/run.log"

	# Exactly the valid ids of the manifest, none twice.
	manifest_ids >"$E2E/want"
	table_ids >"$E2E/got"
	assert_equal "$(wc -l <"$E2E/want")" "$(awk -F '\t' '$1 == "valid"' "$E2E/manifest" | wc -l)"
	run comm -3 "$E2E/want" "$E2E/got"
	assert_equal "$output" ""
	assert_equal "$(sql "select count(*) - count(distinct id) from events")" "0"

	# Every bad record is in ds_rejects with a reason; nothing else is.
	awk -F '\t' '$1 == "bad" { print $2 }' "$E2E/manifest" | LC_ALL=C sort >"$E2E/bad-want"
	[ -s "$E2E/bad-want" ]
	sql "select distinct substring(raw from '\"marker\":\"(bad-[0-9]+)\"') from ds_rejects where reason <> ''" |
		LC_ALL=C sort >"$E2E/bad-got"
	run comm -3 "$E2E/bad-want" "$E2E/bad-got"
	assert_equal "$output" ""

	# The checkpoint says finished; every invocation of ds-load is in ds_runs.
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" get events
	assert_status 3
	[ "$(sql "select count(*) from ds_runs")" -ge 9 ]
	# The archive holds only finished segments.
	[ -z "$(find "$E2E/archive" -name '*.part')" ]
}

@test "replay: the archive through zstdcat | ds-transform | ds-load into a fresh database gives the same ids and data" {
	[ -s "$E2E/want" ] || skip "the end-to-end run did not complete"
	DATABASE_URL=$(cat "$E2E/db1")
	table_data >"$E2E/data1"
	fresh_db
	# shellcheck disable=SC2016 # expanded by the inner shell
	run --separate-stderr bash -c 'zstdcat "$1"/*.zst | ds-transform | ds-load' _ "$E2E/archive"
	assert_status 0
	assert_equal "$output" ""
	table_ids >"$E2E/replayed"
	run comm -3 "$E2E/want" "$E2E/replayed"
	assert_equal "$output" ""
	assert_equal "$(table_data)" "$(cat "$E2E/data1")"
	run comm -3 "$E2E/bad-want" <(sql "select distinct substring(raw from '\"marker\":\"(bad-[0-9]+)\"') from ds_rejects" | LC_ALL=C sort)
	assert_equal "$output" ""
}
