#!/usr/bin/env bats
# Secrets and trust (issue 13, items 7 and 8): a secret reaches only the stage
# that needs it and never an argv; every stage holding one is not dumpable;
# ds-run and ds-fetch refuse directories others could write to and never
# write through a planted symbolic link.
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
	STATE=$T/state
	mkdir -m 700 "$STATE"
	fresh_db
	PIDS=''
}

teardown() {
	local p
	for p in $PIDS; do
		kill_session "$p"
	done
	stop_mock
	rm -rf "$T"
}

# bg CMD...: CMD in a session of its own, in the background; sets BG.
bg() {
	setsid "$@" >"$T/bg.out" 2>"$T/bg.err" 3>&- &
	BG=$!
	PIDS="$PIDS $BG"
}

# stage_pid NAME: the pid of the process called NAME in $BG's session (waits up to 20 s).
stage_pid() {
	local _ p
	for _ in $(seq 1 200); do
		for p in $(session_pids "$BG"); do
			if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ]; then
				echo "$p"
				return 0
			fi
		done
		sleep 0.1
	done
	echo "$1 never ran" >&2
	return 1
}

# environ PID: the process's environment, one variable a line.
environ() {
	tr '\0' '\n' <"/proc/$1/environ"
}

# dbname: the name of this test's database.
dbname() {
	local n=${DATABASE_URL#postgresql:///}
	echo "${n%%\?*}"
}

@test "secrets: the DB password from --config is in no argv; DS_API_KEY reaches ds-fetch only; the DB URL ds-load and ds-checkpoint only" {
	printf 'Key-Secret-4711\n' >"$T/mockkey"
	start_mock --events 3000 --page-max 100 --api-key-file "$T/mockkey" --rate 5/1
	printf 'DB=postgresql://ds:Pw-Secret-77@/%s?host=%s\nURL=%s\n' "$(dbname)" "$DS_PG_DIR" "$MOCK_URL" >"$T/conf"
	chmod 600 "$T/conf"
	DS_API_KEY=Key-Secret-4711 bg env -u DATABASE_URL ds-run --state-dir "$STATE" --config "$T/conf"
	fetch=$(stage_pid ds-fetch)
	transform=$(stage_pid ds-transform)
	load=$(stage_pid ds-load)
	environ "$fetch" >"$T/env.fetch"
	environ "$transform" >"$T/env.transform"
	environ "$load" >"$T/env.load"
	# every command line while the run lasts
	while kill -0 "$BG" 2>/dev/null; do
		ps -eo args >>"$T/ps"
		sleep 0.05
	done
	wait "$BG" || { cat "$T/bg.err" >&2; false; }
	grep -q '^ds-load' "$T/ps"
	run grep -c 'Pw-Secret-77' "$T/ps"
	assert_equal "$output" 0
	run grep -c 'Key-Secret-4711' "$T/ps" "$T/bg.err"
	assert_equal "$output" "$T/ps:0
$T/bg.err:0"
	# the API key: ds-fetch only
	assert_equal "$(grep -c '^DS_API_KEY=' "$T/env.fetch")" 1
	assert_equal "$(grep -c '^DS_API_KEY=' "$T/env.transform")" 0
	assert_equal "$(grep -c '^DS_API_KEY=' "$T/env.load")" 0
	# the database URL: ds-load only, of the three stages
	assert_equal "$(grep -c '^DATABASE_URL=postgresql://ds:Pw-Secret-77@' "$T/env.load")" 1
	assert_equal "$(grep -c 'Pw-Secret-77' "$T/env.fetch" "$T/env.transform" | paste -sd' ')" \
		"$T/env.fetch:0 $T/env.transform:0"
	assert_equal "$(sql 'select count(*) from events')" 3000
}

@test "PGPASSWORD from the environment reaches ds-load and ds-checkpoint only" {
	start_mock --events 3000 --page-max 100 --rate 5/1
	PGPASSWORD=Pg-Pass-99 bg ds-run --state-dir "$STATE" --db "$DATABASE_URL" "$MOCK_URL"
	fetch=$(stage_pid ds-fetch)
	transform=$(stage_pid ds-transform)
	load=$(stage_pid ds-load)
	assert_equal "$(environ "$load" | grep -c '^PGPASSWORD=Pg-Pass-99$')" 1
	assert_equal "$(environ "$fetch" | grep -c '^PGPASSWORD=')" 0
	assert_equal "$(environ "$transform" | grep -c '^PGPASSWORD=')" 0
	wait "$BG"
}

@test "every stage that holds a secret is not dumpable: no core, and its /proc/PID files are root's though it runs as nobody" {
	# A listener that never answers: each program waits on it, holding its secret.
	# (setsid: teardown ends it as a session; 3>&-: it never holds bats' output open)
	setsid perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		LocalPort => 0, Listen => 32) or die "$!"; $| = 1; print $s->sockport, "\n"; sleep 300' \
		>"$T/port" 3>&- &
	PIDS="$PIDS $!"
	for _ in $(seq 1 50); do [ -s "$T/port" ] && break; sleep 0.1; done
	port=$(cat "$T/port")
	as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	local prog want p owner
	for prog in ds-fetch ds-load ds-checkpoint ds-transform; do
		case $prog in
		ds-fetch) DS_API_KEY=k bg "${as[@]}" ds-fetch "http://127.0.0.1:$port/" ;;
		ds-load) bg "${as[@]}" ds-load --db "postgresql://u:pw@127.0.0.1:$port/db" ;;
		ds-checkpoint) bg "${as[@]}" ds-checkpoint --db "postgresql://u:pw@127.0.0.1:$port/db" get x ;;
		ds-transform) bg sh -c 'sleep 300 | "$@"' sh "${as[@]}" ds-transform ;;
		esac
		p=$(stage_pid "$prog")
		# a stage without a secret keeps its /proc/PID files: the control
		want=0
		[ "$prog" = ds-transform ] && want=65534
		for _ in $(seq 1 50); do
			owner=$(stat -c %u "/proc/$p/environ")
			[ "$owner" = "$want" ] && break
			sleep 0.1
		done
		assert_equal "$prog $(awk '/^Uid:/ { print $2 }' "/proc/$p/status") $owner" "$prog 65534 $want"
		if [ "$prog" != ds-transform ]; then
			assert_equal "$(awk '/^Max core file size/ { print $5, $6 }' "/proc/$p/limits")" "0 0"
		fi
		kill_session "$BG"
	done
}

# ds_run ARGS...: ds-run on this test's database.
ds_run() {
	run --separate-stderr ds-run --db "$DATABASE_URL" "$@"
}

@test "ds-run refuses a state directory others could write to, or another user's, with 100 naming it and why" {
	local mode why d
	while IFS=$'\t' read -r mode why; do
		d=$T/s-$mode
		mkdir "$d"
		case $mode in
		nobody) chown nobody "$d" && chmod 700 "$d" ;;
		*) chmod "$mode" "$d" ;;
		esac
		ds_run --state-dir "$d" http://127.0.0.1:1/
		assert_status 100
		assert_equal "$output" ""
		assert_stderr_contains "msg=\"refusing the state directory $d: $why\""
		assert_equal "$(ls -A "$d")" ""
	done <<-'EOF'
	777	writable by its group or others (mode 777): chmod go-w it
	1777	writable by its group or others (mode 1777): chmod go-w it
	770	writable by its group or others (mode 770): chmod go-w it
	nobody	owned by uid 65534, not by this user (uid 0) or root
	EOF
}

@test "ds-run and ds-fetch refuse a world-writable archive directory with 100" {
	mkdir -m 777 "$T/arch"
	chmod 777 "$T/arch"
	ds_run --state-dir "$STATE" --archive "$T/arch" http://127.0.0.1:1/
	assert_status 100
	assert_stderr_contains "msg=\"refusing the archive directory $T/arch: writable by its group or others (mode 777): chmod go-w it\""
	run --separate-stderr ds-fetch --archive "$T/arch" http://127.0.0.1:1/
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains "msg=\"archive: refusing the directory: $T/arch is writable by others (mode 0777): chmod go-w it\""
	assert_equal "$(ls -A "$T/arch")" ""
}

@test "a symbolic link planted as the lock file is refused (100); the file it points to is untouched" {
	echo precious >"$T/victim"
	ln -s "$T/victim" "$STATE/events.lock"
	ds_run --state-dir "$STATE" http://127.0.0.1:1/
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains "msg=\"refusing to write $STATE/events.lock: it is a symbolic link\""
	assert_equal "$(cat "$T/victim")" precious
	ln -s "$T/nothing" "$STATE/other.lock"
	ds_run --state-dir "$STATE" --stream other http://127.0.0.1:1/
	assert_status 100
	[ ! -e "$T/nothing" ]
}

@test "symbolic links planted as the success and error files are replaced, never written through" {
	start_mock --events 200 --page-max 100
	echo precious >"$T/victim1"
	echo precious >"$T/victim2"
	ln -s "$T/victim1" "$STATE/events.success"
	ds_run --state-dir "$STATE" --quiet "$MOCK_URL"
	assert_status 0
	assert_equal "$(cat "$T/victim1")" precious
	[ ! -L "$STATE/events.success" ] && [ -f "$STATE/events.success" ]
	grep -qx '[0-9]*' "$STATE/events.success"
	# the error file is written while a failing chain runs
	ln -s "$T/victim2" "$STATE/x.error"
	stop_mock
	ds_run --state-dir "$STATE" --stream x --retries 0 --give-up-after 1s http://127.0.0.1:1/
	assert_status 111
	assert_stderr_contains "giving up; last error: ds-fetch: giving up at cursor null after 1 attempts"
	assert_equal "$(cat "$T/victim2")" precious
}

@test "ds-fetch's archive never follows a link planted as a segment: it is neither finished nor written" {
	start_mock --events 200 --page-max 100
	mkdir -m 700 "$T/arch"
	echo precious >"$T/victim"
	ln -s "$T/victim" "$T/arch/events-20260101T000000Z-000007.zst.part"
	run --separate-stderr ds-fetch --archive "$T/arch" "$MOCK_URL"
	assert_status 0
	assert_stderr_lacks "finishing"
	assert_equal "$(cat "$T/victim")" precious
	[ -L "$T/arch/events-20260101T000000Z-000007.zst.part" ]
	assert_equal "$(zstdcat "$T"/arch/events-*-000008.zst | wc -l)" 2
}
