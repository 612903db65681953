#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# ds-load against the databases users have: their constraints, unique
# indexes and triggers, roles without DDL rights, a DBA's timeouts; and the
# errors it meets, classified by SQLSTATE (see ds-load(1), SQLSTATE CLASSES).
# Every valid id of ds-mockapi's manifest ends up in the table or in
# ds_rejects, and replays exit 0 and change nothing.
load helpers
load rejects
bats_require_minimum_version 1.5.0

setup_file() {
	start_pg
	start_mock --events 600 --seed 13 --page-max 50 --bad-rate 0.02 \
		--manifest "$BATS_FILE_TMPDIR/manifest"
	ds-fetch --quiet "$MOCK_URL" | ds-transform >"$BATS_FILE_TMPDIR/in"
	stop_mock
}

teardown_file() {
	ds_teardown
}

setup() {
	fresh_db
	T=$(ds_tmpdir)
	IN=$BATS_FILE_TMPDIR/in
}

teardown() {
	rm -rf "$T"
}

# first_half: the input's lines up to its sixth checkpoint.
first_half() {
	awk '{ print } /"\$ds":"checkpoint"/ && ++n == 6 { exit }' "$IN"
}

@test "a user's unique index on a data field: rows breaking it are rejects naming it, none lost; replays change nothing" {
	ds-load --migrate-only 2>/dev/null
	# the issue's index, and one that many rows break
	sql "create unique index u on events ((data->'user'->>'id')) where id like '%a'" >/dev/null
	sql "create unique index u_type on events ((data->>'type')) where id like '%b'" >/dev/null
	# half first (COPY path), then all of it: the overlap takes the staging path
	first_half >"$T/half"
	run --separate-stderr ds-load <"$T/half"
	assert_status 0
	assert_stderr_contains 'sqlstate=23505 error="duplicate key value violates unique constraint \"u_type\"'
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_stderr_contains "path=staging"
	refused=$(sql "select count(*) from ds_rejects where reason like 'duplicate key value violates unique constraint \"u_type\"%'")
	[ "$refused" -gt 5 ]
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	# the rows kept do satisfy the index; a refused row's reason has the key
	assert_equal "$(sql "select count(*) - count(distinct data->>'type') from events where id like '%b'")" "0"
	assert_equal "$(sql "select count(*) from ds_rejects where reason like '%(Key ((data ->> ''type''::text))=(%) already exists.)'")" "$refused"
	before=$(snapshot)
	for opts in "" "--batch-rows 40" "--jobs 1 --batch-rows 7"; do
		# shellcheck disable=SC2086 # opts is a list of words
		run --separate-stderr ds-load $opts <"$IN"
		assert_status 0
		assert_stderr_contains "rejects=0 batches="
		assert_equal "$(snapshot)" "$before"
	done
}

@test "--on-conflict update: a unique index refuses new rows and new versions alike; replays change nothing" {
	ds-load --migrate-only 2>/dev/null
	sql "create unique index u_src on events ((data->'source'->>'region'), type) where id like '%c'" >/dev/null
	run --separate-stderr ds-load --on-conflict update <"$IN"
	assert_status 0
	[ "$(sql "select count(*) from ds_rejects where reason like '%\"u_src\"%'")" -gt 0 ]
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	before=$(snapshot)
	run --separate-stderr ds-load --on-conflict update <"$IN"
	assert_status 0
	assert_stderr_contains "records=0 duplicates="
	assert_equal "$(snapshot)" "$before"
}

@test "a CHECK constraint and an id too long for the index (54000): refused once, and every replay path exits 0 changing nothing" {
	ds-load --migrate-only 2>/dev/null
	sql "alter table events add constraint no_refunds check (type <> 'order.refunded')" >/dev/null
	# random, so that compression cannot fit it into an index row
	long=$(head -c 3000 /dev/urandom | base64 -w 0)
	first_half | awk -v long="$long" 'NR == 3 {
		printf "{\"stream\":\"events\",\"id\":\"%s\",\"type\":\"t\",\"ts\":null,\"hash\":\"h\",\"data\":{\"x\":1}}\n", long
	} { print }' >"$T/in"
	run --separate-stderr ds-load <"$T/in"
	assert_status 0
	assert_stderr_contains 'sqlstate=23514 error="new row for relation \"events\" violates check constraint \"no_refunds\""'
	assert_stderr_contains 'sqlstate=54000'
	assert_equal "$(sql "select count(*) from ds_rejects where reason = 'new row for relation \"events\" violates check constraint \"no_refunds\"'")" \
		"$(grep -c '"type":"order.refunded"' "$T/in")"
	assert_equal "$(sql "select count(*) from ds_rejects where reason like 'index row size % exceeds btree%'")" "1"
	before=$(snapshot)
	# a replay (staging), a page repeated in a batch, the COPY path, update
	for opts in "" "--batch-rows 1000000" "--batch-rows 3" "--on-conflict update"; do
		{ cat "$T/in"; tail -n 60 "$T/in"; } >"$T/replay"
		# shellcheck disable=SC2086 # opts is a list of words
		run --separate-stderr ds-load $opts <"$T/replay"
		assert_status 0
		assert_stderr_contains "records=0 "
		assert_equal "$(snapshot)" "$before"
	done
	# the rest of the stream after the overlap still loads
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$(accounted_ids)" "$(valid_ids)"
}

@test "a BEFORE INSERT trigger that raises (P0001) rejects its row; reruns exit 0 and change nothing" {
	ds-load --migrate-only 2>/dev/null
	sql "create function no_fr() returns trigger language plpgsql as \$\$ begin
		if new.data->'user'->>'name' like 'Zo%' and new.id like '%0' then
			raise exception 'user % is blocked', new.data->'user'->>'id';
		end if; return new; end \$\$" >/dev/null
	sql "create trigger no_fr before insert on events for each row execute function no_fr()" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_stderr_contains 'sqlstate=P0001 error="user '
	n=$(sql "select count(*) from ds_rejects where reason like 'user % is blocked'")
	[ "$n" -gt 0 ]
	assert_equal "$(sql "select count(*) from events where id like '%0'")" "0"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	before=$(snapshot)
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$(snapshot)" "$before"
	# a variant: an assertion in a trigger (P0004), on a fresh database, by staging
	fresh_db
	ds-load --migrate-only 2>/dev/null
	sql "create function small() returns trigger language plpgsql as \$\$ begin
		assert length(new.id) < 25, 'id too long for the report'; return new; end \$\$" >/dev/null
	sql "create trigger small before insert or update on events for each row execute function small()" >/dev/null
	awk 'NR == 3 { print "{\"stream\":\"events\",\"id\":\"a-very-long-id-of-thirty-chars\",\"type\":\"t\",\"ts\":null,\"hash\":\"h\",\"data\":{}}" } { print }' "$IN" >"$T/in"
	run --separate-stderr ds-load --on-conflict update <"$T/in"
	assert_status 0
	assert_stderr_contains 'sqlstate=P0004 error="id too long for the report"'
	assert_equal "$(sql "select count(*) from ds_rejects where reason = 'id too long for the report'")" "1"
	run --separate-stderr ds-load --on-conflict update <"$T/in"
	assert_status 0
	assert_equal "$(sql "select count(*) from ds_rejects where reason = 'id too long for the report'")" "1"
}

@test "a role with only SELECT, INSERT, UPDATE (no CREATE, no TEMP) loads and replays once the owner ran --migrate-only" {
	db=${DATABASE_URL#postgresql:///}
	db=${db%%\?*}
	sql "create role ds_loader login" >/dev/null 2>&1 || true
	sql "revoke temp on database $db from public; revoke create on schema public from public" >/dev/null
	LOADER=${DATABASE_URL/user=ds/user=ds_loader}
	# without the schema: permanent, saying what to do
	run --separate-stderr ds-load --db "$LOADER" <"$IN"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains "run ds-load --migrate-only once as the owner"
	assert_stderr_contains "sqlstate=42501"
	# the owner prepares the schema once
	run --separate-stderr ds-load --migrate-only
	assert_status 0
	# every migration of the ds tables, and the records table's one
	assert_stderr_contains "msg=\"schema ready\" table=events migrations_applied=$(($(ls "$DS_TOP"/db/migrations/*.sql | wc -l) + 1))"
	run --separate-stderr ds-load --migrate-only
	assert_status 0
	assert_stderr_contains "migrations_applied=0"
	sql "grant select, insert, update on all tables in schema public to ds_loader;
		grant usage on all sequences in schema public to ds_loader" >/dev/null
	run --separate-stderr ds-load --db "$LOADER" <"$IN"
	assert_status 0
	assert_stderr_lacks "migration applied"
	assert_stderr_contains "no TEMP privilege: stored ids are looked up and rejects stored one by one"
	assert_equal "$(sql "select id from events" | LC_ALL=C sort)" "$(valid_ids)"
	assert_equal "$(sql "select count(*) from ds_rejects")" \
		"$(awk -F '\t' '$1 == "bad"' "$BATS_FILE_TMPDIR/manifest" | wc -l)"
	# no DDL ran: the loader owns nothing and made no temp table
	assert_equal "$(sql "select count(*) from pg_class where relowner = 'ds_loader'::regrole")" "0"
	# a replay, and the same stream with one more page, without staging tables
	before=$(snapshot)
	for opts in "" "--batch-rows 20" "--jobs 1"; do
		# shellcheck disable=SC2086 # opts is a list of words
		run --separate-stderr ds-load --db "$LOADER" $opts <"$IN"
		assert_status 0
		assert_stderr_contains "records=0 duplicates=$(valid_ids | wc -l) "
		assert_equal "$(snapshot)" "$before"
	done
	# --on-conflict update replays through staging: TEMP, permanent naming the grant
	run --separate-stderr ds-load --db "$LOADER" --on-conflict update <"$IN"
	assert_status 100
	assert_stderr_contains "the role needs the TEMP privilege (GRANT TEMP ON DATABASE"
	sql "grant temp on database $db to ds_loader" >/dev/null
	run --separate-stderr ds-load --db "$LOADER" --on-conflict update <"$IN"
	assert_status 0
	assert_equal "$(snapshot)" "$before"
}

@test "a table an older ds-load made (no table migration recorded) is adopted without DDL: recorded by a role that may insert" {
	db=${DATABASE_URL#postgresql:///}
	db=${db%%\?*}
	sql "create role ds_loader login" >/dev/null 2>&1 || true
	ds-load --migrate-only 2>/dev/null
	# what ds-load before table migrations left: the table, no record of it
	sql "delete from ds_schema_migrations where name like 'events:%'" >/dev/null
	sql "revoke temp on database $db from public; revoke create on schema public from public;
		grant select, insert, update on all tables in schema public to ds_loader;
		grant usage on all sequences in schema public to ds_loader;
		revoke insert on ds_schema_migrations from ds_loader" >/dev/null
	LOADER=${DATABASE_URL/user=ds/user=ds_loader}
	# a role that may not record it loads all the same
	run --separate-stderr ds-load --db "$LOADER" <"$IN"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_lacks "adopted"
	assert_stderr_lacks "migration applied"
	assert_equal "$(sql "select id from events" | LC_ALL=C sort)" "$(valid_ids)"
	assert_equal "$(sql "select count(*) from ds_schema_migrations where name like 'events:%'")" "0"
	# one that may, records it, with no DDL: the table is what it would make
	sql "grant insert on ds_schema_migrations to ds_loader" >/dev/null
	before=$(snapshot)
	run --separate-stderr ds-load --db "$LOADER" <"$IN"
	assert_status 0
	assert_stderr_contains 'msg="records table adopted" name=events:0001_table'
	assert_stderr_lacks "migration applied"
	assert_equal "$(sql "select string_agg(name, ',' order by name) from ds_schema_migrations")" \
	    "$( (cd "$DS_TOP/db/migrations" && ls -- *.sql | sed 's/\.sql$//'; echo events:0001_table) | sort | paste -sd ',')"
	assert_equal "$(sql "select count(*) from pg_class where relowner = 'ds_loader'::regrole")" "0"
	assert_equal "$(snapshot)" "$before"
	run --separate-stderr ds-load --migrate-only
	assert_status 0
	assert_stderr_contains "migrations_applied=0"
	assert_stderr_lacks "adopted"
}

@test "a dropped records table is made again by its table migrations" {
	ds-load --migrate-only 2>/dev/null
	sql "drop table events" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'msg="migration applied" name=events:0001_table'
	assert_equal "$(sql "select id from events" | LC_ALL=C sort)" "$(valid_ids)"
	assert_equal "$(sql "select count(*) from ds_schema_migrations where name = 'events:0001_table'")" "1"
}

@test "a database or role that does not exist is permanent (100) saying what to fix" {
	run --separate-stderr ds-load --db "${DATABASE_URL%%\?*}_nope?${DATABASE_URL#*\?}" <"$IN"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'does not exist" sqlstate=3D000 cause="the database does not exist: fix --db or DATABASE_URL" status=permanent'
	run --separate-stderr ds-load --db "${DATABASE_URL/user=ds/user=nobody}" <"$IN"
	assert_status 100
	assert_stderr_contains 'FATAL:  role \"nobody\" does not exist" sqlstate=28000'
	assert_stderr_contains "status=permanent"
	# the same for ds-checkpoint, which shares the connection code
	run --separate-stderr ds-checkpoint --db "${DATABASE_URL%%\?*}_nope?${DATABASE_URL#*\?}" get events
	assert_status 100
	assert_stderr_contains "sqlstate=3D000"
}

@test "a role that may not connect (42501) and a read-only database (25006) are permanent (100)" {
	db=${DATABASE_URL#postgresql:///}
	db=${db%%\?*}
	sql "create role ds_noconn login" >/dev/null 2>&1 || true
	sql "revoke connect on database $db from public" >/dev/null
	run --separate-stderr ds-load --db "${DATABASE_URL/user=ds/user=ds_noconn}" <"$IN"
	assert_status 100
	assert_stderr_contains "permission denied for database"
	assert_stderr_contains "sqlstate=42501"
	ds-load --migrate-only 2>/dev/null
	sql "alter database $db set default_transaction_read_only = on" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 100
	assert_stderr_contains 'sqlstate=25006 cause="the database is read-only'
}

@test "lock_timeout (55P03) while another session holds the table is temporary (111); the rerun loads" {
	db=${DATABASE_URL#postgresql:///}
	db=${db%%\?*}
	ds-load --migrate-only 2>/dev/null
	sql "alter database $db set lock_timeout = '300ms'" >/dev/null
	psql "$DATABASE_URL" -qAtX -c "begin" -c "lock table events" -c "select pg_sleep(30)" \
		>/dev/null 2>&1 &
	holder=$!
	for _ in $(seq 1 100); do
		[ "$(sql "select count(*) from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'events' and l.mode = 'AccessExclusiveLock' and l.granted")" = 1 ] && break
		sleep 0.1
	done
	run --separate-stderr ds-load <"$IN"
	assert_status 111
	assert_stderr_contains 'sqlstate=55P03 cause="lock not available (lock_timeout)'
	assert_stderr_contains "status=temporary"
	sql "select pg_terminate_backend(pid) from pg_stat_activity where query like '%pg_sleep(30)%' and pid <> pg_backend_pid()" >/dev/null
	wait "$holder" || true
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$(sql "select id from events" | LC_ALL=C sort)" "$(valid_ids)"
}

@test "statement_timeout (57014) is temporary (111): a slow trigger on the table" {
	db=${DATABASE_URL#postgresql:///}
	db=${db%%\?*}
	ds-load --migrate-only 2>/dev/null
	sql "create function slow() returns trigger language plpgsql as \$\$ begin
		perform pg_sleep(0.01); return new; end \$\$" >/dev/null
	sql "create trigger slow before insert on events for each row execute function slow()" >/dev/null
	sql "alter database $db set statement_timeout = '300ms'" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 111
	assert_stderr_contains 'sqlstate=57014 cause="query canceled (statement_timeout'
	assert_stderr_contains "status=temporary"
	assert_equal "$(sql "select status from ds_runs where status <> 'done'")" "failed"
}

@test "an unreachable server is temporary (111)" {
	run --separate-stderr ds-load --db "postgresql:///x?host=$T/none&user=ds" <"$IN"
	assert_status 111
	assert_stderr_contains "sqlstate=08006 cause=\"connection failure"
	assert_stderr_contains "status=temporary"
}

@test "--table: more than 63 bytes a part, two dots or an empty part is a usage error (64)" {
	n64=$(printf 'x%.0s' $(seq 1 64))
	for t in "$n64" "public.$n64" "$n64.t" "a.b.c" "" "." ".t" "s." ; do
		run --separate-stderr ds-load --table "$t" </dev/null
		assert_status 64
		assert_equal "$output" ""
		assert_stderr_contains "--table $t: "
	done
	run --separate-stderr ds-load --table "a.b.c" </dev/null
	assert_stderr_contains "want NAME or SCHEMA.NAME, each 1 to 63 bytes"
	run --separate-stderr ds-load --table "$n64" </dev/null
	assert_stderr_contains "want NAME or SCHEMA.NAME, each 1 to 63 bytes"
	assert_equal "$(sql "select count(*) from pg_tables where schemaname = 'public'")" "0"
}

@test "two 63-byte table names sharing a prefix get their own ts indexes" {
	a=$(printf 'é%.0s' $(seq 1 30))xa
	b=$(printf 'é%.0s' $(seq 1 30))xb
	for t in "$a" "$b"; do
		run --separate-stderr ds-load --table "$t" <"$IN"
		assert_status 0
	done
	assert_equal "$(sql "select count(*) from pg_indexes where indexdef like '%(ts)'")" "2"
	assert_equal "$(sql "select count(distinct tablename) from pg_indexes where indexdef like '%(ts)'")" "2"
	assert_equal "$(sql "select count(*) from pg_indexes where indexname like '%_ts_idx' and octet_length(indexname) <= 63")" "2"
}

@test "a complete last line holding invalid UTF-8 is refused (100) like the same line mid-input" {
	bad=$(printf '{"stream":"events","id":"u","type":"t","ts":null,"hash":"h","data":{"s":"\xff"}}')
	{ head -n 60 "$IN"; printf '%s\n' "$bad"; } >"$T/last"
	{ head -n 60 "$IN"; printf '%s\n' "$bad"; tail -n 1 "$IN"; } >"$T/mid"
	for f in last mid; do
		run --separate-stderr ds-load <"$T/$f"
		assert_status 100
		assert_stderr_contains "input is not ds-transform's stream format"
		assert_stderr_contains "line=61 "
		assert_stderr_lacks "input ends inside a line"
	done
	# a line cut inside a UTF-8 sequence at the end is still a cut line (111)
	{ head -n 60 "$IN"; printf '{"stream":"events","id":"u","data":{"s":"\xc3'; } >"$T/cut"
	run --separate-stderr ds-load <"$T/cut"
	assert_status 111
	assert_stderr_contains "input ends inside a line"
}

@test "SIGTERM: the stopped line reports the totals after the final commit" {
	mkfifo "$T/fifo"
	ds-load <"$T/fifo" 2>"$T/err" &
	pid=$!
	exec 5>"$T/fifo"
	head -n 200 "$IN" >&5
	sleep 1
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	exec 5>&-
	assert_equal "$st" 143
	n=$(sql "select count(*) from events")
	[ "$n" -gt 0 ]
	run grep 'msg=stopped' "$T/err"
	assert_output_contains "msg=stopped records=$n "
	assert_output_contains "batches=1 "
}

@test "a deferred constraint trigger that raises is checked per statement: its rows are rejects, not a failed COMMIT" {
	ds-load --migrate-only 2>/dev/null
	sql "create function late() returns trigger language plpgsql as \$\$ begin
		if new.id like '%7' then raise exception 'late check refuses %', new.id; end if;
		return null; end \$\$" >/dev/null
	sql "create constraint trigger late after insert or update on events
		deferrable initially deferred for each row execute function late()" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_stderr_contains 'sqlstate=P0001 error="late check refuses evt_'
	assert_equal "$(sql "select count(*) from events where id like '%7'")" "0"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	before=$(snapshot)
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$(snapshot)" "$before"
}

@test "too many connections (53300) is temporary (111)" {
	sql "create role ds_one login connection limit 0" >/dev/null 2>&1 || true
	run --separate-stderr ds-load --db "${DATABASE_URL/user=ds/user=ds_one}" <"$IN"
	assert_status 111
	assert_stderr_contains "too many connections for role"
	assert_stderr_contains "status=temporary"
}

@test "a backend terminated by an administrator (57P01) mid-load is temporary (111); the rerun loads" {
	ds-load --migrate-only 2>/dev/null
	sql "create function slow() returns trigger language plpgsql as \$\$ begin
		perform pg_sleep(0.01); return new; end \$\$" >/dev/null
	sql "create trigger slow before insert on events for each row execute function slow()" >/dev/null
	ds-load <"$IN" 2>"$T/err" &
	pid=$!
	for _ in $(seq 1 100); do
		[ "$(sql "select count(*) from pg_stat_activity where application_name = 'ds-load' and query like 'COPY%'")" = 0 ] || break
		sleep 0.1
	done
	sql "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'ds-load'" >/dev/null
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 111
	run cat "$T/err"
	assert_output_contains 'msg="lost the connection while loading rows"'
	assert_output_contains "status=temporary"
	sql "drop trigger slow on events" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$(sql "select id from events" | LC_ALL=C sort)" "$(valid_ids)"
}

@test "a serialization failure (40001) or a full disk (53100) on every try is temporary (111) and stores nothing; the rerun loads" {
	for code in 40001 53100; do
		fresh_db
		ds-load --migrate-only 2>/dev/null
		sql "create function fail_$code() returns trigger language plpgsql as \$\$ begin
			raise exception 'injected' using errcode = '$code'; end \$\$" >/dev/null
		sql "create trigger fail before insert on events for each row execute function fail_$code()" >/dev/null
		run --separate-stderr ds-load --jobs 1 <"$IN"
		assert_status 111
		assert_equal "$output" ""
		assert_stderr_contains "status=temporary"
		assert_equal "$(sql "select count(*) from events") $(sql "select count(*) from ds_rejects")" "0 0"
		assert_equal "$(sql "select count(*) from ds_checkpoints")" "0"
		sql "drop trigger fail on events" >/dev/null
		run --separate-stderr ds-load <"$IN"
		assert_status 0
		assert_equal "$(sql "select id from events" | LC_ALL=C sort)" "$(valid_ids)"
	done
}
