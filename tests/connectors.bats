#!/usr/bin/env bats
# Stream definitions and connector presets: each preset against ds-mockapi
# --style of the same API, through ds-fetch | ds-transform | ds-load into a
# real PostgreSQL (under ds-run), with faults, rate limits, kills and auth.
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

# ds_run ARGS...: ds-run on this test's database and state directory.
ds_run() {
	run --separate-stderr ds-run --state-dir "$STATE" --db "$DATABASE_URL" "$@"
}

# start_bg ARGS...: ds-run in a session of its own, in the background.
start_bg() {
	BG_OUT=$T/bg.out BG_ERR=$T/bg.err
	setsid env --default-signal=INT ds-run --state-dir "$STATE" --db "$DATABASE_URL" "$@" >"$BG_OUT" 2>"$BG_ERR" &
	BG=$!
	BG_PIDS="${BG_PIDS:-} $BG"
}

# wait_for_stage NAME: wait (up to 20 s) until the stage runs in $BG's session.
wait_for_stage() {
	local _ p
	for _ in $(seq 1 200); do
		for p in $(session_pids "$BG"); do
			if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ]; then
				return 0
			fi
		done
		sleep 0.1
	done
	echo "$1 never ran" >&2
	return 1
}

# ids_match MANIFEST: the table holds exactly the manifest's valid ids.
ids_match() {
	awk -F '\t' '$1 == "valid" { print $2 }' "$1" | LC_ALL=C sort >"$T/want"
	sql "select id from events" | LC_ALL=C sort >"$T/got"
	if ! cmp -s "$T/want" "$T/got"; then
		echo "ids differ (< manifest, > table):" >&2
		diff "$T/want" "$T/got" | head -n 20 >&2
		return 1
	fi
}

# mockdef PRESET: $T/def, where the mock's records keep their id and time
# (the presets name the real APIs' fields).
mockdef() {
	case $1 in
	arcgis) printf 'id-field = attributes.id\nts-field = attributes.timestamp\n' ;;
	jsonapi) printf 'id-field = id\nts-field = attributes.timestamp\nfilter = filter[since]={since}\n' ;;
	*) printf 'id-field = id\nts-field = timestamp\n' ;;
	esac >"$T/def"
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

# resume_run PRESET: SIGKILL of the whole chain mid-run, then a new run
# goes on from the stored state: exactly the manifest's ids, once.
resume_run() {
	mockdef "$1"
	start_mock --style "$1" --events 2000 --seed 8 --page-max 100 --rate 4/1 \
		--manifest "$T/manifest"
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

@test "socrata: a refused app token exits 101, the secret nowhere" { auth_refused socrata; }
@test "arcgis: a refused token (498 in a 200 body) exits 101, the secret nowhere" { auth_refused arcgis; }
@test "ckan: a refused API token exits 101, the secret nowhere" { auth_refused ckan; }
@test "github: bad credentials exit 101, the secret nowhere" { auth_refused github; }
@test "stripe: an invalid API key exits 101, the secret nowhere" { auth_refused stripe; }
@test "jsonapi: a refused bearer token exits 101, the secret nowhere" { auth_refused jsonapi; }
