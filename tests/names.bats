#!/usr/bin/env bats
# Stream names: one rule (lib/name.c, mirrored by ds-run) checked by every
# program, with a clear error; distinct names never share a file.
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
}

teardown() {
	stop_mock
	rm -rf "$T"
}

LONG129=$(printf 'a%.0s' $(seq 1 129))
LONG250=$(printf 'b%.0s' $(seq 1 250))
LONG128=$(printf 'c%.0s' $(seq 1 128))

# bad_names: NAME<TAB>WHY lines, the table every program is checked against.
bad_names() {
	printf '%s\t%s\n' \
		'x y' "a stream name holds only letters, digits, '.', '_' and '-'" \
		'x/y' "a stream name holds only letters, digits, '.', '_' and '-'" \
		'café' "a stream name holds only letters, digits, '.', '_' and '-'" \
		'-x' 'a stream name starts with a letter or a digit' \
		'.hidden' 'a stream name starts with a letter or a digit' \
		"$LONG129" 'a stream name is longer than 128 bytes'
}

# try PROG NAME: run PROG with stream NAME where it takes one.
try() {
	case $1 in
	ds-fetch) run --separate-stderr ds-fetch --stream "$2" http://127.0.0.1:1/ ;;
	ds-transform) run --separate-stderr ds-transform --stream "$2" </dev/null ;;
	ds-checkpoint) run --separate-stderr ds-checkpoint get -- "$2" ;;
	ds-run) run --separate-stderr ds-run --state-dir "$T/state" --stream "$2" http://127.0.0.1:1/ ;;
	esac
}

@test "every program refuses a bad stream name with status 64 and the rule it breaks" {
	local prog name why
	for prog in ds-fetch ds-transform ds-checkpoint ds-run; do
		while IFS=$'\t' read -r name why; do
			try "$prog" "$name"
			if [ "$status" -ne 64 ]; then
				echo "$prog --stream $name: status $status" >&2
				echo "$stderr" >&2
				return 1
			fi
			assert_equal "$output" ""
			assert_stderr_contains "$why"
			assert_stderr_lacks "usage:"
		done < <(bad_names)
	done
	# ds-run refused before it made its state directory
	[ ! -e "$T/state" ]
}

@test "ds-load refuses a bad stream name in its input with status 100, naming the line" {
	local name why
	while IFS=$'\t' read -r name why; do
		printf '{"$ds":"checkpoint","stream":%s,"seq":1,"cursor":null,"has_more":false,"records":0}\n' \
			"$(jq -cn --arg s "$name" '$s')" >"$T/in"
		run --separate-stderr ds-load <"$T/in"
		assert_status 100
		assert_equal "$output" ""
		assert_stderr_contains 'msg="bad stream name in the input" line=1 stream='
		assert_stderr_contains "why=\"$why\""
	done < <(bad_names)
	assert_equal "$(sql 'select count(*) from ds_checkpoints')" 0
}

@test "a stream name starting with '-' given to ds-checkpoint is refused with a clear message, not the usage" {
	run --separate-stderr ds-checkpoint get -x
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains 'msg="unknown option -x (not a stream name either: a stream name starts with a letter or a digit; ds-checkpoint -h shows the usage)"'
	assert_stderr_lacks "usage:"
	run --separate-stderr ds-checkpoint set -- -x c1
	assert_status 64
	assert_stderr_contains 'msg="set -x: a stream name starts with a letter or a digit"'
	run --separate-stderr ds-checkpoint --frobnicate list
	assert_status 64
	assert_stderr_contains 'msg="unknown option --frobnicate'
	run --separate-stderr ds-checkpoint get --db
	assert_status 64
	assert_stderr_contains 'msg="an option needs a value" option=--db'
}

@test "a valid name of 128 bytes works end to end: archive segments, checkpoint, state files" {
	start_mock --events 300 --page-max 100 --manifest "$T/manifest"
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --stream "$LONG128" \
		--archive "$T/arch" --quiet "$MOCK_URL"
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	assert_equal "$(sql 'select count(*) from events')" 300
	run --separate-stderr ds-checkpoint get "$LONG128"
	assert_status 3
	segs=("$T/arch/$LONG128"-*Z-000001.zst)
	[ -f "${segs[0]}" ]
	[ -f "$T/state/$LONG128.success" ]
}

@test "a 250-byte stream name with --archive is refused at once (64), creating nothing, never retried" {
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --stream "$LONG250" \
		--archive "$T/arch" http://127.0.0.1:1/
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "a stream name is longer than 128 bytes"
	assert_stderr_lacks "restarting"
	[ ! -e "$T/arch" ] && [ ! -e "$T/state" ]
	run --separate-stderr ds-fetch --stream "$LONG250" --archive "$T/arch" http://127.0.0.1:1/
	assert_status 64
	[ ! -e "$T/arch" ]
}

@test "distinct stream names keep distinct state: x_y finished does not finish x-y or x.y, which fetches again" {
	start_mock --events 50 --page-max 50
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --stream x_y --quiet "$MOCK_URL"
	assert_status 0
	assert_equal "$(ls "$T/state" | paste -sd' ')" "x_y.lock x_y.success"
	for s in x-y x.y; do
		run --separate-stderr ds-checkpoint get "$s"
		assert_status 0
		assert_equal "$output" ""
	done
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --stream x.y "$MOCK_URL"
	assert_status 0
	assert_stderr_contains "stream=x.y records=0 duplicates=50 "
	assert_equal "$(ls "$T/state" | paste -sd' ')" "x.y.lock x.y.success x_y.lock x_y.success"
}
