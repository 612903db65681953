#!/usr/bin/env bats
# Every bad option value of every program (the C programs and ds-run) exits 64 (usage), writes nothing on
# stdout, and says which option was wrong and what it wants, before any
# network or database work. One row per bad value:
#   program | option | value | what the message must also hold
# (Values a server or the file system judges, such as --since, --db,
# --api-key-file or --stats, are outside this table.)
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
bats_require_minimum_version 1.5.0
load helpers

# Extra arguments each program needs besides the bad option.
args_for() {
	case $1 in
	ds-fetch | ds-run) echo "http://127.0.0.1:1/" ;;
	ds-checkpoint) echo "list" ;;
	ds-arg) echo "count 1" ;;
	esac
}

# check_rows: read "program|option|value|want" rows on stdin and check each.
check_rows() {
	local prog opt val want bad=0 extra
	while IFS='|' read -r prog opt val want; do
		[ -n "$prog" ] || continue
		extra=$(args_for "$prog")
		# shellcheck disable=SC2086 # extra is words without blanks or globs
		run --separate-stderr "$prog" "--$opt" "$val" $extra </dev/null
		if [ "$status" -ne 64 ] || [ -n "$output" ] ||
			[[ "$stderr" != *"msg=\"--$opt"* ]] || [[ "$stderr" != *"$want"* ]]; then
			echo "$prog --$opt '$val': status $status, stdout '$output'" >&2
			echo "  stderr: $stderr" >&2
			echo "  want: 64, nothing on stdout, msg=\"--$opt ... $want\"" >&2
			bad=1
		fi
	done
	return "$bad"
}

@test "ds-fetch: every bad option value exits 64 naming the option" {
	check_rows <<-'EOF'
		ds-fetch|archive-segment-bytes|0|want a whole number of bytes from 1 to 1099511627776
		ds-fetch|archive-segment-bytes|1099511627777|want a whole number of bytes from 1 to
		ds-fetch|archive-segment-bytes|64T|want a whole number of bytes
		ds-fetch|archive-segment-bytes|1025G|want a whole number of bytes
		ds-fetch|backoff-max|0|want a duration from 0.001 to 31536000 seconds
		ds-fetch|backoff-max|soon|want a duration from 0.001 to
		ds-fetch|backoff-max|366d|want a duration from 0.001 to
		ds-fetch|connector||not a connector name
		ds-fetch|connector|No/Such|not a connector name
		ds-fetch|limit|0|want a whole number from 1 to 1000000000
		ds-fetch|limit|-5|want a whole number from 1 to 1000000000
		ds-fetch|limit|1000000001|want a whole number from 1 to 1000000000
		ds-fetch|limit|ten|want a whole number from 1 to 1000000000
		ds-fetch|limit||want a whole number from 1 to 1000000000
		ds-fetch|max-body-bytes|0|want a whole number of bytes from 1 to
		ds-fetch|max-body-bytes|1e6|want a whole number of bytes from 1 to
		ds-fetch|max-body-bytes|2T|want a whole number of bytes from 1 to
		ds-fetch|max-pages|0|want a whole number from 1 to
		ds-fetch|max-pages|all|want a whole number from 1 to
		ds-fetch|retries|-1|want a whole number from 0 to 1000000
		ds-fetch|retries|1000001|want a whole number from 0 to 1000000
		ds-fetch|retries|many|want a whole number from 0 to 1000000
		ds-fetch|since|yesterday|not an ISO 8601 time or epoch seconds
		ds-fetch|since||not an ISO 8601 time or epoch seconds
		ds-fetch|since|2026-13-01T00:00:00Z|not an ISO 8601 time or epoch seconds
		ds-fetch|until|tomorrow|not an ISO 8601 time or epoch seconds
		ds-fetch|until|2026-01-01T25:00:00Z|not an ISO 8601 time or epoch seconds
		ds-fetch|stream||a stream name is empty
		ds-fetch|stream|a/b|a stream name holds only letters, digits
		ds-fetch|timeout|abc|want a duration from 0.001 to 31536000 seconds
		ds-fetch|timeout|0|want a duration from 0.001 to
		ds-fetch|timeout|-1|want a duration from 0.001 to
		ds-fetch|timeout|1e9|want a duration from 0.001 to
	EOF
}

@test "ds-transform: every bad option value exits 64 naming the option" {
	check_rows <<-'EOF'
		ds-transform|id-field||want a key or a dotted path of keys
		ds-transform|id-field|.id|want a key or a dotted path of keys
		ds-transform|id-field|meta..id|want a key or a dotted path of keys
		ds-transform|ts-field|ts.|want a key or a dotted path of keys
		ds-transform|type-field||want a key or a dotted path of keys
		ds-transform|jq|{|syntax error
		ds-transform|key|name.|want a key or a dotted path of keys
		ds-transform|key||want a key or a dotted path of keys
		ds-transform|max-line-bytes|0|want a whole number of bytes from 1 to
		ds-transform|max-line-bytes|lots|want a whole number of bytes from 1 to
		ds-transform|max-record-bytes|0|want a whole number of bytes from 1 to
		ds-transform|max-record-bytes|1099511627777|want a whole number of bytes from 1 to
		ds-transform|max-record-bytes|0K|want a whole number of bytes from 1 to
		ds-transform|max-line-bytes|1.5M|want a whole number of bytes from 1 to
		ds-transform|max-line-bytes|1T|want a whole number of bytes from 1 to
		ds-transform|max-line-bytes|1025G|want a whole number of bytes from 1 to
		ds-transform|stream||a stream name is empty
	EOF
}

@test "ds-load: every bad option value exits 64 naming the option" {
	check_rows <<-'EOF'
		ds-load|batch-bytes|0|want a whole number of bytes from 1 to 68719476736
		ds-load|batch-bytes|many|want a whole number of bytes from 1 to
		ds-load|batch-bytes|65G|want a whole number of bytes from 1 to
		ds-load|batch-rows|100000001|want a whole number from 1 to 100000000
		ds-load|batch-rows|lots|want a whole number from 1 to
		ds-load|batch-rows|0|want a whole number from 1 to
		ds-load|batch-rows|-1|want a whole number from 1 to
		ds-load|batch-seconds|soon|want a duration from 0 to 86400 seconds
		ds-load|batch-seconds|-1|want a duration from 0 to 86400 seconds
		ds-load|batch-seconds|86401|want a duration from 0 to 86400 seconds
		ds-load|batch-seconds|2d|want a duration from 0 to 86400 seconds
		ds-load|jobs|0|want a whole number from 1 to 64
		ds-load|jobs|65|want a whole number from 1 to 64
		ds-load|jobs|two|want a whole number from 1 to 64
		ds-load|max-rejects|-1|want a whole number from 0 to
		ds-load|max-rejects|none|want a whole number from 0 to
		ds-load|on-conflict|replace|want skip or update
		ds-load|on-conflict||want skip or update
		ds-load|schema-contract|strict|want evolve, freeze or discard
		ds-load|srid|-1|want a whole number from 0 to 999999
		ds-load|srid|1000000|want a whole number from 0 to 999999
		ds-load|srid|wgs84|want a whole number from 0 to 999999
		ds-load|table||want NAME or SCHEMA.NAME
		ds-load|table|.events|want NAME or SCHEMA.NAME
		ds-load|table|raw.|want NAME or SCHEMA.NAME
		ds-load|table|a.b.c|want NAME or SCHEMA.NAME, each 1 to 63 bytes
		ds-load|table|abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl|want NAME or SCHEMA.NAME, each 1 to 63 bytes
	EOF
}

@test "ds-checkpoint: every bad option value exits 64 naming the option" {
	check_rows <<-'EOF'
		ds-checkpoint|max-age|soon|want a duration
		ds-checkpoint|max-age|-1|want a duration
		ds-checkpoint|max-age||want a duration
		ds-checkpoint|max-age|2w|want a duration
		ds-checkpoint|table||want NAME or SCHEMA.NAME
		ds-checkpoint|table|.|want NAME or SCHEMA.NAME
		ds-checkpoint|table|raw.|want NAME or SCHEMA.NAME
		ds-checkpoint|table|a.b.c|want NAME or SCHEMA.NAME, each 1 to 63 bytes
		ds-checkpoint|table|abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl|want NAME or SCHEMA.NAME, each 1 to 63 bytes
		ds-checkpoint|max-age|1e3|want a duration from 0 to
		ds-checkpoint|max-age|1h 30m|want a duration from 0 to
	EOF
}

@test "ds-run: every bad option value exits 64 naming the option" {
	check_rows <<-'EOF'
		ds-run|limit|ten|LIMIT ten: want a whole number from 1 to 1000000000
		ds-run|limit||LIMIT \"\": want a whole number from 1 to 1000000000
		ds-run|limit|0|LIMIT 0: want a whole number from 1 to 1000000000
		ds-run|retries|-1|RETRIES -1: want a whole number from 0 to 1000000
		ds-run|max-rejects|none|MAX_REJECTS none: want a whole number from 0 to 4611686018427387904
		ds-run|jobs|two|JOBS two: want a whole number from 1 to 64
		ds-run|jobs|65|JOBS 65: want a whole number from 1 to 64
		ds-run|timeout|0|TIMEOUT 0: want a duration from 0.001 to 31536000 seconds
		ds-run|timeout|abc|TIMEOUT abc: want a duration from 0.001 to 31536000 seconds
		ds-run|backoff-max|soon|BACKOFF_MAX soon: want a duration from 0 to 31536000 seconds
		ds-run|progress-interval|10x|PROGRESS_INTERVAL 10x: want a duration from 0 to 31536000 seconds
		ds-run|on-expired|retry|ON_EXPIRED must be restart or fail
		ds-run|on-conflict|replace|ON_CONFLICT must be skip or update
		ds-run|overlap|5 minutes|OVERLAP \"5 minutes\": want a duration from 0 to 31536000 seconds, such as 30, 2.5, 90s, 15m, 1h30m or 2d
		ds-run|overlap|m5|OVERLAP m5: want a duration
		ds-run|overlap|366d|OVERLAP 366d: want a duration from 0 to 31536000 seconds
		ds-run|give-up-after|never|GIVE_UP_AFTER never: want a duration from 0 to 31536000 seconds
		ds-run|give-up-after||GIVE_UP_AFTER \"\": want a duration
		ds-run|schema-contract|strict|SCHEMA_CONTRACT must be evolve, freeze or discard
	EOF
}

@test "ds-arg: every bad option value exits 64 naming the option" {
	check_rows <<-'EOF'
		ds-arg|min|-1|want a whole number from 0 to 9223372036854775807
		ds-arg|max|many|want a whole number from 0 to 9223372036854775807
	EOF
}

@test "ds-arg judges a count, a duration or a stream name as the C programs do: its value on stdout, or 64 saying what is wanted" {
	run --separate-stderr ds-arg seconds 1h30m
	assert_status 0
	assert_equal "$output" "5400"
	assert_equal "$stderr" ""
	run --separate-stderr ds-arg --max 1d seconds 0.25
	assert_status 0
	assert_equal "$output" "1"
	assert_equal "$stderr" ""
	run --separate-stderr ds-arg --min 1 --max 64 count 007
	assert_status 0
	assert_equal "$output" "7"
	assert_equal "$stderr" ""
	run --separate-stderr ds-arg --max 1d seconds 2d
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains 'prog=ds-arg msg="2d: want a duration from 0 to 86400 seconds, such as 30, 2.5, 90s, 15m, 1h30m or 2d"'
	run --separate-stderr ds-arg --why --min 1 count 0
	assert_status 64
	assert_equal "$output" "want a whole number from 1 to 9223372036854775807"
	assert_equal "$stderr" ""
	run --separate-stderr ds-arg stream events.v2
	assert_status 0
	assert_equal "$output" "events.v2"
	assert_equal "$stderr" ""
	run --separate-stderr ds-arg --why stream .hidden
	assert_status 64
	assert_equal "$output" "a stream name starts with a letter or a digit"
	assert_equal "$stderr" ""
	run --separate-stderr ds-arg --max 10 stream events
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains 'msg="--min and --max bound a count or a duration, not a stream name"'
	run --separate-stderr ds-arg size 1
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains 'msg="kind size: want count, seconds or stream"'
}

@test "an option without its value exits 64 with the usage, in every program" {
	for prog in ds-fetch ds-transform ds-load ds-checkpoint; do
		case $prog in
		ds-fetch | ds-transform) opt=--stream ;;
		*) opt=--table ;;
		esac
		run --separate-stderr "$prog" "$opt"
		assert_status 64
		assert_equal "$output" ""
		assert_stderr_contains "$opt"
		case $stderr in
		*"requires an argument"* | *"needs a value"*) ;;
		*) echo "stderr says not that $opt needs a value: $stderr" >&2; return 1 ;;
		esac
		assert_stderr_contains "usage: $prog"
	done
}
