#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# ds-files: files and directories of files loaded each exactly once.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	start_pg
}

teardown_file() {
	ds_teardown
}

setup() {
	fresh_db
	T=$(ds_tmpdir)
	mkdir "$T/dir"
}

teardown() {
	rm -rf "$T"
}

# rows: every loaded record as "file-name|a|b", in order (the stream is
# files.NAME.SUM).
rows() {
	sql "select substring(stream from '^files[.](.*)[.][0-9a-f]{16}\$'), data->>'a', data->>'b' from events order by 2, 1"
}

@test "a directory's files load in name order, plain and gzip; a second run skips them; a file added later is the only one loaded next" {
	printf 'a,b\n1,x\n2,y\n' >"$T/dir/b.csv"
	printf 'a,b\n3,z\n' | gzip >"$T/dir/a.csv.gz"
	run --separate-stderr ds-files "$T/dir"
	assert_status 0
	assert_stderr_contains "msg=\"loading\" file=$T/dir/a.csv.gz"
	assert_stderr_contains 'msg="done" loaded=2 skipped=0'
	[[ $stderr == *a.csv.gz*b.csv* ]]
	assert_equal "$(rows)" "$(printf '%s\n' 'b.csv|1|x' 'b.csv|2|y' 'a.csv.gz|3|z')"
	run --separate-stderr ds-files "$T/dir"
	assert_status 0
	assert_stderr_contains 'msg="done" loaded=0 skipped=2'
	printf 'a,b\n4,w\n' >"$T/dir/c.csv"
	run --separate-stderr ds-files "$T/dir"
	assert_status 0
	assert_stderr_contains 'msg="done" loaded=1 skipped=2'
	assert_equal "$(sql "select count(*) from events")" 4
}

@test "without --input a file's name gives its format: .json and .geojson (plain, .gz or .zst) as such, any other as csv; --input names one for all" {
	printf 'a,b\n1,x\n' >"$T/dir/a.csv"
	printf '[{"a":"2","b":"y"},\n {"a":"3","b":"z"}]' | gzip >"$T/dir/b.json.gz"
	printf '{"type":"FeatureCollection","features":[{"type":"Feature","id":"g","geometry":null,"properties":{"a":"4"}}]}' >"$T/dir/c.geojson"
	printf '[{"a":"5","b":"v"}]' | zstd -q >"$T/dir/d.JSON.zst"
	run --separate-stderr ds-files "$T/dir"
	assert_status 0
	assert_stderr_contains 'msg="done" loaded=4 skipped=0'
	assert_equal "$(rows)" "$(printf '%s\n' 'a.csv|1|x' 'b.json.gz|2|y' 'b.json.gz|3|z' 'd.JSON.zst|5|v' 'c.geojson||')"
	assert_equal "$(sql "select data->'properties'->>'a' from events where id = 'g'")" 4
	printf 'a,b\n6,u\n' >"$T/dir2.json"
	run --separate-stderr ds-files --input csv "$T/dir2.json"
	assert_status 0
	assert_equal "$(sql "select data->>'b' from events where data->>'a' = '6'")" u
}

@test "a file whose content changed under the same name is loaded as new (rows it shares with the old content are stored once)" {
	printf 'a,b\n1,x\n' >"$T/dir/f.csv"
	ds-files "$T/dir" 2>/dev/null
	printf 'a,b\n1,x\n2,changed\n' >"$T/dir/f.csv"
	run --separate-stderr ds-files "$T/dir"
	assert_status 0
	assert_stderr_contains 'msg="done" loaded=1 skipped=0'
	assert_equal "$(sql "select count(distinct stream), count(*) from events")" "2|2"
	assert_equal "$(rows)" "$(printf '%s\n' 'f.csv|1|x' 'f.csv|2|changed')"
}

@test "a file whose load stopped midway resumes inside it from the stored checkpoint" {
	{ echo 'a,b'; for i in $(seq 1 100); do echo "$i,v$i"; done; } >"$T/dir/big.csv"
	sum=$(sha256sum "$T/dir/big.csv" | cut -c1-16)
	# a run killed after committing through row 41 (40 records) left this checkpoint
	off=$(head -n 41 "$T/dir/big.csv" | wc -c)
	ds-checkpoint set "files.big.csv.$sum" "offset=$off row=41"
	run --separate-stderr ds-files "$T/dir"
	assert_status 0
	assert_stderr_contains "msg=\"resuming inside the file\" file=$T/dir/big.csv stream=files.big.csv.$sum cursor=\"offset=$off row=41\""
	assert_equal "$(sql "select count(*), min((data->>'a')::int), max((data->>'a')::int) from events")" "60|41|100"
	run --separate-stderr ds-checkpoint get "files.big.csv.$sum"
	assert_status 3
}

# age_all: every stream's last load three hours ago.
age_all() {
	sql "update ds_checkpoints set updated_at = updated_at - interval '3 hours';
	    update ds_catalog set last_loaded_at = last_loaded_at - interval '3 hours'" >/dev/null
}

@test "ds-checkpoint status judges a file source by its file loaded last: one line per prefix, a file loaded long ago is never stale alone, a file stopped midway keeps its own line" {
	mkdir "$T/permits"
	printf 'a,b\n1,x\n2,y\n' >"$T/dir/a.csv"
	printf 'a,b\n3,z\n' >"$T/dir/b.csv"
	printf 'a,b\n4,w\n' >"$T/permits/p.csv"
	# a file stopped midway, and a stream of another kind whose name looks like a file's
	ds-checkpoint set files.x.csv.0123456789abcdef 'offset=4 row=1'
	printf '%s\n' '{"$ds":"checkpoint","stream":"api.x.0123456789abcdef","seq":1,"cursor":"c9","has_more":false,"records":0}' | ds-load 2>/dev/null
	ds-files "$T/dir" 2>/dev/null
	ds-files --stream permits "$T/permits" 2>/dev/null
	sb=files.b.csv.$(sha256sum "$T/dir/b.csv" | cut -c1-16)
	sp=permits.p.csv.$(sha256sum "$T/permits/p.csv" | cut -c1-16)
	# every line fresh, then every line stale: the same four lines
	for when in now 3h; do
		[ "$when" = now ] || age_all
		run --separate-stderr ds-checkpoint status --max-age 1h
		if [ "$when" = now ]; then
			assert_status 0
			st='ok age=0s' stale=''
		else
			assert_status 1
			st='STALE age=3h' stale=' max_age=60m'
		fi
		assert_equal "$stderr" ""
		assert_equal "$output" "$(printf '%s\n' "api.x.0123456789abcdef $st records=0 finished$stale" \
		    "files.* $st files=2 records=3 newest=$sb$stale" \
		    "files.x.csv.0123456789abcdef $st records=0$stale" \
		    "permits.* $st files=1 records=1 newest=$sp$stale")"
	done
	# a new file makes its source fresh; the old files stay out of the check
	printf 'a,b\n5,v\n' >"$T/dir/c.csv"
	ds-files "$T/dir" 2>/dev/null
	ds-checkpoint reset files.x.csv.0123456789abcdef
	run --separate-stderr ds-checkpoint status --max-age 1h
	assert_status 1
	assert_equal "${lines[1]}" "files.* ok age=0s files=3 records=4 newest=files.c.csv.$(sha256sum "$T/dir/c.csv" | cut -c1-16)"
	assert_equal "${lines[2]}" "permits.* STALE age=3h files=1 records=1 newest=$sp max_age=60m"
	assert_equal "${#lines[@]}" 3
	printf 'a,b\n6,u\n' >"$T/permits/q.csv"
	ds-files --stream permits "$T/permits" 2>/dev/null
	sql "update ds_checkpoints set updated_at = now() where stream like 'api.%'" >/dev/null
	run --separate-stderr ds-checkpoint status --max-age 1h
	assert_status 0
	assert_equal "$stderr" ""
	assert_equal "${lines[2]}" "permits.* ok age=0s files=2 records=2 newest=permits.q.csv.$(sha256sum "$T/permits/q.csv" | cut -c1-16)"
	# a file with a schema change not acknowledged: its own line, finished, never stale
	mkdir "$T/drift"
	printf 'a,b\n7,t\n8,NA\n' >"$T/drift/n.csv"
	ds-files --stream drift "$T/drift" -- --csv-null NA 2>/dev/null
	sn=drift.n.csv.$(sha256sum "$T/drift/n.csv" | cut -c1-16)
	age_all
	run --separate-stderr ds-checkpoint status --max-age 1h
	assert_status 1
	assert_equal "${lines[1]}" "drift.* STALE age=3h files=1 records=2 newest=$sn max_age=60m"
	assert_equal "${lines[2]}" "$sn DRIFT age=3h records=2 finished unacknowledged_schema_changes=1"
	ds-checkpoint ack "$sn"
	run --separate-stderr ds-checkpoint status
	assert_status 0
	assert_equal "${lines[1]}" "drift.* ok age=3h files=1 records=2 newest=$sn"
	assert_equal "${lines[2]}" "files.* ok age=3h files=3 records=4 newest=files.c.csv.$(sha256sum "$T/dir/c.csv" | cut -c1-16)"
	run --separate-stderr ds-files --stream a.b "$T/dir"
	assert_status 64
	assert_stderr_contains "--stream: a prefix holds only letters, digits, '_' and '-'"
}

@test "a bad file stops the run with ds-transform's status, everything before its error loaded and checkpointed; a bad --input is a usage error" {
	printf 'a,b\n1,x\n2,"open\n' >"$T/dir/bad.csv"
	run --separate-stderr ds-files "$T/dir"
	assert_status 100
	assert_stderr_contains 'row 3 at byte 8: the input ends inside the quoted field opened at byte 10'
	assert_stderr_contains "msg=\"stopped: the next run resumes this file from its last checkpoint\" file=$T/dir/bad.csv status=100"
	assert_equal "$(rows)" 'bad.csv|1|x'
	assert_equal "$(ds-checkpoint get "files.bad.csv.$(sha256sum "$T/dir/bad.csv" | cut -c1-16)")" 'offset=8 row=2'
	run --separate-stderr ds-files --input xml "$T/dir"
	assert_status 64
}

@test "a truncated gzip file stops the run with 100 and is never counted as loaded: the rows before its last checkpoint stay, the next run fails on it again" {
	{ echo 'a,b'; for i in $(seq 1 100000); do echo "$i,v$i"; done; } | gzip >"$T/full.gz"
	head -c 150000 "$T/full.gz" >"$T/dir/t.csv.gz"
	stream=files.t.csv.gz.$(sha256sum "$T/dir/t.csv.gz" | cut -c1-16)
	run --separate-stderr ds-files "$T/dir" -- --checkpoint-every 1000
	assert_status 100
	assert_stderr_contains 'unexpected end of file'
	assert_stderr_contains "msg=\"cannot read the file (a truncated or corrupt gzip file)\" file=$T/dir/t.csv.gz"
	run --separate-stderr ds-checkpoint get "$stream"
	assert_status 0
	[[ $output =~ ^offset=[0-9]+\ row=([0-9]+)$ ]]
	n=$((BASH_REMATCH[1] - 1))
	[ "$n" -gt 0 ]
	[ "$((n % 1000))" -eq 0 ]
	assert_equal "$(sql "select count(*), count(distinct data->>'a'), max((data->>'a')::int) from events")" "$n|$n|$n"
	# the cut row and those after it never load: the rows end before the cut
	[ "$n" -lt "$(gzip -dc <"$T/dir/t.csv.gz" 2>/dev/null | wc -l)" ]
	run --separate-stderr ds-files "$T/dir" -- --checkpoint-every 1000
	assert_status 100
	assert_stderr_contains "msg=\"resuming inside the file\" file=$T/dir/t.csv.gz"
	run --separate-stderr ds-checkpoint get "$stream"
	assert_status 0
	[[ $output =~ ^offset=[0-9]+\ row=([0-9]+)$ ]]
	n=$((BASH_REMATCH[1] - 1))
	# rows 1..m, each once, none past the cut (m may pass the checkpoint:
	# ds-load commits records that came with no checkpoint line at all)
	m=$(sql "select count(*) from events")
	assert_equal "$(sql "select count(distinct data->>'a'), min((data->>'a')::int), max((data->>'a')::int) from events")" "$m|1|$m"
	[ "$m" -ge "$n" ]
	[ "$m" -lt "$(gzip -dc <"$T/dir/t.csv.gz" 2>/dev/null | wc -l)" ]
	run --separate-stderr ds-checkpoint get "$stream"
	assert_status 0
}

@test "a file URL is downloaded into --state-dir and loaded; the next run's conditional GET gets 304 and loads nothing" {
	mkdir "$T/srv"
	printf 'a,b\n1,x\n2,y\n' >"$T/srv/p.csv"
	start_mock --files "$T/srv" --log
	run --separate-stderr ds-files --state-dir "$T/state" "$MOCK_BASE/files/p.csv"
	assert_status 0
	assert_stderr_contains 'msg="done" loaded=1 skipped=0'
	assert_equal "$(rows)" "$(printf '%s\n' 'p.csv|1|x' 'p.csv|2|y')"
	run --separate-stderr ds-files --state-dir "$T/state" "$MOCK_BASE/files/p.csv"
	assert_status 0
	assert_stderr_contains "msg=\"not modified\" url=$MOCK_BASE/files/p.csv"
	assert_stderr_contains 'msg="done" loaded=0 skipped=1'
	grep -q 'path=/files/p.csv status=304' "$MOCK_LOG"
	# a new version is downloaded and loaded as new
	sleep 1.1
	printf 'a,b\n1,x\n3,z\n' >"$T/srv/p.csv"
	run --separate-stderr ds-files --state-dir "$T/state" "$MOCK_BASE/files/p.csv"
	assert_status 0
	assert_stderr_contains 'msg="done" loaded=1 skipped=0'
	assert_equal "$(sql "select count(*) from events")" 3
}

# copy URL: where ds-files keeps URL's download in $T/state: its name in a
# directory named by the URL's SHA-256 (16 hex digits).
copy() {
	printf '%s/%s/%s' "$T/state" "$(printf '%s' "$1" | sha256sum | cut -c1-16)" "${1##*/}"
}

# big_csv N WORD: the served file big.csv, rows "i,WORDi" for i in 1..N.
big_csv() {
	{ echo 'a,b'; for i in $(seq 1 "$1"); do echo "$i,$2$i"; done; } >"$T/srv/big.csv"
}

# cut_download: serve a big.csv of 50 rows cut after 100 bytes; the first
# ds-files run fails with 111, keeping the 100 bytes as big.csv.part.
cut_download() {
	mkdir "$T/srv"
	big_csv 50 v
	start_mock --files "$T/srv" --files-cut 100 --log
	run --separate-stderr ds-files --state-dir "$T/state" "$MOCK_BASE/files/big.csv"
	assert_status 111
	assert_stderr_contains 'msg="download failed: the next run resumes it"'
	assert_equal "$(stat -c %s "$(copy "$MOCK_BASE/files/big.csv").part")" 100
}

@test "a file download cut short resumes with Range on the next run, then loads exactly once" {
	cut_download
	assert_equal "$(sql "select count(*) from events" 2>/dev/null || echo 0)" 0
	run --separate-stderr ds-files --state-dir "$T/state" "$MOCK_BASE/files/big.csv"
	assert_status 0
	assert_stderr_contains 'msg="resuming the download"'
	grep -q 'path=/files/big.csv status=206' "$MOCK_LOG"
	cmp "$(copy "$MOCK_BASE/files/big.csv")" "$T/srv/big.csv"
	assert_equal "$(sql "select count(*), count(distinct data->>'a') from events")" "50|50"
}

@test "a cut download of a file that changed on the server before the next run starts over (If-Range), never splices the two versions" {
	cut_download
	sleep 1.1
	big_csv 60 new
	run --separate-stderr ds-files --state-dir "$T/state" "$MOCK_BASE/files/big.csv"
	assert_status 111
	assert_stderr_contains 'msg="the file changed since the cut download: starting it over"'
	assert_equal "$(stat -c %s "$(copy "$MOCK_BASE/files/big.csv").part")" 100
	cmp -n 100 "$(copy "$MOCK_BASE/files/big.csv").part" "$T/srv/big.csv"
	run --separate-stderr ds-files --state-dir "$T/state" "$MOCK_BASE/files/big.csv"
	assert_status 0
	assert_stderr_contains 'msg="resuming the download"'
	cmp "$(copy "$MOCK_BASE/files/big.csv")" "$T/srv/big.csv"
	assert_equal "$(sql "select count(*), count(*) filter (where data->>'b' like 'new%') from events")" "60|60"
}

@test "two URLs ending in the same file name keep a copy each in --state-dir, so the next run's conditional GETs get 304 for both; logs name the URL beside the copy" {
	mkdir "$T/srv" "$T/srv2"
	printf 'a,b\n1,x\n' >"$T/srv/p.csv"
	printf 'a,b\n2,y\n' >"$T/srv2/p.csv"
	start_mock --files "$T/srv2" --log
	url2=$MOCK_BASE/files/p.csv log2=$MOCK_LOG
	start_mock --files "$T/srv" --log
	url1=$MOCK_BASE/files/p.csv
	run --separate-stderr ds-files --state-dir "$T/state" "$url1" "$url2"
	assert_status 0
	assert_stderr_contains "msg=\"loading\" file=$(copy "$url1") url=$url1 stream=files.p.csv."
	assert_stderr_contains "msg=\"loading\" file=$(copy "$url2") url=$url2 stream=files.p.csv."
	assert_stderr_contains 'msg="done" loaded=2 skipped=0'
	assert_equal "$(rows)" "$(printf '%s\n' 'p.csv|1|x' 'p.csv|2|y')"
	cmp "$(copy "$url1")" "$T/srv/p.csv"
	cmp "$(copy "$url2")" "$T/srv2/p.csv"
	run --separate-stderr ds-files --state-dir "$T/state" "$url1" "$url2"
	assert_status 0
	assert_stderr_contains "msg=\"not modified\" url=$url1"
	assert_stderr_contains "msg=\"not modified\" url=$url2"
	assert_stderr_contains "msg=\"already loaded\" file=$(copy "$url2") url=$url2 stream=files.p.csv."
	assert_stderr_contains 'msg="done" loaded=0 skipped=2'
	assert_equal "$(grep -c 'path=/files/p.csv status=304' "$MOCK_LOG" "$log2" | paste -sd' ')" "$MOCK_LOG:1 $log2:1"
}

@test "--db reaches ds-load and ds-checkpoint in their environment, never in their argv" {
	{ echo 'a,b'; for i in $(seq 1 200000); do echo "$i,v$i"; done; } >"$T/dir/big.csv"
	url="postgresql://ds:Pw-Files-4242@/${DATABASE_URL#postgresql:///}"
	env -u DATABASE_URL ds-files --db "$url" "$T/dir" 2>"$T/err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		# every command line but those of ds-files (given --db) and its subshells
		ps -eo args | grep -v 'ds-files' >>"$T/ps"
		sleep 0.02
	done
	wait "$pid"
	grep -q '^ds-load' "$T/ps"
	assert_equal "$(grep -c 'Pw-Files-4242' "$T/ps" "$T/err" | paste -sd' ')" "$T/ps:0 $T/err:0"
	assert_equal "$(sql "select count(*) from events")" 200000
}

# wrap_curl: a curl first in PATH that appends its argv (one argument a
# line, a blank line after each call) to $T/argv and its environment to
# $T/env, then runs the real curl.
wrap_curl() {
	mkdir -p "$T/wrap"
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" "" >>"%s/argv"\nenv >>"%s/env"\nexec %s "$@"\n' \
		"$T" "$T" "$(command -v curl)" >"$T/wrap/curl"
	chmod +x "$T/wrap/curl"
	PATH=$T/wrap:$PATH
}

# leaks SECRET: the files under $T holding SECRET (argv, stderr saved by
# the test, the state directory) or in the mock's log, beside the run's
# stdout and stderr.
leaks() {
	grep -rl -- "$1" "$T" ${MOCK_LOG:+"$MOCK_LOG"} || true
	case "$output${stderr:-}" in *"$1"*) echo '(stdout or stderr)' ;; esac
}

@test "--header-file: its Authorization header reaches the server from the file; the secret is in no argv of curl, log line or state file; without it the server's 401 stops the run with 101" {
	mkdir "$T/srv"
	printf 'a,b\n1,x\n2,y\n' >"$T/srv/p.csv"
	printf 'Tok-Hdr-7731\n' >"$T/key"
	start_mock --files "$T/srv" --files-key-file "$T/key" --log
	rm "$T/key"
	printf 'Authorization: Bearer Tok-Hdr-7731\n' >"$T/h"
	chmod 600 "$T/h"
	wrap_curl
	run --separate-stderr ds-files --state-dir "$T/state" --header-file "$T/h" "$MOCK_BASE/files/p.csv"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains "msg=\"loading\" file=$(copy "$MOCK_BASE/files/p.csv") url=$MOCK_BASE/files/p.csv"
	assert_equal "$(rows)" "$(printf '%s\n' 'p.csv|1|x' 'p.csv|2|y')"
	grep -q 'path=/files/p.csv status=200' "$MOCK_LOG"
	# curl was given the file's name and its config on stdin, never the URL
	grep -qx -- "@$T/h" "$T/argv"
	grep -qx -- '-K' "$T/argv"
	assert_equal "$(grep -c -- "$MOCK_BASE" "$T/argv")" 0
	assert_equal "$(leaks Tok-Hdr-7731 | grep -v "^$T/h\$")" ""
	# the next run's conditional GET carries it too, beside another file's: 304
	printf 'X-Trace: t1\n' >"$T/h0"
	chmod 600 "$T/h0"
	: >"$T/argv"
	run --separate-stderr ds-files --state-dir "$T/state" --header-file "$T/h0" --header-file "$T/h" "$MOCK_BASE/files/p.csv"
	assert_status 0
	assert_stderr_contains "msg=\"not modified\" url=$MOCK_BASE/files/p.csv"
	grep -q 'path=/files/p.csv status=304' "$MOCK_LOG"
	assert_equal "$(grep -x -- "@$T/h0\|@$T/h" "$T/argv" | paste -sd' ')" "@$T/h0 @$T/h"
	# without the header: 401, the credentials refused, 101
	run --separate-stderr ds-files --state-dir "$T/state2" "$MOCK_BASE/files/p.csv"
	assert_status 101
	assert_equal "$output" ""
	assert_stderr_contains "msg=\"download failed: the next run resumes it\" url=$MOCK_BASE/files/p.csv curl_status=22 http_status=401"
	grep -q 'path=/files/p.csv status=401' "$MOCK_LOG"
}

@test "--url-file: a URL whose query holds the secret reaches the server from the file; logs name it with each query value REDACTED; the secret is in no argv, log line or state file" {
	mkdir "$T/srv"
	printf 'a,b\n1,x\n' >"$T/srv/p.csv"
	printf 'Sig-Url-5150\n' >"$T/key"
	start_mock --files "$T/srv" --files-key-file "$T/key" --log
	rm "$T/key"
	printf '%s\n' "$MOCK_BASE/files/p.csv?api_key=Sig-Url-5150&v=2" >"$T/u"
	chmod 600 "$T/u"
	wrap_curl
	shown="\"$MOCK_BASE/files/p.csv?api_key=REDACTED&v=REDACTED\""
	for _ in 1 2; do
		run --separate-stderr ds-files --state-dir "$T/state" --url-file "$T/u"
		assert_status 0
		assert_equal "$output" ""
		printf '%s\n' "$stderr" >>"$T/stderr"
	done
	assert_stderr_contains "msg=\"not modified\" url=$shown"
	assert_equal "$(grep -c "url=$shown" "$T/stderr")" 3
	assert_equal "$(sql "select data->>'b' from events")" x
	assert_equal "$(grep -c 'path="/files/p.csv?api_key=REDACTED&v=2" status=' "$MOCK_LOG" | paste -sd' ')" 2
	assert_equal "$(grep -c -- "$MOCK_BASE" "$T/argv")" 0
	assert_equal "$(leaks Sig-Url-5150 | grep -v "^$T/u\$")" ""
	# a failed download's log lines, curl's message among them, redact it too
	printf '%s\n' "http://127.0.0.1:1/files/p.csv?api_key=Sig-Url-5150" >"$T/u"
	run --separate-stderr ds-files --state-dir "$T/state" --url-file "$T/u"
	assert_status 111
	assert_stderr_contains 'msg="curl says" url="http://127.0.0.1:1/files/p.csv?api_key=REDACTED" detail="curl: (7) Failed to connect'
	assert_stderr_contains 'msg="download failed: the next run resumes it" url="http://127.0.0.1:1/files/p.csv?api_key=REDACTED" curl_status=7'
	assert_equal "$(leaks Sig-Url-5150 | grep -v "^$T/u\$")" ""
}

@test "a URL given as an argument is logged with its query values, password and fragment REDACTED, the names kept" {
	run --separate-stderr ds-files --state-dir "$T/state" "http://me:Pw-Arg-99@127.0.0.1:1/x/p.csv?token=Tk-Arg-42&page=&flag#frag-9"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains 'msg="download failed: the next run resumes it" url="http://me:REDACTED@127.0.0.1:1/x/p.csv?token=REDACTED&page=&flag#REDACTED" curl_status=7'
	assert_stderr_lacks Pw-Arg-99
	assert_stderr_lacks Tk-Arg-42
	assert_stderr_lacks frag-9
}

@test "a --header-file or --url-file open to its group or others, or missing, is refused with 100 before any download; a --url-file line that is not a URL is a usage error that never shows it" {
	printf 'Authorization: Bearer Tok-Mode-1\n' >"$T/h"
	printf 'ftp://Tok-Mode-2/p.csv\n' >"$T/u"
	for m in 640 604 660; do
		chmod "$m" "$T/h"
		run --separate-stderr ds-files --state-dir "$T/state" --header-file "$T/h" http://127.0.0.1:1/p.csv
		assert_status 100
		assert_equal "$output" ""
		assert_stderr_contains "msg=\"--header-file: refusing a secret file open to its group or others (mode $m): chmod go= it\" file=$T/h"
		assert_stderr_lacks 'download failed'
	done
	run --separate-stderr ds-files --state-dir "$T/state" --url-file "$T/nope"
	assert_status 100
	assert_stderr_contains "msg=\"--url-file: cannot read the file\" file=$T/nope"
	chmod 600 "$T/u"
	run --separate-stderr ds-files --state-dir "$T/state" --url-file "$T/u"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "msg=\"--url-file: not an http:// or https:// URL\" file=$T/u"
	assert_stderr_lacks Tok-Mode
	[ ! -e "$T/state" ]
}

@test "--header-env and --url-env: a header and a URL from the environment reach the server through curl's stdin; neither is in an argv, a log line, a state file or the environment of a program ds-files runs" {
	mkdir "$T/srv"
	printf 'a,b\n1,x\n' >"$T/srv/p.csv"
	printf 'Tok-Env-6262\n' >"$T/key"
	start_mock --files "$T/srv" --files-key-file "$T/key" --log
	rm "$T/key"
	wrap_curl
	export DS_FILES_AUTH='Authorization: Bearer Tok-Env-6262'
	export DS_FILES_URL="$MOCK_BASE/files/p.csv?sig=Sig-Env-7373"
	run --separate-stderr ds-files --state-dir "$T/state" --header-env DS_FILES_AUTH --url-env DS_FILES_URL
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains "msg=\"loading\" file=$T/state/$(printf '%s' "$DS_FILES_URL" | sha256sum | cut -c1-16)/p.csv url=\"$MOCK_BASE/files/p.csv?sig=REDACTED\""
	assert_equal "$(sql "select data->>'b' from events")" x
	grep -q 'path="/files/p.csv?sig=Sig-Env-7373" status=200' "$MOCK_LOG"
	grep -q '^PATH=' "$T/env"
	assert_equal "$(grep -c -- "$MOCK_BASE" "$T/argv")" 0
	assert_equal "$(leaks Tok-Env-6262)" ""
	# the mock logs the query (its secret is only api_key=): the rest is clean
	assert_equal "$(leaks Sig-Env-7373)" "$MOCK_LOG"
	unset DS_FILES_AUTH
	run --separate-stderr ds-files --state-dir "$T/state" --header-env DS_FILES_AUTH --url-env DS_FILES_URL
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains 'msg="--header-env: the environment variable is unset, empty or holds a control character" name=DS_FILES_AUTH'
	run --separate-stderr ds-files --state-dir "$T/state" --url-env 'A-B'
	assert_status 64
	assert_stderr_contains 'msg="--url-env: not an environment variable name" name=A-B'
	DS_FILES_URL=ftp://Tok-Env-x/p.csv run --separate-stderr ds-files --state-dir "$T/state" --url-env DS_FILES_URL
	assert_status 64
	assert_stderr_contains 'msg="--url-env: not an http:// or https:// URL" name=DS_FILES_URL'
	assert_stderr_lacks Tok-Env-x
}
