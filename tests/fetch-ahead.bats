#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# ds-fetch's requests made before a page is checked, against the real
# ds-mockapi: the next page asked for off the body's end (next-url and
# cursor styles) and a gzip body inflated after the next page is asked for
# (Link, page and offset styles). What is asked early never changes what is
# written: a page line comes only from a checked body.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	T=$(ds_tmpdir)
}

teardown() {
	ds_teardown
	rm -rf "$T"
}

# pad: 20000 bytes of text, so that a body is large enough to be guessed
# from (a small one is simply checked first).
pad() {
	printf '%020000d' 0
}

# page NAME NEXT ID DECOY: write the JSON:API page NAME.json to the served
# directory: links.next NEXT (a path, or null) before the data, one record
# ID whose own "next" member (DECOY) comes last in the body.
page() {
	local next=null
	[ "$2" = null ] || next="\"$2\""
	printf '{"links":{"next":%s},"data":[{"id":"%s","pad":"%s","next":"%s"}]}' \
		"$next" "$3" "$(pad)" "$4" >"$T/srv/$1.json"
}

@test "a next link guessed wrong off the body's end is dropped: the pages follow links.next, and the run guesses no more" {
	mkdir "$T/srv"
	page p1 /files/p2.json 1 /files/x1.json
	page p2 /files/p3.json 2 /files/x2.json
	page p3 null 3 /files/x3.json
	start_mock --files "$T/srv" --log
	run --separate-stderr ds-fetch --verbose --connector jsonapi "$MOCK_BASE/files/p1.json"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | jq -r '[.seq, (.cursor // "null"), (.next // "null"), .records[0].id] | @tsv')" \
		"$(printf '1\tnull\t%s\t1\n2\t%s\t%s\t2\n3\t%s\tnull\t3' \
		"$MOCK_BASE/files/p2.json" "$MOCK_BASE/files/p2.json" "$MOCK_BASE/files/p3.json" \
		"$MOCK_BASE/files/p3.json")"
	assert_stderr_contains "msg=\"guess dropped\" guessed=$MOCK_BASE/files/x1.json next=$MOCK_BASE/files/p2.json cursor=null"
	assert_equal "$(printf '%s\n' "$stderr" | grep -c 'msg="guess dropped"')" 1
	# page 2's decoy was never asked for: the run had stopped guessing
	run grep -c 'path=/files/x2.json' "$MOCK_LOG"
	assert_equal "$output" 0
}

@test "a body that is not JSON is never written though its end named the next page: retried, then exit 111 as before" {
	mkdir "$T/srv"
	printf '{"data":[{"id":"1"},{"id":"2",}],"pad":"%s","links":{"next":"/files/p2.json"}}' \
		"$(pad)" >"$T/srv/bad.json"
	page p2 null 2 x
	start_mock --files "$T/srv" --log
	run --separate-stderr ds-fetch --retries 1 --backoff-max 0.05 --connector jsonapi \
		"$MOCK_BASE/files/bad.json"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains 'msg=retry cause=not_json attempt=1'
	assert_stderr_contains 'last cause not_json: not JSON at byte 30: expected string key"'
}

@test "JSON:API: every page is asked for once, the next one off the body's end, and the pages are whole" {
	start_mock --style jsonapi --events 2300 --seed 3 --page-max 500 --log
	run --separate-stderr ds-fetch --verbose --connector jsonapi --limit 500 "$MOCK_BASE/api/events"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | jq -r '.records | length' | paste -sd' ')" \
		"500 500 500 500 300"
	assert_stderr_lacks 'guess dropped'
	# one request per page: no guess was wrong (pages 3 and 6 link by an object)
	assert_equal "$(grep -c 'msg=request ' "$MOCK_LOG")" 5
}

@test "CKAN: a gzip body inflated after the next page is asked for holds the records curl decodes from the same URLs" {
	start_mock --style ckan --events 1200 --seed 5 --page-max 500 --log
	run --separate-stderr ds-fetch --connector ckan --limit 500 \
		"$MOCK_BASE/api/3/action/datastore_search?resource_id=events"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 3
	printf '%s\n' "$output" | jq -c '.records' >"$T/ds.records"
	: >"$T/curl.records"
	local p
	for p in $(sed -n 's/.*msg=request method=GET path="\([^"]*\)".*/\1/p' "$MOCK_LOG"); do
		curl -sf --compressed "$MOCK_BASE$p" | jq -c '.result.records' >>"$T/curl.records"
	done
	cmp "$T/ds.records" "$T/curl.records"
	# the mock sent them gzipped
	run curl -sf -o /dev/null -D - -H 'Accept-Encoding: gzip' \
		"$MOCK_BASE/api/3/action/datastore_search?resource_id=events&limit=500"
	assert_output_contains 'Content-Encoding: gzip'
}

@test "a gzip body under --max-body-bytes that inflates past it exits 100, inflated as it came (JSON:API) or after the next page was asked for (CKAN)" {
	start_mock --style ckan --events 1200 --seed 5 --page-max 500
	run --separate-stderr ds-fetch --connector ckan --limit 500 --max-body-bytes 100000 \
		"$MOCK_BASE/api/3/action/datastore_search?resource_id=events"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'msg="response at cursor null is larger than --max-body-bytes 100000"'
	stop_mock
	start_mock --style jsonapi --events 1200 --seed 5 --page-max 500
	run --separate-stderr ds-fetch --connector jsonapi --limit 500 --max-body-bytes 100000 \
		"$MOCK_BASE/api/events"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'msg="response at cursor null is larger than --max-body-bytes 100000"'
}

# A gzip body spoiled by ds-mockapi --gzip-fault, for each kind: what the
# log says is wrong with it (the retry's cause and detail).
gzip_kinds=(
	'crc truncated incorrect data check'
	'length truncated incorrect length check'
	'trailing transfer data after the end of the compressed stream'
	'cut truncated the compressed stream ends before its end (a cut body)'
	'half truncated the compressed stream ends before its end (a cut body)'
)

# gzip_style STYLE: the mock's options, the URL path and ds-fetch's options
# of STYLE, in MOCKARGS, URLPATH and FETCHARGS: three pages each.
gzip_style() {
	MOCKARGS=(--events 1200 --seed 5 --page-max 500) FETCHARGS=(--limit 500)
	case $1 in
	datasync) URLPATH=/api/v1 ;;
	arcgis)
		MOCKARGS+=(--style arcgis) FETCHARGS+=(--connector arcgis)
		URLPATH=/arcgis/rest/services/x/FeatureServer/0/query ;;
	github)
		MOCKARGS=(--events 300 --seed 5 --style github) FETCHARGS=(--connector github --limit 100)
		URLPATH=/repos/o/r/issues ;;
	esac
}

# fetched ARGS...: ds-fetch ARGS against the mock ($MOCK_BASE$URLPATH);
# in $pages a line per page line written: its seq, has_more, number of
# records and a digest of them (a run's cursors hold the mock's address or
# the time), or nothing when none was.
fetched() {
	local l
	run --separate-stderr ds-fetch "${FETCHARGS[@]}" "$@" "$MOCK_BASE$URLPATH"
	pages=
	[ -n "$output" ] || return 0
	pages=$(printf '%s\n' "$output" | while IFS= read -r l; do
		printf '%s %s\n' "$(jq -c '[.seq, .has_more, (.records | length)]' <<<"$l")" \
			"$(jq -c .records <<<"$l" | sha256sum | cut -c1-16)"
	done)
}

# logfmt VALUE: VALUE as ds-fetch's log writes it (quoted when it holds a
# space, a quote or '=').
logfmt() {
	case $1 in
	*[\ =\"]*) printf '"%s"' "$1" ;;
	*) printf '%s' "$1" ;;
	esac
}

# gzip_faults STYLE: for each --gzip-fault kind, the second answer spoiled:
# without retries the run stops after the first page, naming the second
# page's cursor and the reason; with them the page is asked again and the
# pages written are those of a clean run. Every answer spoiled: nothing
# written, 111.
gzip_faults() {
	local clean c2 kind cause why k
	gzip_style "$1"
	start_mock "${MOCKARGS[@]}"
	fetched
	assert_status 0
	clean=$pages
	assert_equal "$(printf '%s\n' "$clean" | wc -l)" 3
	stop_mock
	for k in "${gzip_kinds[@]}"; do
		read -r kind cause why <<<"$k"
		start_mock "${MOCKARGS[@]}" --gzip-fault "$kind" --gzip-fault-at 2 --log
		fetched --retries 0
		assert_status 111
		assert_equal "$pages" "$(printf '%s\n' "$clean" | head -n 1)"
		c2=$(jq -r .next <<<"$output")
		assert_stderr_contains "msg=\"giving up at cursor $c2 after 1 attempts: last cause $cause: Error while processing content unencoding: $why\""
		assert_equal "$(grep -c "status=200 fault=gzip-$kind\$" "$MOCK_LOG")" 1
		stop_mock
		start_mock "${MOCKARGS[@]}" --gzip-fault "$kind" --gzip-fault-at 2 --log
		fetched --backoff-max 0.05
		assert_status 0
		assert_equal "$pages" "$clean"
		c2=$(printf '%s\n' "$output" | sed -n 2p | jq -r .cursor)
		assert_stderr_contains "msg=retry cause=$cause attempt=1 "
		assert_stderr_contains " cursor=$(logfmt "$c2") detail=\"Error while processing content unencoding: $why\" status=200"
		assert_equal "$(grep -c 'msg=retry' <<<"$stderr")" 1
		stop_mock
	done
	start_mock "${MOCKARGS[@]}" --gzip-fault crc,length,trailing,cut,half --log
	fetched --retries 2 --backoff-max 0.05
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains 'msg="giving up at cursor null after 3 attempts: last cause '
	# each of the three attempts spoiled (and any page asked for ahead of one)
	[ "$(grep -c 'status=200 fault=gzip-' "$MOCK_LOG")" -ge 3 ]
	assert_equal "$(grep -c 'status=200 fault=-' "$MOCK_LOG")" 0
}

@test "DataSync (inflated as it comes, its CRC checked after the next page is asked for): a gzip body with a wrong CRC-32 or ISIZE, bytes after it, or cut short is never written; retried as transient" {
	gzip_faults datasync
}

@test "ArcGIS (inflated as it comes): a gzip body with a wrong CRC-32 or ISIZE, bytes after it, or cut short is never written; retried as transient" {
	gzip_faults arcgis
}

@test "GitHub (Link pages: inflated after the next page is asked for): a gzip body with a wrong CRC-32 or ISIZE, bytes after it, or cut short is never written; retried as transient" {
	gzip_faults github
}

@test "a drawn share of gzip answers spoiled (every kind): the run ends with the pages of a clean run, each spoiled one asked again, eager (DataSync) and lazy (GitHub)" {
	local style clean n
	for style in datasync github; do
		gzip_style "$style"
		MOCKARGS+=(--events 1200 --page-max 100) FETCHARGS+=(--limit 100)
		start_mock "${MOCKARGS[@]}"
		fetched
		assert_status 0
		clean=$pages
		stop_mock
		start_mock "${MOCKARGS[@]}" --gzip-fault crc,length,trailing,cut,half --gzip-fault-rate 0.3 --log
		fetched --retries 20 --backoff-max 0.01
		assert_status 0
		assert_equal "$pages" "$clean"
		n=$(grep -c 'status=200 fault=gzip-' "$MOCK_LOG" || true)
		[ "$n" -gt 0 ]
		# each spoiled page was asked again: one retry per spoiled answer, but
		# for those asked ahead and never taken
		[ "$(grep -c 'msg=retry cause=' <<<"$stderr")" -gt 0 ]
		[ "$(grep -c 'msg=retry cause=' <<<"$stderr")" -le "$n" ]
		stop_mock
	done
}
