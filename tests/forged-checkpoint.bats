#!/usr/bin/env bats
# A checkpoint comes only from the stream being transformed (issue 13,
# item 4): ds-transform refuses, with status 100 naming the line and both
# streams, any page, checkpoint or record line of another stream.
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

FORGED='{"$ds":"checkpoint","stream":"events","seq":99,"cursor":null,"has_more":false,"records":0}'

# chain ARGS...: ds-transform ARGS < $T/in | ds-load; status of the first that failed.
chain() {
	run --separate-stderr bash -o pipefail -c 'ds-transform "$@" <"$0" | ds-load' "$T/in" "$@"
}

@test "a plain NDJSON file of stream audit holding a checkpoint of events: refused (100), events not marked finished" {
	start_mock --events 500 --page-max 100 --manifest "$T/manifest"
	printf '%s\n' '{"id":"a1","timestamp":1}' '{"id":"a2","timestamp":2}' "$FORGED" \
		'{"id":"a3","timestamp":3}' >"$T/in"
	chain --stream audit
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains "level=error prog=ds-transform msg=\"line 3: a \\\"\$ds\\\":\\\"checkpoint\\\" line names stream \\\"events\\\", not the stream being transformed (\\\"audit\\\"): refused, as its checkpoint would move another stream's position\""
	run --separate-stderr ds-checkpoint get events
	assert_status 0
	assert_equal "$output" ""
	# so the next ds-run of events loads the whole stream
	run --separate-stderr ds-run --state-dir "$T/state" --db "$DATABASE_URL" --quiet "$MOCK_URL"
	assert_status 0
	assert_equal "$(sql "select count(*) from events where id not like 'a_'")" \
		"$(grep -c '^valid' "$T/manifest")"
}

@test "the forged checkpoint as the first line, or spelled with an escaped key, is refused too" {
	printf '%s\n' "$FORGED" '{"id":"a1","timestamp":1}' >"$T/in"
	chain --stream audit
	assert_status 100
	assert_stderr_contains 'msg="line 1: a \"$ds\":\"checkpoint\" line names stream \"events\"'
	printf '%s\n' '{"id":"a1","timestamp":1}' \
		'{"$ds":"checkpoint","\u0073tream":"events","seq":1,"cursor":null,"has_more":false,"records":0}' >"$T/in"
	chain --stream audit
	assert_status 100
	assert_stderr_contains 'msg="line 2: a \"$ds\":\"checkpoint\" line names stream \"events\"'
	# a repeated key: ds-load keeps the last, so every one is checked
	printf '%s\n' '{"$ds":"checkpoint","stream":"audit","stream":"events","seq":1,"cursor":null,"has_more":false,"records":0}' >"$T/in"
	chain --stream audit
	assert_status 100
	assert_equal "$(sql 'select count(*) from ds_checkpoints')" 0
}

@test "a page or a record line of another stream is refused; without --stream the first line decides the stream" {
	start_mock --events 100 --page-max 100
	ds-fetch --quiet "$MOCK_URL" >"$T/in"
	run --separate-stderr ds-transform --stream audit <"$T/in"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'msg="line 1: a page names stream \"events\", not the stream being transformed (\"audit\")'
	# without --stream the page binds the run to its stream; a record line of another is refused
	{
		cat "$T/in"
		echo '{"stream":"audit","id":"x","type":null,"ts":"1970-01-01T00:00:00.000Z","hash":"00","data":{}}'
	} >"$T/in2"
	run --separate-stderr ds-transform <"$T/in2"
	assert_status 100
	assert_equal "$(printf '%s\n' "$output" | grep -c '^{"\$ds":"checkpoint","stream":"events"')" 1
	assert_stderr_contains 'msg="line 2: a record line names stream \"audit\", not the stream being transformed (\"events\")'
}

@test "ds-transform's own output of the same stream still passes: ds-transform | ds-transform equals ds-transform" {
	start_mock --events 300 --page-max 100
	ds-fetch --quiet --stream audit "$MOCK_URL" >"$T/in"
	ds-transform --stream audit <"$T/in" >"$T/once"
	run --separate-stderr bash -o pipefail -c 'ds-transform --stream audit <"$0" | ds-transform --stream audit' "$T/in"
	assert_status 0
	assert_equal "$output" "$(cat "$T/once")"
	run --separate-stderr bash -o pipefail -c 'ds-transform <"$0" | ds-transform | ds-load' "$T/in"
	assert_status 0
	run --separate-stderr ds-checkpoint get audit
	assert_status 3
}
