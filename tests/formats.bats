#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# ds-transform --input csv|json|geojson|singer: files and Singer taps into the
# stream format, and through ds-load into PostgreSQL exactly once.
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
}

teardown() {
	rm -rf "$T"
}

# rec DATA [ID] [TS] [TYPE]: the record line ds-transform writes for the
# canonical form DATA (given as written out: field values already in JCS
# form and key order), id the content hash unless given.
rec() {
	local h id ts type
	h=$(sha "$1")
	id=${2:-\"$h\"}
	ts=${3:-null}
	type=${4:-null}
	printf '{"stream":"events","id":%s,"type":%s,"ts":%s,"hash":"%s","data":%s}' \
	    "$id" "$type" "$ts" "$h" "$1"
}

# xf ARGS...: ds-transform on $T/in.
xf() {
	run --separate-stderr ds-transform "$@" <"$T/in"
}

@test "csv: RFC 4180 fields come out exact (separators and CRLF inside quotes, doubled quotes, unicode), CRLF rows, the BOM dropped, ids the content hash" {
	printf '\xef\xbb\xbfid,name,note\r\n1,"Smith, J","said ""hi""\r\nbye"\r\n2,Ünï 😀,\r\n' >"$T/in"
	xf --input csv
	assert_status 0
	assert_equal "${lines[1]}" "$(rec '{"id":"1","name":"Smith, J","note":"said \"hi\"\r\nbye"}')"
	assert_equal "${lines[2]}" "$(rec '{"id":"2","name":"Ünï 😀","note":""}')"
	assert_equal "${lines[3]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset=65 row=3","has_more":false,"records":2}'
	assert_equal "${#lines[@]}" 4
	assert_stderr_contains "msg=done bytes=65 records=2 rejects=0"
}

@test "csv: LF rows, a last row without a line end, a quoted empty field and an empty line" {
	printf 'a,b\n"x\ny",""\n\nz,w' >"$T/in"
	xf --input csv
	assert_status 0
	assert_equal "${lines[1]}" "$(rec '{"a":"x\ny","b":""}')"
	assert_equal "${lines[2]}" "$(rec '{"a":"z","b":"w"}')"
	assert_equal "${lines[3]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset=17 row=4","has_more":false,"records":2}'
}

# The CSV acid tests: each case is a name, the file (a printf format) and the
# data of the records it must give, one per line, in column order. The
# csv-spectrum files (github.com/maxogden/csv-spectrum) with their documented
# JSON, RFC 4180's examples, and the cases RFC 4180 leaves open, read as
# ds-transform(1) documents (as Python's csv module reads them).
csv_acid_cases=(
	comma_in_quotes 'first,last,address,city,zip\nJohn,Doe,120 any st.,"Anytown, WW",08123\n'
	'{"first":"John","last":"Doe","address":"120 any st.","city":"Anytown, WW","zip":"08123"}'
	empty 'a,b,c\n1,"",""\n2,3,4\n'
	$'{"a":"1","b":"","c":""}\n{"a":"2","b":"3","c":"4"}'
	empty_crlf 'a,b,c\r\n1,"",""\r\n2,3,4\r\n'
	$'{"a":"1","b":"","c":""}\n{"a":"2","b":"3","c":"4"}'
	escaped_quotes 'a,b\n1,"ha ""ha"" ha"\n3,4\n'
	$'{"a":"1","b":"ha \\"ha\\" ha"}\n{"a":"3","b":"4"}'
	json 'key,val\n1,"{""type"": ""Point"", ""coordinates"": [102.0, 0.5]}"\n'
	'{"key":"1","val":"{\"type\": \"Point\", \"coordinates\": [102.0, 0.5]}"}'
	newlines 'a,b,c\n1,2,3\n"Once upon \na time",5,6\n7,8,9\n'
	$'{"a":"1","b":"2","c":"3"}\n{"a":"Once upon \\na time","b":"5","c":"6"}\n{"a":"7","b":"8","c":"9"}'
	newlines_crlf 'a,b,c\r\n1,2,3\r\n"Once upon \r\na time",5,6\r\n7,8,9\r\n'
	$'{"a":"1","b":"2","c":"3"}\n{"a":"Once upon \\r\\na time","b":"5","c":"6"}\n{"a":"7","b":"8","c":"9"}'
	quotes_and_newlines 'a,b\n1,"ha \n""ha"" \nha"\n3,4\n'
	$'{"a":"1","b":"ha \\n\\"ha\\" \\nha"}\n{"a":"3","b":"4"}'
	simple 'a,b,c\n1,2,3\n'
	'{"a":"1","b":"2","c":"3"}'
	simple_crlf 'a,b,c\r\n1,2,3\r\n'
	'{"a":"1","b":"2","c":"3"}'
	utf8 'a,b,c\n1,2,3\n4,5,ʤ\n'
	$'{"a":"1","b":"2","c":"3"}\n{"a":"4","b":"5","c":"ʤ"}'
	location_coordinates $'Contact Phone Number,Location Coordinates,Cities,Counties\n02095257564,37°36\'37.8"N 121°2\'17.9"W,Modesto,Stanislaus'
	$'{"Contact Phone Number":"02095257564","Location Coordinates":"37°36\'37.8\\"N 121°2\'17.9\\"W","Cities":"Modesto","Counties":"Stanislaus"}'
	null 'a,b,c\n1,,2\n3,"NULL",4\n5,NULL,6\n'
	$'{"a":"1","b":"","c":"2"}\n{"a":"3","b":"NULL","c":"4"}\n{"a":"5","b":"NULL","c":"6"}'
	newlines_cr 'a,b,c\r1,2,3\r"Once upon \ra time",5,6\r7,8,9\r'
	$'{"a":"1","b":"2","c":"3"}\n{"a":"Once upon \\ra time","b":"5","c":"6"}\n{"a":"7","b":"8","c":"9"}'
	rfc4180_quoted_crlf_last_line_without_end 'h1,h2,h3\r\n"aaa","b\r\nbb","ccc"\r\nzzz,yyy,xxx'
	$'{"h1":"aaa","h2":"b\\r\\nbb","h3":"ccc"}\n{"h1":"zzz","h2":"yyy","h3":"xxx"}'
	rfc4180_doubled_quote '"h1","h2","h3"\r\n"aaa","b""bb","ccc"\r\n'
	'{"h1":"aaa","h2":"b\"bb","h3":"ccc"}'
	header_only 'a,b,c\n'
	''
	header_only_without_line_end 'a,b,c'
	''
	empty_file ''
	''
	blank_lines '\n\na,b\n\n1,2\n\r\n\n3,4\n\n'
	$'{"a":"1","b":"2"}\n{"a":"3","b":"4"}'
	lone_cr_line_ends 'a,b\r1,2\r3,"x\ry"\r'
	$'{"a":"1","b":"2"}\n{"a":"3","b":"x\\ry"}'
	byte_order_mark '\xef\xbb\xbfa,b\n1,2\n'
	'{"a":"1","b":"2"}'
	whitespace_around_fields 'a,b,c\n  x  , "y" ,"z" \n'
	'{"a":"  x  ","b":" \"y\" ","c":"z "}'
	quote_inside_unquoted_field 'a,b\n1,x"y"z\n'
	'{"a":"1","b":"x\"y\"z"}'
	text_after_closing_quote 'a,b\n"x"y,2\n'
	'{"a":"xy","b":"2"}'
	only_quotes_and_delimiters 'a,b\n"""",","\n'
	'{"a":"\"","b":","}'
	empty_last_field 'a,b\n1,\n'
	'{"a":"1","b":""}'
	numbers_stay_strings 'n,m\n007,1e3\n'
	'{"n":"007","m":"1e3"}'
	unicode_and_empty_names 'ñ,,😀\nx,y,z\n'
	'{"ñ":"x","":"y","😀":"z"}'
)

@test "csv acid tests: the csv-spectrum files, RFC 4180's examples and the cases it leaves open give exactly the documented records, with or without a line end after the last row" {
	local c n got want name
	# c, not i: bats' own functions assign i
	for ((c = 0; c < ${#csv_acid_cases[@]}; c += 3)); do
		for cut in no yes; do
			# shellcheck disable=SC2059 # the case's file is written from its printf format
			printf "${csv_acid_cases[c + 1]}" >"$T/in"
			name="${csv_acid_cases[c]} (last line end cut: $cut)"
			# the same file without the line end its last row has (LF, CRLF or CR)
			[ "$cut" = no ] || perl -0777 -pi -e 's/(?:\r\n|\n|\r)\z//' "$T/in"
			xf --input csv
			assert_status 0
			want=${csv_acid_cases[c + 2]}
			got=$(printf '%s\n' "${lines[@]}" | sed -n 's/^{"stream":"events","id":"\([0-9a-f]*\)","type":null,"ts":null,"hash":"\1","data":\(.*\)}$/\2/p')
			assert_equal "$name: $got" "$name: $want"
			n=$(printf '%s' "$want" | grep -c '^{' || true)
			assert_equal "$name: $(printf '%s\n' "${lines[@]}" | grep -c '^{"stream"' || true) records" "$name: $n records"
			assert_equal "$name: ${lines[-1]:0:44}" "$name: "'{"$ds":"checkpoint","stream":"events","seq":'
			assert_stderr_contains "msg=done bytes=$(wc -c <"$T/in") records=$n rejects=0"
		done
	done
}

@test "csv: the csv-spectrum degree signs in Latin-1 are a reject naming the row and byte unless --encoding ISO-8859-1 says so" {
	printf 'Contact Phone Number,Location Coordinates,Cities,Counties\n02095257564,37\xb036\x2737.8"N 121\xb02\x2717.9"W,Modesto,Stanislaus' >"$T/in"
	xf --input csv
	assert_status 0
	assert_equal "${lines[0]}" '{"$ds":"reject","stream":"events","seq":null,"reason":"row 2 at byte 58: field 2 is not valid UTF-8 at byte 72","raw":"02095257564,37�36'"'"'37.8\"N 121�2'"'"'17.9\"W,Modesto,Stanislaus"}'
	assert_equal "${#lines[@]}" 2
	assert_stderr_contains "records=0 rejects=1"
	xf --input csv --encoding ISO-8859-1
	assert_status 0
	assert_equal "${lines[1]:0:20}" '{"stream":"events","'
	[[ ${lines[1]} == *'"data":{"Contact Phone Number":"02095257564","Location Coordinates":"37°36'"'"'37.8\"N 121°2'"'"'17.9\"W","Cities":"Modesto","Counties":"Stanislaus"}}' ]]
	assert_stderr_contains "records=1 rejects=0"
}

@test "csv: a header with an empty name keeps it as the key \"\"; two empty names, like any repeated name, refuse the file naming both columns" {
	printf 'a,,c\n1,2,3\n' >"$T/in"
	xf --input csv
	assert_status 0
	h=$(sha '{"":"2","a":"1","c":"3"}')
	assert_equal "${lines[1]}" "{\"stream\":\"events\",\"id\":\"$h\",\"type\":null,\"ts\":null,\"hash\":\"$h\",\"data\":{\"a\":\"1\",\"\":\"2\",\"c\":\"3\"}}"
	printf 'a,,c,\n1,2,3,4\n' >"$T/in"
	xf --input csv
	assert_status 100
	assert_equal "${#lines[@]}" 0
	assert_stderr_contains 'msg="csv header (row 1 at byte 0): column 4 repeats the name of column 2: \"\""'
}

@test "csv: --csv-header names the columns of a file without a header row, --csv-delimiter '\\t' splits on tabs, --csv-null makes that unquoted spelling null" {
	printf '1\tNA\t"NA"\n2\tx\t\n' >"$T/in"
	xf --input csv --csv-header id,v,w --csv-delimiter '\t' --csv-null NA --id-field id
	assert_status 0
	assert_equal "${lines[1]}" "$(rec '{"id":"1","v":null,"w":"NA"}' '"1"')"
	assert_equal "${lines[2]}" '{"$ds":"schema","stream":"events","fields":{"id":"string","v":"null|string","w":"string"},"added":[],"removed":[],"changed":["v"]}'
	assert_equal "${lines[3]}" "$(rec '{"id":"2","v":"x","w":""}' '"2"')"
}

@test "csv: a row with more or fewer fields than the header, or bytes that are not UTF-8, is a reject line with its row number; the rest loads" {
	printf 'a,b\n1,2\n3\n4,5,6\n7,\xff\n8,9\n1,""x\xff\n' >"$T/in"
	xf --input csv
	assert_status 0
	assert_equal "${lines[2]}" '{"$ds":"reject","stream":"events","seq":null,"reason":"row 3 at byte 8: 1 fields, the header has 2","raw":"3"}'
	assert_equal "${lines[3]}" '{"$ds":"reject","stream":"events","seq":null,"reason":"row 4 at byte 10: 3 fields, the header has 2","raw":"4,5,6"}'
	assert_equal "${lines[4]}" '{"$ds":"reject","stream":"events","seq":null,"reason":"row 5 at byte 16: field 2 is not valid UTF-8 at byte 18","raw":"7,�"}'
	assert_equal "${lines[5]}" "$(rec '{"a":"8","b":"9"}')"
	# text after an empty quoted field: the bad byte's offset still named
	assert_equal "${lines[6]}" '{"$ds":"reject","stream":"events","seq":null,"reason":"row 7 at byte 24: field 2 is not valid UTF-8 at byte 29","raw":"1,\"\"x�"}'
	assert_stderr_contains "records=2 rejects=4"
}

@test "csv: --encoding converts to UTF-8 with iconv; bytes invalid in it are a reject with the row number" {
	printf 'name\ncaf\xe9\n' >"$T/in"
	xf --input csv --encoding ISO-8859-1
	assert_status 0
	assert_equal "${lines[1]}" "$(rec '{"name":"café"}')"
	printf 'name\ncaf\xe9\nok\n' >"$T/in"
	xf --input csv --encoding ASCII
	assert_status 0
	assert_equal "${lines[0]}" '{"$ds":"reject","stream":"events","seq":null,"reason":"row 2 at byte 5: field 1 has bytes invalid in the --encoding at byte 8","raw":"caf�"}'
	xf --input csv --encoding NO-SUCH-CHARSET
	assert_status 64
	assert_stderr_contains "--encoding NO-SUCH-CHARSET: iconv cannot convert it to UTF-8"
	# an encoding whose delimiter, quote or line end is not that ASCII byte
	for enc in UCS-4 UCS-2 EBCDIC-US; do
		xf --input csv --encoding "$enc"
		assert_status 64
		assert_equal "${#lines[@]}" 0
		assert_stderr_contains "msg=\"--encoding $enc: its delimiter, quote and line ends are not the ASCII bytes (name UTF-16 or UTF-32 as such, or an encoding of bytes)\""
	done
}

# wide_rows SIZE ENCODING...: $T/in, the rows id,name / 1,"Smith, J" /
# 2,Zürich 😀 in UTF-16 or UTF-32 with a BOM (SIZE bytes), read without
# --encoding and with each ENCODING: the two records, offsets in input bytes.
wide_rows() {
	local size=$1 enc
	shift
	for enc in "" "$@"; do
		xf --input csv ${enc:+--encoding "$enc"}
		assert_status 0
		assert_equal "${lines[1]}" "$(rec '{"id":"1","name":"Smith, J"}')"
		assert_equal "${lines[2]}" "$(rec '{"id":"2","name":"Zürich 😀"}')"
		assert_equal "${lines[3]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset='"$size"' row=3","has_more":false,"records":2}'
		assert_equal "${#lines[@]}" 4
		assert_stderr_contains "msg=done bytes=$size records=2 rejects=0"
	done
}

# wide_resume END OPTION...: ds-transform --input csv OPTION... (a --resume
# at the third row of wide_rows' file) gives its last record and a
# checkpoint at END.
wide_resume() {
	local end=$1
	shift
	xf --input csv "$@"
	assert_status 0
	assert_equal "${lines[1]}" "$(rec '{"id":"2","name":"Zürich 😀"}')"
	assert_equal "${lines[2]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset='"$end"' row=3","has_more":false,"records":1}'
}

# wide_bad NAME ROW BAD CUT END RAW: $T/in, rows a,b / 1,x / 2,<bad unit>y /
# 3,z / <a cut last unit> in UTF-16 or UTF-32 (NAME) with a BOM, the third
# row at byte ROW, its bad unit at byte BAD, the cut unit at byte CUT, END
# bytes in all, RAW what the cut unit reads as: both rows are rejects
# naming input offsets, the rest loads.
wide_bad() {
	xf --input csv
	assert_status 0
	assert_equal "${lines[1]}" "$(rec '{"a":"1","b":"x"}')"
	assert_equal "${lines[2]}" '{"$ds":"reject","stream":"events","seq":null,"reason":"row 3 at byte '"$2"': field 2 is not valid '"$1"' at byte '"$3"'","raw":"2,�y"}'
	assert_equal "${lines[3]}" "$(rec '{"a":"3","b":"z"}')"
	assert_equal "${lines[4]}" '{"$ds":"reject","stream":"events","seq":null,"reason":"row 5 at byte '"$4"': 1 fields, the header has 2","raw":"'"$6"'"}'
	assert_equal "${lines[5]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset='"$5"' row=5","has_more":false,"records":4}'
	assert_stderr_contains "msg=done bytes=$5 records=2 rejects=2"
}

@test "csv: UTF-16 with a byte order mark is detected (or named: --encoding UTF-16, UTF-16LE, UTF-16BE) and converted as it streams; offsets and rejects count the input's bytes" {
	# 2 + 18 + 28 + 26 bytes: the BOM, then rows of 9, 14 and 13 UTF-16 code units
	{ printf '\xff\xfe'; printf 'id,name\r\n1,"Smith, J"\r\n2,Zürich 😀\r\n' | iconv -f UTF-8 -t UTF-16LE; } >"$T/in"
	wide_rows 74 UTF-16 UTF-16LE utf-16le
	# big-endian without a BOM; resumed from a checkpoint's input offset
	printf 'id,name\r\n1,"Smith, J"\r\n2,Zürich 😀\r\n' | iconv -f UTF-8 -t UTF-16BE >"$T/in"
	wide_resume 72 --encoding UTF-16 --resume "offset=46 row=2"
	xf --input csv --encoding UTF-16BE --resume "offset=47 row=2"
	assert_status 100
	assert_stderr_contains "--resume: offset 47 is inside a character"
	# a surrogate not in a pair (at byte 26) and an odd last byte (at byte 44)
	{ printf '\xff\xfe'; printf 'a,b\r\n1,x\r\n2,' | iconv -t UTF-16LE; printf '\x3d\xd8'; printf 'y\r\n3,z\r\n' | iconv -t UTF-16LE; printf 'x'; } >"$T/in"
	wide_bad UTF-16 22 26 44 45 �
}

@test "csv: UTF-32 with a byte order mark is detected (or named: --encoding UTF-32, UTF-32LE, UTF-32BE) and converted as it streams; offsets and rejects count the input's bytes" {
	# 4 + 36 + 56 + 48 bytes: the BOM, then rows of 9, 14 and 12 code points
	{ printf '\xff\xfe\0\0'; printf 'id,name\r\n1,"Smith, J"\r\n2,Zürich 😀\r\n' | iconv -f UTF-8 -t UTF-32LE; } >"$T/in"
	wide_rows 144 UTF-32 UTF-32LE utf32le
	# big-endian: by its BOM, or without one as --encoding UTF-32 (Unicode's
	# default); resumed from a checkpoint's input offset
	{ printf '\0\0\xfe\xff'; printf 'id,name\r\n1,"Smith, J"\r\n2,Zürich 😀\r\n' | iconv -f UTF-8 -t UTF-32BE; } >"$T/in"
	wide_resume 144 --resume "offset=96 row=2"
	tail -c +5 "$T/in" >"$T/nobom" && mv "$T/nobom" "$T/in"
	wide_resume 140 --encoding UTF-32 --resume "offset=92 row=2"
	xf --input csv --encoding UTF-32BE --resume "offset=94 row=2"
	assert_status 100
	assert_stderr_contains "--resume: offset 94 is inside a character"
	# a unit over U+10FFFF (at byte 52) and a cut last unit (bytes 88-90)
	{ printf '\xff\xfe\0\0'; printf 'a,b\r\n1,x\r\n2,' | iconv -t UTF-32LE; printf '\0\0\x11\0'; printf 'y\r\n3,z\r\n' | iconv -t UTF-32LE; printf 'x\0\0'; } >"$T/in"
	wide_bad UTF-32 44 52 88 91 ���
}

@test "csv: a UTF-16 or UTF-32 byte order mark that --encoding does not read fails before any row, naming the --encoding to pass" {
	{ printf '\xff\xfe\0\0'; printf 'a\n1\n' | iconv -t UTF-32LE; } >"$T/in"
	for enc in UTF-16 UTF-16LE UTF-32BE UTF-8 ISO-8859-1; do
		xf --input csv --encoding "$enc"
		assert_status 100
		assert_equal "${#lines[@]}" 0
		assert_stderr_contains "msg=\"the input starts with a UTF-32LE byte order mark, which --encoding $enc does not read: pass --encoding UTF-32LE (or none)\""
	done
	{ printf '\xfe\xff'; printf 'a\n1\n' | iconv -t UTF-16BE; } >"$T/in"
	xf --input csv --encoding UTF-16LE
	assert_status 100
	assert_equal "${#lines[@]}" 0
	assert_stderr_contains "pass --encoding UTF-16BE (or none)"
	xf --input csv --encoding utf16
	assert_status 0
	assert_equal "${lines[1]}" "$(rec '{"a":"1"}')"
}

# bom_case FORMAT NAME MARK: $T/in in the encoding MARK names fails as
# FORMAT at once, naming the mark and the conversion to run.
bom_case() {
	xf --input "$1"
	assert_status 100
	assert_equal "${#lines[@]}" 0
	assert_stderr_contains "msg=\"the input starts with a $3 byte order mark, but $2 is UTF-8 (convert it first: iconv -f $3 -t UTF-8)\""
}

@test "json, geojson and singer input starting with a UTF-16 or UTF-32 byte order mark fails at once, naming the mark and the conversion to run" {
	{ printf '\xff\xfe'; printf '[{"a":1}]' | iconv -t UTF-16LE; } >"$T/in"
	bom_case json JSON UTF-16LE
	{ printf '\xff\xfe\0\0'; printf '{"type":"FeatureCollection","features":[]}' | iconv -t UTF-32LE; } >"$T/in"
	bom_case geojson GeoJSON UTF-32LE
	{ printf '\xfe\xff'; printf '{"type":"STATE","value":{}}\n' | iconv -t UTF-16BE; } >"$T/in"
	bom_case singer "Singer's JSON" UTF-16BE
	# converted as told, the UTF-8 byte order mark left is dropped
	{ printf '\xff\xfe'; printf '[{"a":1}]' | iconv -t UTF-16LE; } | iconv -f UTF-16LE -t UTF-8 >"$T/in"
	xf --input json
	assert_status 0
	assert_equal "${lines[1]}" "$(rec '{"a":1}')"
	assert_stderr_contains "msg=done bytes=12 records=1 rejects=0"
}

@test "csv: an unterminated quoted field at the end of the input fails with its row and byte offset, after the rows before it and a checkpoint at the last complete row" {
	printf 'a,b\n1,2\n3,"open\n4,5\n' >"$T/in"
	xf --input csv
	assert_status 100
	assert_equal "${lines[1]}" "$(rec '{"a":"1","b":"2"}')"
	assert_equal "${lines[2]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset=8 row=2","has_more":true,"records":1}'
	assert_equal "${#lines[@]}" 3
	assert_stderr_contains 'row 3 at byte 8: the input ends inside the quoted field opened at byte 10'
}

@test "csv: column names that need escapes in JSON (a quote, a tab) keep them, and the hash is still of the RFC 8785 form" {
	printf '"na""me","t\tb",z\n1,2,3\n' >"$T/in"
	xf --input csv
	assert_status 0
	h=$(sha '{"na\"me":"1","t\tb":"2","z":"3"}')
	assert_equal "${lines[1]}" "{\"stream\":\"events\",\"id\":\"$h\",\"type\":null,\"ts\":null,\"hash\":\"$h\",\"data\":{\"na\\\"me\":\"1\",\"t\\tb\":\"2\",\"z\":\"3\"}}"
}

@test "csv: a header naming a column twice is refused" {
	printf 'a,b,a\n1,2,3\n' >"$T/in"
	xf --input csv
	assert_status 100
	assert_stderr_contains 'csv header (row 1 at byte 0): column 3 repeats the name of column 1: \"a\"'
}

@test "csv: a bad --csv-header is a usage error naming the option and its column, never a byte offset; its names are UTF-8 whatever the --encoding" {
	printf '1,2,3\n' >"$T/in"
	xf --input csv --csv-header a,b,a
	assert_status 64
	assert_equal "${#lines[@]}" 0
	assert_stderr_contains 'level=error prog=ds-transform msg="--csv-header: column 3 repeats the name of column 1: \"a\""'
	[[ $stderr != *byte* ]]
	xf --input csv --csv-header $'a,\xff,c' --encoding ISO-8859-1
	assert_status 64
	assert_equal "${#lines[@]}" 0
	assert_stderr_contains 'msg="--csv-header: column 2 is not valid UTF-8"'
	printf 'caf\xe9,2\n' >"$T/in"
	xf --input csv --csv-header 'né,b' --encoding ISO-8859-1
	assert_status 0
	h=$(sha '{"b":"2","né":"café"}')
	assert_equal "${lines[1]}" "{\"stream\":\"events\",\"id\":\"$h\",\"type\":null,\"ts\":null,\"hash\":\"$h\",\"data\":{\"né\":\"café\",\"b\":\"2\"}}"
	assert_stderr_contains "records=1 rejects=0"
}

@test "csv: --checkpoint-every writes checkpoint lines with the offset and row; --resume with one gives exactly the rest" {
	{ echo 'n,v'; for i in $(seq 1 10); do echo "$i,\"v $i\""; done; } >"$T/in"
	xf --input csv --checkpoint-every 4
	assert_status 0
	mapfile -t cps < <(printf '%s\n' "${lines[@]}" | grep '"checkpoint"')
	assert_equal "${cps[0]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset=36 row=5","has_more":true,"records":4}'
	assert_equal "${cps[1]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset=68 row=9","has_more":true,"records":4}'
	assert_equal "${cps[2]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset=86 row=11","has_more":false,"records":2}'
	printf '%s\n' "${lines[@]}" | grep '^{"stream"' | tail -n 6 >"$T/want"
	xf --input csv --checkpoint-every 4 --resume "offset=36 row=5"
	assert_status 0
	printf '%s\n' "${lines[@]}" | grep '^{"stream"' >"$T/got"
	assert_equal "$(cat "$T/got")" "$(cat "$T/want")"
	assert_equal "${lines[${#lines[@]}-1]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset=86 row=11","has_more":false,"records":2}'
	xf --input csv --resume "offset=2 row=1"
	assert_status 64
	assert_stderr_contains "--resume: offset 2 is inside the header (it ends at byte 4)"
}

@test "csv options without --input csv are a usage error" {
	printf '{}\n' >"$T/in"
	xf --csv-null x
	assert_status 64
	assert_stderr_contains "go with --input csv"
	xf --input xml
	assert_status 64
	assert_stderr_contains "--input xml: want pages, ndjson, csv, json, geojson or singer"
}

@test "json: a top-level array, detected from its first byte, gives one record per element: wide integers and escapes byte for byte, number ids as text" {
	printf ' [{"id":12345678901234567890,"x":1.50,"s":"\\u00e9\\n"},\n {"id":"b","timestamp":"2024-01-01T00:00:00Z"}, 5, []]' >"$T/in"
	xf --id-field id
	assert_status 0
	h=$(sha '{"id":12345678901234567890,"s":"é\n","x":1.5}')
	assert_equal "${lines[1]}" "{\"stream\":\"events\",\"id\":\"12345678901234567890\",\"type\":null,\"ts\":null,\"hash\":\"$h\",\"data\":{\"id\":12345678901234567890,\"x\":1.50,\"s\":\"\\u00e9\\n\"}}"
	h=$(sha '{"id":"b","timestamp":"2024-01-01T00:00:00Z"}')
	assert_equal "${lines[3]}" "{\"stream\":\"events\",\"id\":\"b\",\"type\":null,\"ts\":\"2024-01-01T00:00:00.000Z\",\"hash\":\"$h\",\"data\":{\"id\":\"b\",\"timestamp\":\"2024-01-01T00:00:00Z\"}}"
	assert_equal "${lines[4]}" '{"$ds":"reject","stream":"events","seq":null,"reason":"not an object","raw":"5"}'
	assert_equal "${lines[5]}" '{"$ds":"reject","stream":"events","seq":null,"reason":"not an object","raw":"[]"}'
	assert_equal "${lines[6]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset=108 element=4","has_more":false,"records":4}'
}

@test "json: a pretty-printed array gives one record line per element, its white space dropped" {
	printf '[\n  {\n    "id": "a",\r\n    "n": [1, 2],\n    "s": "x y"\n  },\n  {"id":"b"}\n]\n' >"$T/in"
	xf --id-field id
	assert_status 0
	assert_equal "${lines[1]}" "$(rec '{"id":"a","n":[1,2],"s":"x y"}' '"a"')"
	assert_equal "${lines[3]}" "$(rec '{"id":"b"}' '"b"')"
	assert_equal "${#lines[@]}" 5
}

@test "json: without --id-field a record's id is its content hash, the same however it is spelled" {
	printf '[{"a":1,"b":"x"},{"b":"\\u0078","a":1.0}]' >"$T/in"
	xf --input json
	assert_status 0
	h=$(sha '{"a":1,"b":"x"}')
	assert_equal "$(printf '%s\n' "${lines[@]}" | grep -c "^{\"stream\":\"events\",\"id\":\"$h\"")" 2
}

@test "json: records that differ only in an integer wider than a double holds get different content-hash ids, the integer's digits kept in the hashed form" {
	printf '[{"a":12345678901234567890},{"a":12345678901234567891},{"a":9007199254740993},{"a":9007199254740992}]' >"$T/in"
	xf --input json
	assert_status 0
	assert_equal "${lines[1]}" "$(rec '{"a":12345678901234567890}')"
	assert_equal "${lines[2]}" "$(rec '{"a":12345678901234567891}')"
	assert_equal "${lines[3]}" "$(rec '{"a":9007199254740993}')"
	assert_equal "${lines[4]}" "$(rec '{"a":9007199254740992}')"
	assert_stderr_contains "msg=done bytes=101 records=4 rejects=0"
}

@test "json: an array cut mid-element fails with the byte offset, after the elements before it and a checkpoint at the last one" {
	printf '[{"a":1},\n{"a":2,"b":[1,2' >"$T/in"
	xf --input json
	assert_status 100
	assert_equal "${lines[1]}" "$(rec '{"a":1}')"
	assert_equal "${lines[2]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset=8 element=1","has_more":true,"records":1}'
	assert_equal "${#lines[@]}" 3
	assert_stderr_contains "the input ends at byte 25 inside element 2 (it starts at byte 10)"
}

@test "json: an invalid element, a missing comma, or input that is no array fails with the byte offset" {
	printf '[{"a":1},{"a":tru}]' >"$T/in"
	xf --input json
	assert_status 100
	assert_stderr_contains "invalid JSON in element 2 (it starts at byte 9) at byte 14"
	printf '[{"a":1} {"a":2}]' >"$T/in"
	xf --input json
	assert_status 100
	assert_stderr_contains "not a JSON array of objects: ',' or ']' expected at byte 9, found '{'"
	printf 'id,name\n1,x\n' >"$T/in"
	xf --input json
	assert_status 100
	assert_stderr_contains "not a JSON array of objects: '[' expected at byte 0, found 'i'"
	printf '[{"a":1}] x' >"$T/in"
	xf --input json
	assert_status 100
	assert_stderr_contains "data after the array at byte 10"
}

@test "json: an element over --max-record-bytes is a reject line holding its start, not kept in memory whole" {
	{ printf '[{"a":"'; head -c 300000 /dev/zero | tr '\0' x; printf '"},{"b":2}]'; } >"$T/in"
	xf --input json --max-record-bytes 1000
	assert_status 0
	want=$(printf '{"$ds":"reject","stream":"events","seq":null,"reason":"record exceeds --max-record-bytes (300008 > 1000)","raw":"{\\"a\\":\\"%s"}' "$(head -c 65530 /dev/zero | tr '\0' x)")
	assert_equal "${lines[0]}" "$want"
	assert_equal "${lines[2]}" "$(rec '{"b":2}')"
}

@test "geojson: each feature of a FeatureCollection is a record with its geometry, properties and id (or the property --id-field names, or the hash)" {
	f1='{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[1.5,-2]},"properties":{"name":"a","k":"z1"}}'
	f2='{"type":"Feature","geometry":null,"properties":{"name":"b","k":"z2"}}'
	printf '{"type":"FeatureCollection","features":[%s,\n%s],"bbox":[0,0,1,1]}' "$f1" "$f2" >"$T/in"
	xf
	assert_status 0
	h1=$(sha '{"geometry":{"coordinates":[1.5,-2],"type":"Point"},"id":7,"properties":{"k":"z1","name":"a"},"type":"Feature"}')
	h2=$(sha '{"geometry":null,"properties":{"k":"z2","name":"b"},"type":"Feature"}')
	assert_equal "${lines[1]}" "{\"stream\":\"events\",\"id\":\"7\",\"type\":\"Feature\",\"ts\":null,\"hash\":\"$h1\",\"data\":$f1}"
	assert_equal "${lines[3]}" "{\"stream\":\"events\",\"id\":\"$h2\",\"type\":\"Feature\",\"ts\":null,\"hash\":\"$h2\",\"data\":$f2}"
	assert_equal "${lines[4]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"offset=222 feature=2","has_more":false,"records":2}'
	xf --input geojson --id-field k
	assert_status 0
	assert_equal "$(printf '%s\n' "${lines[@]}" | grep -o '^{"stream":"events","id":"[^"]*"')" "$(printf '%s\n' '{"stream":"events","id":"z1"' '{"stream":"events","id":"z2"')"
}

@test "geojson: an object that is not a FeatureCollection fails" {
	printf '{"type":"Topology","features":[]}' >"$T/in"
	xf --input geojson
	assert_status 100
	assert_stderr_contains 'not a GeoJSON FeatureCollection: \"type\" is \"Topology\" at byte 8'
}

@test "csv into PostgreSQL through ds-load: values exact, and the same file loaded twice stores nothing twice" {
	fresh_db
	printf 'id,name,note\r\n1,"Smith, J","a ""q""\nb"\r\n2,Ünï,\r\n' >"$T/in"
	ds-transform --input csv --csv-null '' <"$T/in" 2>/dev/null | ds-load 2>"$T/err1"
	run --separate-stderr sql "select data::text from events order by data->>'id'"
	assert_status 0
	assert_equal "$output" "$(printf '%s\n' '{"id": "1", "name": "Smith, J", "note": "a \"q\"\nb"}' '{"id": "2", "name": "Ünï", "note": null}')"
	ds-transform --input csv --csv-null '' <"$T/in" 2>/dev/null | ds-load 2>"$T/err2"
	grep -q 'msg=done records=0 duplicates=2' "$T/err2"
	assert_equal "$(sql "select count(*) from events")" 2
	run --separate-stderr ds-checkpoint get events
	assert_status 3
}

# start_chain FILTER_ARGS -- LOAD_ARGS: ds-transform ARGS <$T/fifo >$T/mid and
# ds-load LOAD_ARGS <$T/mid >$T/echo in the background (XPID, LPID); fd 3
# writes the input.
start_chain() {
	local -a xa=() la=()
	while [ "$1" != -- ]; do xa+=("$1"); shift; done
	shift
	la=("$@")
	mkfifo "$T/fifo" "$T/mid"
	ds-transform "${xa[@]}" <"$T/fifo" >"$T/mid" 2>"$T/xerr" &
	XPID=$!
	ds-load "${la[@]}" <"$T/mid" >"$T/echo" 2>"$T/lerr" &
	LPID=$!
	exec 8>"$T/fifo"
}

# wait_for CMD...: up to 10 s for CMD to succeed.
wait_for() {
	local _
	for _ in $(seq 1 100); do
		if "$@"; then return 0; fi
		sleep 0.1
	done
	return 1
}

has_cursor() {
	[ -n "$(ds-checkpoint get events 2>/dev/null)" ]
}

@test "csv killed -9 mid-file resumes inside the file from the stored checkpoint's cursor: each row exactly once" {
	fresh_db
	{ echo 'n,text'; for i in $(seq 1 2000); do printf '%d,"row %d, ""quoted""\n"\n' "$i" "$i"; done; } >"$T/file"
	size=$(stat -c %s "$T/file")
	start_chain --input csv --checkpoint-every 100 -- --batch-rows 1 --jobs 1
	head -c $((size / 2)) "$T/file" >&8
	wait_for has_cursor
	sleep 0.3
	kill -9 "$XPID" "$LPID"
	exec 8>&-
	wait "$LPID" || true
	cur=$(ds-checkpoint get events)
	case "$cur" in offset=*' row='*) ;; *) echo "cursor: $cur" >&2; return 1 ;; esac
	row=${cur#* row=}
	done_rows=$(sql "select count(*) from events")
	assert_equal "$done_rows" $((row - 1))
	run --separate-stderr bash -c 'ds-transform --input csv --resume "$1" <"$2" | ds-load' _ "$cur" "$T/file"
	assert_status 0
	assert_stderr_contains "records=$((2000 - done_rows)) rejects=0"
	assert_equal "$(sql "select count(*), count(distinct data->>'n'), min((data->>'n')::int), max((data->>'n')::int) from events")" "2000|2000|1|2000"
	assert_equal "$(sql "select data->>'text' from events where data->>'n' = '1000'")" "$(printf 'row 1000, "quoted"\n')"
	run --separate-stderr ds-checkpoint get events
	assert_status 3
}

# The recorded output of a Singer tap with two streams: part 1 of a run
# (killed after it), and the whole of the next run resumed from STATE 1.
tap_part1() {
	cat <<-'EOF'
	{"type": "SCHEMA", "stream": "users", "schema": {"properties": {"id": {"type": "integer"}}}, "key_properties": ["id"]}
	{"type": "SCHEMA", "stream": "orders", "schema": {"properties": {"id": {"type": "integer"}}}, "key_properties": ["shop", "id"]}
	{"type": "RECORD", "stream": "users", "record": {"id": 1, "name": "Ann"}, "time_extracted": "2024-05-01T10:00:00Z"}
	{"type": "RECORD", "stream": "orders", "record": {"shop": "a|b", "id": 1, "total": 12345678901234567890}}
	{"type": "STATE", "value": {"bookmarks": {"users": {"since": "1"}}}}
	EOF
}
tap_after1() {
	cat <<-'EOF'
	{"type": "RECORD", "stream": "users", "record": {"id": 2, "name": "Bo"}}
	{"type": "RECORD", "stream": "orders", "record": {"shop": "a", "id": 2}}
	EOF
}
tap_run2() {
	cat <<-'EOF'
	{"type": "SCHEMA", "stream": "users", "schema": {"properties": {"id": {"type": "integer"}}}, "key_properties": ["id"]}
	{"type": "SCHEMA", "stream": "orders", "schema": {"properties": {"id": {"type": "integer"}}}, "key_properties": ["shop", "id"]}
	{"type": "RECORD", "stream": "users", "record": {"id": 2, "name": "Bo"}}
	{"type": "RECORD", "stream": "orders", "record": {"shop": "a", "id": 2}}
	{"type": "STATE", "value": {"bookmarks": {"users": {"since": "2"}}}}
	{"type": "RECORD", "stream": "users", "record": {"id": 3, "name": "Cy"}}
	{"type": "ACTIVATE_VERSION", "stream": "users", "version": 1}
	{"type": "STATE", "value": {"bookmarks": {"users": {"since": "3"}}}}
	EOF
}

@test "singer: RECORDs become records (id from key_properties, type the Singer stream, ts time_extracted), STATEs checkpoint lines carrying the state" {
	tap_part1 >"$T/in"
	printf '%s\n' '{"type": "RECORD", "stream": "nope", "record": {"id": 1}}' '{"type": "RECORD", "stream": "orders", "record": {"id": 5}}' >>"$T/in"
	xf --input singer --stream tap
	assert_status 0
	# each SCHEMA's properties: a declared schema line
	assert_equal "${lines[0]}" '{"$ds":"schema","stream":"tap","fields":{"id":"number"},"added":["id"],"removed":[],"changed":[],"declared":true}'
	assert_equal "${lines[1]}" '{"$ds":"schema","stream":"tap","fields":{"id":"number"},"added":[],"removed":[],"changed":[],"declared":true}'
	h=$(sha '{"id":1,"name":"Ann"}')
	assert_equal "${lines[3]}" "{\"stream\":\"tap\",\"id\":\"[\\\"users\\\",1]\",\"type\":\"users\",\"ts\":\"2024-05-01T10:00:00.000Z\",\"hash\":\"$h\",\"data\":{\"id\": 1, \"name\": \"Ann\"}}"
	h=$(sha '{"id":1,"shop":"a|b","total":12345678901234567890}')
	assert_equal "${lines[5]}" "{\"stream\":\"tap\",\"id\":\"[\\\"orders\\\",\\\"a|b\\\",1]\",\"type\":\"orders\",\"ts\":null,\"hash\":\"$h\",\"data\":{\"shop\": \"a|b\", \"id\": 1, \"total\": 12345678901234567890}}"
	assert_equal "${lines[6]}" '{"$ds":"checkpoint","stream":"tap","seq":null,"cursor":"{\"bookmarks\":{\"users\":{\"since\":\"1\"}}}","has_more":true,"records":2,"state":{"bookmarks":{"users":{"since":"1"}}}}'
	assert_equal "${lines[7]}" '{"$ds":"reject","stream":"tap","seq":null,"reason":"Singer RECORD of stream \"nope\" before its SCHEMA","raw":"{\"type\": \"RECORD\", \"stream\": \"nope\", \"record\": {\"id\": 1}}"}'
	assert_equal "${lines[8]}" '{"$ds":"reject","stream":"tap","seq":null,"reason":"Singer RECORD: missing key property shop","raw":"{\"type\": \"RECORD\", \"stream\": \"orders\", \"record\": {\"id\": 5}}"}'
	tap_part1 >"$T/in"
	xf
	assert_status 0
	assert_equal "${lines[6]}" '{"$ds":"checkpoint","stream":"events","seq":null,"cursor":"{\"bookmarks\":{\"users\":{\"since\":\"1\"}}}","has_more":true,"records":2,"state":{"bookmarks":{"users":{"since":"1"}}}}'
}

@test "singer: the done line counts the bytes read, a last line without a line end and a line over --max-line-bytes included" {
	tap_part1 >"$T/in"
	xf --input singer --stream tap
	assert_status 0
	assert_stderr_contains "msg=done bytes=$(wc -c <"$T/in") records=2 rejects=0"
	printf '{"type":"RECORD","stream":"users","record":{"id":4,"name":"%0300d"}}\n' 0 >>"$T/in"
	printf '%s' '{"type":"STATE","value":{}}' >>"$T/in"
	xf --input singer --stream tap --max-line-bytes 200
	assert_status 0
	assert_stderr_contains "msg=done bytes=$(wc -c <"$T/in") records=2 rejects=1"
}

@test "singer: a stream without key properties has ids [stream, content hash]: equal records of two such streams are both kept, a repeated one once" {
	fresh_db
	printf '%s\n' '{"type":"SCHEMA","stream":"clicks","schema":{"properties":{}},"key_properties":[]}' \
	    '{"type":"SCHEMA","stream":"views","schema":{"properties":{}}}' \
	    '{"type":"RECORD","stream":"clicks","record":{"u":1, "n":12345678901234567891}}' \
	    '{"type":"RECORD","stream":"views","record":{"n":12345678901234567891,"u":1}}' >"$T/in"
	xf --input singer --stream tap
	assert_status 0
	h=$(sha '{"n":12345678901234567891,"u":1}')
	recs=$(printf '%s\n' "${lines[@]}" | grep '^{"stream"')
	assert_equal "$(sed -n 1p <<<"$recs")" "{\"stream\":\"tap\",\"id\":\"[\\\"clicks\\\",\\\"$h\\\"]\",\"type\":\"clicks\",\"ts\":null,\"hash\":\"$h\",\"data\":{\"u\":1, \"n\":12345678901234567891}}"
	assert_equal "$(sed -n 2p <<<"$recs")" "{\"stream\":\"tap\",\"id\":\"[\\\"views\\\",\\\"$h\\\"]\",\"type\":\"views\",\"ts\":null,\"hash\":\"$h\",\"data\":{\"n\":12345678901234567891,\"u\":1}}"
	assert_stderr_contains "records=2 rejects=0"
	ds-transform --input singer --stream tap <"$T/in" 2>/dev/null | ds-load 2>/dev/null
	ds-transform --input singer --stream tap <"$T/in" 2>/dev/null | ds-load 2>/dev/null
	assert_equal "$(sql "select type, hash = '$h' from events order by 1")" "$(printf '%s\n' 'clicks|t' 'views|t')"
}

has_echo() {
	[ -s "$T/echo" ]
}

@test "singer round trip: a two-stream tap killed between two STATEs resumes from the state ds-checkpoint returns; exact, each STATE echoed only after its records commit" {
	fresh_db
	start_chain --input singer -- --batch-seconds 0 --jobs 1
	tap_part1 >&8
	wait_for has_echo
	# the state is echoed once the records before it are committed
	assert_equal "$(cat "$T/echo")" '{"bookmarks":{"users":{"since":"1"}}}'
	assert_equal "$(sql "select id from events order by id")" "$(printf '%s\n' '["orders","a|b",1]' '["users",1]')"
	tap_after1 >&8
	sleep 0.5
	kill -9 "$XPID" "$LPID"
	exec 8>&-
	wait "$LPID" || true
	assert_equal "$(sql "select count(*) from events")" 2
	run --separate-stderr ds-checkpoint get events
	assert_status 0
	assert_equal "$output" '{"bookmarks":{"users":{"since":"1"}}}'
	tap_run2 >"$T/in"
	run --separate-stderr bash -c 'ds-transform <"$1" | ds-load --batch-seconds 0' _ "$T/in"
	assert_status 0
	assert_equal "$output" "$(printf '%s\n' '{"bookmarks":{"users":{"since":"2"}}}' '{"bookmarks":{"users":{"since":"3"}}}')"
	assert_equal "$(sql "select id, type, ts from events order by id")" "$(printf '%s\n' \
	    '["orders","a",2]|orders|' '["orders","a|b",1]|orders|' '["users",1]|users|2024-05-01 10:00:00+00' \
	    '["users",2]|users|' '["users",3]|users|')"
	assert_equal "$(sql "select data->>'total' from events where id = '[\"orders\",\"a|b\",1]'")" 12345678901234567890
	assert_equal "$(ds-checkpoint get events)" '{"bookmarks":{"users":{"since":"3"}}}'
}

@test "singer with ds-load's default batching: a STATE followed by a quiet tap is committed and echoed within seconds, not held until the next one" {
	fresh_db
	start_chain --input singer --stream tap --
	tap_part1 >&8
	wait_for has_echo
	assert_equal "$(cat "$T/echo")" '{"bookmarks":{"users":{"since":"1"}}}'
	assert_equal "$(sql "select count(*) from events")" 2
	exec 8>&-
	wait "$LPID"
	assert_equal "$(cat "$T/echo")" '{"bookmarks":{"users":{"since":"1"}}}'
}

@test "json, csv: over many output buffers (hashed on a second thread) every line keeps its own record's id and hash, in order" {
	awk 'BEGIN { printf "["; for (i = 1; i <= 30000; i++)
		printf "%s{\"n\":%d,\"s\":\"r\\u00e9cord %d, \\\"q\\\"\",\"b\":%d1234567890123456789}", (i > 1 ? "," : ""), i, i, i % 7 + 1
		print "]" }' >"$T/in"
	xf --input json
	assert_status 0
	mapfile -t recs < <(printf '%s\n' "${lines[@]}" | grep '^{"stream"')
	assert_equal "${#recs[@]}" 30000
	for i in 1 2 4096 15000 29999 30000; do
		h=$(sha "{\"b\":$((i % 7 + 1))1234567890123456789,\"n\":$i,\"s\":\"récord $i, \\\"q\\\"\"}")
		assert_equal "${recs[i - 1]}" "{\"stream\":\"events\",\"id\":\"$h\",\"type\":null,\"ts\":null,\"hash\":\"$h\",\"data\":{\"n\":$i,\"s\":\"r\\u00e9cord $i, \\\"q\\\"\",\"b\":$((i % 7 + 1))1234567890123456789}}"
	done
	assert_stderr_contains "records=30000 rejects=0"
	awk 'BEGIN { print "n,s"; for (i = 1; i <= 30000; i++) printf "%d,\"v %d, \"\"q\"\"\"\n", i, i }' >"$T/in"
	xf --input csv
	assert_status 0
	mapfile -t recs < <(printf '%s\n' "${lines[@]}" | grep '^{"stream"')
	assert_equal "${#recs[@]}" 30000
	for i in 1 2 4096 15000 29999 30000; do
		assert_equal "${recs[i - 1]}" "$(rec "{\"n\":\"$i\",\"s\":\"v $i, \\\"q\\\"\"}")"
	done
	assert_stderr_contains "records=30000 rejects=0"
}

@test "csv: over many output buffers, columns not in RFC 8785 order, doubled quotes, nulls and a \\b: each line's hash is its row's canonical form, one schema line per change (a column's first string after nulls too)" {
	awk 'BEGIN { print "z,a,m"; for (i = 1; i <= 30000; i++)
		printf "%d,\"q\"\"%d\",%s\n", i, i, (i <= 2 || i % 1000 == 0 ? "NULL" : i == 15001 ? "b\bx" : "ü " i) }' >"$T/in"
	xf --input csv --csv-null NULL
	assert_status 0
	mapfile -t recs < <(printf '%s\n' "${lines[@]}" | grep '^{"stream"')
	assert_equal "${#recs[@]}" 30000
	for i in 1 2 3 999 1000 1001 4096 15001 29999 30000; do
		if ((i <= 2 || i % 1000 == 0)); then
			m=null
		elif ((i == 15001)); then
			m='"b\bx"' d='"b\u0008x"'
		else
			m="\"ü $i\""
		fi
		h=$(sha "{\"a\":\"q\\\"$i\",\"m\":$m,\"z\":\"$i\"}")
		[ "$i" = 15001 ] || d=$m
		assert_equal "${recs[i - 1]}" "{\"stream\":\"events\",\"id\":\"$h\",\"type\":null,\"ts\":null,\"hash\":\"$h\",\"data\":{\"z\":\"$i\",\"a\":\"q\\\"$i\",\"m\":$d}}"
	done
	mapfile -t schemas < <(printf '%s\n' "${lines[@]}" | grep '^{"$ds":"schema"')
	assert_equal "${#schemas[@]}" 2
	assert_equal "${schemas[0]}" '{"$ds":"schema","stream":"events","fields":{"z":"string","a":"string","m":"null"},"added":["z","a","m"],"removed":[],"changed":[]}'
	assert_equal "${schemas[1]}" '{"$ds":"schema","stream":"events","fields":{"z":"string","a":"string","m":"null|string"},"added":[],"removed":[],"changed":["m"]}'
	# the change comes with row 3, m's first string
	assert_equal "${lines[3]}" "${schemas[1]}"
	assert_equal "${lines[4]}" "${recs[2]}"
	assert_stderr_contains "records=30000 rejects=0"
}
