#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# ds-transform: NDJSON in, the stream format of ds-stream(5) out.
bats_require_minimum_version 1.5.0
load helpers

setup() {
	TMP=$(ds_tmpdir)
}

teardown() {
	ds_teardown
	rm -rf "$TMP"
}

# xf ARGS...: run ds-transform on $TMP/in.
xf() {
	run --separate-stderr ds-transform "$@" <"$TMP/in"
}

@test "a plain record becomes a record line: id, type, ts, the SHA-256 of its RFC 8785 form, and the original text" {
	rec='{"type":"click", "id":"a1","timestamp":"2023-11-14T22:13:20.123Z","n":4.50,"u":{"z":1,"a":"\u00e9"}}'
	printf '%s\n' "$rec" >"$TMP/in"
	xf
	assert_status 0
	h=$(sha '{"id":"a1","n":4.5,"timestamp":"2023-11-14T22:13:20.123Z","type":"click","u":{"a":"é","z":1}}')
	assert_equal "${lines[1]}" "{\"stream\":\"events\",\"id\":\"a1\",\"type\":\"click\",\"ts\":\"2023-11-14T22:13:20.123Z\",\"hash\":\"$h\",\"data\":$rec}"
	assert_equal "${#lines[@]}" 2
	assert_stderr_contains "msg=done lines=1 pages=0 records=1 rejects=0"
}

@test "every timestamp form of the API contract becomes RFC 3339 UTC with milliseconds, or microseconds when given" {
	cat >"$TMP/in" <<-'EOF'
	{"id":"z","timestamp":"2023-11-14T22:13:20Z"}
	{"id":"offset","timestamp":"2023-11-15T03:43:20.5+05:30"}
	{"id":"neg-offset","timestamp":"2023-11-14T17:13:20-05:00"}
	{"id":"micro","timestamp":"2023-11-14T22:13:20.123456Z"}
	{"id":"secs","timestamp":1700000000}
	{"id":"frac-secs","timestamp":1700000000.25}
	{"id":"millis","timestamp":1700000000123}
	{"id":"str-secs","timestamp":"1700000000"}
	{"id":"str-millis","timestamp":"1700000000123"}
	{"id":"str-frac","timestamp":"1700000000.123456"}
	EOF
	xf
	assert_status 0
	got=$(printf '%s\n' "$output" | grep '^{"stream"' | sed 's/.*"id":"\([^"]*\)".*"ts":"\([^"]*\)".*/\1 \2/')
	assert_equal "$got" "z 2023-11-14T22:13:20.000Z
offset 2023-11-14T22:13:20.500Z
neg-offset 2023-11-14T22:13:20.000Z
micro 2023-11-14T22:13:20.123456Z
secs 2023-11-14T22:13:20.000Z
frac-secs 2023-11-14T22:13:20.250Z
millis 2023-11-14T22:13:20.123Z
str-secs 2023-11-14T22:13:20.000Z
str-millis 2023-11-14T22:13:20.123Z
str-frac 2023-11-14T22:13:20.123456Z"
	assert_stderr_contains "records=10 rejects=0"
}

@test "an epoch number below 1e11 is seconds and from 1e11 up is milliseconds" {
	printf '%s\n' '{"id":"s","timestamp":99999999999}' '{"id":"ms","timestamp":100000000000}' >"$TMP/in"
	xf
	assert_status 0
	got=$(printf '%s\n' "$output" | grep -o '"ts":"[^"]*"')
	assert_equal "$got" '"ts":"5138-11-16T09:46:39.000Z"
"ts":"1973-03-03T09:46:40.000Z"'
	assert_stderr_contains "records=2 rejects=0"
}

@test "each bad record gives exactly one reject line with a specific reason and the raw text" {
	cat >"$TMP/in" <<-'EOF'
	[1,2]
	{"timestamp":1}
	{"id":17,"timestamp":1}
	{"id":"a"}
	{"id":"a","timestamp":"yesterday"}
	{"id":"a","timestamp":true}
	{"id":"a","timestamp":"0000-01-01T00:00:00Z"}
	{"id":"a","timestamp":1,"s":"x\u0000y"}
	{"id":"a","timestamp":1,"s":"x\ud800y"}
	{"id":"a",
	EOF
	xf
	assert_status 0
	assert_equal "$output" '{"$ds":"reject","stream":"events","seq":null,"reason":"not an object","raw":"[1,2]"}
{"$ds":"reject","stream":"events","seq":null,"reason":"missing id","raw":"{\"timestamp\":1}"}
{"$ds":"reject","stream":"events","seq":null,"reason":"id is not a string (number)","raw":"{\"id\":17,\"timestamp\":1}"}
{"$ds":"reject","stream":"events","seq":null,"reason":"missing timestamp","raw":"{\"id\":\"a\"}"}
{"$ds":"reject","stream":"events","seq":null,"reason":"unparseable timestamp: \"yesterday\"","raw":"{\"id\":\"a\",\"timestamp\":\"yesterday\"}"}
{"$ds":"reject","stream":"events","seq":null,"reason":"unparseable timestamp: true","raw":"{\"id\":\"a\",\"timestamp\":true}"}
{"$ds":"reject","stream":"events","seq":null,"reason":"timestamp out of range","raw":"{\"id\":\"a\",\"timestamp\":\"0000-01-01T00:00:00Z\"}"}
{"$ds":"reject","stream":"events","seq":null,"reason":"string holds \\u0000 (PostgreSQL jsonb refuses it)","raw":"{\"id\":\"a\",\"timestamp\":1,\"s\":\"x\\u0000y\"}"}
{"$ds":"reject","stream":"events","seq":null,"reason":"string holds a lone surrogate \\u escape (PostgreSQL jsonb refuses it)","raw":"{\"id\":\"a\",\"timestamp\":1,\"s\":\"x\\ud800y\"}"}
{"$ds":"reject","stream":"events","seq":null,"reason":"invalid JSON at byte 10: expected string key","raw":"{\"id\":\"a\","}'
	assert_stderr_contains "lines=10 pages=0 records=0 rejects=10"
}

@test "a line that is not JSON is rejected with the byte offset and what was expected; invalid UTF-8 in raw becomes U+FFFD" {
	printf '{"id":"a","timestamp":1} trailing\n\001\377oops\n  \n' >"$TMP/in"
	xf
	assert_status 0
	assert_equal "$output" '{"$ds":"reject","stream":"events","seq":null,"reason":"invalid JSON at byte 25: unexpected data after the JSON value","raw":"{\"id\":\"a\",\"timestamp\":1} trailing"}
{"$ds":"reject","stream":"events","seq":null,"reason":"invalid JSON at byte 0: expected a JSON value","raw":"\u0001�oops"}
{"$ds":"reject","stream":"events","seq":null,"reason":"invalid JSON at byte 2: expected a JSON value","raw":"  "}'
	assert_stderr_contains "records=0 rejects=3"
}

@test "a record over --max-record-bytes is rejected naming both sizes" {
	printf '%s\n' '{"id":"a","timestamp":1,"pad":"0123456789"}' '{"id":"b","timestamp":1}' >"$TMP/in"
	xf --max-record-bytes 30
	assert_status 0
	assert_equal "${lines[0]}" '{"$ds":"reject","stream":"events","seq":null,"reason":"record exceeds --max-record-bytes (43 > 30)","raw":"{\"id\":\"a\",\"timestamp\":1,\"pad\":\"0123456789\"}"}'
	assert_output_contains '"id":"b"'
	assert_stderr_contains "records=1 rejects=1"
}

@test "nesting deeper than 256 is rejected, and megabytes of [ do not blow the stack" {
	{
		printf '{"id":"deep","timestamp":1,"x":'
		head -c 300 /dev/zero | tr '\0' '['
		head -c 300 /dev/zero | tr '\0' ']'
		printf '}\n'
		head -c 4000000 /dev/zero | tr '\0' '['
		printf '\n{"id":"after","timestamp":1}\n'
	} >"$TMP/in"
	xf
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | grep -o '"reason":"[^"]*"')" '"reason":"nesting deeper than 256"
"reason":"nesting deeper than 256"'
	assert_output_contains '"id":"after"'
	assert_stderr_contains "lines=3 pages=0 records=1 rejects=2"
}

@test "wide integers, escapes and surrogate pairs survive byte for byte in data" {
	rec='{"id":"w","timestamp":1,"big":123456789012345678901234567890,"neg":-9007199254740993,"s":"\ud83d\ude00 \u00e9 \"q\"","f":1.0e2}'
	printf '%s\n' "$rec" >"$TMP/in"
	xf
	assert_status 0
	assert_equal "${lines[1]##*\"data\":}" "$rec}"
	h=$(sha '{"big":1.2345678901234568e+29,"f":100,"id":"w","neg":-9007199254740993,"s":"😀 é \"q\"","timestamp":1}')
	assert_output_contains "\"hash\":\"$h\""
	assert_stderr_contains "records=1 rejects=0"
}

@test "a page gives its records, then one checkpoint line with the next cursor; pages without records too" {
	cat >"$TMP/in" <<-'EOF'
	{"stream":"orders","seq":7,"cursor":"c6","next":"c+/7=","has_more":true,"fetched_at":"2026-01-01T00:00:00.000Z","records":[{"id":"a","type":"t","timestamp":1},{"id":5},{"id":"b","type":"t","timestamp":2}]}
	{"stream":"orders","seq":8,"cursor":"c+/7=","next":null,"has_more":false,"fetched_at":"2026-01-01T00:00:01.000Z","records":[]}
	EOF
	xf
	assert_status 0
	kinds=$(printf '%s\n' "$output" | sed 's/^{"\$ds":"\([a-z]*\)".*/\1/; s/^{"stream":"orders","id":\("[a-z]*"\).*/record \1/')
	assert_equal "$kinds" 'schema
record "a"
reject
record "b"
checkpoint
checkpoint'
	assert_equal "${lines[2]}" '{"$ds":"reject","stream":"orders","seq":7,"reason":"id is not a string (number)","raw":"{\"id\":5}"}'
	assert_equal "${lines[4]}" '{"$ds":"checkpoint","stream":"orders","seq":7,"cursor":"c+/7=","has_more":true,"records":3}'
	assert_equal "${lines[5]}" '{"$ds":"checkpoint","stream":"orders","seq":8,"cursor":null,"has_more":false,"records":0}'
	assert_stderr_contains "lines=2 pages=2 records=2 rejects=1"
}

@test "a record nested too deep or holding a lone surrogate is rejected alone; the rest of its page is kept" {
	deep() { printf '%*s' "$1" '' | tr ' ' '['; printf '%*s' "$1" '' | tr ' ' ']'; }
	{
		printf '{"stream":"events","seq":1,"cursor":null,"next":"c2","has_more":true,'
		printf '"fetched_at":"2026-01-01T00:00:00.000Z","records":['
		printf '{"id":"a","timestamp":1},{"id":"d1","timestamp":1,"x":%s},' "$(deep 300)"
		printf '{"id":"s1","timestamp":1,"s":"\\udc00"},{"id":"d2","timestamp":1,"x":%s},' "$(deep 1000)"
		printf '{"id":"b","timestamp":2}]}\n'
	} >"$TMP/in"
	xf
	assert_status 0
	kinds=$(printf '%s\n' "$output" | sed 's/^{"\$ds":"\([a-z]*\)".*/\1/; s/^{"stream":"events","id":\("[a-z0-9]*"\).*/record \1/')
	assert_equal "$kinds" 'schema
record "a"
reject
reject
reject
record "b"
checkpoint'
	assert_equal "$(printf '%s\n' "$output" | grep -c '"reason":"nesting deeper than 256"')" 2
	assert_output_contains '"reason":"string holds a lone surrogate \\u escape (PostgreSQL jsonb refuses it)","raw":"{\"id\":\"s1\",\"timestamp\":1,\"s\":\"\\udc00\"}"'
	assert_equal "${lines[6]}" '{"$ds":"checkpoint","stream":"events","seq":1,"cursor":"c2","has_more":true,"records":5}'
	assert_stderr_contains "lines=1 pages=1 records=2 rejects=3"
}

@test "when its input goes quiet, what the lines so far gave is written at once, not held" {
	mkfifo "$TMP/fifo" "$TMP/outfifo"
	ds-transform <"$TMP/fifo" >"$TMP/outfifo" 2>"$TMP/err" &
	pid=$!
	exec 5>"$TMP/fifo" 6<"$TMP/outfifo"
	printf '%s\n' '{"stream":"events","seq":1,"cursor":null,"next":"c2","has_more":true,"fetched_at":"x","records":[{"id":"a","timestamp":1}]}' >&5
	# the page's lines arrive while the upstream stays open and silent
	got=()
	for _ in 1 2 3; do
		IFS= read -r -t 5 line <&6
		got+=("${line:0:30}")
	done
	exec 5>&-
	wait "$pid"
	exec 6<&-
	assert_equal "${got[*]}" '{"$ds":"schema","stream":"even {"stream":"events","id":"a","t {"$ds":"checkpoint","stream":"'
}

@test "a page line that is not JSON is one reject line and no record or checkpoint" {
	printf '%s\n' '{"stream":"events","seq":1,"next":"c","has_more":true,"records":[{"id":"a","timestamp":1}],"x":}' >"$TMP/in"
	xf
	assert_status 0
	assert_equal "$output" '{"$ds":"reject","stream":"events","seq":null,"reason":"invalid JSON at byte 95: expected a JSON value","raw":"{\"stream\":\"events\",\"seq\":1,\"next\":\"c\",\"has_more\":true,\"records\":[{\"id\":\"a\",\"timestamp\":1}],\"x\":}"}'
	assert_stderr_contains "pages=0 records=0 rejects=1"
}

@test "schema lines come on a stream's first record and on change only" {
	cat >"$TMP/in" <<-'EOF'
	{"id":"1","timestamp":1,"a":"x"}
	{"id":"2","timestamp":2,"a":"y"}
	{"id":"3","timestamp":"1970-01-01T00:00:03Z","a":"z"}
	{"id":"4","timestamp":4,"a":"w"}
	{"id":"5","timestamp":5,"b":true}
	{"id":"6","timestamp":6,"a":"v","b":false}
	EOF
	xf
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | grep schema)" '{"$ds":"schema","stream":"events","fields":{"id":"string","timestamp":"number","a":"string"},"added":["id","timestamp","a"],"removed":[],"changed":[]}
{"$ds":"schema","stream":"events","fields":{"id":"string","timestamp":"number|string","a":"string"},"added":[],"removed":[],"changed":["timestamp"]}
{"$ds":"schema","stream":"events","fields":{"id":"string","timestamp":"number|string","a":"string","b":"boolean"},"added":["b"],"removed":["a"],"changed":[]}'
	assert_equal "$(printf '%s\n' "$output" | grep -c '^{"stream"')" 6
	assert_stderr_contains "records=6 rejects=0"
}

@test "ds-transform | ds-transform equals ds-transform" {
	cat >"$TMP/in" <<-'EOF'
	{"stream":"events","seq":1,"cursor":null,"next":"c1","has_more":true,"fetched_at":"x","records":[{"id":"a","timestamp":1},[]]}
	{"id":"p","type":"t","timestamp":"2023-11-14T22:13:20Z"}
	not json
	EOF
	ds-transform <"$TMP/in" >"$TMP/once" 2>/dev/null
	run --separate-stderr ds-transform <"$TMP/once"
	assert_status 0
	assert_equal "$output" "$(cat "$TMP/once")"
	assert_equal "${#lines[@]}" 7
	assert_stderr_contains "records=0 rejects=0 passed=7"
}

@test "zstd input is detected from its magic bytes, and a cut zstd stream exits 100 naming the offset" {
	printf '%s\n' '{"id":"z1","timestamp":1}' '{"id":"z2","timestamp":2}' | zstd -q -c >"$TMP/in.zst"
	run --separate-stderr ds-transform <"$TMP/in.zst"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | grep -o '^{"stream":"events","id":"z[0-9]"' | tr '\n' ' ')" '{"stream":"events","id":"z1" {"stream":"events","id":"z2" '
	assert_stderr_contains "records=2 rejects=0"

	seq 1 20000 | sed 's/.*/{"id":"&","timestamp":&}/' | zstd -q -c >"$TMP/big.zst"
	head -c "$(($(stat -c %s "$TMP/big.zst") / 2))" "$TMP/big.zst" >"$TMP/cut.zst"
	run --separate-stderr ds-transform <"$TMP/cut.zst"
	assert_status 100
	n=${#lines[@]}
	[ "$n" -gt 1 ]
	# the lines read before the cut are written, then the error names where it stopped
	assert_equal "$(printf '%s\n' "$output" | grep -c '^{"stream":"events","id":"')" "$((n - 1))"
	assert_stderr_contains "level=error prog=ds-transform msg=\"stdin: truncated zstd input at decompressed offset "
	assert_stderr_contains "(after line $((n - 1)))"
	assert_stderr_lacks "msg=done"
}

@test "--jq maps each record before normalisation and may emit several objects or none" {
	printf '%s\n' '{"rid":"a","when":1,"kind":"k"}' '{"rid":"skip","when":2}' '{"rid":"b","when":3,"parts":[1,2]}' >"$TMP/in"
	xf --jq 'select(.rid != "skip") | if .parts then .parts[] as $p | {id: "\(.rid)-\($p)", timestamp: .when} else {id: .rid, timestamp: .when, type: .kind} end'
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | grep '^{"stream"' | sed 's/"hash":"[0-9a-f]*"/"hash":H/')" '{"stream":"events","id":"a","type":"k","ts":"1970-01-01T00:00:01.000Z","hash":H,"data":{"id":"a","timestamp":1,"type":"k"}}
{"stream":"events","id":"b-1","type":null,"ts":"1970-01-01T00:00:03.000Z","hash":H,"data":{"id":"b-1","timestamp":3}}
{"stream":"events","id":"b-2","type":null,"ts":"1970-01-01T00:00:03.000Z","hash":H,"data":{"id":"b-2","timestamp":3}}'
	assert_stderr_contains "records=3 rejects=0"
}

@test "--jq errors and non-object outputs become rejects with jq's message" {
	printf '%s\n' '{"id":"a","timestamp":1,"n":5}' '{"id":"b","timestamp":1,"n":{"x":1}}' >"$TMP/in"
	xf --jq '.n + 1 | if . == 6 then {id: "six", timestamp: 1} , 7 else . end'
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | grep -v schema | sed 's/"hash":"[0-9a-f]*"/"hash":H/')" '{"stream":"events","id":"six","type":null,"ts":"1970-01-01T00:00:01.000Z","hash":H,"data":{"id":"six","timestamp":1}}
{"$ds":"reject","stream":"events","seq":null,"reason":"jq output is not an object","raw":"7"}
{"$ds":"reject","stream":"events","seq":null,"reason":"jq: object ({\"x\":1}) and number (1) cannot be added","raw":"{\"id\":\"b\",\"timestamp\":1,\"n\":{\"x\":1}}"}'
	assert_stderr_contains "records=1 rejects=2"
}

@test "a --jq program that does not compile is a usage error (64) with jq's message" {
	printf '%s\n' '{"id":"a","timestamp":1}' >"$TMP/in"
	xf --jq '.id |||'
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "level=error"
	assert_stderr_contains "--jq: jq: error: syntax error"
}

@test "--key hash takes the content hash as id, so records without ids are kept" {
	printf '%s\n' '{"timestamp":1,"v":2}' >"$TMP/in"
	xf --key hash
	assert_status 0
	h=$(sha '{"timestamp":1,"v":2}')
	assert_equal "${lines[1]}" "{\"stream\":\"events\",\"id\":\"$h\",\"type\":null,\"ts\":\"1970-01-01T00:00:01.000Z\",\"hash\":\"$h\",\"data\":{\"timestamp\":1,\"v\":2}}"
	assert_stderr_contains "records=1 rejects=0"
}

@test "--stream, --id-field, --ts-field and --type-field take other shapes, with dotted paths" {
	printf '%s\n' '{"meta":{"uid":"m1","at":"2024-02-29T12:00:00Z"},"kind":{"name":"n"},"type":"ignored"}' >"$TMP/in"
	xf --stream audit --id-field meta.uid --ts-field meta.at --type-field kind.name
	assert_status 0
	assert_output_contains '{"stream":"audit","id":"m1","type":"n","ts":"2024-02-29T12:00:00.000Z",'
	assert_stderr_contains "records=1 rejects=0"
}

@test "a composite --id-field a,b is the RFC 8785 text of the array of its values; a missing part is a missing id" {
	cat >"$TMP/in" <<-'EOF'
	{"org":"x,y","n":2.50,"timestamp":1}
	{"org":"x","n":"y,2.5","timestamp":1}
	{"org":"x","timestamp":1}
	EOF
	xf --id-field org,n
	assert_status 0
	ids=$(printf '%s\n' "$output" | grep -o '"id":"[^}]*","type"')
	assert_equal "$ids" '"id":"[\"x,y\",2.5]","type"
"id":"[\"x\",\"y,2.5\"]","type"'
	assert_output_contains '"reason":"missing id (n of org,n)"'
	assert_stderr_contains "records=2 rejects=1"
}

@test "a number id is a reject by default (the DataSync contract); --id-numbers yes stores its text" {
	cat >"$TMP/in" <<-'EOF'
	{"id":12345,"timestamp":1}
	{"id":-7,"timestamp":1}
	{"id":"s","timestamp":1}
	EOF
	xf
	assert_status 0
	assert_output_contains '"reason":"id is not a string (number)"'
	assert_stderr_contains "records=1 rejects=2"
	xf --id-numbers yes
	assert_status 0
	ids=$(printf '%s\n' "$output" | grep -o '"id":"[^"]*","type"')
	assert_equal "$ids" '"id":"12345","type"
"id":"-7","type"
"id":"s","type"'
	assert_stderr_contains "records=3 rejects=0"
	printf 'id-numbers = yes\n' >"$TMP/def"
	xf --definition "$TMP/def"
	assert_status 0
	assert_stderr_contains "records=3 rejects=0"
}

@test "a composite id works in file formats too: GeoJSON paths are properties, CSV values are text" {
	printf '%s' '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":"x","n":3,"t":1622548800000},"geometry":null}]}' >"$TMP/in"
	xf --input geojson --id-field a,n --ts-field properties.t --ts-form epoch-ms
	assert_status 0
	assert_output_contains '"id":"[\"x\",3]","type":"Feature","ts":"2021-06-01T12:00:00.000Z"'
	printf 'a,n,t\nx,3,1622548800\n' >"$TMP/in"
	xf --input csv --id-field a,n --ts-field t --ts-form epoch
	assert_status 0
	assert_output_contains '"id":"[\"x\",\"3\"]","type":null,"ts":"2021-06-01T12:00:00.000Z"'
	assert_stderr_contains "records=1 rejects=0"
}

@test "--ts-form names the timestamp form: iso-local takes a floating time as UTC or --ts-zone, epoch forms take numbers and strings" {
	printf '%s\n' '{"id":"f","at":"2021-06-01T12:00:00.000"}' >"$TMP/in"
	xf --ts-field at
	assert_status 0
	assert_output_contains '"reason":"unparseable timestamp: '
	xf --ts-field at --ts-form iso-local
	assert_status 0
	assert_output_contains '"id":"f","type":null,"ts":"2021-06-01T12:00:00.000Z"'
	xf --ts-field at --ts-form iso-local --ts-zone -05:00
	assert_status 0
	assert_output_contains '"id":"f","type":null,"ts":"2021-06-01T17:00:00.000Z"'
	xf --ts-field at --ts-form iso
	assert_status 0
	assert_output_contains '"reason":"unparseable timestamp: '
	printf '%s\n' '{"id":"s","timestamp":"100000000000"}' '{"id":"m","timestamp":1000}' >"$TMP/in"
	xf --ts-form epoch
	assert_status 0
	assert_output_contains '"id":"s","type":null,"ts":"5138-11-16T09:46:40.000Z"'
	assert_output_contains '"id":"m","type":null,"ts":"1970-01-01T00:16:40.000Z"'
	xf --ts-form epoch-ms
	assert_status 0
	assert_output_contains '"id":"s","type":null,"ts":"1973-03-03T09:46:40.000Z"'
	assert_output_contains '"id":"m","type":null,"ts":"1970-01-01T00:00:01.000Z"'
	assert_stderr_contains "records=2 rejects=0"
}

@test "ts-form and ts-zone are definition settings too; a bad one exits 64 naming the file, line and setting" {
	printf '%s\n' '{"id":"f","at":"2021-06-01T12:00:00.000"}' >"$TMP/in"
	printf 'ts-field = at\nts-form = iso-local\nts-zone = +05:30\n' >"$TMP/def"
	xf --definition "$TMP/def"
	assert_status 0
	assert_output_contains '"id":"f","type":null,"ts":"2021-06-01T06:30:00.000Z"'
	printf 'ts-field = at\nts-form = floating\n' >"$TMP/def"
	xf --definition "$TMP/def"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "$TMP/def:2: setting ts-form \\\"floating\\\": want iso, iso-local"
	printf 'ts-zone = CET\n' >"$TMP/def"
	xf --definition "$TMP/def"
	assert_status 64
	assert_stderr_contains "$TMP/def:1: setting ts-zone \\\"CET\\\": want Z or an offset"
	xf --ts-form epoch --ts-zone 5
	assert_status 64
	assert_stderr_contains '--ts-zone \"5\": want Z or an offset'
}

@test "--canonical prints the RFC 8785 form of every JCS test vector byte for byte" {
	need_corpora
	n=0
	for f in "$DS_CORPORA"/jcs/input/*.json; do
		run --separate-stderr ds-transform --canonical <"$f"
		assert_status 0
		assert_equal "$output" "$(cat "$DS_CORPORA/jcs/output/$(basename "$f")")"
		assert_equal "$stderr" ""
		n=$((n + 1))
	done
	[ "$n" -ge 6 ]
}

@test "every JSON test suite file, read as lines, gives only record or reject lines and exit 0; every n_ file is rejected" {
	need_corpora
	bad=""
	# --input ndjson: a file starting with '[' would be taken for a JSON array
	for f in "$DS_CORPORA"/json-test-suite/*.json; do
		out=$(timeout 10 ds-transform --input ndjson <"$f" 2>/dev/null)
		rc=$?
		[ "$rc" -eq 0 ] || bad="$bad exit$rc:$(basename "$f")"
		if printf '%s\n' "$out" | grep -v -e '^{"\$ds":"reject",' -e '^{"stream":"events",' -e '^{"\$ds":"schema",' -e '^$' >/dev/null; then
			bad="$bad other-line:$(basename "$f")"
		fi
		case $(basename "$f") in
		n_structure_no_data.json) # an empty input holds no line at all
			[ -z "$out" ] || bad="$bad output-for-empty-input" ;;
		n_*)
			printf '%s\n' "$out" | grep -q '^{"\$ds":"reject",' || bad="$bad not-rejected:$(basename "$f")"
			printf '%s\n' "$out" | grep -q '^{"stream"' && bad="$bad accepted:$(basename "$f")" ;;
		esac
	done
	assert_equal "$bad" ""
}

@test "bad options are usage errors (64) that name the option" {
	run --separate-stderr ds-transform --key name.
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "--key \\\"name.\\\": want a key or a dotted path of keys"
	run --separate-stderr ds-transform --max-record-bytes 0
	assert_status 64
	assert_stderr_contains "--max-record-bytes 0: want a whole number of bytes"
	run --separate-stderr ds-transform --ts-field a..b
	assert_status 64
	assert_stderr_contains "--ts-field"
	run --separate-stderr ds-transform extra-argument
	assert_status 64
	assert_stderr_contains "usage: ds-transform"
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr ds-transform --help
	assert_status 0
	assert_output_contains "usage: ds-transform [--canonical] [--checkpoint-every n]"
	assert_equal "$stderr" ""
}

@test "a line longer than --max-line-bytes is rejected and the next line still read" {
	{
		printf '{"id":"long","timestamp":1,"pad":"'
		head -c 5000 /dev/zero | tr '\0' 'x'
		printf '"}\n{"id":"short","timestamp":1}\n'
	} >"$TMP/in"
	xf --max-line-bytes 1000
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | grep -o '"reason":"[^"]*"')" '"reason":"line exceeds --max-line-bytes (1000)"'
	assert_output_contains '"id":"short"'
	assert_stderr_contains "records=1 rejects=1"
}

@test "--max-line-bytes and --max-record-bytes take K, M and G" {
	{
		printf '{"id":"long","timestamp":1,"pad":"'
		head -c 2000 /dev/zero | tr '\0' 'x'
		printf '"}\n{"id":"short","timestamp":1}\n'
	} >"$TMP/in"
	xf --max-line-bytes 1K --max-record-bytes 16M
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | grep -o '"reason":"[^"]*"')" '"reason":"line exceeds --max-line-bytes (1024)"'
	assert_output_contains '"id":"short"'
	xf --max-line-bytes 1M --max-record-bytes 1k
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | grep -o '"reason":"[^"]*"')" '"reason":"record exceeds --max-record-bytes (2036 > 1024)"'
	assert_stderr_contains "records=1 rejects=1"
}

@test "a closed stdout ends the run with 112 (EPIPE)" {
	seq 1 200000 | sed 's/.*/{"id":"&","timestamp":&}/' >"$TMP/in"
	run --separate-stderr bash -c 'ds-transform <"$1" | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$TMP/in"
	assert_status 0
	assert_equal "$output" "112"
}

@test "pages fetched by ds-fetch from ds-mockapi give one checkpoint per page and one line per record" {
	start_mock --events 2500 --page-max 1000 --api-key k --bad-rate 0.02
	DS_API_KEY=k ds-fetch --limit 1000 "$MOCK_URL" >"$TMP/pages" 2>/dev/null
	run --separate-stderr ds-transform <"$TMP/pages"
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | grep -c '"\$ds":"checkpoint"')" 3
	recs=$(printf '%s\n' "$output" | grep -c '^{"stream"')
	rejs=$(printf '%s\n' "$output" | grep -c '"\$ds":"reject"')
	assert_equal "$((recs + rejs))" 2500
	[ "$rejs" -gt 0 ]
	assert_equal "$(printf '%s\n' "$output" | tail -n 1)" '{"$ds":"checkpoint","stream":"events","seq":3,"cursor":null,"has_more":false,"records":500}'
	assert_stderr_contains "lines=3 pages=3 records=$recs rejects=$rejs"
}

@test "a record with more than 10000 top-level fields is rejected with the count; 10000 are kept" {
	jq -nc '{id: "wide", timestamp: 1} + ([range(9998)] | map({key: "f\(.)", value: .}) | from_entries)' >"$TMP/in"
	jq -nc '{id: "wider", timestamp: 1} + ([range(9999)] | map({key: "f\(.)", value: .}) | from_entries)' >>"$TMP/in"
	printf '%s\n' '{"id":"after","timestamp":1}' >>"$TMP/in"
	xf
	assert_status 0
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.id or .reason) | .id // .reason')" 'wide
record has more than 10000 top-level fields (10001)
after'
	# The raw text is kept up to 64 KiB, like that of other oversized rejects.
	assert_equal "$(printf '%s\n' "$output" | jq -c 'select(.reason) | [.raw[0:13], (.raw | length)]')" \
		'["{\"id\":\"wider\"",65536]'
	assert_stderr_contains "lines=3 pages=0 records=2 rejects=1"
}
