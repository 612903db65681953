#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# ds-fetch against the real ds-mockapi over HTTP: one test per behaviour of
# the API contract (../shared/DATASYNC-API.md) and of the ds-fetch(1) page.

load helpers

bats_require_minimum_version 1.5.0

teardown() {
	ds_teardown
}

# The page lines of file $1 without what differs between runs: the cursors
# (the mock's carry their issue time) and fetched_at.
stable() {
	sed -E 's/"cursor":("[^"]*"|null),"next":("[^"]*"|null)/"cursor":"","next":""/;
		s/"fetched_at":"[^"]*"/"fetched_at":""/' "$1"
}

# same_pages A B: files A and B hold the same page lines but for cursors and fetched_at.
same_pages() {
	if ! cmp <(stable "$1") <(stable "$2") >&2; then
		echo "$1 and $2 differ" >&2
		return 1
	fi
}

# Sum of the records of the page lines in file $1.
records_in() {
	jq -s 'map(.records | length) | add // 0' "$1"
}

# The value of key $1 in the summary line (msg=done or msg=stopped) of $stderr.
summary() {
	printf '%s\n' "$stderr" | grep -E 'msg=(done|stopped) ' | tail -n 1 |
		tr ' ' '\n' | sed -n "s/^$1=//p"
}

# Fetch everything from a fault-free mock made with args "$@" into $1.
clean_run() {
	local out=$1
	shift
	start_mock "$@"
	ds-fetch --quiet "$MOCK_URL" >"$out"
	stop_mock
}

# Wait until the current second is within the first 0.3 s of a window of
# $1 seconds (the mock's windows start at multiples of $1 since the epoch).
window_start() {
	local ns
	while :; do
		ns=$(date +%s%N)
		if [ $(((ns / 1000000) % ($1 * 1000))) -lt 300 ]; then
			return 0
		fi
		sleep 0.05
	done
}

# Spend the mock's budget with $1 plain requests (each beyond the budget is
# a 429 that moves the mock's rotation of Retry-After forms on by one).
spend() {
	for _ in $(seq 1 "$1"); do
		curl -s -o /dev/null "$MOCK_URL/events?limit=1"
	done
}

# Start a static HTTP server on DIR $1 (python3's): sets STATIC_URL.
start_static() {
	local out
	out=$(mktemp)
	python3 -u -m http.server --bind 127.0.0.1 --directory "$1" 0 >"$out" 2>&1 &
	echo "$!" >>"$BATS_FILE_TMPDIR/pids"
	for _ in $(seq 1 100); do
		grep -q 'port [0-9]' "$out" && break
		sleep 0.05
	done
	STATIC_URL=http://127.0.0.1:$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$out" | head -n 1)
}

@test "a base URL, a bare host and a full events URL give the same pages" {
	start_mock --events 2500 --page-max 1000
	ds-fetch --quiet "$MOCK_URL" >"$BATS_TEST_TMPDIR/base"
	ds-fetch --quiet "$MOCK_BASE/" >"$BATS_TEST_TMPDIR/host"
	run --separate-stderr ds-fetch --limit 1000 "$MOCK_URL/events"
	assert_status 0
	assert_stderr_contains "level=info prog=ds-fetch msg=done pages=3 records=2500 "
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/full"
	same_pages "$BATS_TEST_TMPDIR/full" "$BATS_TEST_TMPDIR/base"
	same_pages "$BATS_TEST_TMPDIR/host" "$BATS_TEST_TMPDIR/base"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/base")" 3
}

@test "page lines have the keys in order and chain cursors from null to null" {
	start_mock --events 2500 --page-max 1000
	run --separate-stderr ds-fetch --stream orders "$MOCK_URL"
	assert_status 0
	assert_stderr_contains "msg=done pages=3 records=2500 "
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out"
	assert_equal "$(jq -c 'keys_unsorted' "$BATS_TEST_TMPDIR/out" | sort -u)" \
		'["stream","seq","cursor","next","has_more","fetched_at","records"]'
	assert_equal "$(jq -r '[.stream, .seq, .has_more, (.records | length)] | @tsv' \
		"$BATS_TEST_TMPDIR/out")" "$(printf 'orders\t1\ttrue\t1000\norders\t2\ttrue\t1000\norders\t3\tfalse\t500')"
	# Each page's cursor is the previous page's next; the first is null, the last next null.
	assert_equal "$(jq -s -c '[.[0].cursor, .[1].cursor == .[0].next,
		.[2].cursor == .[1].next, .[2].next]' "$BATS_TEST_TMPDIR/out")" '[null,true,true,null]'
	# fetched_at is RFC 3339 UTC with milliseconds.
	assert_equal "$(jq -r .fetched_at "$BATS_TEST_TMPDIR/out" |
		grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$')" 3
	case "$output" in
	'{"stream":"orders","seq":1,"cursor":null,"next":"'*) ;;
	*) echo "first line starts wrong: ${output:0:80}" >&2; return 1 ;;
	esac
}

@test "records keep wide integers, escapes and unicode byte for byte" {
	start_mock --events 300 --page-max 1000
	run --separate-stderr ds-fetch "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | grep -cF '"raw":123456789012345678901234567890}')" 1
	assert_output_contains '"bio":"caf\u00e9 \ud83d\ude80 \"q\" a\\b\t"'
	assert_output_contains '"name":"Zoë 東京 😀"'
	assert_equal "$(printf '%s\n' "$output" | jq '.records | length')" 300
}

@test "pretty-printed bodies give the same one-line records as compact ones" {
	clean_run "$BATS_TEST_TMPDIR/compact" --events 1200 --page-max 500
	start_mock --events 1200 --page-max 500 --pretty
	curl -s "$MOCK_URL/events?limit=2" | head -c 200 | grep -q '^  ' ||
		{ echo "the mock did not pretty-print" >&2; return 1; }
	run --separate-stderr ds-fetch "$MOCK_URL"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/pretty"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/pretty")" 3
	same_pages "$BATS_TEST_TMPDIR/pretty" "$BATS_TEST_TMPDIR/compact"
}

@test "the documented flat shape gives the same lines as the observed nested one" {
	clean_run "$BATS_TEST_TMPDIR/nested" --events 1200 --page-max 500
	start_mock --events 1200 --page-max 500 --shape flat
	curl -s "$MOCK_URL/events?limit=1" | jq -e 'has("hasMore") and (has("pagination") | not)' >/dev/null
	run --separate-stderr ds-fetch --stats "$BATS_TEST_TMPDIR/stats" "$MOCK_URL"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/flat"
	same_pages "$BATS_TEST_TMPDIR/flat" "$BATS_TEST_TMPDIR/nested"
	# The flat shape has no meta.total.
	assert_equal "$(grep '^total=' "$BATS_TEST_TMPDIR/stats")" "total="
}

@test "a clamped limit gives smaller pages and still every record" {
	start_mock --events 1000 --page-max 300
	run --separate-stderr ds-fetch --limit 5000 --stats "$BATS_TEST_TMPDIR/stats" "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | jq -c '.records | length' | paste -sd,)" "300,300,300,100"
	assert_equal "$(printf '%s\n' "$output" | jq -r '.records[].id' | sort -u | wc -l)" 1000
	assert_equal "$(grep -E '^(pages|records|total|state)=' "$BATS_TEST_TMPDIR/stats" | paste -sd' ')" \
		"pages=4 records=1000 total=1000 state=done"
}

@test "gzip is asked for and decoded; a server without gzip gives the same records" {
	start_mock --events 1200 --page-max 500
	run --separate-stderr ds-fetch --verbose "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$stderr" | grep -c 'msg=page .*encoding=gzip')" 3
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/gzip"
	stop_mock
	start_mock --events 1200 --page-max 500 --no-gzip
	run --separate-stderr ds-fetch --verbose "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$stderr" | grep -c 'msg=page .*encoding=identity')" 3
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/plain"
	same_pages "$BATS_TEST_TMPDIR/plain" "$BATS_TEST_TMPDIR/gzip"
}

# fault_case KIND CAUSE [EVENTS [RATE]]: with a share RATE (default 0.5) of
# the requests failing as KIND, every page (of 200 records) still arrives
# once, identical to a fault-free run, with retries logged as CAUSE.
fault_case() {
	local events=${3:-2000} rate=${4:-0.5}
	clean_run "$BATS_TEST_TMPDIR/clean" --events "$events" --page-max 200
	start_mock --events "$events" --page-max 200 --fail-rate "$rate" --faults "$1" --slow-seconds 3
	run --separate-stderr ds-fetch --timeout 0.3 --backoff-max 0.05 "$MOCK_URL"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/faulty"
	same_pages "$BATS_TEST_TMPDIR/faulty" "$BATS_TEST_TMPDIR/clean"
	assert_stderr_contains "level=warn prog=ds-fetch msg=retry cause=$2 attempt=1 wait_ms="
	local n
	n=$(summary "retries_$2")
	[ "${n:-0}" -ge 1 ] || { echo "no retries_$2 in the summary" >&2; return 1; }
	assert_equal "$(summary retries)" "$(printf '%s\n' "$stderr" | grep -c 'msg=retry ')"
}

@test "HTTP 500 is retried on the same cursor" {
	fault_case 500 http_500
}

@test "HTTP 502 is retried on the same cursor" {
	fault_case 502 http_502
}

@test "HTTP 503 is retried on the same cursor" {
	fault_case 503 http_503
}

@test "HTTP 504 is retried on the same cursor" {
	fault_case 504 http_504
}

@test "a 200 with an HTML body is retried as not_json" {
	fault_case html not_json
	assert_stderr_contains 'detail="not JSON at byte 0:'
}

@test "a body cut off mid-way is retried as truncated" {
	fault_case truncate truncated
}

@test "a connection dropped without a reply is retried" {
	fault_case drop empty_reply
}

@test "a response slower than --timeout is retried as timeout" {
	fault_case slow timeout 1000 0.3
}

@test "a burst 429 waits for its Retry-After and retries" {
	clean_run "$BATS_TEST_TMPDIR/clean" --events 400 --page-max 200
	start_mock --events 400 --page-max 200 --fail-rate 0.5 --faults 429
	run --separate-stderr ds-fetch --backoff-max 0.05 "$MOCK_URL"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/faulty"
	same_pages "$BATS_TEST_TMPDIR/faulty" "$BATS_TEST_TMPDIR/clean"
	assert_stderr_contains 'msg=retry cause=http_429 attempt=1 wait_ms=1020 '
	assert_stderr_contains 'detail="wait from retry_after_delta"'
	[ "$(summary http_429)" -ge 1 ]
}

@test "a burst of 429s longer than --retries is waited out: 429s that name their wait count apart" {
	clean_run "$BATS_TEST_TMPDIR/clean" --events 400 --page-max 200 --seed 3
	start_mock --events 400 --page-max 200 --fail-rate 0.6 --faults 429 --seed 3
	run --separate-stderr ds-fetch --retries 1 --backoff-max 0.05 "$MOCK_URL"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/faulty"
	same_pages "$BATS_TEST_TMPDIR/faulty" "$BATS_TEST_TMPDIR/clean"
	# five 429s in a row for one page, with --retries 1
	assert_stderr_contains 'msg=retry cause=http_429 attempt=5 wait_ms=1020 '
	assert_stderr_lacks 'giving up'
	# and they have a budget: 10 x --retries
	run --separate-stderr ds-fetch --retries 0 "$MOCK_URL"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains 'after 1 consecutive 429s: wait from retry_after_delta'
}

@test "retries exhausted exit 111 naming the cursor and the last cause" {
	start_mock --events 600 --fail-rate 1 --faults 503
	run --separate-stderr ds-fetch --retries 2 --backoff-max 0.01 --stats "$BATS_TEST_TMPDIR/stats" "$MOCK_URL"
	assert_status 111
	assert_equal "$output" ""
	assert_equal "$(printf '%s\n' "$stderr" | grep -c 'msg=retry cause=http_503')" 2
	assert_stderr_contains 'level=error prog=ds-fetch msg="giving up at cursor null after 3 attempts: last cause http_503: HTTP 503"'
	assert_equal "$(grep -E '^(pages|retries|state)=' "$BATS_TEST_TMPDIR/stats" | paste -sd' ')" \
		"pages=0 retries=2 state=failed"
}

@test "a refused connection is retried, then exits 111" {
	start_mock --events 10
	local url=$MOCK_URL
	stop_mock
	run --separate-stderr ds-fetch --retries 1 --backoff-max 0.01 "$url"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains "msg=retry cause=connect attempt=1 "
	assert_stderr_contains "last cause connect"
}

@test "an expired start cursor exits 102 and says its age is unknown" {
	start_mock --events 3000 --page-max 1000 --cursor-ttl 1
	next=$(ds-fetch --quiet --max-pages 1 "$MOCK_URL" | jq -r .next)
	sleep 2.2
	run --separate-stderr ds-fetch --cursor "$next" "$MOCK_URL"
	assert_status 102
	assert_equal "$output" ""
	assert_stderr_contains "msg=\"cursor expired: HTTP 400 at cursor $next (the start cursor; its age is unknown here): Cursor EXPIRED: issued "
}

@test "a cursor expiring during the run exits 102 with its age" {
	# One request per 3 s window: the wait for the next window outlives the 1 s TTL.
	start_mock --events 3000 --page-max 1000 --cursor-ttl 1 --rate 1/3 --reset-form epoch
	window_start 3
	run --separate-stderr ds-fetch "$MOCK_URL"
	assert_status 102
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.seq, .has_more]')" "[1,true]"
	next=$(printf '%s\n' "$output" | jq -r .next)
	assert_stderr_contains "msg=\"cursor expired: HTTP 400 at cursor $next, received by this run "
	printf '%s\n' "$stderr" | grep -qE 'received by this run [0-9]+ s ago: Cursor EXPIRED'
}

@test "a nextCursor already followed is refused as endless pagination" {
	mkdir "$BATS_TEST_TMPDIR/www"
	printf '{"data":[{"id":"a"}],"hasMore":true,"nextCursor":"same"}' >"$BATS_TEST_TMPDIR/www/events"
	start_static "$BATS_TEST_TMPDIR/www"
	run --separate-stderr ds-fetch "$STATIC_URL/events"
	assert_status 100
	assert_equal "$output" \
		"$(printf '%s\n' "$output" | head -n 1 | grep -F '"seq":1,"cursor":null,"next":"same","has_more":true')"
	assert_stderr_contains 'msg="endless pagination: page 2 (cursor same) gives a nextCursor already followed in this run"'
}

@test "a body over --max-body-bytes exits 100 with a clear error" {
	start_mock --events 2000 --page-max 1000
	run --separate-stderr ds-fetch --max-body-bytes 1000 "$MOCK_URL"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'msg="response at cursor null is larger than --max-body-bytes 1000"'
}

@test "another 4xx fails at once with the server's message, no retry" {
	start_mock --events 100
	run --separate-stderr ds-fetch --cursor garbage "$MOCK_URL"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains "msg=\"HTTP 400 at cursor garbage: cursor: not a cursor of this API: 'garbage'\""
	assert_stderr_lacks "msg=retry"
	run --separate-stderr ds-fetch "$MOCK_BASE/nope/v9"
	assert_status 100
	assert_stderr_contains "msg=\"HTTP 404 at cursor null: no such endpoint"
}

@test "since and until are URL-encoded so +05:30 arrives intact" {
	start_mock --events 2500 --page-max 1000
	run --separate-stderr ds-fetch --since 2026-01-01T05:30:10+05:30 --until 2026-01-01T00:00:30Z "$MOCK_URL"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/offset"
	assert_equal "$(records_in "$BATS_TEST_TMPDIR/offset")" 20
	ds-fetch --since 2026-01-01T00:00:10Z --until 2026-01-01T00:00:30Z "$MOCK_URL" >"$BATS_TEST_TMPDIR/utc"
	same_pages "$BATS_TEST_TMPDIR/offset" "$BATS_TEST_TMPDIR/utc"
}

@test "an epoch --since/--until is sent as RFC 3339, the one form the DataSync contract takes; a zone-less time is 64" {
	start_mock --events 2500 --page-max 1000 --log
	# 2026-01-01T00:00:10Z and 2026-01-01T00:00:30Z
	run --separate-stderr ds-fetch --since 1767225610 --until 1767225630 "$MOCK_URL"
	assert_status 0
	assert_stderr_contains 'msg=done pages=1 records=20'
	assert_stderr_lacks 'level=error'
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/epoch"
	assert_equal "$(records_in "$BATS_TEST_TMPDIR/epoch")" 20
	grep -q 'since=2026-01-01T00%3A00%3A10.000Z&until=2026-01-01T00%3A00%3A30.000Z' "$MOCK_LOG"
	ds-fetch --since 2026-01-01T00:00:10Z --until 2026-01-01T00:00:30Z "$MOCK_URL" >"$BATS_TEST_TMPDIR/utc"
	same_pages "$BATS_TEST_TMPDIR/epoch" "$BATS_TEST_TMPDIR/utc"
	run --separate-stderr ds-fetch --since 2026-01-01T00:00:10 "$MOCK_URL"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains '--since 2026-01-01T00:00:10: not an ISO 8601 time or epoch seconds'
}

@test "a page with no records still gets its line" {
	start_mock --events 100
	run --separate-stderr ds-fetch --since 2030-01-01T00:00:00Z "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.seq, .cursor, .next, .has_more, .records]')" \
		'[1,null,null,false,[]]'
}

@test "the key goes only in X-API-Key: never in stdout, stderr, archive, stats or the command line" {
	key="k3y-$RANDOM$RANDOM-secret"
	printf '%s\n' "$key" >"$BATS_TEST_TMPDIR/keyfile"
	start_mock --events 300 --page-max 100 --api-key "$key" --rate 1/1
	ds-fetch --verbose --api-key-file "$BATS_TEST_TMPDIR/keyfile" --archive "$BATS_TEST_TMPDIR/arch" \
		--stats "$BATS_TEST_TMPDIR/stats" "$MOCK_URL" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 0.5
	tr '\0' ' ' </proc/$pid/cmdline >"$BATS_TEST_TMPDIR/cmdline"
	status=0
	wait "$pid" || status=$?
	assert_status 0
	grep -q 'api-key-file' "$BATS_TEST_TMPDIR/cmdline"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/out")" 3
	zstdcat "$BATS_TEST_TMPDIR"/arch/*.zst >"$BATS_TEST_TMPDIR/replay"
	run grep -rlF "$key" "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err" \
		"$BATS_TEST_TMPDIR/replay" "$BATS_TEST_TMPDIR/stats" "$BATS_TEST_TMPDIR/cmdline"
	assert_status 1
	assert_equal "$output" ""
	# The same through DS_API_KEY.
	DS_API_KEY=$key run --separate-stderr ds-fetch --max-pages 1 "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | jq '.records | length')" 100
	case "$output$stderr" in *"$key"*) echo "key leaked" >&2; return 1 ;; esac
}

@test "a missing key exits 101 and points at DS_API_KEY" {
	start_mock --events 100 --api-key sekrit-1
	run --separate-stderr ds-fetch "$MOCK_URL"
	assert_status 101
	assert_equal "$output" ""
	assert_stderr_contains 'msg="API key refused: HTTP 401: missing API key: send X-API-Key (no key given: set DS_API_KEY or use --api-key-file)"'
}

@test "a wrong key exits 101 without echoing a key" {
	start_mock --events 100 --api-key sekrit-1
	DS_API_KEY=wr0ng-key run --separate-stderr ds-fetch "$MOCK_URL"
	assert_status 101
	assert_equal "$output" ""
	assert_stderr_contains 'msg="API key refused: HTTP 403: API key refused"'
	assert_stderr_lacks "wr0ng"
	assert_stderr_lacks "sekrit"
}

@test "a URL carrying api_key= is refused with exit 64" {
	run --separate-stderr ds-fetch "http://127.0.0.1:1/api/v1?api_key=s3cret"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "pass the key in DS_API_KEY or --api-key-file instead"
	assert_stderr_lacks "s3cret"
}

# rate_429 FORM SPENT MATCH: on a mock with one request a second and
# --reset-form FORM, spend the budget with SPENT requests so that ds-fetch's
# first request meets the 429 form next in the mock's rotation (Retry-After
# delta, Retry-After HTTP-date, X-RateLimit-Reset only); it must wait as that
# form says and then get the page.
rate_429() {
	start_mock --events 200 --page-max 100 --rate 1/1 --reset-form "$1"
	window_start 1
	spend "$2"
	run --separate-stderr ds-fetch --max-pages 1 --backoff-max 0.01 "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | jq '.records | length')" 100
	assert_stderr_contains "msg=retry cause=http_429 attempt=1 wait_ms="
	assert_stderr_contains "detail=\"wait from $3\" status=429"
	assert_equal "$(summary http_429)" 1
	# The wait lasted to the window's end (0.7 s away when the test began),
	# not the 10 ms backoff.
	[ "$(summary waits_ms)" -ge 200 ]
}

@test "429 with a delta Retry-After waits and retries" {
	rate_429 delta 1 retry_after_delta
}

@test "429 with an HTTP-date Retry-After waits and retries" {
	rate_429 delta 2 retry_after_date
}

@test "429 with only a delta X-RateLimit-Reset waits and retries" {
	rate_429 delta 3 reset_delta
}

@test "429 with only an epoch X-RateLimit-Reset waits and retries" {
	rate_429 epoch 3 reset_epoch
}

# pace FORM: 60 pages at 20 requests a second meet no 429 and use at least
# 80% of the budget (the figure is printed; >= 95% is measured in the report).
pace() {
	start_mock --events 6000 --page-max 100 --rate 20/1 --reset-form "$1"
	window_start 1
	run --separate-stderr ds-fetch --limit 100 "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 60
	assert_equal "$(summary http_429)" 0
	local ms
	ms=$(summary elapsed_ms)
	echo "# pacing ($1 reset): 60 pages in $ms ms = $((60000 / ms)) pages/s of 20 allowed" >&3
	# Begun in a window's first 0.3 s, 60 requests need two more windows
	# (>= 1.7 s: the budget was kept); at 80% of 20 a second they take <= 3.75 s.
	[ "$ms" -ge 1650 ] && [ "$ms" -le 3750 ]
}

@test "pacing with a delta X-RateLimit-Reset meets no 429 and uses the budget" {
	pace delta
}

@test "pacing with an epoch X-RateLimit-Reset meets no 429 and uses the budget" {
	pace epoch
}

@test "SIGTERM mid-run leaves no partial line and exits with the signal" {
	start_mock --events 3000000 --page-max 1000
	ds-fetch --limit 1000 --archive "$BATS_TEST_TMPDIR/arch" --stats "$BATS_TEST_TMPDIR/stats" \
		"$MOCK_URL" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 0.7
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	assert_status 143
	n=$(wc -l <"$BATS_TEST_TMPDIR/out")
	[ "$n" -ge 1 ] && [ "$n" -lt 3000 ]
	assert_equal "$(tail -c 1 "$BATS_TEST_TMPDIR/out" | od -An -c | tr -d ' ')" '\n'
	assert_equal "$(jq -c .seq "$BATS_TEST_TMPDIR/out" | tail -n 1)" "$n"
	# The archive holds the same lines, its segment finished.
	assert_equal "$(zstdcat "$BATS_TEST_TMPDIR"/arch/*.zst | cmp - "$BATS_TEST_TMPDIR/out" && echo same)" same
	assert_equal "$(find "$BATS_TEST_TMPDIR/arch" -name '*.part' | wc -l)" 0
	grep -q "msg=stopped pages=$n " "$BATS_TEST_TMPDIR/err"
	grep -qx "state=failed" "$BATS_TEST_TMPDIR/stats"
}

@test "SIGTERM during a slow request stops at once" {
	start_mock --events 1000 --fail-rate 1 --faults slow --slow-seconds 20
	ds-fetch "$MOCK_URL" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 0.5
	t0=$(date +%s%N)
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	t1=$(date +%s%N)
	assert_status 143
	assert_equal "$(wc -c <"$BATS_TEST_TMPDIR/out")" 0
	echo "# stopped $(((t1 - t0) / 1000000)) ms after SIGTERM" >&3
	[ $(((t1 - t0) / 1000000)) -lt 2500 ]
}

@test "SIGINT during a backoff wait stops at once with status 130" {
	start_mock --events 1000 --fail-rate 1 --faults 503
	ds-fetch --backoff-max 30 --retries 50 "$MOCK_URL" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 1.5
	t0=$(date +%s%N)
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	t1=$(date +%s%N)
	assert_status 130
	[ $(((t1 - t0) / 1000000)) -lt 1000 ]
	grep -q 'msg=retry cause=http_503' "$BATS_TEST_TMPDIR/err"
}

@test "a closed stdout exits 112 quietly" {
	start_mock --events 50000 --page-max 1000
	run --separate-stderr bash -c 'ds-fetch --limit 1000 "$1" | head -c 100 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$MOCK_URL"
	assert_status 0
	assert_equal "$output" 112
	assert_equal "$stderr" ""
}

@test "a closed stdout exits 112 without waiting for the page asked for ahead" {
	# every response takes 3 s; page 1 fits in the pipe, writing page 2 (at
	# 6 s) fails while page 3 is asked for ahead (due at 9 s): exit at once
	start_mock --events 50000 --page-max 1000 --fail-rate 1 --faults slow --slow-seconds 3
	t0=$(date +%s%N)
	run --separate-stderr bash -c 'ds-fetch --timeout 20 --limit 1000 "$1" | head -c 100 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$MOCK_URL"
	t1=$(date +%s%N)
	assert_status 0
	assert_equal "$output" 112
	assert_equal "$stderr" ""
	echo "# exited $(((t1 - t0) / 1000000)) ms after start (page 2 came at 6000 ms)" >&3
	[ $(((t1 - t0) / 1000000)) -lt 8000 ]
}

@test "the archive replays byte for byte with zstdcat, in rotated 0600 segments" {
	start_mock --events 3000 --page-max 500
	run --separate-stderr ds-fetch --archive "$BATS_TEST_TMPDIR/arch" --archive-segment-bytes 60000 \
		--stream ev "$MOCK_URL"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out"
	zstdcat "$BATS_TEST_TMPDIR"/arch/*.zst >"$BATS_TEST_TMPDIR/replay"
	cmp "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/replay"
	n=$(find "$BATS_TEST_TMPDIR/arch" -type f | wc -l)
	[ "$n" -ge 2 ] && [ "$n" -le 6 ]
	assert_equal "$(find "$BATS_TEST_TMPDIR/arch" -type f -name 'ev-*T*Z-[0-9][0-9][0-9][0-9][0-9][0-9].zst' | wc -l)" "$n"
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/arch")" 700
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR"/arch/* | sort -u)" 600
	# One frame per page: each segment decompresses to whole lines.
	for f in "$BATS_TEST_TMPDIR"/arch/*.zst; do
		assert_equal "$(zstdcat "$f" | tail -c 1 | od -An -c | tr -d ' ')" '\n'
	done
}

@test "a segment a killed run left as .part is finished by the next run" {
	start_mock --events 1000 --page-max 500
	mkdir -m 700 "$BATS_TEST_TMPDIR/arch"
	ds-fetch --quiet --max-pages 1 "$MOCK_URL" | zstd -q >"$BATS_TEST_TMPDIR/arch/events-20260101T000000Z-000007.zst.part"
	run --separate-stderr ds-fetch --archive "$BATS_TEST_TMPDIR/arch" "$MOCK_URL"
	assert_status 0
	assert_stderr_contains "archive: finishing $BATS_TEST_TMPDIR/arch/events-20260101T000000Z-000007.zst.part left by an earlier run"
	assert_equal "$(find "$BATS_TEST_TMPDIR/arch" -name '*.part' | wc -l)" 0
	# The new segment's counter follows the old one, so names sort in fetch order.
	assert_equal "$(find "$BATS_TEST_TMPDIR/arch" -name '*-000008.zst' | wc -l)" 1
	assert_equal "$(zstdcat "$BATS_TEST_TMPDIR"/arch/*.zst | jq -c .seq | paste -sd,)" "1,1,2"
}

@test "--stats shows the progress figures and --max-pages stops early with status 0" {
	start_mock --events 3000 --page-max 1000
	run --separate-stderr ds-fetch --max-pages 2 --stats "$BATS_TEST_TMPDIR/stats" "$MOCK_URL"
	assert_status 0
	next=$(printf '%s\n' "$output" | tail -n 1 | jq -r .next)
	bytes=$(printf '%s\n' "$output" | wc -c)
	assert_equal "$(cat "$BATS_TEST_TMPDIR/stats")" "$(printf '%s\n' pages=2 records=2000 \
		"bytes=$bytes" retries=0 http_429=0 waits_ms=0 total=3000 "next=$next" has_more=true state=done)"
	assert_stderr_contains "msg=done pages=2 records=2000 bytes=$bytes retries=0 http_429=0 waits_ms=0 elapsed_ms="
	# Going on from the stats' next cursor gets the rest.
	run --separate-stderr ds-fetch --cursor "$next" "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.seq, .cursor, .has_more]')" "[1,\"$next\",false]"
}

@test "the next page is asked for while one is written, yet each cursor is requested once and none past --max-pages" {
	start_mock --log --events 5000 --page-max 500
	run --separate-stderr ds-fetch "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 10
	# the server saw each page's cursor once, in the order of the lines
	printf '%s\n' "$output" | jq -r 'if .cursor then .cursor | @uri else "null" end' \
		>"$BATS_TEST_TMPDIR/want"
	sed -n 's/.*msg=request method=GET path="[^"]*events?limit=[0-9]*\(&cursor=\([^"&]*\)\)\{0,1\}" status=200.*/\2/p' \
		"$MOCK_LOG" | sed 's/^$/null/' >"$BATS_TEST_TMPDIR/got"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/got")" "$(cat "$BATS_TEST_TMPDIR/want")"
	assert_equal "$(grep -c 'msg=request ' "$MOCK_LOG")" 10
	stop_mock

	start_mock --log --events 5000 --page-max 500
	run --separate-stderr ds-fetch --max-pages 3 "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 3
	assert_equal "$(grep -c 'msg=request ' "$MOCK_LOG")" 3
	assert_equal "$stderr" "$(printf '%s\n' "$stderr" | grep 'msg=done pages=3 ')"
}

@test "--quiet keeps only errors; --verbose adds a line per page" {
	start_mock --events 2000 --page-max 200 --fail-rate 0.5 --faults 503
	run --separate-stderr ds-fetch --quiet --backoff-max 0.01 "$MOCK_URL"
	assert_status 0
	assert_equal "$stderr" ""
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 10
	run --separate-stderr ds-fetch --verbose --backoff-max 0.01 "$MOCK_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$stderr" | grep -c 'level=info prog=ds-fetch msg=page seq=')" 10
}

@test "usage errors and bad option values exit 64" {
	run --separate-stderr ds-fetch
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "usage: ds-fetch [-qv] [--api-key-file file]"
	run --separate-stderr ds-fetch --frobnicate http://127.0.0.1:1/
	assert_status 64
	assert_stderr_contains "usage: ds-fetch"
	run --separate-stderr ds-fetch ftp://127.0.0.1/
	assert_status 64
	assert_stderr_contains "the URL must start with http:// or https://"
	run --separate-stderr ds-fetch --limit 0 http://127.0.0.1:1/
	assert_status 64
	assert_stderr_contains 'msg="--limit 0: want a whole number from 1 to 1000000000"'
	run --separate-stderr ds-fetch --timeout -1 http://127.0.0.1:1/
	assert_status 64
	assert_stderr_contains 'msg="--timeout -1: want a duration from 0.001 to 31536000 seconds'
	run --separate-stderr ds-fetch --help
	assert_status 0
	assert_equal "$stderr" ""
	assert_output_contains "usage: ds-fetch [-qv]"
}

# Start a raw HTTP server (python3's) whose 200 page carries headers of
# kind $1: ok (905 header lines, one of 8009 bytes), long (a line of 9009
# bytes), many (1105 lines), value (X-RateLimit-Reset of 200 bytes) or br
# (a body in Content-Encoding: br, never asked for). Sets RAW_URL.
start_raw_headers() {
	local out
	out=$(mktemp -p "$BATS_TEST_TMPDIR" raw.XXXXXX)
	python3 -u - "$1" >"$out" 2>&1 <<'PY' &
import http.server
import sys

mode = sys.argv[1]
body = (b'{"data":[{"id":"a","type":"t","timestamp":"2026-01-01T00:00:00Z"}],'
        b'"hasMore":false,"nextCursor":null}')


class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Pad", "a" * (9000 if mode == "long" else 8000))
        for i in range(1100 if mode == "many" else 900):
            self.send_header("X-H%d" % i, "v")
        if mode == "value":
            self.send_header("X-RateLimit-Reset", "1" * 200)
        if mode == "br":
            self.send_header("Content-Encoding", "br")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


s = http.server.HTTPServer(("127.0.0.1", 0), H)
print("port", s.server_address[1], flush=True)
s.serve_forever()
PY
	echo "$!" >>"$BATS_FILE_TMPDIR/pids"
	for _ in $(seq 1 100); do
		grep -q '^port ' "$out" && break
		sleep 0.05
	done
	RAW_URL=http://127.0.0.1:$(sed -n 's/^port //p' "$out")/api/v1
}

@test "response headers within the bounds (1000 lines, 8 KiB a line) are accepted" {
	start_raw_headers ok
	run --separate-stderr ds-fetch --retries 0 "$RAW_URL"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | jq -c '[.seq, (.records | map(.id))]')" '[1,["a"]]'
	assert_stderr_contains "msg=done pages=1 records=1 "
}

@test "a response header line over 8 KiB is a bad response, retried, then exit 111 saying so" {
	start_raw_headers long
	run --separate-stderr ds-fetch --retries 1 --backoff-max 0.01 "$RAW_URL"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains 'msg=retry cause=bad_headers attempt=1 '
	assert_stderr_contains 'last cause bad_headers: a response header line of 9009 bytes (more than 8192)"'
}

@test "more than 1000 response header lines is a bad response, retried, then exit 111 saying so" {
	start_raw_headers many
	run --separate-stderr ds-fetch --retries 1 --backoff-max 0.01 "$RAW_URL"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains 'msg=retry cause=bad_headers attempt=1 '
	assert_stderr_contains 'last cause bad_headers: more than 1000 response header lines"'
}

@test "a rate-limit header value over 127 bytes is a bad response, never cut and misread" {
	start_raw_headers value
	run --separate-stderr ds-fetch --retries 0 "$RAW_URL"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains 'last cause bad_headers: response header x-ratelimit-reset longer than 127 bytes"'
}

@test "a body in a Content-Encoding not asked for (br) exits 100 at once naming it, nothing written" {
	start_raw_headers br
	run --separate-stderr ds-fetch --retries 3 --backoff-max 0.01 "$RAW_URL"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'the server sent Content-Encoding: br, which was not asked for (Accept-Encoding: gzip)'
	assert_stderr_lacks 'msg=retry'
}

@test "ds-fetch cannot dump core: RLIMIT_CORE is 0 even when the shell allows cores, and it is not dumpable" {
	start_mock --events 1000 --fail-rate 1 --faults slow --slow-seconds 20
	# As root, run it as nobody: /proc/PID of a non-dumpable process belongs to root.
	as=()
	[ "$(id -u)" -ne 0 ] || as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	(ulimit -c unlimited && exec "${as[@]}" ds-fetch "$MOCK_URL") >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 0.5
	limits=$(grep '^Max core file size' "/proc/$pid/limits")
	owner=$(stat -c %u "/proc/$pid/status")
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	assert_status 143
	assert_equal "$(printf '%s\n' "$limits" | awk '{ print $5, $6 }')" "0 0"
	assert_equal "$owner" 0
	assert_equal "$(wc -c <"$BATS_TEST_TMPDIR/out")" 0
	assert_equal "$(grep -c 'level=error' "$BATS_TEST_TMPDIR/err")" 0
}
