#!/usr/bin/env bats
# Stream ownership and supervision: one chain per stream across hosts (an
# advisory lock in PostgreSQL), a chain that dies with its ds-run, a stored
# checkpoint that never moves backwards. Real ds-mockapi, real PostgreSQL.
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
	fresh_db
	SESSIONS=""
	HOST=$(hostname)
}

teardown() {
	local p
	for p in $SESSIONS; do
		kill_session "$p"
	done
	[ -n "${HOLD_PID:-}" ] && kill "$HOLD_PID" 2>/dev/null
	stop_mock
	rm -rf "$T"
}

# bg NAME STATE ARGS...: ds-run with state directory STATE in a session of
# its own, in the background; its pid in $NAME, its stderr in $T/NAME.err.
bg() {
	local name=$1 state=$2 pid
	shift 2
	setsid env --default-signal=INT ds-run --state-dir "$state" --db "$DATABASE_URL" "$@" \
		>"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
	SESSIONS="$SESSIONS $pid"
	printf -v "$name" '%s' "$pid"
	# setsid has made the session (so that its group can be signalled)
	local _
	for _ in $(seq 1 100); do
		[ "$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ] && return 0
		sleep 0.02
	done
}

# stage_in SID NAME: print the pid of the process NAME in session SID, if any.
stage_in() {
	local p
	for p in $(session_pids "$1"); do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_stage SID NAME: wait (up to 20 s) until NAME runs in session SID.
wait_stage() {
	local _
	for _ in $(seq 1 200); do
		stage_in "$1" "$2" >/dev/null && return 0
		sleep 0.1
	done
	echo "$2 never ran in session $1" >&2
	return 1
}

# gone_within SID TENTHS: every process of session SID ends within TENTHS
# tenths of a second; else print what is left and fail.
gone_within() {
	local _
	for _ in $(seq 1 "$2"); do
		[ -z "$(session_pids "$1")" ] && return 0
		sleep 0.1
	done
	echo "left in session $1 after $2 tenths of a second:" >&2
	ps -o pid=,pgid=,stat=,args= -p "$(session_pids "$1" | paste -sd,)" >&2
	return 1
}

# hold STREAM: hold the stream as ds-run does, from this test (a holder
# whose input is a fifo the test keeps open); sets HOLD_PID and TOKEN.
hold() {
	mkfifo "$T/hold.in"
	ds-checkpoint --db "$DATABASE_URL" hold "$1" <"$T/hold.in" >"$T/hold.out" 2>"$T/hold.err" &
	HOLD_PID=$!
	exec 7>"$T/hold.in"
	local _
	for _ in $(seq 1 100); do
		grep -q '^held ' "$T/hold.out" && break
		sleep 0.1
	done
	TOKEN=$(sed -n 's/^held //p' "$T/hold.out")
	[ -n "$TOKEN" ]
}

@test "SIGKILL of ds-run alone, of its process group or of its session, at random moments: within 2 s nothing of it is left, the next ds-run starts at once, the table is exact" {
	# 300 pages of 100 at 8 requests/s: six kills of at most 2.9 s each reach
	# at most ~140 of them, so every round kills a ds-run that has work to do
	start_mock --events 30000 --seed 41 --rate 8/1 --manifest "$T/manifest"
	for round in 1 2; do
		for how in alone group session; do
			bg R "$T/state" --limit 100 "$MOCK_URL"
			# anywhere from start-up (lock, checkpoint) to a chain under way
			sleep "$((RANDOM % 25 / 10)).$((RANDOM % 10))"
			case $how in
			alone) kill -KILL "$R" ;;
			group) kill -KILL -- -"$R" ;;
			session) kill_session "$R" ;;
			esac
			wait "$R" || true
			gone_within "$R" 20
			run cat "$T/R.err"
			[[ "$output" != *"already running"* ]] || { echo "round $round $how: $output" >&2; false; }
		done
	done
	# The stream is free at once and resumes from the stored checkpoint.
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --limit 2000 "$MOCK_URL"
	assert_status 0
	assert_stderr_contains 'msg="done" stream=events'
	assert_stderr_lacks "already running"
	ids_match "$T/manifest"
	assert_equal "$(sql "select count(*) - count(distinct id) from events")" "0"
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" get events
	assert_status 3
}

@test "ds-run killed alone while its chain waits on a slow API: the chain's watcher ends it within 2 s, and the stream is free" {
	# one request per 6 s: after its first page the chain sits idle, so only
	# the watcher (not a failed commit or write) can notice that ds-run died
	start_mock --events 2000 --seed 73 --rate 1/6
	bg R "$T/state" --limit 100 "$MOCK_URL"
	wait_stage "$R" ds-load
	sleep 3
	stage_in "$R" ds-fetch >/dev/null
	kill -KILL "$R"
	wait "$R" || true
	gone_within "$R" 20
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" hold events </dev/null
	assert_status 0
	assert_output_contains "held "
}

@test "two ds-run of one stream with different state directories (two hosts): the second exits 111 naming the live holder; with --wait it waits, saying so; one ds-load at a time, the checkpoint never moves back, the table is exact" {
	start_mock --events 12000 --seed 43 --rate 6/1 --manifest "$T/manifest"
	bg A "$T/host-a" --limit 200 "$MOCK_URL"
	wait_stage "$A" ds-load
	run --separate-stderr ds-run --state-dir "$T/host-b" --db "$DATABASE_URL" --limit 200 "$MOCK_URL"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains "stream events is already running: held by ds-run $A@$HOST since 20"
	assert_stderr_contains "(backend pid "
	bg B "$T/host-b" --wait --progress-interval 1 --limit 200 "$MOCK_URL"
	max_loads=0 last="" backwards=""
	while kill -0 "$A" 2>/dev/null || kill -0 "$B" 2>/dev/null; do
		n=$(for s in "$A" "$B"; do stage_in "$s" ds-load; done | wc -l)
		[ "$n" -gt "$max_loads" ] && max_loads=$n
		cp=$(sql "select epoch * 1000000 + position from ds_checkpoints where stream = 'events'" 2>/dev/null) || cp=""
		if [ -n "$cp" ] && [ -n "$last" ] && [ "$cp" -lt "$last" ]; then
			backwards="$backwards $last->$cp"
		fi
		[ -n "$cp" ] && last=$cp
		sleep 0.2
	done
	wait "$A" && a=0 || a=$?
	wait "$B" && b=0 || b=$?
	assert_equal "$a/$b" "0/0"
	assert_equal "$max_loads" 1
	assert_equal "$backwards" ""
	run cat "$T/B.err"
	assert_output_contains "msg=\"waiting for the stream's lock\" stream=events holder=\"ds-run $A@$HOST since"
	assert_output_contains "msg=\"took the stream's lock\""
	assert_output_contains 'msg="done" stream=events records=0'
	ids_match "$T/manifest"
}

@test "a hand-run ds-fetch | ds-transform | ds-load on a stream ds-run holds is refused by ds-load (111), naming the holder, and loads nothing" {
	# 200 pages at 4 requests/s: A holds the stream for the whole test
	start_mock --events 40000 --seed 47 --rate 4/1
	# the hand-run chain's pages, fetched before A competes for the rate limit
	run --separate-stderr ds-fetch --limit 100 --max-pages 3 "$MOCK_URL"
	assert_status 0
	printf '%s\n' "${lines[@]}" >"$T/hand.pages"
	assert_equal "$(wc -l <"$T/hand.pages")" 3
	bg A "$T/state" --limit 200 "$MOCK_URL"
	wait_stage "$A" ds-load
	run --separate-stderr bash -c 'ds-transform <"$1" 2>/dev/null |
		ds-load --db "$DATABASE_URL" --table hand' _ "$T/hand.pages"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains "stream events is already running: held by ds-run $A@$HOST since 20"
	assert_stderr_contains "nothing loaded"
	assert_equal "$(sql "select count(*) from hand")" "0"
	# Nor may the checkpoint be reset under it.
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" reset events
	assert_status 111
	assert_stderr_contains "stream events is held by ds-run $A@$HOST since 20"
	assert_stderr_contains "pg_terminate_backend("
	kill -TERM "$A"
	wait "$A" || status=$?
	assert_status 143
}

@test "an operator ends a stuck holder with pg_terminate_backend: its chain stores nothing more, its ds-run takes the stream again and finishes exactly" {
	start_mock --events 12000 --seed 79 --rate 6/1 --manifest "$T/manifest"
	bg A "$T/state" --limit 200 "$MOCK_URL"
	wait_stage "$A" ds-load
	sleep 1
	backend=$(sql "select pid from pg_stat_activity where application_name = 'ds-run $A@$HOST'")
	[ -n "$backend" ]
	assert_equal "$(sql "select pg_terminate_backend($backend)")" "t"
	wait "$A" || status=$?
	assert_status 0
	run cat "$T/A.err"
	assert_output_contains "msg=\"lost the stream's lock (its holder or connection ended): taking it again\" stream=events"
	assert_output_contains 'msg="done" stream=events'
	ids_match "$T/manifest"
}

@test "two hand-run ds-load of one stream: the second exits 111 at once naming the first (ds-load PID@HOST), loads nothing; the first loads on" {
	start_mock --events 500 --seed 83
	ds-fetch --limit 100 "$MOCK_URL" 2>/dev/null | ds-transform 2>/dev/null >"$T/pages"
	mkfifo "$T/first"
	ds-load --db "$DATABASE_URL" <"$T/first" 2>"$T/first.err" &
	first=$!
	exec 8>"$T/first"
	head -n 1 "$T/pages" >&8
	for _ in $(seq 1 100); do
		[ -n "$(sql "select pid from pg_stat_activity where application_name = 'ds-load $first@$HOST'")" ] && break
		sleep 0.1
	done
	run --separate-stderr ds-load --db "$DATABASE_URL" --table other <"$T/pages"
	assert_status 111
	assert_stderr_contains "stream events is already running: held by ds-load $first@$HOST since 20"
	assert_stderr_contains "nothing loaded"
	assert_equal "$(sql "select count(*) from other")" "0"
	tail -n +2 "$T/pages" >&8
	exec 8>&-
	wait "$first"
	assert_equal "$(sql "select count(*) from events")" "500"
}

@test "a chain whose ds-run is gone is refused: DS_OWNER naming a backend that holds nothing loads nothing" {
	start_mock --events 500 --seed 53
	ds-fetch --limit 100 "$MOCK_URL" 2>/dev/null | ds-transform 2>/dev/null >"$T/pages"
	run --separate-stderr env DS_OWNER=4242.1 ds-load --db "$DATABASE_URL" <"$T/pages"
	assert_status 111
	assert_stderr_contains "stream events is not held by the owner DS_OWNER names (its ds-run is gone?): held by nobody; nothing loaded"
	assert_equal "$(sql "select count(*) from events")" "0"
	assert_equal "$(sql "select count(*) from ds_checkpoints")" "0"
}

@test "a checkpoint going backwards is refused: a chain that started before another stored a newer checkpoint cannot store its older one" {
	start_mock --events 1000 --seed 59
	ds-fetch --limit 100 "$MOCK_URL" 2>/dev/null | ds-transform 2>/dev/null >"$T/pages"
	# chain 1 gets its first three pages now, the rest later
	awk '/"\$ds":"checkpoint"/ { n++ } { print > (n < 3 || (n == 3 && /"\$ds":"checkpoint"/) ? "'"$T"'/first" : "'"$T"'/rest") }' "$T/pages"
	hold events
	mkfifo "$T/chain1"
	DS_OWNER=$TOKEN ds-load --db "$DATABASE_URL" --jobs 1 --batch-seconds 0 <"$T/chain1" 2>"$T/chain1.err" &
	chain1=$!
	exec 8>"$T/chain1"
	cat "$T/first" >&8
	for _ in $(seq 1 100); do
		[ "$(sql "select seq from ds_checkpoints where stream = 'events'")" = 3 ] && break
		sleep 0.1
	done
	assert_equal "$(sql "select seq from ds_checkpoints")" 3
	# chain 2 starts from the same place and goes to the end
	run --separate-stderr env DS_OWNER="$TOKEN" ds-load --db "$DATABASE_URL" <"$T/pages"
	assert_status 0
	assert_equal "$(sql "select seq, has_more from ds_checkpoints")" "10|f"
	# chain 1 goes on: its next checkpoint (seq 4) would go back from 10
	# (it may stop reading before the rest is written)
	cat "$T/rest" >&8 || true
	exec 8>&-
	wait "$chain1" || status=$?
	assert_status 111
	run cat "$T/chain1.err"
	assert_output_contains 'msg="checkpoint would move backwards: another run stored one since this load took the stream; not stored" stream=events'
	assert_equal "$(sql "select seq, has_more from ds_checkpoints")" "10|f"
	exec 7>&-
	wait "$HOLD_PID"
}

@test "a reset while a chain runs bumps the stream's epoch: that chain's next checkpoint is refused as out of date" {
	start_mock --events 1000 --seed 61
	ds-fetch --limit 100 "$MOCK_URL" 2>/dev/null | ds-transform 2>/dev/null >"$T/pages"
	awk '/"\$ds":"checkpoint"/ { n++ } { print > (n < 2 || (n == 2 && /"\$ds":"checkpoint"/) ? "'"$T"'/first" : "'"$T"'/rest") }' "$T/pages"
	hold events
	mkfifo "$T/chain"
	DS_OWNER=$TOKEN ds-load --db "$DATABASE_URL" --jobs 2 --batch-seconds 0 <"$T/chain" 2>"$T/chain.err" &
	chain=$!
	exec 8>"$T/chain"
	cat "$T/first" >&8
	for _ in $(seq 1 100); do
		[ "$(sql "select seq from ds_checkpoints where stream = 'events'")" = 2 ] && break
		sleep 0.1
	done
	DS_OWNER=$TOKEN ds-checkpoint --db "$DATABASE_URL" reset events
	cat "$T/rest" >&8 || true
	exec 8>&-
	wait "$chain" || status=$?
	assert_status 111
	run cat "$T/chain.err"
	assert_output_contains 'msg="the stream was reset or set while this chain ran: its checkpoint is out of date, not stored" stream=events epoch=0 stored_epoch=1'
	assert_equal "$(sql "select count(*) from ds_checkpoints")" "0"
	exec 7>&-
	wait "$HOLD_PID"
}

@test "SIGHUP stops the chain like SIGTERM: ds-load commits through its last checkpoint, exit 129, nothing left" {
	start_mock --events 20000 --seed 67 --rate 4/1
	bg A "$T/state" --limit 500 "$MOCK_URL"
	wait_stage "$A" ds-load
	sleep 3
	kill -HUP "$A"
	wait "$A" || status=$?
	assert_status 129
	gone_within "$A" 20
	run cat "$T/A.err"
	assert_output_contains 'msg="stopped by SIGHUP"'
	assert_output_contains 'prog=ds-load msg="signal: committing through the last checkpoint" signal=15'
	assert_output_contains 'msg="killed" stream=events'
}

@test "--follow: a cycle interrupted on one host is continued from another (state directory) with the same since" {
	start_mock --events 3000 --seed 71 --rate 3/1 --log --manifest "$T/manifest"
	run --separate-stderr ds-run --state-dir "$T/host-a" --db "$DATABASE_URL" --limit 3000 "$MOCK_URL"
	assert_status 0
	bg A "$T/host-a" --follow --overlap 30m --limit 100 "$MOCK_URL"
	wait_stage "$A" ds-load
	sleep 2
	kill_session "$A"
	wait "$A" || true
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" follow-get events
	assert_status 0
	since=${output#since=}
	[ -n "$since" ]
	run --separate-stderr ds-run --state-dir "$T/host-b" --db "$DATABASE_URL" --follow --overlap 30m \
		--limit 100 "$MOCK_URL"
	assert_status 0
	assert_stderr_lacks "following what is new"
	assert_stderr_lacks "other since"
	# Every request after the first run carried the cycle's since.
	assert_equal "$(grep 'msg=request' "$MOCK_LOG" | tail -n +2 | grep -vc "since=${since//:/%3A}")" "0"
	ids_match "$T/manifest"
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" follow-get events
	assert_equal "$output" ""
}
