#!/usr/bin/env bats
# Stream definitions and connector presets: each preset against ds-mockapi
# --style of the same API, through ds-fetch | ds-transform | ds-load into a
# real PostgreSQL (under ds-run), with faults, rate limits, kills and auth.
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
	printf 'mock-secret-4f9a2c\n' >"$T/key"
	printf 'wrong-secret-77d1e0\n' >"$T/badkey"
}

teardown() {
	local p
	for p in ${BG_PIDS:-}; do
		kill_session "$p"
	done
	stop_mock
	rm -rf "$T"
}

# mockdef PRESET: $T/def, where the mock's records keep their id and time
# (the presets name the real APIs' fields), their time in any form of the
# API contract (ts-form = auto).
mockdef() {
	case $1 in
	arcgis) printf 'id-field = attributes.id\nts-field = attributes.timestamp\n' ;;
	jsonapi) printf 'id-field = id\nts-field = attributes.timestamp\nfilter = filter[since]={since}\n' ;;
	*) printf 'id-field = id\nts-field = timestamp\n' ;;
	esac >"$T/def"
	echo 'ts-form = auto' >>"$T/def"
}

# url_of PRESET: the mock's endpoint in that API's form.
url_of() {
	case $1 in
	socrata) echo "$MOCK_BASE/resource/abcd-1234.json" ;;
	arcgis) echo "$MOCK_BASE/arcgis/rest/services/Events/FeatureServer/0/query" ;;
	ckan) echo "$MOCK_BASE/api/3/action/datastore_search?resource_id=events" ;;
	github) echo "$MOCK_BASE/repos/octo/events/issues" ;;
	stripe) echo "$MOCK_BASE/v1/events" ;;
	jsonapi) echo "$MOCK_BASE/api/events" ;;
	esac
}

# full_run PRESET: faults, a rate limit and bad records; the table equals
# the manifest, the rejects are the bad records.
full_run() {
	mockdef "$1"
	start_mock --style "$1" --events 3000 --seed 5 --page-max 100 --fail-rate 0.15 \
		--faults 500,503,html,truncate,429 --rate 40/1 --bad-rate 0.01 \
		--api-key-file "$T/key" --manifest "$T/manifest" --log
	ds_run --connector "$1" --definition "$T/def" --api-key-file "$T/key" --limit 100 \
		"$(url_of "$1")"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'msg="done"'
	ids_match "$T/manifest"
	assert_equal "$(sql "select count(*) from ds_rejects")" \
		"$(grep -c '^bad' "$T/manifest")"
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" get events
	assert_status 3
	# the retries met the faults and the rate limit
	grep -q 'fault=500\|fault=503\|fault=html\|fault=truncate\|fault=429' "$MOCK_LOG"
	assert_stderr_lacks 'mock-secret-4f9a2c'
}

# kill_mid_run PRESET [MOCK-OPTION...]: a run of 2000 events SIGKILLed (the
# whole chain) mid-run; output is the stored state.
kill_mid_run() {
	mockdef "$1"
	start_mock --style "$1" --events 2000 --seed 8 --page-max 100 --rate 2/1 \
		--manifest "$T/manifest" "${@:2}"
	start_bg --connector "$1" --definition "$T/def" --limit 100 "$(url_of "$1")"
	wait_for_stage ds-load
	sleep 3
	kill_session "$BG"
	wait "$BG" || true
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" get events
	assert_status 0
	[ -n "$output" ]
	before=$(sql "select count(*) from events")
	[ "$before" -gt 0 ] && [ "$before" -lt 2000 ]
}

# resume_run PRESET: SIGKILL of the whole chain mid-run, then a new run
# goes on from the stored state: exactly the manifest's ids, once.
resume_run() {
	kill_mid_run "$1"
	ds_run --connector "$1" --definition "$T/def" --limit 100 "$(url_of "$1")"
	assert_status 0
	ids_match "$T/manifest"
	assert_equal "$(sql "select count(*) - count(distinct id) from events")" "0"
	# the second run began where the first stopped, not at the start
	fetched=$(sed -n 's/.*msg="done" stream=events records=\([0-9]*\).*/\1/p' <<<"$stderr")
	[ "$fetched" -lt 2000 ]
}

# follow_run PRESET: new events appear; --follow asks only since the newest
# stored time minus the overlap, through the preset's filter.
follow_run() {
	mockdef "$1"
	start_mock --style "$1" --events 1500 --seed 9 --page-max 100
	ds_run --connector "$1" --definition "$T/def" --limit 100 "$(url_of "$1")"
	assert_status 0
	stop_mock
	start_mock --style "$1" --events 2000 --seed 9 --page-max 100 --log \
		--manifest "$T/manifest"
	newest=$(sql "select max(ts) from events")
	since=$(date -u -d "@$(($(date -u -d "$newest" +%s) - 300))" +%Y-%m-%dT%H:%M:%SZ)
	inwindow=$(sql "select count(*) from events where ts >= '$since'")
	ds_run --follow --overlap 5m --connector "$1" --definition "$T/def" --limit 100 \
		"$(url_of "$1")"
	assert_status 0
	assert_stderr_contains "msg=\"stream finished earlier: following what is new\" stream=events since=$since"
	assert_stderr_contains "records=500 duplicates=$inwindow rejects=0"
	ids_match "$T/manifest"
}

# auth_refused PRESET: a wrong credential exits 101; the secret is nowhere.
auth_refused() {
	mockdef "$1"
	start_mock --style "$1" --events 100 --api-key-file "$T/key"
	run --separate-stderr ds-fetch --connector "$1" --definition "$T/def" \
		--api-key-file "$T/badkey" "$(url_of "$1")"
	assert_status 101
	assert_equal "$output" ""
	assert_stderr_contains 'credentials refused'
	assert_stderr_lacks 'wrong-secret-77d1e0'
	assert_stderr_lacks 'mock-secret-4f9a2c'
	run --separate-stderr ds-fetch --connector "$1" --definition "$T/def" "$(url_of "$1")"
	assert_status 101
	assert_stderr_contains 'no key given'
}

@test "socrata: a full run through faults and 429s stores exactly the manifest's ids" { full_run socrata; }
@test "arcgis: a full run through faults, short pages and 429s stores exactly the manifest's ids" { full_run arcgis; }
@test "ckan: a full run through faults and 429s stores exactly the manifest's ids" { full_run ckan; }
@test "github: a full run through faults and 403 rate limits stores exactly the manifest's ids" { full_run github; }
@test "stripe: a full run through faults and 429s stores exactly the manifest's ids" { full_run stripe; }
@test "jsonapi: a full run through faults and 429s stores exactly the manifest's ids" { full_run jsonapi; }

@test "socrata: SIGKILL mid-run, then a new run resumes from the stored offset, exact" { resume_run socrata; }
@test "arcgis: SIGKILL mid-run, then a new run resumes from the stored offset, exact" { resume_run arcgis; }
@test "ckan: SIGKILL mid-run, then a new run resumes from the stored offset, exact" { resume_run ckan; }
@test "github: SIGKILL mid-run, then a new run resumes from the stored next URL, exact" { resume_run github; }
@test "stripe: SIGKILL mid-run, then a new run resumes from the stored last id, exact" { resume_run stripe; }
@test "jsonapi: SIGKILL mid-run, then a new run resumes from the stored next URL, exact" { resume_run jsonapi; }

@test "socrata: --follow asks \$where :updated_at >= since, storing only what is new" { follow_run socrata; }
@test "arcgis: --follow asks where EditDate >= since, storing only what is new" { follow_run arcgis; }
@test "github: --follow asks since=, storing only what is new" { follow_run github; }
@test "stripe: --follow asks created[gte]=epoch, storing only what is new" { follow_run stripe; }
@test "jsonapi: --follow with a filter setting, storing only what is new" { follow_run jsonapi; }
@test "ckan: a re-read from the start (ds-checkpoint reset) stores only the new rows; --follow is refused (64) before any request, datastore_search having no range filter" {
	mockdef ckan
	start_mock --style ckan --events 300 --seed 9 --page-max 100
	ds_run --connector ckan --definition "$T/def" --limit 100 "$(url_of ckan)"
	assert_status 0
	stop_mock
	start_mock --style ckan --events 400 --seed 9 --page-max 100 --log \
		--manifest "$T/manifest"
	run --separate-stderr ds-checkpoint --db "$DATABASE_URL" reset events
	assert_status 0
	ds_run --connector ckan --definition "$T/def" --limit 100 "$(url_of ckan)"
	assert_status 0
	assert_stderr_contains "records=100 duplicates=300 rejects=0"
	ids_match "$T/manifest"
	: >"$MOCK_LOG"
	ds_run --follow --overlap 5m --connector ckan --definition "$T/def" --limit 100 \
		"$(url_of ckan)"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains 'paginate offset sends no time filter: set filter (or a body) with {since}, or keep the table current with full passes (ds-run --mode snapshot)'
	run ! grep -q 'datastore_search' "$MOCK_LOG"
}

@test "ckan: --mode snapshot keeps a table current by full passes: ds-run starts the next pass of a finished stream, new rows stored, changed ones replaced" {
	mockdef ckan
	start_mock --style ckan --events 300 --seed 9 --page-max 100 --bad-rate 0
	ds_run --connector ckan --definition "$T/def" --limit 100 --table ck --mode snapshot \
		"$(url_of ckan)"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'msg="snapshot pass complete" stream=events table=ck marked_deleted=0'
	stop_mock
	start_mock --style ckan --events 400 --seed 9 --page-max 100 --bad-rate 0 \
		--generation 1 --churn 0.2 --manifest "$T/manifest"
	ds_run --connector ckan --definition "$T/def" --limit 100 --table ck --mode snapshot \
		"$(url_of ckan)"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'snapshot pass finished earlier: starting the next pass'
	assert_equal "$(sql "select count(*) from ck where deleted_at is null")" 400
	# every row the source has now, at its current revision
	awk -F '\t' '$1 == "valid" { print $2 "\t" $3 }' "$T/manifest" | LC_ALL=C sort >"$T/want"
	sql "select id || chr(9) || coalesce(data->>'rev', '0') from ck" | LC_ALL=C sort >"$T/got"
	[ "$(awk -F '\t' '$2 != "0"' "$T/want" | wc -l)" -gt 20 ]
	run comm -23 "$T/want" "$T/got"
	assert_equal "$output" ""
}

@test "socrata: a refused app token exits 101, the secret nowhere" { auth_refused socrata; }
@test "socrata: a floating_timestamp column is the time with ts-form iso-local and the publisher's ts-zone" {
	printf 'id-field = id\nts-field = inspected_at\nts-form = iso-local\nts-zone = -06:00\n' >"$T/def"
	start_mock --style socrata --events 300 --seed 5 --page-max 100 --bad-rate 0 \
		--manifest "$T/manifest"
	ds_run --connector socrata --definition "$T/def" --limit 100 "$(url_of socrata)"
	assert_status 0
	assert_equal "$output" ""
	ids_match "$T/manifest"
	# the floating local time plus six hours is the event's own UTC time
	assert_equal "$(sql "select count(*) from events where data->>'inspected_at' !~ '^[0-9-]{10}T[0-9:.]{12}\$'")" "0"
	assert_equal "$(sql "select count(*) from events where data->>'timestamp' like '%Z' and ts <> (data->>'timestamp')::timestamptz")" "0"
	[ "$(sql "select count(*) from events where data->>'timestamp' like '%Z'")" -gt 0 ]
	assert_equal "$(sql "select count(*) from events where ts at time zone 'UTC' <> (data->>'inspected_at')::timestamp + interval '6 hours'")" "0"
}
@test "arcgis: a refused token (498 in a 200 body) exits 101, the secret nowhere" { auth_refused arcgis; }
@test "ckan: a refused API token exits 101, the secret nowhere" { auth_refused ckan; }
@test "github: bad credentials exit 101, the secret nowhere" { auth_refused github; }
@test "stripe: an invalid API key exits 101, the secret nowhere" { auth_refused stripe; }
@test "jsonapi: a refused bearer token exits 101, the secret nowhere" { auth_refused jsonapi; }

@test "a definition file: unknown setting, missing required one, two styles, a setting twice: 64 naming file, line and setting" {
	printf 'paginate = cursor\n# a comment\nrecrods = data\n' >"$T/d1"
	run --separate-stderr ds-fetch --definition "$T/d1" http://127.0.0.1:9/x
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "$T/d1:3: unknown setting recrods"
	printf 'paginate = cursor\ncursor-param = after\n' >"$T/d2"
	run --separate-stderr ds-fetch --definition "$T/d2" http://127.0.0.1:9/x
	assert_status 64
	assert_stderr_contains "$T/d2:1: setting paginate: cursor needs setting cursor-path"
	printf 'paginate = offset\noffset-param = skip\nnext-path = links.next\n' >"$T/d3"
	run --separate-stderr ds-fetch --definition "$T/d3" http://127.0.0.1:9/x
	assert_status 64
	assert_stderr_contains "$T/d3:3: setting next-path: belongs to paginate next-url, but paginate is offset ($T/d3:1): two pagination styles"
	printf 'paginate = offset\npaginate = link\n' >"$T/d4"
	run --separate-stderr ds-fetch --definition "$T/d4" http://127.0.0.1:9/x
	assert_status 64
	assert_stderr_contains "$T/d4:2: setting paginate: set twice (also at $T/d4:1): a contradiction"
	printf 'this line has no equals sign\n' >"$T/d5"
	run --separate-stderr ds-fetch --definition "$T/d5" http://127.0.0.1:9/x
	assert_status 64
	assert_stderr_contains "$T/d5:1: expected \\\"name = value\\\""
	run --separate-stderr ds-transform --definition "$T/d1"
	assert_status 64
	assert_stderr_contains "$T/d1:3: unknown setting recrods"
}

@test "a definition is data: \$(...) and backquotes are kept as text, never run" {
	printf 'paginate = none\nrecords = .\nparam = q=$(touch %s/pwned)`touch %s/pwned2`\n' "$T" "$T" >"$T/def"
	start_mock --style socrata --events 3 --log
	run --separate-stderr ds-fetch -q --definition "$T/def" "$MOCK_BASE/resource/abcd-1234.json"
	assert_status 0
	[ ! -e "$T/pwned" ] && [ ! -e "$T/pwned2" ]
	grep -q 'touch' "$MOCK_LOG"
}

@test "the command line overrides the preset and the definition file; --connector of no such preset is 64" {
	start_mock --style github --events 30 --page-max 100
	printf 'limit = 7\n' >"$T/def"
	run --separate-stderr ds-fetch -q --connector github --definition "$T/def" --limit 10 \
		"$MOCK_BASE/repos/o/r/issues"
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" "3"
	run --separate-stderr ds-fetch -q --connector github --definition "$T/def" \
		"$MOCK_BASE/repos/o/r/issues"
	assert_equal "$(wc -l <<<"$output")" "5"
	run --separate-stderr ds-fetch --connector nosuch "$MOCK_BASE/x"
	assert_status 64
	assert_stderr_contains "--connector nosuch: no such connector (looked in"
	run --separate-stderr ds-fetch --connector github --since 2026-01-01T00:00:00Z \
		--filter 'q={until}' "$MOCK_BASE/x"
	assert_status 64
	assert_stderr_contains "--since: paginate link sends no time filter: set filter (or a body) with {since}"
}

@test "a key sent as a query parameter (arcgis token) is in no page line, archive, stats file, checkpoint or log" {
	mockdef arcgis
	start_mock --style arcgis --events 250 --page-max 100 --api-key-file "$T/key"
	run --separate-stderr ds-fetch -v --connector arcgis --definition "$T/def" \
		--api-key-file "$T/key" --archive "$T/arch" --stats "$T/stats" --limit 100 \
		"$(url_of arcgis)"
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" "3"
	assert_stderr_contains 'msg=page seq=3'
	printf '%s\n' "$output" >"$T/pages"
	run grep -rl 'mock-secret-4f9a2c' "$T/pages" "$T/stats" <(zstdcat "$T"/arch/*.zst) <(printf '%s' "$stderr")
	assert_equal "$output" ""
	printf '%s\n' "$(cat "$T/pages")" | ds-transform --definition "$T/def" | ds-load >/dev/null 2>&1
	assert_equal "$(sql "select count(*) from ds_checkpoints where cursor like '%mock-secret%'")" "0"
	assert_equal "$(sql "select count(*) from events")" "250"
}

@test "ckan: next link on an empty page stops there (stop-on-empty), said why, one request past the end" {
	start_mock --style ckan --events 250 --page-max 100 --log
	# CKAN's own next link, with neither a total nor a flag to stop it
	printf 'paginate = next-url\nnext-path = result._links.next\nrecords = result.records\nerror-path = error\nauth = authorization\nlimit-param = limit\nlimit = 100\n' >"$T/def"
	run --separate-stderr ds-fetch -v --definition "$T/def" \
		"$MOCK_BASE/api/3/action/datastore_search?resource_id=r"
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" "4"
	assert_stderr_contains 'msg="last page" reason="empty page"'
	assert_equal "$(grep -c 'msg=request' "$MOCK_LOG")" "4"
	tail -n 1 <<<"$output" | grep -q '"next":null,"has_more":false'
}

@test "a flag that says more over empty pages again and again fails with 100 naming the rule, never loops" {
	start_mock --style ckan --events 150 --page-max 100 --log
	printf 'paginate = next-url\nnext-path = result._links.next\nrecords = result.records\nmore-path = success\nlimit-param = limit\nlimit = 100\n' >"$T/def"
	run --separate-stderr ds-fetch --definition "$T/def" \
		"$MOCK_BASE/api/3/action/datastore_search?resource_id=r"
	assert_status 100
	assert_stderr_contains 'empty pages in a row while a flag says there is more'
	# two pages of records, three empty ones allowed, the fourth fails
	assert_equal "$(grep -c 'msg=request' "$MOCK_LOG")" "6"
}

@test "a has-more flag that is not a boolean, or a record path with no array, exits 100 naming the setting, path and byte" {
	start_mock --style stripe --events 20
	run --separate-stderr ds-fetch --connector stripe --has-more-path object "$MOCK_BASE/v1/events"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'has-more-path object: a string at byte'
	run --separate-stderr ds-fetch --connector stripe --records url "$MOCK_BASE/v1/events"
	assert_status 100
	assert_stderr_contains 'does not match the definition: records url: a string at byte'
}

@test "stripe: HTTP Basic with the key as the user name is accepted (auth basic)" {
	start_mock --style stripe --events 30 --api-key-file "$T/key"
	printf 'mock-secret-4f9a2c:\n' >"$T/basic"
	run --separate-stderr ds-fetch -q --connector stripe --auth basic --api-key-file "$T/basic" \
		"$MOCK_BASE/v1/events"
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" "1"
	run --separate-stderr ds-fetch -q --connector stripe --auth basic --api-key-file "$T/key" \
		"$MOCK_BASE/v1/events"
	assert_status 64
	assert_stderr_contains 'auth basic: the secret'
	assert_stderr_lacks 'mock-secret-4f9a2c'
}

@test "auth oauth2: the token is fetched with the client credentials, renewed before it expires, never shown" {
	mockdef jsonapi
	printf 'client-1:client-secret-93be\n' >"$T/client"
	start_mock --style jsonapi --oauth2 --token-ttl 2 --api-key-file "$T/client" \
		--events 1000 --page-max 100 --rate 3/1 --log --manifest "$T/manifest"
	printf 'auth = oauth2\ntoken-url = %s/oauth/token\n' "$MOCK_BASE" >>"$T/def"
	ds_run --connector jsonapi --definition "$T/def" --api-key-file "$T/client" --limit 100 \
		"$MOCK_BASE/api/events"
	assert_status 0
	ids_match "$T/manifest"
	tokens=$(grep -c 'path=/oauth/token status=200' "$MOCK_LOG")
	[ "$tokens" -ge 2 ]
	assert_equal "$(grep -c 'status=401' "$MOCK_LOG")" "0"
	assert_stderr_lacks 'client-secret-93be'
	assert_stderr_lacks 'tok-'
}

@test "auth oauth2: a client the token URL refuses exits 101, the secret nowhere" {
	printf 'client-1:client-secret-93be\n' >"$T/client"
	printf 'client-1:not-the-secret-5a\n' >"$T/wrong"
	start_mock --style jsonapi --oauth2 --api-key-file "$T/client" --events 10
	run --separate-stderr ds-fetch --connector jsonapi --auth oauth2 \
		--token-url "$MOCK_BASE/oauth/token" --api-key-file "$T/wrong" "$MOCK_BASE/api/events"
	assert_status 101
	assert_equal "$output" ""
	assert_stderr_contains 'credentials refused by the token URL'
	assert_stderr_contains 'invalid_client'
	assert_stderr_lacks 'not-the-secret-5a'
	run --separate-stderr ds-fetch --connector jsonapi --token-url "$MOCK_BASE/oauth/token" \
		"$MOCK_BASE/api/events"
	assert_status 64
	assert_stderr_contains 'setting token-url: only for auth oauth2'
}

@test "auth oauth2: a token the API refuses (revoked) is renewed once, at once, and the run goes on" {
	mockdef jsonapi
	printf 'client-1:client-secret-93be\n' >"$T/client"
	start_mock --style jsonapi --oauth2 --revoke-every 4 --api-key-file "$T/client" \
		--events 1000 --page-max 100 --log --manifest "$T/manifest"
	printf 'auth = oauth2\ntoken-url = %s/oauth/token\n' "$MOCK_BASE" >>"$T/def"
	run --separate-stderr ds-fetch -q --connector jsonapi --definition "$T/def" \
		--api-key-file "$T/client" --limit 100 "$MOCK_BASE/api/events"
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" "10"
	assert_equal "$stderr" ""
	# every 401 was followed by a new token and the same page again
	assert_equal "$(grep -c 'status=401' "$MOCK_LOG")" "$(($(grep -c 'path=/oauth/token status=200' "$MOCK_LOG") - 1))"
	[ "$(grep -c 'status=401' "$MOCK_LOG")" -ge 2 ]
}

@test "a POST body template pages through the body: {page} and {limit} filled, total-path stops" {
	mockdef jsonapi
	start_mock --style jsonapi --events 250 --page-max 100 --log --manifest "$T/manifest"
	printf 'paginate = page\npage-param = page\npage-start = 1\ntotal-path = meta.total\nmethod = POST\ncontent-type = application/vnd.api+json\nheader = Accept: application/vnd.api+json\nbody = {"page":{"number":{page},"size":{limit}}}\nlimit-param = size\nlimit = 100\nid-field = id\nts-field = attributes.timestamp\n' >"$T/post.def"
	run --separate-stderr ds-fetch -q --definition "$T/post.def" "$MOCK_BASE/api/search"
	assert_status 0
	assert_equal "$stderr" ""
	assert_equal "$(wc -l <<<"$output")" "3"
	# the state went in the body, not the query; the total ended it without an empty page
	assert_equal "$(grep -c 'method=POST path=/api/search status=200' "$MOCK_LOG")" "3"
	printf '%s\n' "$output" | ds-transform --definition "$T/post.def" | ds-load >/dev/null 2>&1
	ids_match "$T/manifest"
}

@test "github: the older token scheme (auth scheme, auth-scheme token) is accepted" {
	start_mock --style github --events 30 --api-key-file "$T/key"
	run --separate-stderr ds-fetch -q --connector github --auth scheme --auth-scheme token \
		--api-key-file "$T/key" "$MOCK_BASE/repos/o/r/issues"
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" "1"
	assert_equal "$stderr" ""
}

@test "ds-run --config: CONNECTOR and DEFINITION reach ds-fetch and ds-transform" {
	mockdef stripe
	start_mock --style stripe --events 300 --api-key-file "$T/key" --manifest "$T/manifest"
	printf 'URL=%s/v1/events\nCONNECTOR=stripe\nDEFINITION=%s\nAPI_KEY_FILE=%s\n' \
		"$MOCK_BASE" "$T/def" "$T/key" >"$T/run.conf"
	ds_run --config "$T/run.conf"
	assert_status 0
	assert_equal "$output" ""
	ids_match "$T/manifest"
	printf 'CONNECTOR=no such\n' >"$T/bad.conf"
	ds_run --config "$T/bad.conf" --stream other "$MOCK_BASE/v1/events"
	assert_status 64
	assert_stderr_contains 'not a connector name'
}

@test "arcgis: pages shorter than asked while exceededTransferLimit is true: the offset advances by what came, nothing lost" {
	start_mock --style arcgis --events 2000 --page-max 100 --seed 3
	run --separate-stderr ds-fetch -q --connector arcgis --limit 100 "$(url_of arcgis)"
	assert_status 0
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >"$T/pages"
	# some page came short with more to come, and the next offset counted what came
	jq -e -s '[.[] | select(.has_more and (.records | length) < 100)] | length > 0' "$T/pages"
	jq -e -s 'all(.[]; .next == null or (.next | tonumber) == ((.cursor // "0") | tonumber) + (.records | length))' "$T/pages"
	assert_equal "$(jq -s '[.[].records[].attributes.id] | unique | length' "$T/pages")" "2000"
	jq -e -s '.[-1].has_more == false and .[-1].next == null' "$T/pages"
}

@test "a start cursor that is a URL on another origin is refused with 64: the credentials go nowhere else" {
	run --separate-stderr ds-fetch --connector github --cursor 'https://evil.example/repos/o/r/issues?page=2' \
		http://127.0.0.1:9/repos/o/r/issues
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains 'not a URL to follow from http://127.0.0.1:9/repos/o/r/issues: it leads to another origin'
}

@test "paginate cursor: DataSync's own API described as a generic cursor definition, cursors with + / = sent back encoded" {
	start_mock --events 2500 --page-max 1000 --manifest "$T/manifest" --log
	printf 'paginate = cursor\ncursor-path = pagination.nextCursor\ncursor-param = cursor\nrecords = data\nhas-more-path = pagination.hasMore\ntotal-path = meta.total\nlimit-param = limit\nlimit = 1000\n' >"$T/cur.def"
	run --separate-stderr ds-fetch -q --definition "$T/cur.def" "$MOCK_URL/events"
	assert_status 0
	assert_equal "$stderr" ""
	assert_equal "$(wc -l <<<"$output")" "3"
	# the state is the server's cursor, as the page line's cursor and next
	jq -e -s '.[0].cursor == null and (.[0].next | test("^[+]/[+]/")) and .[1].cursor == .[0].next and .[2].next == null' <<<"$output"
	printf '%s\n' "$output" | ds-transform | ds-load >/dev/null 2>&1
	ids_match "$T/manifest"
	grep -q 'cursor=%2B%2F%2B%2F' "$MOCK_LOG"
}

@test "paginate page: JSON:API page[number] from 1 by GET, the total stops it without an empty page" {
	mockdef jsonapi
	start_mock --style jsonapi --events 250 --page-max 100 --log --manifest "$T/manifest"
	printf 'paginate = page\npage-param = page[number]\npage-start = 1\nrecords = data\ntotal-path = meta.total\nlimit-param = page[size]\nlimit = 100\nheader = Accept: application/vnd.api+json\n' >>"$T/def"
	run --separate-stderr ds-fetch -q --definition "$T/def" "$MOCK_BASE/api/events"
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" "3"
	jq -e -s '[.[].cursor] == [null, "2", "3"] and [.[].has_more] == [true, true, false]' <<<"$output"
	assert_equal "$(grep -c 'msg=request' "$MOCK_LOG")" "3"
	printf '%s\n' "$output" | ds-transform --definition "$T/def" | ds-load >/dev/null 2>&1
	ids_match "$T/manifest"
}

@test "socrata: 202 Request Processing is asked again until the 200 comes, nothing lost" {
	mockdef socrata
	start_mock --style socrata --events 600 --seed 4 --page-max 100 --fail-rate 0.4 \
		--faults 202 --log --manifest "$T/manifest"
	ds_run --connector socrata --definition "$T/def" --limit 100 "$(url_of socrata)"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'cause=processing'
	ids_match "$T/manifest"
	[ "$(grep -c 'status=202 fault=202' "$MOCK_LOG")" -ge 1 ]
}

@test "github: a secondary rate limit that is a 403 with its message alone waits (a minute, at most --backoff-max), never exits 101" {
	mockdef github
	start_mock --style github --events 500 --seed 6 --page-max 100 --fail-rate 0.3 \
		--faults bare429 --log --manifest "$T/manifest"
	run --separate-stderr ds-fetch --connector github --definition "$T/def" --limit 100 \
		--backoff-max 1s "$(url_of github)"
	assert_status 0
	printf '%s\n' "$output" >"$T/pages"
	assert_equal "$(wc -l <"$T/pages")" "5"
	assert_stderr_contains 'cause=http_429 attempt=1 wait_ms=1000'
	assert_stderr_contains 'detail="wait from rate_limit_message" status=403'
	ds-transform --definition "$T/def" <"$T/pages" | ds-load >/dev/null 2>&1
	ids_match "$T/manifest"
	[ "$(grep -c 'status=403 fault=bare429' "$MOCK_LOG")" -ge 1 ]
}

@test "jsonapi: links.next as a link object is followed by its href; a next omitted or null ends the stream" {
	mockdef jsonapi
	# 5 pages: a link object after page 3, no next member at all after page 5
	start_mock --style jsonapi --events 450 --page-max 100 --log --manifest "$T/manifest"
	run --separate-stderr ds-fetch -q --connector jsonapi --definition "$T/def" --limit 100 \
		"$(url_of jsonapi)"
	assert_status 0
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >"$T/pages"
	assert_equal "$(wc -l <"$T/pages")" "5"
	jq -e -s '(.[3].cursor | test("page%5Bnumber%5D=4")) and .[4].next == null and .[4].has_more == false' "$T/pages"
	assert_equal "$(grep -c 'msg=request' "$MOCK_LOG")" "5"
	ds-transform --definition "$T/def" <"$T/pages" | ds-load >/dev/null 2>&1
	ids_match "$T/manifest"
	# 4 pages: the last says next null
	stop_mock
	start_mock --style jsonapi --events 400 --page-max 100
	run --separate-stderr ds-fetch -q --connector jsonapi --definition "$T/def" --limit 100 \
		"$(url_of jsonapi)"
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" "4"
}

@test "stripe: the search variant (next_page sent back as page) by --paginate cursor over the preset" {
	mockdef stripe
	start_mock --style stripe --events 250 --page-max 100 --api-key-file "$T/key" --log \
		--manifest "$T/manifest"
	run --separate-stderr ds-fetch -q --connector stripe --definition "$T/def" \
		--paginate cursor --cursor-path next_page --cursor-param page \
		--param 'query=created>0' --api-key-file "$T/key" --limit 100 \
		"$MOCK_BASE/v1/events/search"
	assert_status 0
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >"$T/pages"
	assert_equal "$(wc -l <"$T/pages")" "3"
	jq -e -s '.[0].cursor == null and (.[1].cursor | startswith("page_evt_")) and .[2].next == null' "$T/pages"
	grep -q 'path="/v1/events/search?query=created%3E0&limit=100&page=page_evt_' "$MOCK_LOG"
	ds-transform --definition "$T/def" <"$T/pages" | ds-load >/dev/null 2>&1
	ids_match "$T/manifest"
	# within one layer two styles still contradict
	printf 'paginate = cursor\nafter-param = x\n' >"$T/two"
	run --separate-stderr ds-fetch --definition "$T/two" "$MOCK_BASE/v1/events"
	assert_status 64
	assert_stderr_contains 'setting after-param: belongs to paginate after-id, but paginate is cursor'
}

@test "ckan: success false in a 200 body is an error: an Authorization Error exits 101, another 100, naming the path and byte" {
	start_mock --style ckan --errors-200 --events 100 --api-key-file "$T/key" --log
	run --separate-stderr ds-fetch --connector ckan --api-key-file "$T/badkey" "$(url_of ckan)"
	assert_status 101
	assert_equal "$output" ""
	assert_stderr_contains 'credentials refused: code 403 in a 200 body at cursor null: error-path error at byte'
	assert_stderr_contains 'Access denied'
	assert_stderr_lacks 'wrong-secret-77d1e0'
	run --separate-stderr ds-fetch --connector ckan --api-key-file "$T/key" \
		"$MOCK_BASE/api/3/action/datastore_nosuch?resource_id=events"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'error in a 200 body at cursor null: error-path error at byte'
	assert_stderr_contains 'Not found'
	# neither is retried
	assert_stderr_lacks 'msg=retry'
}

@test "github: a renamed repository's 301 is followed on the same origin; a redirect to another origin exits 100, the token sent nowhere" {
	mockdef github
	start_mock --style github --events 250 --page-max 100 --api-key-file "$T/key" --log \
		--manifest "$T/manifest"
	run --separate-stderr ds-fetch --connector github --definition "$T/def" \
		--api-key-file "$T/key" --limit 100 "$MOCK_BASE/repos/octo/renamed/issues"
	assert_status 0
	printf '%s\n' "$output" >"$T/pages"
	assert_equal "$(wc -l <"$T/pages")" "3"
	assert_stderr_contains "msg=redirect status=301 from=$MOCK_BASE/repos/octo/renamed/issues?per_page=100 to=$MOCK_BASE/repositories/42/issues?per_page=100"
	assert_equal "$(grep -c 'status=301' "$MOCK_LOG")" "1"
	ds-transform --definition "$T/def" <"$T/pages" | ds-load >/dev/null 2>&1
	ids_match "$T/manifest"
	run --separate-stderr ds-fetch --connector github --definition "$T/def" \
		--api-key-file "$T/key" "$MOCK_BASE/repos/octo/elsewhere/issues"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains "HTTP 301 at cursor null from $MOCK_BASE/repos/octo/elsewhere/issues?per_page=100: its Location is not a URL to follow: it leads to another origin"
	assert_stderr_lacks 'mock-secret-4f9a2c'
}

@test "stripe: a --limit over the API's 100 is lowered to the preset's limit-max, said once, not answered 400" {
	start_mock --style stripe --events 250 --page-max 1000 --log
	run --separate-stderr ds-fetch --connector stripe --limit 500 "$MOCK_BASE/v1/events"
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" "3"
	assert_stderr_contains 'msg="limit above limit-max" limit=500 limit_max=100'
	assert_equal "$(grep -c 'limit=100' "$MOCK_LOG")" "3"
	run ! grep -q 'status=400' "$MOCK_LOG"
	run --separate-stderr ds-fetch --connector stripe --limit-max 0 "$MOCK_BASE/v1/events"
	assert_status 64
	assert_stderr_contains 'setting limit-max: want a whole number from 1 to 1000000000'
}

@test "arcgis: f=geojson and f=pgeojson (pretty): features at features, the flag under properties, the feature's properties stored" {
	for f in geojson pgeojson; do
		printf 'param = f=%s\nid-field = properties.id\nts-field = properties.timestamp\nts-form = auto\n' \
			"$f" >"$T/def"
		fresh_db
		start_mock --style arcgis --events 700 --seed 3 --page-max 100 --log \
			--manifest "$T/manifest"
		ds_run --connector arcgis --definition "$T/def" --limit 100 "$(url_of arcgis)"
		assert_status 0
		assert_equal "$output" ""
		ids_match "$T/manifest"
		grep -q "f=$f" "$MOCK_LOG"
		stop_mock
	done
}

# Documented quirks: Stripe's starting_after whose object is deleted between
# runs, JSON:API's content negotiation (415, 406), CKAN's estimated total,
# GitHub's 204, SODA 2.0's $limit maximum.

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

@test "stripe: a resume whose starting_after object was deleted meanwhile goes on from its created (created[lte]), says why, and stores every object once (those of its second again as duplicates)" {
	# objects are created five to a second, as Stripe's often share one
	kill_mid_run stripe --created-step 5
	[[ $output =~ ^(evt_[0-9a-f]{16})\ ([0-9]+)$ ]]
	gone=${BASH_REMATCH[1]} created=${BASH_REMATCH[2]}
	# the object the state names is deleted on the server between the runs
	stop_mock
	start_mock --style stripe --events 2000 --seed 8 --page-max 100 --log --deleted "$gone" \
		--created-step 5
	# those of its second stored already come again: ds-load finds them duplicates
	dups=$(sql "select count(*) from events where (data->>'created')::bigint = $created and id <> '$gone'")
	[ "$dups" -gt 0 ]
	ds_run --connector stripe --definition "$T/def" --limit 100 "$MOCK_BASE/v1/events"
	assert_status 0
	assert_stderr_contains "duplicates=$dups rejects=0"
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
	mockdef stripe
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
	ds-transform --definition "$T/def" <"$T/pages" | ds-load >/dev/null 2>&1
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
	mockdef ckan
	echo 'param = total_estimation_threshold=10' >>"$T/def"
	start_mock --style ckan --events 1000 --seed 6 --page-max 100 --log --manifest "$T/manifest"
	ds_run --connector ckan --definition "$T/def" --limit 100 \
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

@test "github: a 204 No Content (an empty repository's contributors) or a 409 Git Repository is empty (its commits) is an empty last page, exit 0" {
	mockdef github
	start_mock --style github --events 50 --log
	ds_run --connector github --definition "$T/def" "$MOCK_BASE/repos/octo/empty/contributors"
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
	# its commits: a 409 "Git Repository is empty." is an empty list too
	run --separate-stderr ds-fetch -q --connector github "$MOCK_BASE/repos/octo/empty/commits"
	assert_status 0
	assert_equal "$stderr" ""
	jq -e '.records == [] and .has_more == false' <<<"$output"
	assert_equal "$(grep -c 'status=409' "$MOCK_LOG")" "1"
	# another 409 is still a refusal
	stop_mock
	start_mock --style ckan --events 10
	run --separate-stderr ds-fetch -q --connector ckan "$MOCK_BASE/api/3/action/datastore_search"
	assert_status 100
	assert_stderr_contains 'HTTP 409 at cursor null'
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

@test "arcgis: a layer that ignores resultOffset (no supportsPagination) answers the same page again: exit 100 after 3 alike in a row, never loops" {
	start_mock --style arcgis --events 1000 --page-max 100 --log
	run --separate-stderr ds-fetch -q --connector arcgis --limit 100 \
		"$MOCK_BASE/arcgis/rest/services/NoPaging/FeatureServer/0/query"
	assert_status 100
	assert_stderr_contains 'pagination stopped at cursor 300 (page 4, 100 records): the same records as the 3 pages before: the server ignores resultOffset?'
	# the three pages before were written (ds-load finds their records duplicates)
	assert_equal "$(wc -l <<<"$output")" "3"
	assert_equal "$(grep -c 'msg=request' "$MOCK_LOG")" "4"
	# pages alike but for fewer than three in a row are taken
	run --separate-stderr ds-fetch -q --connector arcgis --limit 100 --max-pages 3 \
		"$MOCK_BASE/arcgis/rest/services/NoPaging/FeatureServer/0/query"
	assert_status 0
	assert_equal "$(wc -l <<<"$output")" "3"
}

@test "paginate offset: an empty page a flag says is not the last is stepped over with a warning naming the offsets, up to the bound" {
	start_mock --style ckan --events 150 --page-max 100 --log
	run --separate-stderr ds-fetch --connector ckan --more-path success --limit 100 \
		"$MOCK_BASE/api/3/action/datastore_search?resource_id=r"
	assert_status 100
	assert_equal "$(wc -l <<<"$output")" "5"
	assert_stderr_contains 'msg="empty page while a flag says more" cursor=150 next=250 detail="offsets from here to next were asked and none came: going on after them"'
	assert_equal "$(grep -c 'msg="empty page while a flag says more"' <<<"$stderr")" "3"
	assert_stderr_contains 'empty pages in a row while a flag says there is more'
}
