#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# The schema contract (ds-load --schema-contract evolve|freeze|discard) and
# the schema journal fed by drift and by Singer SCHEMA messages.
load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	start_pg
}

teardown_file() {
	ds_teardown
}

setup() {
	fresh_db
	T=$(ds_tmpdir)
}

teardown() {
	rm -rf "$T"
}

# rec ID REST: one NDJSON record with id, timestamp and the members REST.
rec() {
	printf '{"id":"%s","timestamp":"2024-05-01T00:00:00Z",%s}\n' "$1" "$2"
}

# The first run: records that define the schema (id, timestamp, n, s, opt).
first() {
	rec a '"n":1,"s":"x"'
	rec b '"n":2,"s":"y","opt":null'
}

# The second run: a new field, a retyped field, both, and conforming records.
second() {
	rec c '"n":3,"s":"z"'
	rec d '"n":4,"s":"w","extra":true'
	rec e '"n":"five","s":"v"'
	rec f '"n":6,"s":"u","extra":false'
	rec g '"n":7,"s":"t","opt":null,"extra":[1],"more":{}'
}

# load ARGS...: ds-transform | ds-load ARGS on the file $T/in (stream s).
load_in() {
	run --separate-stderr bash -c 'ds-transform --stream s <"$1" | ds-load --table t "${@:2}"' _ "$T/in" "$@"
}

@test "evolve (the default): every record loads and the new fields are journaled" {
	first >"$T/in"
	load_in --schema-contract evolve
	assert_status 0
	second >"$T/in"
	load_in
	assert_status 0
	assert_stderr_contains "records=5 duplicates=0 updated=0 rejects=0"
	assert_equal "$(sql "select count(*) from t")" "7"
	assert_equal "$(sql "select added, changed from ds_schema_changes where acked_at is null order by id")" \
	    "$(printf '%s\n' '["opt"]|[]' '["extra"]|[]' '[]|["n"]' '["more"]|["extra"]')"
	assert_equal "$(sql "select fields->>'extra', fields->>'n' from ds_catalog where stream = 's'")" \
	    "array|boolean|number|string"
}

@test "freeze: a new field and a retyped field are rejects naming field, type and contract; the rest loads; the schema stays" {
	first >"$T/in"
	load_in --schema-contract freeze
	assert_status 0
	assert_stderr_contains "no schema known for the stream yet: this run's records (or a declared schema) define it"
	assert_stderr_contains "records=2 duplicates=0 updated=0 rejects=0"
	before=$(sql "select fields from ds_catalog where stream = 's'")
	journal=$(sql "select count(*) from ds_schema_changes")
	second >"$T/in"
	load_in --schema-contract freeze
	assert_status 0
	assert_stderr_lacks "no schema known"
	assert_stderr_contains "records=1 duplicates=0 updated=0 rejects=4"
	assert_equal "$(sql "select id from t order by id")" "$(printf '%s\n' a b c)"
	assert_equal "$(sql "select raw::jsonb->>'id', reason from ds_rejects order by raw::jsonb->>'id'")" \
	    "$(printf '%s\n' \
	    'd|schema contract freeze: new field "extra" (boolean)' \
	    'e|schema contract freeze: field "n" is string, the schema has number' \
	    'f|schema contract freeze: new field "extra" (boolean)' \
	    'g|schema contract freeze: new field "extra" (array); new field "more" (object)')"
	assert_equal "$(sql "select fields from ds_catalog where stream = 's'")" "$before"
	assert_equal "$(sql "select count(*) from ds_schema_changes")" "$journal"
	# a replay of the run stores nothing twice
	load_in --schema-contract freeze
	assert_status 0
	assert_stderr_contains "records=0 duplicates=1"
	assert_equal "$(sql "select count(*) from ds_rejects")" "4"
	assert_equal "$(sql "select count(*) from t")" "3"
}

@test "discard: records stored without the new fields, hash of what is stored, each dropped field journaled once" {
	first >"$T/in"
	load_in --schema-contract discard
	assert_status 0
	second >"$T/in"
	load_in --schema-contract discard
	assert_status 0
	assert_stderr_contains "records=5 duplicates=0 updated=0 rejects=0"
	assert_equal "$(sql "select id, data - 'timestamp' from t where id in ('d','e','g') order by id")" \
	    "$(printf '%s\n' 'd|{"n": 4, "s": "w", "id": "d"}' 'e|{"s": "v", "id": "e"}' \
	    'g|{"n": 7, "s": "t", "id": "g", "opt": null}')"
	# the hash is SHA-256 of the RFC 8785 form of the data stored
	for id in d e g; do
		want=$(sql "select data from t where id = '$id'" | ds-transform --canonical | tr -d '\n' | sha256sum)
		assert_equal "$(sql "select hash from t where id = '$id'")  -" "$want"
	done
	assert_equal "$(sql "select discarded from ds_schema_changes where discarded <> '{}' order by id")" \
	    "$(printf '%s\n' '{"extra": "boolean"}' '{"n": "string"}' '{"more": "object", "extra": "array"}')"
	# again: nothing stored twice, nothing journaled twice
	load_in --schema-contract discard
	assert_status 0
	assert_stderr_contains "records=0 duplicates=5 updated=0 rejects=0"
	assert_equal "$(sql "select count(*) from ds_schema_changes where discarded <> '{}'")" "3"
	assert_equal "$(sql "select count(*) from ds_rejects")" "0"
	assert_equal "$(sql "select fields ? 'extra' from ds_catalog where stream = 's'")" "f"
}

@test "discard: a record whose id is its content hash gets the hash of what is stored, so a copy without the field is a duplicate" {
	printf '[{"k":1,"v":"a"},{"k":2,"v":"b"}]\n' >"$T/in"
	load_in --schema-contract discard
	assert_status 0
	printf '[{"k":1,"v":"a","noise":"x"},{"k":3,"v":"c","noise":"y"}]\n' >"$T/in"
	load_in --schema-contract discard
	assert_status 0
	assert_stderr_contains "records=1 duplicates=1 updated=0 rejects=0"
	assert_equal "$(sql "select count(*) from t where id = hash")" "3"
	assert_equal "$(sql "select data->>'v' from t order by data->>'k'")" "$(printf '%s\n' a b c)"
}

# A Singer tap's output: SCHEMA (id, name, tags), records, STATE.
tap() {
	cat <<'EOF'
{"type":"SCHEMA","stream":"users","schema":{"type":"object","properties":{"id":{"type":"integer"},"name":{"type":["string","null"]},"tags":{"anyOf":[{"type":"array"},{"type":"null"}]}}},"key_properties":["id"]}
{"type":"RECORD","stream":"users","record":{"id":1,"name":"ann","tags":["x"]}}
{"type":"RECORD","stream":"users","record":{"id":2,"name":null}}
{"type":"RECORD","stream":"users","record":{"id":3,"name":"cy","email":"c@example.org"}}
{"type":"RECORD","stream":"users","record":{"id":4,"name":5}}
{"type":"STATE","value":{"users":4}}
EOF
}

@test "freeze after a Singer SCHEMA: exactly the declared properties are accepted, from the first run on" {
	tap >"$T/in"
	load_in --schema-contract freeze
	assert_status 0
	assert_stderr_contains "records=2 duplicates=0 updated=0 rejects=2"
	assert_equal "$(sql "select data->>'id' from t order by id")" "$(printf '%s\n' 1 2)"
	assert_equal "$(sql "select reason from ds_rejects order by reason")" "$(printf '%s\n' \
	    'schema contract freeze: field "name" is number, the schema has null|string' \
	    'schema contract freeze: new field "email" (string)')"
	assert_equal "$(sql "select fields from ds_catalog where stream = 's'")" \
	    '{"id": "number", "name": "null|string", "tags": "array|null"}'
	assert_equal "$(sql "select added from ds_schema_changes")" '["id", "name", "tags"]'
	# a later SCHEMA adding email is recorded as a change, and its records load
	{
		echo '{"type":"SCHEMA","stream":"users","schema":{"properties":{"id":{"type":"integer"},"name":{"type":["string","null"]},"email":{"type":"string"}}},"key_properties":["id"]}'
		echo '{"type":"RECORD","stream":"users","record":{"id":3,"name":"cy","email":"c@example.org"}}'
		echo '{"type":"STATE","value":{"users":5}}'
	} >"$T/in"
	load_in --schema-contract freeze
	assert_status 0
	assert_stderr_contains "records=1 duplicates=0 updated=0 rejects=0"
	assert_equal "$(sql "select added, acked_at is null from ds_schema_changes order by id")" \
	    "$(printf '%s\n' '["id", "name", "tags"]|f' '["email"]|t')"
	assert_equal "$(sql "select data->>'email' from t where data->>'id' = '3'")" "c@example.org"
}

@test "ds-run --schema-contract discard over a real chain: the stream's known schema holds across runs" {
	start_mock --events 60 --page-max 20 --seed 5
	STATE=$(ds_tmpdir)/state
	run --separate-stderr ds-load --migrate-only
	assert_status 0
	# the schema as an earlier run knew it: every field of the events but items
	sql "insert into ds_catalog (stream, fields) values ('events', '{\"id\":\"string\",\"type\":\"string\",
	    \"timestamp\":\"number|string\",\"seq\":\"number\",\"source\":\"object\",\"amount\":\"object\",
	    \"user\":\"object\",\"note\":\"string\"}')"
	printf 'SCHEMA_CONTRACT = discard\nURL=%s\n' "$MOCK_URL" >"$T/run.conf"
	run --separate-stderr ds-run --state-dir "$STATE" --db "$DATABASE_URL" --config "$T/run.conf"
	assert_status 0
	assert_equal "$(sql "select count(*), count(*) filter (where data ? 'items') from events")" "60|0"
	assert_equal "$(sql "select discarded from ds_schema_changes where discarded <> '{}'")" \
	    '{"items": "array"}'
	run --separate-stderr ds-run --state-dir "$STATE" --db "$DATABASE_URL" --schema-contract bogus "$MOCK_URL"
	assert_status 64
	assert_stderr_contains "SCHEMA_CONTRACT must be evolve, freeze or discard"
}

@test "schema-contract = freeze in a definition file: ds-load takes it (the command line wins), ds-fetch and ds-transform skip it" {
	first >"$T/in"
	load_in
	assert_status 0
	printf 'id-field = id\nschema-contract = freeze\n' >"$T/def"
	second >"$T/in"
	run --separate-stderr bash -c 'ds-transform --stream s --definition "$2" <"$1" |
	    ds-load --table t --definition "$2"' _ "$T/in" "$T/def"
	assert_status 0
	assert_stderr_contains "records=1 duplicates=0 updated=0 rejects=4"
	run --separate-stderr bash -c 'ds-transform --stream s --definition "$2" <"$1" |
	    ds-load --table t --definition "$2" --schema-contract evolve' _ "$T/in" "$T/def"
	assert_status 0
	assert_stderr_contains "records=4 duplicates=1 updated=0 rejects=0"
	# ds-fetch takes the file (and fails on the closed port, not on the setting)
	run --separate-stderr ds-fetch --definition "$T/def" --retries 0 http://127.0.0.1:1/
	assert_status 111
	assert_stderr_lacks "setting"
	printf 'schema-contract = strict\n' >"$T/bad"
	run --separate-stderr ds-load --definition "$T/bad" </dev/null
	assert_status 64
	assert_stderr_contains "bad:1: setting schema-contract: want evolve, freeze or discard"
	printf 'nope = 1\n' >"$T/bad"
	run --separate-stderr ds-load --definition "$T/bad" </dev/null
	assert_status 64
	assert_stderr_contains "bad:1: unknown setting nope"
}
