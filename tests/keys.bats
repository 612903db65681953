#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# Composite keys: ds-transform --key a,b makes the values at the paths the
# row's identity (the RFC 8785 text of their array, in id).
load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	start_pg
	start_mock --events 300 --page-max 25 --seed 11 --dup-rate 0.2
	export KEY=type,source.region
}

teardown_file() {
	ds_teardown
}

setup() {
	fresh_db
	T=$(ds_tmpdir)
	# every page the mock serves, in order: the expectations come from it
	ds-fetch "$MOCK_URL" >"$T/pages" 2>/dev/null
}

teardown() {
	rm -rf "$T"
}

# expect first|last: "type|region|event id" of each composite key's first
# (or last) record in the order served.
expect() {
	jq -r --arg which "$1" -n '
	    reduce (inputs | .records[]) as $r ({};
	      ([$r.type, $r.source.region] | tojson) as $k
	      | if $which == "first" and has($k) then . else .[$k] = $r end)
	    | to_entries[] | "\(.value.type)|\(.value.source.region)|\(.value.id)"' "$T/pages" | sort
}

# chain ARGS...: ds-fetch | ds-transform --key KEY | ds-load ARGS (table k),
# resuming from the stored checkpoint when there is one.
chain() {
	run --separate-stderr bash -c '
	    cur=$(ds-checkpoint get events 2>/dev/null)
	    ds-fetch ${cur:+--cursor "$cur"} --max-pages "$1" "$MOCK_URL" |
	        ds-transform --key "$KEY" | ds-load --table k --batch-rows 30 "${@:2}"' _ "$@"
}

# stored: "type|region|event id" of each stored row.
stored() {
	sql "select data->>'type', data#>>'{source,region}', data->>'id' from k order by 1, 2, 3"
}

@test "--key a,b: the id is the RFC 8785 text of the values' array, the same as --id-field a,b" {
	printf '%s\n' '{"a":"x,y","b":{"c":2.50},"timestamp":1}' '{"a":"x","b":{"c":"y,2.5"},"timestamp":1}' >"$T/in"
	run --separate-stderr ds-transform --key a,b.c <"$T/in"
	assert_status 0
	assert_equal "$(jq -r 'select(.id) | .id' <<<"$output")" "$(printf '%s\n' '["x,y",2.5]' '["x","y,2.5"]')"
	keyed=$output
	run --separate-stderr ds-transform --id-field a,b.c <"$T/in"
	assert_status 0
	assert_equal "$output" "$keyed"
	run --separate-stderr ds-transform --key a,b.c --id-field a <"$T/in"
	assert_status 64
	assert_stderr_contains "--key a,b.c and --id-field a: name the key once"
	printf 'key = a,b.c\n' >"$T/def"
	run --separate-stderr ds-transform --definition "$T/def" <"$T/in"
	assert_status 0
	assert_equal "$output" "$keyed"
}

@test "--key a,b: an integer wider than a double holds keeps its digits in the id, so two such keys never share an id" {
	printf '%s\n' '{"a":12345678901234567890,"b":1,"timestamp":1}' '{"a":12345678901234567891,"b":1,"timestamp":1}' '{"a":100000000000000000000,"b":-0,"timestamp":1}' >"$T/in"
	run --separate-stderr ds-transform --key a,b <"$T/in"
	assert_status 0
	assert_equal "$(jq -r 'select(.id) | .id' <<<"$output")" "$(printf '%s\n' '[12345678901234567890,1]' '[12345678901234567891,1]' '[100000000000000000000,0]')"
	assert_stderr_contains "records=3 rejects=0"
}

@test "composite key over a real chain: duplicates across pages, batches and runs are stored once, the first version kept" {
	[ "$(expect first | wc -l)" -lt 100 ]	# keys repeat: many duplicates
	chain 5
	assert_status 0
	chain 1000
	assert_status 0
	assert_equal "$(stored)" "$(expect first)"
	assert_equal "$(sql "select count(*) from k where id::jsonb <> jsonb_build_array(data->'type', data#>'{source,region}')")" "0"
	# a third run replays every page: nothing changes
	sql "delete from ds_checkpoints"
	chain 1000
	assert_status 0
	assert_stderr_contains "records=0 duplicates=$(jq -n '[inputs.records | length] | add' "$T/pages") updated=0 rejects=0"
	assert_equal "$(stored)" "$(expect first)"
}

@test "composite key with --on-conflict update: each key holds its last version, with declared columns for its parts" {
	chain 5 --on-conflict update --column 'kind text type' --column 'region text source.region'
	assert_status 0
	chain 1000 --on-conflict update --column 'kind text type' --column 'region text source.region'
	assert_status 0
	assert_equal "$(stored)" "$(expect last)"
	assert_equal "$(sql "select count(*) from k where id::jsonb <> jsonb_build_array(kind, region)")" "0"
	assert_equal "$(sql "select count(*) = count(distinct (kind, region)) from k")" "t"
	# a replay changes nothing: the stored versions are the last ones
	sql "delete from ds_checkpoints"
	chain 1000 --on-conflict update --column 'kind text type' --column 'region text source.region'
	assert_status 0
	assert_equal "$(stored)" "$(expect last)"
}
