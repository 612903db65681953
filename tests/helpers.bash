# shellcheck shell=bash
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# helpers.bash - shared by every bats file: `load helpers` at its top.
#
# Programs come from $DS_BIN (tests/run sets it); scripts from scripts/.
# Servers started here are stopped by ds_teardown (call it from teardown /
# teardown_file, or use the default teardown below).

DS_TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
: "${DS_BIN:=$DS_TOP/bin}"
PATH=$DS_BIN:$DS_TOP/scripts:$PATH
export PATH DS_BIN DS_TOP
unset DS_API_KEY DATABASE_URL PGHOST PGDATABASE PGUSER

# The corpora beside the checkout, or empty.
DS_CORPORA=${DS_CORPORA:-$DS_TOP/../shared/corpora}
[ -d "$DS_CORPORA" ] || DS_CORPORA=""

# need_corpora: skip the test when ../shared/corpora is absent.
need_corpora() {
	[ -n "$DS_CORPORA" ] || skip "../shared/corpora is absent (it is not part of a user's clone)"
}

# ds_tmpdir: a directory that the postgres user may traverse (as root the
# server runs as postgres), removed with the test file.
ds_tmpdir() {
	d=$(mktemp -d /tmp/ds-test.XXXXXX)
	chmod 711 "$d"
	echo "$d"
}

# start_mock ARGS...: start ds-mockapi on a free port; sets MOCK_PID,
# MOCK_PORT, MOCK_BASE (http://127.0.0.1:PORT) and MOCK_URL (MOCK_BASE/api/v1).
start_mock() {
	local out
	# Inside bats' own temporary directory, so nothing is left behind.
	out=$(mktemp -p "${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}" mock.XXXXXX)
	ds-mockapi --port 0 "$@" >"$out" 2>"$out.err" &
	MOCK_PID=$!
	local _
	for _ in $(seq 1 200); do
		if grep -q '^listening on ' "$out"; then break; fi
		if ! kill -0 "$MOCK_PID" 2>/dev/null; then
			cat "$out.err" >&2
			return 1
		fi
		sleep 0.05
	done
	MOCK_PORT=$(sed -n 's/^listening on \([0-9]*\).*/\1/p' "$out" | head -n 1)
	[ -n "$MOCK_PORT" ] || return 1
	MOCK_BASE=http://127.0.0.1:$MOCK_PORT
	MOCK_URL=$MOCK_BASE/api/v1
	MOCK_LOG=$out.err
	export MOCK_PID MOCK_PORT MOCK_BASE MOCK_URL MOCK_LOG
	echo "$MOCK_PID" >>"$BATS_FILE_TMPDIR/pids"
}

stop_mock() {
	if [ -n "${MOCK_PID:-}" ]; then
		kill "$MOCK_PID" 2>/dev/null || true
		wait "$MOCK_PID" 2>/dev/null || true
		MOCK_PID=""
	fi
}

# start_pg: one private PostgreSQL per bats file (call from setup_file);
# sets DS_PG_DIR and PG_ROOT_URL.
start_pg() {
	DS_PG_DIR=$(ds_tmpdir)/pg
	PG_ROOT_URL=$(ds-pg start "$DS_PG_DIR") || return 1
	export DS_PG_DIR PG_ROOT_URL
	echo "$DS_PG_DIR" >>"$BATS_FILE_TMPDIR/pgdirs"
}

# fresh_db: a new empty database for this test; sets DATABASE_URL.
fresh_db() {
	local name="t_${BATS_SUITE_TEST_NUMBER:-0}_$$_$RANDOM"
	psql "$PG_ROOT_URL" -qAtc "create database $name" >/dev/null || return 1
	DATABASE_URL="postgresql:///$name?host=$DS_PG_DIR&user=ds"
	export DATABASE_URL
}

# sql QUERY: run a query in $DATABASE_URL, unaligned, tuples only.
sql() {
	psql "$DATABASE_URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"
}

# ds_teardown: stop every server this file started.
ds_teardown() {
	local p d
	if [ -f "$BATS_FILE_TMPDIR/pids" ]; then
		while read -r p; do kill "$p" 2>/dev/null || true; done <"$BATS_FILE_TMPDIR/pids"
		rm -f "$BATS_FILE_TMPDIR/pids"
	fi
	if [ -f "$BATS_FILE_TMPDIR/pgdirs" ]; then
		while read -r d; do
			ds-pg stop "$d" immediate >/dev/null 2>&1 || true
			rm -rf "$(dirname "$d")"
		done <"$BATS_FILE_TMPDIR/pgdirs"
		rm -f "$BATS_FILE_TMPDIR/pgdirs"
	fi
}

# session_pids SID: the live processes of session SID (ds-run started by
# setsid leads one).
session_pids() {
	ps -eo pid=,sid=,stat= | awk -v s="$1" '$2 == s && $3 !~ /^Z/ { print $1 }'
}

# kill_session SID: SIGKILL every process of the session: ds-run, the chain's
# process group and anything else it started.
kill_session() {
	local -a pids
	local _
	for _ in $(seq 1 50); do
		mapfile -t pids < <(session_pids "$1")
		[ "${#pids[@]}" -gt 0 ] || return 0
		kill -KILL "${pids[@]}" 2>/dev/null || true
		sleep 0.1
	done
}

# Assertions that print what they saw when they fail.
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected status $1, got $status" >&2
		echo "stdout: $output" >&2
		echo "stderr: ${stderr:-}" >&2
		return 1
	fi
}

assert_output_contains() {
	case "$output" in
	*"$1"*) ;;
	*) echo "stdout lacks: $1" >&2; echo "stdout: $output" >&2; return 1 ;;
	esac
}

assert_stderr_contains() {
	case "${stderr:-}" in
	*"$1"*) ;;
	*) echo "stderr lacks: $1" >&2; echo "stderr: ${stderr:-}" >&2; return 1 ;;
	esac
}

assert_stderr_lacks() {
	case "${stderr:-}" in
	*"$1"*) echo "stderr has: $1" >&2; echo "stderr: ${stderr:-}" >&2; return 1 ;;
	esac
}

assert_equal() {
	if [ "$1" != "$2" ]; then
		echo "got:  $1" >&2
		echo "want: $2" >&2
		return 1
	fi
}

# sha256 hex of the argument's bytes: the oracle for the hash field.
sha() {
	printf '%s' "$1" | sha256sum | cut -d' ' -f1
}
