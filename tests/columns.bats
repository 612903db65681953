#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# ds-load --column: typed columns of the records table filled from the record.
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

# rec ID DATA: one record line of stream "bills".
rec() {
	printf '{"stream":"bills","id":"%s","type":"bill","ts":null,"hash":"h-%s","data":%s}\n' \
	    "$1" "$1" "$2"
}

# cp SEQ HAS_MORE
cp_line() {
	printf '{"$ds":"checkpoint","stream":"bills","seq":%s,"cursor":"c%s","has_more":%s,"records":1}\n' \
	    "$1" "$1" "$2"
}

# the five typed columns of the tests
COLS=(--column 'amount numeric amount' --column 'issued date dates.issued'
    --column 'paid_at timestamptz dates.paid' --column 'qty bigint n'
    --column 'tags text[] tags')

# five good records and one bad value in each declared column
bills() {
	rec b1 '{"amount":"12.50","dates":{"issued":"2024-03-01","paid":"2024-03-02T10:00:00Z"},"n":1,"tags":["a","b"]}'
	rec b2 '{"amount":7,"dates":{"issued":"2024-03-05"},"n":9007199254740993,"tags":[]}'
	rec b3 '{"amount":"x1","dates":{"issued":"2024-03-01"},"n":3,"tags":["c"]}'
	rec b4 '{"amount":1,"dates":{"issued":"2024-02-30"},"n":4,"tags":["d"]}'
	rec b5 '{"amount":1,"dates":{"issued":"2024-03-01","paid":"yesterday-ish"},"n":5}'
	rec b6 '{"amount":1,"n":"six","tags":null}'
	rec b7 '{"amount":1,"n":7,"tags":"not an array"}'
	rec b8 '{"other":true,"tags":["x \"q\"","y,z",null]}'
	cp_line 1 false
}

@test "declared columns: typed values from the record's paths, one reject per bad value naming the column and the value" {
	bills >"$T/in"
	run --separate-stderr ds-load --table bills "${COLS[@]}" <"$T/in"
	assert_status 0
	assert_stderr_contains "records=3"
	assert_stderr_contains "rejects=5"
	assert_equal "$(sql "select id, amount, issued, paid_at, qty, tags from bills order by id")" \
"b1|12.50|2024-03-01|2024-03-02 10:00:00+00|1|{a,b}
b2|7|2024-03-05||9007199254740993|{}
b8|||||{\"x \\\"q\\\"\",\"y,z\",NULL}"
	assert_equal "$(sql "select format_type(atttypid, NULL) from pg_attribute where attrelid = 'bills'::regclass and attname in ('amount','issued','paid_at','qty','tags') order by attnum")" \
"numeric
date
timestamp with time zone
bigint
text[]"
	assert_equal "$(sql "select data->'tags'->>1 from bills where id = 'b8'")" "y,z"
	assert_equal "$(sql "select reason from ds_rejects order by reason")" \
'date/time field value out of range: "2024-02-30" (column issued)
invalid input syntax for type bigint: "six" (column qty)
invalid input syntax for type numeric: "x1" (column amount)
invalid input syntax for type timestamp with time zone: "yesterday-ish" (column paid_at)
malformed array literal: "not an array" (Array value must start with "{" or dimension information.) (column tags)'
}

@test "declared columns: a replay of the same pages exits 0 and changes nothing" {
	bills >"$T/in"
	ds-load --table bills "${COLS[@]}" <"$T/in" 2>/dev/null
	before=$(sql "select id, amount, issued, paid_at, qty, tags, ingested_at from bills order by id; select count(*) from ds_rejects; select count(*) from ds_schema_migrations")
	run --separate-stderr ds-load --table bills "${COLS[@]}" <"$T/in"
	assert_status 0
	assert_stderr_lacks "migration applied"
	assert_stderr_contains "records=0"
	assert_equal "$(sql "select id, amount, issued, paid_at, qty, tags, ingested_at from bills order by id; select count(*) from ds_rejects; select count(*) from ds_schema_migrations")" "$before"
}

@test "declared columns: a later run adds a new column to the existing table (a migration) and fills it for new rows" {
	{ rec a1 '{"amount":1,"kind":"x"}'; cp_line 1 true; } >"$T/p1"
	{ rec a2 '{"amount":2,"kind":"y"}'; cp_line 2 false; } >"$T/p2"
	ds-load --table bills --column 'amount numeric amount' <"$T/p1" 2>/dev/null
	run --separate-stderr ds-load --table bills --column 'amount numeric amount' \
	    --column 'kind text kind' --column-index kind <"$T/p2"
	assert_status 0
	assert_stderr_contains 'msg="migration applied" name=bills:column:kind'
	assert_stderr_contains 'msg="migration applied" name=bills:index:kind'
	assert_stderr_lacks "name=bills:column:amount"
	assert_equal "$(sql "select id, amount, kind from bills order by id")" "a1|1|
a2|2|y"
	assert_equal "$(sql "select indexdef from pg_indexes where tablename = 'bills' and indexname = 'bills_kind_idx'")" \
	    "CREATE INDEX bills_kind_idx ON public.bills USING btree (kind)"
	assert_equal "$(sql "select name from ds_schema_migrations where name like 'bills:%' order by name")" \
"bills:0001_table
bills:column:amount
bills:column:kind
bills:index:kind"
}

@test "declared columns: a column stored with another type is refused before loading" {
	{ rec a1 '{"amount":1}'; cp_line 1 false; } >"$T/p1"
	ds-load --table bills --column 'amount numeric amount' <"$T/p1" 2>/dev/null
	run --separate-stderr ds-load --table bills --column 'amount bigint amount' <"$T/p1"
	assert_status 100
	assert_stderr_contains "a declared column exists with another type"
	assert_stderr_contains "column=amount declared=bigint stored=numeric"
}

@test "declared columns: a bad name, type or path is a usage error naming it" {
	run --separate-stderr ds-load --column 'Amount numeric amount'
	assert_status 64
	assert_stderr_contains "--column Amount numeric amount: column name Amount: want a lower-case SQL identifier"
	run --separate-stderr ds-load --column 'data jsonb x'
	assert_status 64
	assert_stderr_contains "column data is declared twice or is a name ds-load uses itself"
	run --separate-stderr ds-load --column 'amount numeric'
	assert_status 64
	assert_stderr_contains "want NAME TYPE PATH"
	run --separate-stderr ds-load --column 'amount numeric a..b'
	assert_status 64
	assert_stderr_contains "path a..b: an empty part"
	run --separate-stderr ds-load --column-index amount
	assert_status 64
	assert_stderr_contains "--column-index amount: no --column declares it"
	run --separate-stderr ds-load --column "amount nosuchtype'); drop table x; -- amount"
	assert_status 64
	assert_stderr_contains "--column amount: type nosuchtype'); drop table x; --: "
	assert_stderr_contains "unterminated quoted string"
	run --separate-stderr ds-load --column 'amount nosuchtype amount'
	assert_status 64
	assert_stderr_contains 'msg="--column amount: type nosuchtype: type \"nosuchtype\" does not exist"'
	assert_stderr_lacks "migration applied"
}

@test "declared columns: --on-conflict update replaces them with a changed record's values" {
	{ rec u1 '{"amount":1,"n":1}'; cp_line 1 false; } >"$T/p1"
	{ printf '{"stream":"bills","id":"u1","type":"bill","ts":null,"hash":"h-u1-v2","data":{"amount":"2.5","n":"bad"}}\n'
	  printf '{"stream":"bills","id":"u2","type":"bill","ts":null,"hash":"h-u2","data":{"amount":3,"n":2}}\n'
	  cp_line 2 false; } >"$T/p2"
	ds-load --table bills --column 'amount numeric amount' --column 'qty bigint n' <"$T/p1" 2>/dev/null
	run --separate-stderr ds-load --table bills --on-conflict update \
	    --column 'amount numeric amount' --column 'qty bigint n' <"$T/p2"
	assert_status 0
	assert_stderr_contains "rejects=1"
	assert_equal "$(sql "select id, amount, qty, hash from bills order by id")" "u1|1|1|h-u1
u2|3|2|h-u2"
	assert_equal "$(sql "select reason from ds_rejects")" \
	    'invalid input syntax for type bigint: "bad" (column qty)'
	printf '{"stream":"bills","id":"u1","type":"bill","ts":null,"hash":"h-u1-v3","data":{"amount":"2.5","n":5}}\n' >"$T/p3"
	cp_line 3 false >>"$T/p3"
	run --separate-stderr ds-load --table bills --on-conflict update \
	    --column 'amount numeric amount' --column 'qty bigint n' <"$T/p3"
	assert_status 0
	assert_equal "$(sql "select id, amount, qty, hash from bills order by id")" "u1|2.5|5|h-u1-v3
u2|3|2|h-u2"
}

# krec REGION N V: a source record whose identity is (region, n)
krec() {
	printf '{"region":"%s","n":%s,"timestamp":"2024-01-01T00:00:00Z","v":"%s"}\n' "$1" "$2" "$3"
}

@test "composite keys: --id-field region,n is the row's identity; duplicates within and across runs are skipped, a changed one replaced" {
	{ krec eu 1 a; krec eu 2 b; krec eu 1 a; krec 'eu,1' 2 c; } >"$T/r1"
	{ krec eu 1 a; krec us 1 d; printf '{"n":1.0,"region":"eu","timestamp":"2024-01-01T00:00:00Z","v":"a"}\n'; krec eu 2 B; } >"$T/r2"
	run --separate-stderr bash -c 'ds-transform --id-field region,n <"$1" | ds-load --column "region text region" --column "num bigint n"' _ "$T/r1"
	assert_status 0
	assert_stderr_contains "records=3 duplicates=1"
	run --separate-stderr bash -c 'ds-transform --id-field region,n <"$1" | ds-load --on-conflict update --column "region text region" --column "num bigint n"' _ "$T/r2"
	assert_status 0
	assert_stderr_contains "records=1 duplicates=3 updated=1"
	assert_equal "$(sql "select id, region, num, data->>'v' from events order by id")" \
'["eu",1]|eu|1|a
["eu",2]|eu|2|B
["eu,1",2]|eu,1|2|c
["us",1]|us|1|d'
	run --separate-stderr bash -c 'ds-transform --id-field region,n <"$1" | ds-load --on-conflict update --column "region text region" --column "num bigint n"' _ "$T/r2"
	assert_status 0
	assert_stderr_contains "records=0 duplicates=4 updated=0"
}
