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
	esac
}

# check_rows: read "program|option|value|want" rows on stdin and check each.
check_rows() {
	local prog opt val want bad=0 extra
	while IFS='|' read -r prog opt val want; do
		[ -n "$prog" ] || continue
		extra=$(args_for "$prog")
		# shellcheck disable=SC2086 # extra is zero or one word
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
		ds-transform|key|name|want id or hash
		ds-transform|key||want id or hash
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
		ds-run|limit|ten|LIMIT must be a non-negative integer
		ds-run|limit||LIMIT must be a non-negative integer
		ds-run|retries|-1|RETRIES must be a non-negative integer
		ds-run|max-rejects|none|MAX_REJECTS must be a non-negative integer
		ds-run|jobs|two|JOBS must be a non-negative integer
		ds-run|timeout|1.5|TIMEOUT must be a non-negative integer
		ds-run|backoff-max|soon|BACKOFF_MAX must be a non-negative integer
		ds-run|progress-interval|10s|PROGRESS_INTERVAL must be a non-negative integer
		ds-run|on-expired|retry|ON_EXPIRED must be restart or fail
		ds-run|on-conflict|replace|ON_CONFLICT must be skip or update
		ds-run|overlap|5 minutes|OVERLAP must be a duration like 300, 90s, 5m or 1h
		ds-run|overlap|m5|OVERLAP must be a duration
		ds-run|give-up-after|never|GIVE_UP_AFTER must be a duration like 300, 90s, 5m or 1h
		ds-run|give-up-after||GIVE_UP_AFTER must be a duration
	EOF
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
