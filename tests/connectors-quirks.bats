#!/usr/bin/env bats
# Documented quirks of the presets' APIs, each against ds-mockapi --style of
# that API (built to its public documentation) and a real PostgreSQL:
# Stripe's starting_after whose object is deleted between runs, JSON:API's
# content negotiation (415, 406).
# shellcheck disable=SC2154 # bats' run sets status, output and stderr
bats_require_minimum_version 1.5.0
load helpers
load chain

setup_file() {
	start_pg
	# bin/ finds ../connectors by itself; another build (make sanitize's) is told
	if [ "$DS_BIN" != "$DS_TOP/bin" ]; then
		export DS_CONNECTORS=$DS_TOP/connectors
	fi
}

teardown_file() {
	ds_teardown
}

setup() {
	T=$(ds_tmpdir)
	# shellcheck disable=SC2034 # read by chain.bash
	STATE=$T/state
	fresh_db
	printf 'id-field = id\nts-field = timestamp\nts-form = auto\n' >"$T/stripe.def"
}

teardown() {
	local p
	for p in ${BG_PIDS:-}; do
		kill_session "$p"
	done
	stop_mock
	rm -rf "$T"
}

@test "stripe: the resume state keeps the last object's created beside its id; the list is newest first" {
	start_mock --style stripe --events 25 --page-max 100 --log
	run --separate-stderr ds-fetch -q --connector stripe --limit 10 "$MOCK_BASE/v1/events"
	assert_status 0
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >"$T/pages"
	assert_equal "$(wc -l <"$T/pages")" "3"
	# "ID CREATED": the id of the page's last (oldest) object and its created
	jq -e -s 'all(.[0:2][]; .next | test("^evt_[0-9a-f]{16} [0-9]+$")) and .[2].next == null' "$T/pages"
	jq -e -s '[.[].records[].created] | . == (sort | reverse)' "$T/pages"
	jq -e -s '.[0].next == ((.[0].records[-1].id) + " " + (.[0].records[-1].created | tostring))' "$T/pages"
	# only the id goes in starting_after
	grep -q "path=\"/v1/events?limit=10&starting_after=$(jq -r -s '.[0].records[-1].id' "$T/pages")\" status=200" "$MOCK_LOG"
}

@test "stripe: a resume whose starting_after object was deleted meanwhile goes on from its created (created[lte]), says why, and stores every object once" {
	start_mock --style stripe --events 2000 --seed 8 --page-max 100 --rate 2/1 \
		--manifest "$T/manifest"
	start_bg --connector stripe --definition "$T/stripe.def" --limit 100 "$MOCK_BASE/v1/events"
	wait_for_stage ds-load
	sleep 3
	kill_session "$BG"
	wait "$BG" || true
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" get events
	assert_status 0
	state=$output
	[[ $state =~ ^(evt_[0-9a-f]{16})\ ([0-9]+)$ ]]
	gone=${BASH_REMATCH[1]} created=${BASH_REMATCH[2]}
	before=$(sql "select count(*) from events")
	[ "$before" -gt 0 ] && [ "$before" -lt 2000 ]
	# the object the state names is deleted on the server between the runs
	stop_mock
	start_mock --style stripe --events 2000 --seed 8 --page-max 100 --log --deleted "$gone"
	ds_run --connector stripe --definition "$T/stripe.def" --limit 100 "$MOCK_BASE/v1/events"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'msg="after-id object gone: going on from its time"'
	assert_stderr_contains "status=400 cursor=\"$gone $created\" resume=\"created[lte]=$created\" detail=\"No such event: '$gone'\""
	assert_equal "$(grep -c "starting_after=$gone\" status=400" "$MOCK_LOG")" "1"
	grep -q "path=\"/v1/events?limit=100&created%5Blte%5D=$created\" status=200" "$MOCK_LOG"
	# nothing lost, nothing twice: the deleted object was stored by the first run
	ids_match "$T/manifest"
	assert_equal "$(sql "select count(*) - count(distinct id) from events")" "0"
	assert_equal "$(sql "select count(*) from events where id = '$gone'")" "1"
	fetched=$(sed -n 's/.*msg="done" stream=events records=\([0-9]*\).*/\1/p' <<<"$stderr")
	[ "$fetched" -lt 2000 ]
}

@test "stripe: a state stored as an id alone (before after-time-field) still resumes; with its object gone it exits 100 saying the state holds no time" {
	start_mock --style stripe --events 250 --page-max 100 --log --manifest "$T/manifest"
	run --separate-stderr ds-fetch -q --connector stripe --limit 100 --max-pages 1 "$MOCK_BASE/v1/events"
	assert_status 0
	old=$(jq -r '.next | split(" ") | .[0]' <<<"$output")
	printf '%s\n' "$output" >"$T/pages"
	run --separate-stderr ds-fetch -q --connector stripe --limit 100 --cursor "$old" "$MOCK_BASE/v1/events"
	assert_status 0
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >>"$T/pages"
	assert_equal "$(wc -l <"$T/pages")" "3"
	jq -e -s '.[1].cursor == "'"$old"'"' "$T/pages"
	ds-transform --definition "$T/stripe.def" <"$T/pages" | ds-load >/dev/null 2>&1
	ids_match "$T/manifest"
	stop_mock
	start_mock --style stripe --events 250 --page-max 100 --deleted "$old"
	run --separate-stderr ds-fetch -q --connector stripe --limit 100 --cursor "$old" "$MOCK_BASE/v1/events"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains "HTTP 400 at cursor $old: the object of starting_after is gone (No such event: '$old'), and the state holds no time to go on from"
	assert_stderr_contains 'ds-checkpoint reset'
	# after-time-field and after-time-param go together
	printf 'paginate = after-id\nafter-param = a\nafter-field = id\nafter-time-field = t\n' >"$T/half"
	run --separate-stderr ds-fetch --definition "$T/half" "$MOCK_BASE/v1/events"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "$T/half:4: setting after-time-field: needs setting after-time-param too"
}

@test "jsonapi: a POST body goes as Content-Type application/vnd.api+json (setting content-type); sent as application/json the server's 415 exits 100, not retried" {
	start_mock --style jsonapi --events 250 --page-max 100 --log --manifest "$T/manifest"
	printf 'paginate = page\npage-param = page\npage-start = 1\ntotal-path = meta.total\nmethod = POST\nbody = {"page":{"number":{page},"size":{limit}}}\nlimit-param = size\nlimit = 100\nid-field = id\nts-field = attributes.timestamp\n' >"$T/post.def"
	run --separate-stderr ds-fetch -q --header 'Accept: application/vnd.api+json' \
		--definition "$T/post.def" "$MOCK_BASE/api/search"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'HTTP 415 Unsupported Media Type at cursor null: the server refuses a request body of media type application/json (setting content-type): a request document must be sent as Content-Type: application/vnd.api+json'
	assert_stderr_lacks 'msg=retry'
	assert_equal "$(grep -c 'status=415' "$MOCK_LOG")" "1"
	# the preset's content-type, and the same over a definition
	run --separate-stderr ds-fetch -q --connector jsonapi --definition "$T/post.def" "$MOCK_BASE/api/search"
	assert_status 0
	assert_equal "$stderr" ""
	assert_equal "$(wc -l <<<"$output")" "3"
	printf '%s\n' "$output" | ds-transform --definition "$T/post.def" | ds-load >/dev/null 2>&1
	ids_match "$T/manifest"
	run --separate-stderr ds-fetch -q --content-type 'application/vnd.api+json; charset=utf-8' \
		--header 'Accept: application/vnd.api+json' --definition "$T/post.def" \
		"$MOCK_BASE/api/search"
	assert_status 100
	assert_stderr_contains 'HTTP 415 Unsupported Media Type at cursor null: the server refuses a request body of media type application/vnd.api+json; charset=utf-8'
}

@test "jsonapi: an Accept that admits no JSON:API media type, or only with another parameter, is 406: exit 100 naming the Accept header, not retried" {
	start_mock --style jsonapi --events 50 --page-max 100 --log
	for accept in 'application/json' 'application/vnd.api+json; charset=utf-8'; do
		run --separate-stderr ds-fetch -q --paginate next-url --next-path links.next \
			--records data --auth none --header "Accept: $accept" "$MOCK_BASE/api/events"
		assert_status 100
		assert_equal "$output" ""
		assert_stderr_contains 'HTTP 406 Not Acceptable at cursor null: the server has no answer in a media type the request'"'"'s Accept allows'
		assert_stderr_lacks 'msg=retry'
	done
	assert_equal "$(grep -c 'status=406' "$MOCK_LOG")" "2"
	# the JSON:API type once without a parameter, or a wildcard, is acceptable
	for accept in 'application/vnd.api+json; charset=utf-8, application/vnd.api+json' '*/*' \
		'application/vnd.api+json; profile="https://example.com/p"'; do
		run --separate-stderr ds-fetch -q --paginate next-url --next-path links.next \
			--records data --auth none --header "Accept: $accept" "$MOCK_BASE/api/events"
		assert_status 0
		assert_equal "$stderr" ""
	done
}

@test "content-type: a media type or exit 64; a Content-Type header is refused in favour of it" {
	run --separate-stderr ds-fetch --connector jsonapi --content-type 'json' http://127.0.0.1:9/api/x
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains 'setting content-type: want a media type, type/subtype'
	run --separate-stderr ds-fetch --connector jsonapi --header 'Content-Type: application/json' \
		http://127.0.0.1:9/api/x
	assert_status 64
	assert_stderr_contains "setting header: the body's media type is setting content-type"
}

@test "ckan: with total_estimation_threshold the total is an estimate (total_was_estimated): the pages end the stream, not it, nothing lost" {
	printf 'id-field = id\nts-field = timestamp\nts-form = auto\nparam = total_estimation_threshold=10\n' >"$T/ckan.def"
	start_mock --style ckan --events 1000 --seed 6 --page-max 100 --log --manifest "$T/manifest"
	ds_run --connector ckan --definition "$T/ckan.def" --limit 100 \
		"$MOCK_BASE/api/3/action/datastore_search?resource_id=events"
	assert_status 0
	assert_equal "$output" ""
	ids_match "$T/manifest"
	# the estimate (900) was passed; the empty page after the last row ended it
	grep -q 'total_estimation_threshold=10&limit=100&offset=900" status=200' "$MOCK_LOG"
	grep -q 'total_estimation_threshold=10&limit=100&offset=1000" status=200' "$MOCK_LOG"
	# an estimate taken as the end would have stopped at 900 rows
	run --separate-stderr ds-fetch -q --connector ckan --total-estimated-path result.nosuch \
		--param total_estimation_threshold=10 --limit 100 \
		"$MOCK_BASE/api/3/action/datastore_search?resource_id=events"
	assert_status 0
	assert_equal "$(jq -s '[.[].records | length] | add' <<<"$output")" "900"
	run --separate-stderr ds-fetch --paginate offset --offset-param offset \
		--total-estimated-path result.total_was_estimated "$MOCK_BASE/api/3/action/datastore_search"
	assert_status 64
	assert_stderr_contains 'setting total-estimated-path: needs setting total-path'
}

@test "github: a 204 No Content (an empty repository's contributors) is an empty last page, exit 0" {
	start_mock --style github --events 50 --log
	ds_run --connector github --definition "$T/stripe.def" "$MOCK_BASE/repos/octo/empty/contributors"
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$(sql "select count(*) from events")" "0"
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" get events
	assert_status 3
	run --separate-stderr ds-fetch -q --connector github "$MOCK_BASE/repos/octo/empty/contributors"
	assert_status 0
	assert_equal "$stderr" ""
	jq -e '.records == [] and .has_more == false and .next == null' <<<"$output"
	assert_equal "$(grep -c 'status=204' "$MOCK_LOG")" "2"
}

@test "socrata: a --limit over SODA 2.0's 50000 is lowered to the preset's limit-max, not answered 400" {
	start_mock --style socrata --events 120 --page-max 100000 --log --manifest "$T/manifest"
	run --separate-stderr ds-fetch --connector socrata --limit 60000 "$MOCK_BASE/resource/abcd-1234.json"
	assert_status 0
	assert_stderr_contains 'msg="limit above limit-max" limit=60000 limit_max=50000'
	assert_equal "$(jq -s '[.[].records | length] | add' <<<"$output")" "120"
	grep -q '%24limit=50000' "$MOCK_LOG"
	run ! grep -q 'status=400' "$MOCK_LOG"
}
