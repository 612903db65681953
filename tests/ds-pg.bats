#!/usr/bin/env bats
# ds-pg: the private PostgreSQL cluster every other test and the demo use.
bats_require_minimum_version 1.5.0
load helpers

setup() {
	T=$(ds_tmpdir)
}

teardown() {
	ds-pg stop "$T/pg" >/dev/null 2>&1 || true
	rm -rf "$T"
}

@test "start creates a cluster, prints a unix-socket URL and the server answers" {
	run --separate-stderr ds-pg start "$T/pg"
	assert_status 0
	assert_equal "$output" "postgresql:///ds?host=$T/pg&user=ds"
	[ -S "$T/pg/.s.PGSQL.5432" ]
	run --separate-stderr psql "$output" -qAtc 'select 6*7'
	assert_status 0
	assert_equal "$output" "42"
}

@test "the cluster listens on no TCP port and its directory is private" {
	ds-pg start "$T/pg" >/dev/null
	run --separate-stderr ds-pg psql "$T/pg" -qAtc 'show listen_addresses'
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$(stat -c %a "$T/pg")" "700"
}

@test "start is idempotent: a running cluster keeps its data" {
	url=$(ds-pg start "$T/pg")
	psql "$url" -qc 'create table keep(x int); insert into keep values (7)'
	run --separate-stderr ds-pg start "$T/pg"
	assert_status 0
	assert_equal "$output" "$url"
	assert_equal "$(psql "$url" -qAtc 'select x from keep')" "7"
}

@test "stop then start again keeps the data; status tells running from stopped" {
	url=$(ds-pg start "$T/pg")
	psql "$url" -qc 'create table keep(x int); insert into keep values (8)'
	run --separate-stderr ds-pg stop "$T/pg"
	assert_status 0
	run ds-pg status "$T/pg"
	assert_status 1
	ds-pg start "$T/pg" >/dev/null
	assert_equal "$(psql "$url" -qAtc 'select x from keep')" "8"
}

@test "stop immediate crashes the server and start recovers committed data" {
	url=$(ds-pg start "$T/pg")
	psql "$url" -qc 'create table keep(x int); insert into keep values (9)'
	run --separate-stderr ds-pg stop "$T/pg" immediate
	assert_status 0
	ds-pg start "$T/pg" >/dev/null
	assert_equal "$(psql "$url" -qAtc 'select x from keep')" "9"
}

@test "url of a directory without a cluster fails with a clear message" {
	run --separate-stderr ds-pg url "$T/none"
	assert_status 100
	assert_stderr_contains "no cluster in $T/none"
}

@test "a missing command or directory is a usage error" {
	run --separate-stderr ds-pg start
	assert_status 64
	assert_stderr_contains "usage: ds-pg"
	run --separate-stderr ds-pg frobnicate "$T/pg"
	assert_status 64
}
