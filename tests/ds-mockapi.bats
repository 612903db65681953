#!/usr/bin/env bats
# ds-mockapi: the mock of the DataSync events API that every other test uses.
# Each case talks to a real ds-mockapi over HTTP with curl and checks one
# behaviour of ../shared/DATASYNC-API.md reachable by its options.

# shellcheck disable=SC2154 # $stderr is set by run --separate-stderr
bats_require_minimum_version 1.5.0
load helpers

teardown() {
	ds_teardown
}

# get URL [CURL-ARGS...]: GET URL; the body is $output, curl's exit status
# $status, the HTTP status $code; headers are read with hdr.
get() {
	local url=$1
	shift
	: >"$BATS_TEST_TMPDIR/h"
	run --separate-stderr curl -sS -D "$BATS_TEST_TMPDIR/h" "$@" "$url"
	code=$(awk 'NR == 1 { print $2 }' "$BATS_TEST_TMPDIR/h" | tr -d '\r')
}

# hdr NAME: the value of response header NAME of the last get, or nothing.
hdr() {
	awk -v n="$(echo "$1" | tr '[:upper:]' '[:lower:]')" -F': ' \
		'tolower($1) == n { sub(/\r$/, "", $2); print $2 }' "$BATS_TEST_TMPDIR/h"
}

# enc S: S URL-encoded.
enc() {
	jq -rn --arg s "$1" '$s | @uri'
}

# walk QUERY: follow cursors from the first page of QUERY; page N's body is
# saved in $BATS_TEST_TMPDIR/page.N; prints the number of pages.
walk() {
	local q=$1 n=0 url c
	url="$MOCK_URL/events?$q"
	while :; do
		curl -sS --fail -o "$BATS_TEST_TMPDIR/page.$n" "$url" || return 1
		c=$(jq -r '.pagination.nextCursor // .nextCursor // empty' "$BATS_TEST_TMPDIR/page.$n")
		n=$((n + 1))
		[ -n "$c" ] || break
		url="$MOCK_URL/events?$q&cursor=$(enc "$c")"
	done
	echo "$n"
}

# pages JQ: JQ applied to every walked page's events, one line per result.
pages() {
	local f
	for f in "$BATS_TEST_TMPDIR"/page.*; do
		jq -cr ".data[] | $1" "$f"
	done
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr ds-mockapi --help
	assert_status 0
	assert_output_contains "usage: ds-mockapi [--port P] [--events N]"
	assert_output_contains "[--manifest FILE] [--log]"
	assert_equal "$stderr" ""
}

@test "a bad option value is a usage error: exit 64 naming the option" {
	run --separate-stderr ds-mockapi --fail-rate 2
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "--fail-rate: expected a number in 0..1, got '2'"
	assert_stderr_contains "usage: ds-mockapi"
	run --separate-stderr ds-mockapi --faults 500,teapot
	assert_status 64
	assert_stderr_contains "--faults: expected a comma list"
	run --separate-stderr ds-mockapi --gzip-fault crc,zip
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "--gzip-fault: expected a comma list of crc, length, trailing, cut, half; got 'crc,zip'"
}

@test "SIGTERM stops the server cleanly with exit status 0" {
	start_mock --events 10
	kill -TERM "$MOCK_PID"
	st=0
	wait "$MOCK_PID" || st=$?
	MOCK_PID=""
	assert_equal "$st" 0
	assert_equal "$(cat "${MOCK_LOG%.err}")" "listening on $MOCK_PORT"
	assert_equal "$(cat "$MOCK_LOG")" ""
}

@test "nested shape: data, pagination {limit, hasMore, nextCursor} and meta.total" {
	start_mock --events 2500
	get "$MOCK_URL/events?limit=10"
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$stderr" ""
	assert_equal "$(hdr Content-Type)" "application/json"
	assert_equal "$(jq -c '[(.data | length), .pagination.limit, .pagination.hasMore, .meta.total, (.pagination.nextCursor | type)]' <<<"$output")" \
		'[10,10,true,2500,"string"]'
	assert_equal "$(jq -c 'keys' <<<"$output")" '["data","meta","pagination"]'
}

@test "flat shape: data, hasMore and nextCursor at the top level" {
	start_mock --events 2500 --shape flat
	get "$MOCK_URL/events?limit=10"
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[(.data | length), .hasMore, (.nextCursor | type), (keys)]' <<<"$output")" \
		'[10,true,"string",["data","hasMore","nextCursor"]]'
}

@test "a limit above --page-max is clamped silently and pagination.limit tells the size used" {
	start_mock --events 2500 --page-max 700
	get "$MOCK_URL/events?limit=100000"
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[(.data | length), .pagination.limit, .pagination.hasMore]' <<<"$output")" '[700,700,true]'
}

@test "without limit the page holds 1000 records" {
	start_mock --events 2500
	get "$MOCK_URL/events"
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$(jq -c '[(.data | length), .pagination.limit]' <<<"$output")" '[1000,1000]'
}

@test "nested: following cursors reaches a last page with hasMore false and nextCursor null" {
	start_mock --events 2500
	run --separate-stderr walk "limit=1000"
	assert_status 0
	assert_equal "$output" 3
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[(.data | length), .pagination.hasMore, .pagination.nextCursor]' "$BATS_TEST_TMPDIR/page.2")" '[500,false,null]'
	assert_equal "$(pages .seq | sort -n | uniq | wc -l)" 2500
}

@test "flat: the last page has hasMore false and no nextCursor at all" {
	start_mock --events 1500 --shape flat
	run --separate-stderr walk "limit=1000"
	assert_status 0
	assert_equal "$output" 2
	assert_equal "$(jq -c '[(.data | length), .hasMore, has("nextCursor")]' "$BATS_TEST_TMPDIR/page.1")" '[500,false,false]'
}

@test "cursors are opaque standard base64 holding +, / and =" {
	start_mock --events 100
	get "$MOCK_URL/events?limit=10"
	assert_equal "$code" 200
	c=$(jq -r .pagination.nextCursor <<<"$output")
	[[ "$c" =~ ^[A-Za-z0-9+/]+=*$ ]]
	[[ "$c" == *+* && "$c" == */* && "$c" == *= ]]
	get "$MOCK_URL/events?limit=10&cursor=$(enc "$c")"
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$(jq -c '[.data[0].seq, (.data | length)]' <<<"$output")" '[10,10]'
}

@test "a cursor sent without URL-encoding is refused with 400 (its + arrives as a space)" {
	start_mock --events 100
	get "$MOCK_URL/events?limit=10"
	c=$(jq -r .pagination.nextCursor <<<"$output")
	get "$MOCK_URL/events?limit=10&cursor=$c"
	assert_status 0
	assert_equal "$code" 400
	assert_equal "$(jq -r .error <<<"$output")" bad_cursor
}

@test "since/until with a URL-encoded +05:30 offset select since <= timestamp < until" {
	start_mock --events 100
	get "$MOCK_URL/events?since=$(enc 2026-01-01T05:30:10+05:30)&until=$(enc 2026-01-01T00:00:20Z)"
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.meta.total, [.data[].seq], .pagination.hasMore]' <<<"$output")" \
		'[10,[10,11,12,13,14,15,16,17,18,19],false]'
}

@test "since/until partitions split the whole range without loss or overlap" {
	start_mock --events 300
	local a b all=""
	for r in "until=$(enc 2026-01-01T00:01:40Z)" \
		"since=$(enc 2026-01-01T00:01:40Z)&until=$(enc 2026-01-01T05:33:20+05:30)" \
		"since=$(enc 2026-01-01T05:33:20+05:30)"; do
		rm -f "$BATS_TEST_TMPDIR"/page.*
		run walk "limit=30&$r"
		assert_status 0
		all="$all$(pages .seq)"$'\n'
	done
	a=$(grep -c . <<<"$all")
	b=$(grep . <<<"$all" | sort -n | uniq | wc -l)
	assert_equal "$a" 300
	assert_equal "$b" 300
}

@test "an unencoded + in since arrives as a space and is refused with 400" {
	start_mock --events 100
	get "$MOCK_URL/events?since=2026-01-01T05:30:10+05:30"
	assert_status 0
	assert_equal "$code" 400
	assert_equal "$(jq -r .error <<<"$output")" bad_request
	assert_equal "$(jq -r .message <<<"$output")" "since: not an RFC 3339 time: '2026-01-01T05:30:10 05:30'"
}

@test "a malformed until is refused with 400 naming the parameter" {
	start_mock --events 100
	get "$MOCK_URL/events?until=yesterday"
	assert_status 0
	assert_equal "$code" 400
	assert_equal "$(jq -r .message <<<"$output")" "until: not an RFC 3339 time: 'yesterday'"
}

@test "a cursor sent with other since/until values than it was issued under is refused with 400" {
	start_mock --events 100
	get "$MOCK_URL/events?limit=5&since=$(enc 2026-01-01T00:00:10Z)"
	assert_equal "$code" 200
	c=$(jq -r .pagination.nextCursor <<<"$output")
	get "$MOCK_URL/events?limit=5&since=$(enc 2026-01-01T00:00:10Z)&cursor=$(enc "$c")"
	assert_equal "$code" 200
	get "$MOCK_URL/events?limit=5&since=$(enc 2026-01-01T00:00:11Z)&cursor=$(enc "$c")"
	assert_status 0
	assert_equal "$code" 400
	assert_output_contains "issued for other since/until values"
	get "$MOCK_URL/events?limit=5&cursor=$(enc "$c")"
	assert_equal "$code" 400
	assert_output_contains "issued for other since/until values"
}

@test "an empty cursor= is refused with 400" {
	start_mock --events 100
	get "$MOCK_URL/events?limit=5&cursor="
	assert_status 0
	assert_equal "$code" 400
	assert_equal "$(jq -c . <<<"$output")" '{"error":"bad_request","message":"cursor: empty (omit it on the first request)"}'
}

@test "a garbage or tampered cursor is refused with 400" {
	start_mock --events 100
	get "$MOCK_URL/events?limit=5&cursor=abc"
	assert_equal "$code" 400
	assert_equal "$(jq -r .error <<<"$output")" bad_cursor
	get "$MOCK_URL/events?limit=5"
	c=$(jq -r .pagination.nextCursor <<<"$output")
	t="${c:0:10}Z${c:11}"
	[ "$t" != "$c" ] || t="${c:0:10}Y${c:11}"
	get "$MOCK_URL/events?limit=5&cursor=$(enc "$t")"
	assert_status 0
	assert_equal "$code" 400
	assert_equal "$(jq -r .error <<<"$output")" bad_cursor
}

@test "a bad limit is refused with 400" {
	start_mock --events 100
	get "$MOCK_URL/events?limit=0"
	assert_equal "$code" 400
	assert_equal "$(jq -r .message <<<"$output")" "limit: not a positive integer: '0'"
	get "$MOCK_URL/events?limit=ten"
	assert_status 0
	assert_equal "$code" 400
}

@test "any other path gets 404 with a JSON body" {
	start_mock --events 100
	for p in /events /api/v1/events/x /api/v2/events /; do
		get "$MOCK_BASE$p"
		assert_status 0
		assert_equal "$code" 404
		assert_equal "$(jq -r .error <<<"$output")" not_found
	done
}

@test "--api-key: a missing key gets 401, a wrong one 403, both with JSON bodies" {
	start_mock --events 100 --api-key s3cret
	get "$MOCK_URL/events?limit=1"
	assert_status 0
	assert_equal "$code" 401
	assert_equal "$(jq -r .error <<<"$output")" unauthorized
	get "$MOCK_URL/events?limit=1" -H "X-API-Key: wrong"
	assert_equal "$code" 403
	assert_equal "$(jq -r .error <<<"$output")" forbidden
	get "$MOCK_URL/events?limit=1&api_key=wrong"
	assert_equal "$code" 403
}

@test "--api-key: the X-API-Key header or ?api_key= lets the request through" {
	start_mock --events 100 --api-key s3cret
	get "$MOCK_URL/events?limit=1" -H "X-API-Key: s3cret"
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$(jq '.data | length' <<<"$output")" 1
	get "$MOCK_URL/events?limit=1&api_key=s3cret"
	assert_equal "$code" 200
}

@test "an expired cursor gets 400 then 410, both with a message containing expired" {
	start_mock --events 100 --cursor-ttl 1
	get "$MOCK_URL/events?limit=5"
	c=$(jq -r .pagination.nextCursor <<<"$output")
	get "$MOCK_URL/events?limit=5&cursor=$(enc "$c")"
	assert_equal "$code" 200
	sleep 2.1
	get "$MOCK_URL/events?limit=5&cursor=$(enc "$c")"
	assert_status 0
	assert_equal "$code" 400
	jq -e '.message | test("expired"; "i")' <<<"$output"
	get "$MOCK_URL/events?limit=5&cursor=$(enc "$c")"
	assert_equal "$code" 410
	jq -e '.message | test("expired"; "i")' <<<"$output"
	[[ "$(jq -r .message <<<"$output")" != *expired* ]]
}

@test "--rate publishes X-RateLimit-Limit, -Remaining and -Reset on every response" {
	start_mock --events 100 --rate 5/86400 --reset-form delta
	get "$MOCK_URL/events?limit=1"
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$(hdr X-RateLimit-Limit) $(hdr X-RateLimit-Remaining)" "5 4"
	r=$(hdr X-RateLimit-Reset)
	[ "$r" -ge 1 ] && [ "$r" -le 86400 ]
	get "$MOCK_BASE/nothing"
	assert_equal "$code" 404
	get "$MOCK_URL/events?limit=0"
	assert_equal "$code" 400
	assert_equal "$(hdr X-RateLimit-Remaining)" 2
}

@test "--reset-form epoch publishes X-RateLimit-Reset as a Unix time" {
	start_mock --events 100 --rate 5/60 --reset-form epoch
	get "$MOCK_URL/events?limit=1"
	assert_status 0
	r=$(hdr X-RateLimit-Reset)
	now=$(date +%s)
	[ "$r" -gt "$now" ] && [ "$r" -le $((now + 60)) ]
}

@test "--reset-form alternate switches between delta and epoch from one window to the next" {
	start_mock --events 100 --rate 100/2
	# Windows are aligned to the epoch: ask 0.2 s into one window and again
	# 2 s later, in the next (1.8 s of slack for a loaded machine).
	sleep "$(awk -v t="$(date +%s.%N)" 'BEGIN { printf "%.3f", 2 - (t % 2) + 0.2 }')"
	get "$MOCK_URL/events?limit=1"
	a=$(hdr X-RateLimit-Reset)
	sleep 2
	get "$MOCK_URL/events?limit=1"
	assert_status 0
	b=$(hdr X-RateLimit-Reset)
	small=0 large=0
	for r in "$a" "$b"; do
		if [ "$r" -le 2 ]; then small=$((small + 1)); fi
		if [ "$r" -gt 1000000000 ]; then large=$((large + 1)); fi
	done
	assert_equal "$small $large" "1 1"
}

@test "a spent budget gets 429s rotating: Retry-After seconds, Retry-After HTTP-date, only X-RateLimit-Reset" {
	start_mock --events 100 --rate 2/86400 --reset-form delta
	get "$MOCK_URL/events?limit=1"
	get "$MOCK_URL/events?limit=1"
	assert_equal "$code $(hdr X-RateLimit-Remaining)" "200 0"
	get "$MOCK_URL/events?limit=1"
	assert_status 0
	assert_equal "$code $(hdr X-RateLimit-Remaining)" "429 0"
	[[ "$(hdr Retry-After)" =~ ^[0-9]+$ ]]
	assert_equal "$(jq -r .error <<<"$output")" rate_limited
	get "$MOCK_URL/events?limit=1"
	assert_equal "$code" 429
	[[ "$(hdr Retry-After)" =~ ^[A-Z][a-z][a-z],\ [0-9]{2}\ [A-Z][a-z][a-z]\ [0-9]{4}\ [0-9:]{8}\ GMT$ ]]
	get "$MOCK_URL/events?limit=1"
	assert_equal "$code" 429
	assert_equal "$(hdr Retry-After)" ""
	[[ "$(hdr X-RateLimit-Reset)" =~ ^[0-9]+$ ]]
}

@test "fault 500, 502, 503 and 504 each answer with that status" {
	for f in 500 502 503 504; do
		start_mock --events 100 --fail-rate 1 --faults "$f"
		get "$MOCK_URL/events?limit=1"
		assert_status 0
		assert_equal "$code" "$f"
		jq -e '.error | type == "string"' <<<"$output"
		stop_mock
	done
}

@test "fault html: 200 with an HTML page instead of JSON" {
	start_mock --events 100 --fail-rate 1 --faults html
	get "$MOCK_URL/events?limit=1"
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$(hdr Content-Type)" "text/html; charset=utf-8"
	assert_output_contains "<html>"
	run jq . <<<"$output"
	[ "$status" -ne 0 ]
}

@test "fault truncate: the body stops half-way under the full Content-Length" {
	start_mock --events 100 --fail-rate 1 --faults truncate --no-gzip
	get "$MOCK_URL/events?limit=20"
	assert_equal "$status" 18
	assert_equal "$code" 200
	assert_stderr_contains "transfer closed with"
	len=$(hdr Content-Length)
	[ "${#output}" -lt "$len" ]
	[ "${#output}" -gt 0 ]
}

@test "fault drop: the connection closes with no response" {
	start_mock --events 100 --fail-rate 1 --faults drop
	get "$MOCK_URL/events?limit=1"
	assert_equal "$status" 52
	assert_equal "$output" ""
	assert_stderr_contains "Empty reply from server"
}

@test "fault slow: the answer comes after --slow-seconds, past a shorter client timeout" {
	start_mock --events 100 --fail-rate 1 --faults slow --slow-seconds 2
	get "$MOCK_URL/events?limit=1" -m 1
	assert_equal "$status" 28
	assert_equal "$output" ""
	start=$(date +%s%N)
	get "$MOCK_URL/events?limit=1"
	assert_status 0
	assert_equal "$code" 200
	[ $(( ($(date +%s%N) - start) / 1000000 )) -ge 1900 ]
}

@test "fault 429: a 429 burst even with budget left" {
	start_mock --events 100 --fail-rate 1 --faults 429 --rate 100/86400
	get "$MOCK_URL/events?limit=1"
	assert_status 0
	assert_equal "$code" 429
	assert_equal "$(hdr Retry-After)" 1
	[ "$(hdr X-RateLimit-Remaining)" -gt 0 ]
}

@test "with --fail-rate 0.8 a retried cursor eventually gets the page a fault-free server gives" {
	start_mock --events 300 --seed 7
	get "$MOCK_URL/events?limit=50"
	c=$(jq -r .pagination.nextCursor <<<"$output")
	get "$MOCK_URL/events?limit=50&cursor=$(enc "$c")"
	want=$(jq -c .data <<<"$output")
	start_mock --events 300 --seed 7 --fail-rate 0.8 --faults 500,502,503,504,html,truncate,drop,429
	codes=""
	for i in $(seq 1 40); do
		get "$MOCK_URL/events?limit=50&cursor=$(enc "$c")"
		codes="$codes ${code:-x}"
		if [ "$status" -eq 0 ] && [ "$code" = 200 ] && jq -e .data <<<"$output" >/dev/null 2>&1; then
			break
		fi
	done
	assert_equal "$(jq -c .data <<<"$output")" "$want"
	[ "$i" -gt 1 ] || { echo "no fault before the page: $codes" >&2; false; }
}

@test "the same seed fails the same requests the same way" {
	start_mock --events 300 --fail-rate 0.5 --faults 500,503,429
	a=""
	for i in 1 2 3 4 5 6 7 8; do get "$MOCK_URL/events?limit=5"; a="$a $code"; done
	start_mock --events 300 --fail-rate 0.5 --faults 500,503,429
	b=""
	for i in 1 2 3 4 5 6 7 8; do get "$MOCK_URL/events?limit=5"; b="$b $code"; done
	assert_equal "$a" "$b"
	[[ "$a" == *200* ]]
	[[ "$a" == *5* || "$a" == *429* ]]
}

@test "gzip when Accept-Encoding offers it, identity otherwise or with --no-gzip" {
	start_mock --events 100
	get "$MOCK_URL/events?limit=50" --compressed
	assert_status 0
	assert_equal "$(hdr Content-Encoding)" gzip
	plain=$(jq -c .data <<<"$output")
	get "$MOCK_URL/events?limit=50"
	assert_equal "$(hdr Content-Encoding)" ""
	assert_equal "$(jq -c .data <<<"$output")" "$plain"
	stop_mock
	start_mock --events 100 --no-gzip
	get "$MOCK_URL/events?limit=50" --compressed
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$(hdr Content-Encoding)" ""
}

@test "--pretty bodies hold newlines and carry the same data" {
	start_mock --events 100
	get "$MOCK_URL/events?limit=20"
	compact=$output
	stop_mock
	start_mock --events 100 --pretty
	get "$MOCK_URL/events?limit=20"
	assert_status 0
	assert_equal "$code" 200
	[ "$(wc -l <<<"$output")" -gt 100 ]
	[ "$(wc -l <<<"$compact")" -eq 1 ]
	assert_equal "$(jq -c 'del(.pagination.nextCursor)' <<<"$output")" "$(jq -c 'del(.pagination.nextCursor)' <<<"$compact")"
}

@test "--dup-rate serves events again on a later page, same id and same content" {
	start_mock --events 400 --dup-rate 0.2
	run walk "limit=50"
	assert_status 0
	np=$output
	n=$(pages .id | wc -l)
	u=$(pages .id | sort -u | wc -l)
	[ "$n" -gt "$u" ]
	assert_equal "$u" 400
	assert_equal "$(pages . | sort -u | wc -l)" 400
	assert_equal "$(jq .meta.total "$BATS_TEST_TMPDIR/page.0")" 400
	# a repeat always comes on a page after the one that first served it
	for k in $(seq 0 $((np - 1))); do
		jq -r --arg k "$k" '.data[] | "\($k) \(.id)"' "$BATS_TEST_TMPDIR/page.$k"
	done | awk '($2 in seen) && seen[$2] == $1 { bad++ } !($2 in seen) { seen[$2] = $1 }
		END { exit bad > 0 }'
}

@test "--bad-rate: bad records carry a marker and the manifest's reason matches the record" {
	start_mock --events 400 --bad-rate 0.1 --manifest "$BATS_TEST_TMPDIR/m"
	run walk "limit=100"
	assert_status 0
	got=$(pages 'select(.marker) | [.marker,
		if has("id") | not then "missing-id"
		elif (.id | type) != "string" then "id-not-string"
		elif (.note | explode | any(. == 0)) then "nul-in-string"
		else "bad-timestamp" end] | join("\t")' | sort)
	want=$(grep '^bad' "$BATS_TEST_TMPDIR/m" | cut -f2,3 | sort)
	assert_equal "$got" "$want"
	for r in missing-id id-not-string bad-timestamp nul-in-string; do
		grep -q "	$r\$" <<<"$want"
	done
	assert_equal "$(jq .meta.total "$BATS_TEST_TMPDIR/page.0")" 400
}

@test "the manifest lists exactly the ids of the valid events a full walk serves" {
	start_mock --events 2345 --bad-rate 0.05 --dup-rate 0.1 --manifest "$BATS_TEST_TMPDIR/m"
	run walk "limit=400"
	assert_status 0
	got=$(pages 'select(has("marker") | not) | .id' | sort -u)
	want=$(grep '^valid' "$BATS_TEST_TMPDIR/m" | cut -f2 | sort)
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/m")" 2345
	[ "$(grep -c . <<<"$want")" -gt 2000 ]
	assert_equal "$got" "$want"
}

@test "the same seed gives identical pages; another seed different ones" {
	start_mock --events 200 --seed 42
	get "$MOCK_URL/events?limit=100"
	c=$(jq -r .pagination.nextCursor <<<"$output")
	get "$MOCK_URL/events?limit=100&cursor=$(enc "$c")"
	a=$output
	start_mock --events 200 --seed 42
	get "$MOCK_URL/events?limit=100&cursor=$(enc "$c")"
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$(jq -c .data <<<"$output")" "$(jq -c .data <<<"$a")"
	start_mock --events 200 --seed 43
	get "$MOCK_URL/events?limit=100"
	b=$output
	get "$MOCK_URL/events?limit=100&cursor=$(enc "$c")"
	assert_equal "$code" 400
	c=$(jq -r .pagination.nextCursor <<<"$b")
	get "$MOCK_URL/events?limit=100&cursor=$(enc "$c")"
	assert_equal "$code" 200
	[ "$(jq -c .data <<<"$output")" != "$(jq -c .data <<<"$a")" ]
	[ "$(jq -r '.data[0].id' <<<"$output")" != "$(jq -r '.data[0].id' <<<"$a")" ]
}

@test "a retried request for the same cursor gets the same page" {
	start_mock --events 200 --dup-rate 0.3 --bad-rate 0.1
	get "$MOCK_URL/events?limit=60"
	c=$(jq -r .pagination.nextCursor <<<"$output")
	get "$MOCK_URL/events?limit=60&cursor=$(enc "$c")"
	a=$(jq -c .data <<<"$output")
	get "$MOCK_URL/events?limit=60&cursor=$(enc "$c")"
	assert_status 0
	assert_equal "$(jq -c .data <<<"$output")" "$a"
}

@test "ids are unique strings across the whole range" {
	start_mock --events 3000
	run walk "limit=1000"
	assert_status 0
	assert_equal "$(pages '.id | strings' | sort -u | wc -l)" 3000
}

@test "timestamps come in every form of the contract, in time order" {
	start_mock --events 1000
	get "$MOCK_URL/events?limit=1000"
	assert_status 0
	ts=$(grep -o '"timestamp":[^,]*' <<<"$output" | cut -d: -f2-)
	for re in '^"[0-9-]{10}T[0-9:]{8}Z"$' '^"[0-9-]{10}T[0-9:]{8}\.[0-9]{3}Z"$' \
		'^"[0-9-]{10}T[0-9:]{8}\+05:30"$' '^"[0-9-]{10}T[0-9:]{8}\.[0-9]{3}\+05:30"$' \
		'^"[0-9-]{10}T[0-9:]{8}\.[0-9]{3}-08:00"$' \
		'^[0-9]{10}$' '^[0-9]{10}\.[0-9]{3}$' '^[0-9]{13}$' \
		'^"[0-9]{10}"$' '^"[0-9]{10}\.[0-9]{3}"$' '^"[0-9]{13}"$'; do
		grep -Eq "$re" <<<"$ts" || { echo "no timestamp matches $re" >&2; false; }
	done
	# epoch milliseconds of each, in order
	ms=$(jq -r 'def iso: capture("^(?<b>.{19})(?<f>\\.[0-9]{3})?(?<z>.*)$") |
			((.b + "Z") | fromdateiso8601) as $s |
			(if .z == "Z" then 0 else ((.z[1:3] | tonumber) * 3600 +
			  (.z[4:6] | tonumber) * 60) * (if .z[0:1] == "-" then -1 else 1 end) end) as $o |
			($s - $o) * 1000 + ((.f // ".000")[1:] | tonumber);
		.data[].timestamp | tostring |
		if test("^[0-9]{13}$") then tonumber
		elif test("^[0-9.]+$") then (tonumber * 1000 | floor)
		else iso end' <<<"$output")
	assert_equal "$(sort -n <<<"$ms")" "$ms"
}

@test "extra fields: nested objects, arrays, raw and escaped non-BMP unicode, an integer wider than 2^53" {
	start_mock --events 10
	get "$MOCK_URL/events?limit=10"
	assert_status 0
	assert_equal "$(grep -o '"raw":123456789012345678901234567890}' <<<"$output" | wc -l)" 10
	assert_output_contains '\ud83d\ude80'
	assert_output_contains $'\xf0\x9f\x98\x80'
	assert_equal "$(jq -r '.data[0] | [(.user | type), (.items | type), .user.bio[0:6]] | join(" ")' <<<"$output")" "object array café 🚀"
}

@test "meta.total counts the records in range, bad ones included and repeats not" {
	start_mock --events 500 --bad-rate 0.2 --dup-rate 0.3
	get "$MOCK_URL/events?limit=5&since=$(enc 2026-01-01T00:01:40Z)&until=$(enc 2026-01-01T00:03:20Z)"
	assert_status 0
	assert_equal "$(jq .meta.total <<<"$output")" 100
}

@test "--log writes one stderr line per request with the api_key value redacted" {
	start_mock --events 10 --log --api-key k3y
	get "$MOCK_URL/events?limit=1&api_key=k3y"
	assert_equal "$code" 200
	get "$MOCK_URL/events?limit=1" -H "X-API-Key: nope"
	assert_equal "$code" 403
	assert_status 0
	log=$(grep 'msg=request' "$MOCK_LOG")
	assert_equal "$(grep -c . <<<"$log")" 2
	[[ "$log" == *'method=GET path="/api/v1/events?limit=1&api_key=REDACTED" status=200 fault=-'* ]]
	[[ "$log" == *"status=403"* ]]
	[[ "$log" != *k3y* ]]
}

@test "--api-key-file reads the key from a file, which then guards the API" {
	printf 'f1le-key\n' >"$BATS_TEST_TMPDIR/key"
	start_mock --events 10 --api-key-file "$BATS_TEST_TMPDIR/key"
	get "$MOCK_URL/events?limit=1" -H "X-API-Key: f1le-key"
	assert_status 0
	assert_equal "$code" 200
	get "$MOCK_URL/events?limit=1"
	assert_equal "$code" 401
	assert_equal "$(jq -r 'has("error")' <<<"$output")" true
}

@test "--bind serves on the address given and nowhere else" {
	start_mock --events 10 --bind 127.0.0.2
	get "http://127.0.0.2:$MOCK_PORT/api/v1/events?limit=1"
	assert_status 0
	assert_equal "$code" 200
	run --separate-stderr curl -sS -o /dev/null "http://127.0.0.1:$MOCK_PORT/api/v1/events"
	assert_status 7
	assert_stderr_contains "Failed to connect"
}

@test "--files DIR serves /files/NAME with ETag and Last-Modified: 304 to a matching If-None-Match or If-Modified-Since, 206 to Range bytes=N- unless If-Range names another version, 416 past the end, 404 otherwise" {
	mkdir "$BATS_TEST_TMPDIR/srv"
	printf 'a,b\n1,x\n2,y\n' >"$BATS_TEST_TMPDIR/srv/p.csv"
	touch "$BATS_TEST_TMPDIR/srv/.hidden"
	start_mock --files "$BATS_TEST_TMPDIR/srv"
	get "$MOCK_BASE/files/p.csv"
	assert_status 0
	assert_equal "$code" 200
	assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/srv/p.csv")"
	assert_equal "$stderr" ""
	etag=$(hdr ETag) lastmod=$(hdr Last-Modified)
	# the ETag is the size and the modification time in nanoseconds, in hex
	mt=$(stat -c %.9Y "$BATS_TEST_TMPDIR/srv/p.csv")
	assert_equal "$etag" "$(printf '"%x-%x"' 12 "$((${mt%.*} * 1000000000 + 10#${mt#*.}))")"
	assert_equal "$lastmod" "$(TZ=GMT LC_ALL=C date -r "$BATS_TEST_TMPDIR/srv/p.csv" '+%a, %d %b %Y %H:%M:%S GMT')"
	assert_equal "$(hdr Accept-Ranges)" bytes
	get "$MOCK_BASE/files/p.csv" -H "If-None-Match: $etag"
	assert_equal "$code|$output|$(hdr ETag)" "304||$etag"
	get "$MOCK_BASE/files/p.csv" -H "If-Modified-Since: $lastmod"
	assert_equal "$code|$output" "304|"
	get "$MOCK_BASE/files/p.csv" -H 'If-None-Match: "other"' -H "If-Modified-Since: $lastmod"
	assert_equal "$code" 200
	get "$MOCK_BASE/files/p.csv" -H 'Range: bytes=4-'
	assert_equal "$code|$output|$(hdr Content-Range)" "206|1,x
2,y|bytes 4-11/12"
	get "$MOCK_BASE/files/p.csv" -H 'Range: bytes=4-' -H "If-Range: $etag"
	assert_equal "$code" 206
	get "$MOCK_BASE/files/p.csv" -H 'Range: bytes=4-' -H 'If-Range: "other"'
	assert_equal "$code|$output" "200|$(cat "$BATS_TEST_TMPDIR/srv/p.csv")"
	get "$MOCK_BASE/files/p.csv" -H 'Range: bytes=12-'
	assert_equal "$code" 416
	for path in files/nope.csv files/.hidden files/ files/../srv/p.csv; do
		get "$MOCK_BASE/$path" --path-as-is
		assert_equal "$path: $code" "$path: 404"
	done
}
