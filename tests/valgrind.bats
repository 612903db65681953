#!/usr/bin/env bats
# The end-to-end path with every stage under valgrind: no memory error and
# no definite leak while ds-fetch meets faults, ds-transform bad records and
# ds-load duplicates. Slow (minutes), so it runs only with DS_VALGRIND=1.
# shellcheck disable=SC2154 # bats' run sets status, output and stderr
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	[ "${DS_VALGRIND:-}" = 1 ] || return 0
	start_pg
}

teardown_file() {
	ds_teardown
}

setup() {
	[ "${DS_VALGRIND:-}" = 1 ] || skip "set DS_VALGRIND=1 to run the valgrind tests"
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	fresh_db
	T=$(ds_tmpdir)
}

teardown() {
	stop_mock
	rm -rf "$T"
}

# vg NAME CMD...: run CMD under valgrind, its report in $T/NAME.vg.
vg() {
	local name=$1
	shift
	valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--log-file="$T/$name.vg" "$@"
}

# clean NAME: valgrind's report for stage NAME holds no error and no definite leak.
clean() {
	if [ -s "$T/$1.vg" ]; then
		echo "valgrind report of $1:" >&2
		cat "$T/$1.vg" >&2
		return 1
	fi
}

@test "5000 events through faults, duplicates and bad records: each stage valgrind-clean, the valid ids loaded once" {
	start_mock --events 5000 --seed 8 --page-max 500 --fail-rate 0.3 \
		--faults 500,503,html,truncate,drop --dup-rate 0.05 --bad-rate 0.02 \
		--manifest "$T/manifest"

	run --separate-stderr vg fetch ds-fetch --limit 500 --timeout 20 --backoff-max 0.2 \
		--retries 20 --archive "$T/archive" "$MOCK_URL"
	assert_status 0
	clean fetch
	printf '%s\n' "$output" >"$T/pages"
	n=$(wc -l <"$T/pages")
	[ "$n" -ge 10 ]
	assert_stderr_contains "msg=done pages=$n "
	grep -q 'msg=retry cause=' <<<"$stderr"

	run --separate-stderr vg transform ds-transform <"$T/pages"
	assert_status 0
	clean transform
	printf '%s\n' "$output" >"$T/stream"
	assert_stderr_contains "lines=$n pages=$n "
	# Every bad record of the manifest (repeats included) is a reject line.
	awk -F '\t' '$1 == "bad" { print $2 }' "$T/manifest" | LC_ALL=C sort >"$T/bad-want"
	[ -s "$T/bad-want" ]
	grep '^{"$ds":"reject"' "$T/stream" | grep -o 'marker\\":\\"bad-[0-9]*' | sed 's/.*"//' |
		LC_ALL=C sort -u >"$T/bad-got"
	cmp "$T/bad-want" "$T/bad-got"

	run --separate-stderr vg load ds-load --batch-rows 1000 <"$T/stream"
	assert_status 0
	clean load
	assert_equal "$output" ""

	# Exactly the manifest's valid ids, once each; every bad record kept as a reject.
	awk -F '\t' '$1 == "valid" { print $2 }' "$T/manifest" | LC_ALL=C sort >"$T/want"
	sql "select id from events" | LC_ALL=C sort >"$T/got"
	cmp "$T/want" "$T/got"
	sql "select distinct substring(raw from '\"marker\":\"(bad-[0-9]+)\"') from ds_rejects" |
		LC_ALL=C sort >"$T/bad-loaded"
	cmp "$T/bad-want" "$T/bad-loaded"
	[ "$(grep -c '"id":' "$T/stream")" -gt "$(wc -l <"$T/want")" ]
}
