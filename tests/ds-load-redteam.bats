#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# ds-load against databases users alter (the red team of issue 13): other
# unique indexes, exclusion constraints, foreign keys, CHECKs on jsonb,
# generated and extra columns, triggers that modify, drop or refuse rows
# (with any SQLSTATE), row-level security, a read-only role, --table names.
# The promise checked: every valid id of ds-mockapi's manifest ends up in
# the table or in ds_rejects with its reason; replays (streamed, with small
# batches so pages repeat across batches, --jobs 1 and 2, --on-conflict
# update, an archive) exit 0 and change nothing; statuses as ds-load(1) says.
load helpers
load rejects
bats_require_minimum_version 1.5.0

setup_file() {
	start_pg
	start_mock --events 600 --seed 13 --page-max 50 --bad-rate 0.02 \
		--manifest "$BATS_FILE_TMPDIR/manifest"
	mkdir -m 700 "$BATS_FILE_TMPDIR/archive"
	ds-fetch --quiet --archive "$BATS_FILE_TMPDIR/archive" "$MOCK_URL" |
		ds-transform >"$BATS_FILE_TMPDIR/in"
	stop_mock
}

teardown_file() {
	ds_teardown
}

setup() {
	fresh_db
	T=$(ds_tmpdir)
	IN=$BATS_FILE_TMPDIR/in
	DB=${DATABASE_URL#postgresql:///}
	DB=${DB%%\?*}
}

teardown() {
	rm -rf "$T"
}

# replays_change_nothing: every way of loading $IN again (with its last 100
# lines repeated, so pages repeat within and across batches) exits 0,
# stores nothing and rejects nothing new.
replays_change_nothing() {
	local before opts
	before=$(snapshot)
	{ cat "$IN"; tail -n 100 "$IN"; } >"$T/replay"
	for opts in "" "--batch-rows 7 --jobs 2" "--jobs 1 --batch-rows 50" \
		"--on-conflict update" "--on-conflict update --batch-rows 30"; do
		# shellcheck disable=SC2086 # opts is a list of words
		run --separate-stderr ds-load $opts <"$T/replay"
		assert_status 0
		assert_equal "$output" ""
		assert_stderr_contains "msg=done records=0 "
		assert_stderr_contains " rejects=0 batches="
		assert_equal "$(snapshot)" "$before"
	done
}

# trigger WHEN BODY: a BEFORE INSERT OR UPDATE trigger on events running
# BODY (PL/pgSQL statements) for rows where WHEN holds, then returning NEW.
trigger() {
	sql "create function rt_trg() returns trigger language plpgsql as \$\$ begin
		if $1 then $2 end if; return new; end \$\$" >/dev/null
	sql "create trigger rt_trg before insert or update on events for each row
		execute function rt_trg()" >/dev/null
}

@test "an exclusion constraint (23P01): rows breaking it are rejects naming it, with --on-conflict update too; replays change nothing" {
	ds-load --migrate-only 2>/dev/null
	sql "create extension if not exists btree_gist" >/dev/null
	sql "alter table events add constraint one_type exclude using gist (type with =) where (id like '%b')" >/dev/null
	run --separate-stderr ds-load --batch-rows 40 <"$IN"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'sqlstate=23P01 error="conflicting key value violates exclusion constraint \"one_type\"'
	n=$(sql "select count(*) from ds_rejects where reason like '%exclusion constraint \"one_type\"%'")
	[ "$n" -gt 5 ]
	assert_equal "$(sql "select count(*) - count(distinct type) from events where id like '%b'")" "0"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	replays_change_nothing
	# the same constraint met by --on-conflict update on a fresh database
	fresh_db
	ds-load --migrate-only 2>/dev/null
	sql "create extension if not exists btree_gist" >/dev/null
	sql "alter table events add constraint one_type exclude using gist (type with =) where (id like '%b')" >/dev/null
	run --separate-stderr ds-load --on-conflict update <"$IN"
	assert_status 0
	assert_equal "$(sql "select count(*) from ds_rejects where reason like '%exclusion constraint \"one_type\"%'")" "$n"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
}

@test "a foreign key to a user's table through a generated column (23503): unknown users are rejects; replays change nothing" {
	ds-load --migrate-only 2>/dev/null
	sql "create table users (uid text primary key)" >/dev/null
	# half the users of the input exist
	sql "insert into users select distinct u from (select jsonb_array_elements_text('$(jq -sc '[.[] | .data.user.id? | numbers | tostring]' "$IN")'::jsonb) u) s where md5(u) < '8'" >/dev/null
	sql "alter table events add column uid text generated always as (data->'user'->>'id') stored" >/dev/null
	sql "alter table events add constraint known_user foreign key (uid) references users (uid)" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'sqlstate=23503 error="insert or update on table \"events\" violates foreign key constraint \"known_user\"'
	[ "$(sql "select count(*) from ds_rejects where reason like '%\"known_user\"%is not present in table \"users\"%'")" -gt 10 ]
	[ "$(sql "select count(*) from events")" -gt 10 ]
	assert_equal "$(sql "select count(*) from events e where not exists (select 1 from users u where u.uid = e.uid)")" "0"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	replays_change_nothing
}

@test "a CHECK on a jsonb path and an AFTER trigger that raises: their rows are rejects; replays change nothing" {
	ds-load --migrate-only 2>/dev/null
	sql "alter table events add constraint small_amounts check (coalesce((data->'amount'->>'value')::numeric, 0) < 90000)" >/dev/null
	sql "create function after_no() returns trigger language plpgsql as \$\$ begin
		if new.id like '%c' then raise exception 'audit refuses %', new.id; end if;
		return null; end \$\$" >/dev/null
	sql "create trigger after_no after insert or update on events for each row execute function after_no()" >/dev/null
	run --separate-stderr ds-load --jobs 2 --batch-rows 60 <"$IN"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'sqlstate=23514 error="new row for relation \"events\" violates check constraint \"small_amounts\""'
	assert_stderr_contains 'sqlstate=P0001 error="audit refuses evt_'
	[ "$(sql "select count(*) from ds_rejects where reason like 'audit refuses %'")" -gt 0 ]
	[ "$(sql "select count(*) from ds_rejects where reason like '%\"small_amounts\"'")" -gt 0 ]
	assert_equal "$(sql "select count(*) from events where id like '%c'")" "0"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	replays_change_nothing
}

@test "unique indexes: NULLS NOT DISTINCT, on ts and type, multi-column: rejects naming them with small batches and update; replays change nothing" {
	ds-load --migrate-only 2>/dev/null
	sql "create unique index one_missing on events ((data->>'nope')) nulls not distinct where id like '%d'" >/dev/null
	sql "create unique index one_per_hour on events (date_trunc('hour', ts at time zone 'UTC'), type) where id like '%e'" >/dev/null
	sql "create unique index user_type on events (type, (data->'user'->>'id')) where id like '%f'" >/dev/null
	run --separate-stderr ds-load --on-conflict update --batch-rows 30 <"$IN"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'duplicate key value violates unique constraint \"one_missing\" (Key ((data ->> '
	assert_stderr_contains 'duplicate key value violates unique constraint \"one_per_hour\"'
	assert_equal "$(sql "select count(*) from events where id like '%d'")" "1"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	replays_change_nothing
}

@test "triggers raising 22023 and P0002 reject their rows; replays change nothing" {
	ds-load --migrate-only 2>/dev/null
	trigger "new.id like '%a'" "raise exception 'bad parameter in %', new.id using errcode = '22023';"
	trigger2() {
		sql "create function rt_trg2() returns trigger language plpgsql as \$\$ begin
			if new.id like '%7' then raise exception 'no data found for %', new.id using errcode = 'P0002'; end if;
			return new; end \$\$" >/dev/null
		sql "create trigger rt_trg2 before insert or update on events for each row execute function rt_trg2()" >/dev/null
	}
	trigger2
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_stderr_contains 'sqlstate=22023 error="bad parameter in evt_'
	assert_stderr_contains 'sqlstate=P0002 error="no data found for evt_'
	assert_equal "$(sql "select count(*) from events where id like '%a' or id like '%7'")" "0"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	replays_change_nothing
}

@test "a trigger raising a SQLSTATE outside the table's row classes (XX000, a user's DS001, 09000) rejects its row; reruns exit 0" {
	for code in XX000 DS001 09000; do
		fresh_db
		ds-load --migrate-only 2>/dev/null
		trigger "new.id like '%a'" "raise exception 'ids ending in a are refused (%)', new.id using errcode = '$code';"
		run --separate-stderr ds-load <"$IN"
		assert_status 0
		assert_equal "$output" ""
		assert_stderr_contains "sqlstate=$code error=\"ids ending in a are refused (evt_"
		assert_equal "$(sql "select count(*) from events where id like '%a'")" "0"
		[ "$(sql "select count(*) from ds_rejects where reason like 'ids ending in a are refused%'")" -gt 0 ]
		assert_equal "$(accounted_ids)" "$(valid_ids)"
		replays_change_nothing
	done
}

@test "a trigger RAISE or ASSERT with 0A000 rejects its row; a trigger reading a missing table (42P01) stops the load (100), nothing refused" {
	ds-load --migrate-only 2>/dev/null
	trigger "new.id like '%a'" "raise exception 'not supported for %', new.id using errcode = '0A000';"
	sql "create function rt_assert() returns trigger language plpgsql as \$\$ begin
		assert new.id not like '%b', 'ids ending in b fail the assertion'; return new; end \$\$" >/dev/null
	sql "create trigger rt_assert before insert on events for each row execute function rt_assert()" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'sqlstate=0A000 error="not supported for evt_'
	assert_stderr_contains 'sqlstate=P0004 error="ids ending in b fail the assertion"'
	assert_equal "$(sql "select count(*) from events where id like '%a' or id like '%b'")" "0"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	replays_change_nothing
	fresh_db
	ds-load --migrate-only 2>/dev/null
	trigger "new.id like '%a'" "perform 1 from rt_missing_table;"
	run --separate-stderr ds-load <"$IN"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'relation \"rt_missing_table\" does not exist'
	assert_stderr_contains "status=permanent"
	assert_stderr_lacks "row refused by PostgreSQL"
	assert_equal "$(sql "select count(*) from ds_rejects")" "0"
	assert_equal "$(sql "select count(*) from ds_checkpoints")" "0"
}

@test "--on-conflict update: a BEFORE UPDATE trigger raising XX000 rejects the new versions; the stored rows stay" {
	ds-load --migrate-only 2>/dev/null
	ds-load <"$IN" 2>/dev/null
	sql "create function frozen() returns trigger language plpgsql as \$\$ begin
		raise exception 'row % is frozen', old.id using errcode = 'XX000'; end \$\$" >/dev/null
	sql "create trigger frozen before update on events for each row execute function frozen()" >/dev/null
	jq -c 'select(.data) | .data | .note = "v2"' "$IN" | ds-transform 2>/dev/null >"$T/v2"
	before=$(sql "select md5(string_agg(id || hash || data::text, ',' order by id)) from events")
	run --separate-stderr ds-load --on-conflict update <"$T/v2"
	assert_status 0
	assert_stderr_contains 'sqlstate=XX000 error="row evt_'
	assert_equal "$(sql "select count(*) from ds_rejects where reason like 'row % is frozen'")" "$(valid_ids | wc -l)"
	assert_equal "$(sql "select md5(string_agg(id || hash || data::text, ',' order by id)) from events")" "$before"
}

@test "a BEFORE INSERT trigger that returns NULL: the rows it drops are rejects saying so, not lost nor counted as duplicates" {
	ds-load --migrate-only 2>/dev/null
	sql "create function drop_a() returns trigger language plpgsql as \$\$ begin
		if new.id like '%a' then return null; end if; return new; end \$\$" >/dev/null
	sql "create trigger drop_a before insert on events for each row execute function drop_a()" >/dev/null
	dropped=$(valid_ids | grep -c 'a$')
	stored=$(( $(valid_ids | wc -l) - dropped ))
	bad=$(awk -F '\t' '$1 == "bad"' "$BATS_FILE_TMPDIR/manifest" | wc -l)
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains "msg=done records=$stored duplicates=0 updated=0 rejects=$((dropped + bad)) "
	assert_equal "$(sql "select count(*) from events")" "$stored"
	assert_equal "$(sql "select count(*) from ds_rejects where reason like '%trigger%'")" "$dropped"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	# a replay counts as duplicates only the ids stored
	before=$(snapshot)
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_stderr_contains "msg=done records=0 duplicates=$stored updated=0 rejects=0 "
	assert_equal "$(snapshot)" "$before"
	replays_change_nothing
}

@test "BEFORE INSERT triggers that modify NEW (id, data, hash): replays exit 0 and change nothing" {
	ds-load --migrate-only 2>/dev/null
	sql "create function up() returns trigger language plpgsql as \$\$ begin
		new.id := upper(new.id); new.data := new.data || '{\"loaded\": true}';
		new.hash := 'h:' || new.hash; return new; end \$\$" >/dev/null
	sql "create trigger up before insert or update on events for each row execute function up()" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$(sql "select lower(id) from events" | LC_ALL=C sort)" "$(valid_ids)"
	assert_equal "$(sql "select count(*) from events where data->'loaded' = 'true' and hash like 'h:%'")" "$(valid_ids | wc -l)"
	replays_change_nothing
}

@test "extra columns: NOT NULL with a default, generated columns, a generated column whose cast fails (22P02) rejects its row" {
	ds-load --migrate-only 2>/dev/null
	sql "alter table events add column owner text not null default 'team-a',
		add column amount numeric generated always as ((data->'amount'->>'value')::numeric) stored,
		add column seq_no int generated always as (case when id like '%5' then (data->>'note')::int else 0 end) stored" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_stderr_contains 'sqlstate=22P02 error="invalid input syntax for type integer'
	assert_equal "$(sql "select count(*) from events where id like '%5'")" "0"
	assert_equal "$(sql "select count(*) from events where owner <> 'team-a'")" "0"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	replays_change_nothing
}

@test "a NOT NULL column without a default that ds-load does not write: permanent (100) naming the column and the fix; nothing stored" {
	ds-load --migrate-only 2>/dev/null
	sql "alter table events add column owner text not null" >/dev/null
	for opts in "" "--on-conflict update" "--batch-rows 7"; do
		# shellcheck disable=SC2086 # opts is a list of words
		run --separate-stderr ds-load $opts <"$IN"
		assert_status 100
		assert_equal "$output" ""
		assert_stderr_contains 'null value in column \"owner\" of relation \"events\" violates not-null constraint'
		assert_stderr_contains 'sqlstate=23502 cause="not-null violation'
		assert_stderr_contains 'DEFAULT'
		assert_stderr_contains "status=permanent"
		assert_equal "$(sql "select count(*) from events")" "0"
		assert_equal "$(sql "select count(*) from ds_rejects")" "0"
		assert_equal "$(sql "select count(*) from ds_checkpoints")" "0"
	done
}

@test "row-level security for a role subject to it and without TEMP: permanent (100) naming row-level security and the fix" {
	ds-load --migrate-only 2>/dev/null
	sql "create role rt_rls login" >/dev/null 2>&1 || true
	sql "grant select, insert, update on all tables in schema public to rt_rls;
		grant usage on all sequences in schema public to rt_rls;
		revoke temp on database \"$DB\" from public" >/dev/null
	sql "alter table events enable row level security;
		create policy rt_all on events to rt_rls using (true) with check (id not like '%e')" >/dev/null
	run --separate-stderr ds-load --db "${DATABASE_URL/user=ds/user=rt_rls}" <"$IN"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'row-level security on the table refuses COPY and staging needs the TEMP privilege'
	assert_stderr_contains 'BYPASSRLS'
	assert_stderr_contains "status=permanent"
	assert_equal "$(sql "select count(*) from events")" "0"
}

@test "row-level security: a role subject to it loads; rows its WITH CHECK refuses are rejects; replays change nothing" {
	ds-load --migrate-only 2>/dev/null
	sql "create role rt_rls2 login" >/dev/null 2>&1 || true
	sql "grant select, insert, update on all tables in schema public to rt_rls2;
		grant usage on all sequences in schema public to rt_rls2" >/dev/null
	sql "alter table events enable row level security;
		create policy rt_all on events to rt_rls2 using (true) with check (id not like '%e')" >/dev/null
	run --separate-stderr ds-load --db "${DATABASE_URL/user=ds/user=rt_rls2}" <"$IN"
	assert_status 0
	assert_stderr_contains 'error="new row violates row-level security policy for table \"events\""'
	assert_equal "$(sql "select count(*) from events where id like '%e'")" "0"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	before=$(snapshot)
	for opts in "" "--jobs 2 --batch-rows 50" "--on-conflict update"; do
		# shellcheck disable=SC2086 # opts is a list of words
		run --separate-stderr ds-load $opts --db "${DATABASE_URL/user=ds/user=rt_rls2}" <"$IN"
		assert_status 0
		assert_equal "$(snapshot)" "$before"
	done
	# a fresh table loaded by several connections at once
	sql "truncate events, ds_rejects, ds_checkpoints" >/dev/null
	run --separate-stderr ds-load --jobs 2 --batch-rows 50 --db "${DATABASE_URL/user=ds/user=rt_rls2}" <"$IN"
	assert_status 0
	assert_equal "$(sql "select count(*) from events where id like '%e'")" "0"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
}

@test "a role whose default_transaction_read_only is on: permanent (100) saying to turn it off" {
	ds-load --migrate-only 2>/dev/null
	sql "create role rt_ro login" >/dev/null 2>&1 || true
	sql "grant select, insert, update on all tables in schema public to rt_ro;
		grant usage on all sequences in schema public to rt_ro;
		alter role rt_ro set default_transaction_read_only = on" >/dev/null
	run --separate-stderr ds-load --db "${DATABASE_URL/user=ds/user=rt_ro}" <"$IN"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'in a read-only transaction" sqlstate=25006 cause="the database is read-only'
	assert_stderr_contains 'default_transaction_read_only'
	assert_stderr_contains "status=permanent"
	assert_equal "$(sql "select count(*) from events")" "0"
}

@test "a per-role statement_timeout (ALTER ROLE ... SET) is temporary (111); nothing half-stored" {
	ds-load --migrate-only 2>/dev/null
	sql "create role rt_slow login" >/dev/null 2>&1 || true
	sql "grant select, insert, update on all tables in schema public to rt_slow;
		grant usage on all sequences in schema public to rt_slow;
		alter role rt_slow set statement_timeout = '200ms'" >/dev/null
	sql "create function slow() returns trigger language plpgsql as \$\$ begin
		perform pg_sleep(0.01); return new; end \$\$" >/dev/null
	sql "create trigger slow before insert on events for each row execute function slow()" >/dev/null
	run --separate-stderr ds-load --db "${DATABASE_URL/user=ds/user=rt_slow}" <"$IN"
	assert_status 111
	assert_equal "$output" ""
	assert_stderr_contains 'sqlstate=57014 cause="query canceled (statement_timeout'
	assert_stderr_contains "status=temporary"
	assert_equal "$(sql "select count(*) from events")" "0"
	assert_equal "$(sql "select count(*) from ds_checkpoints")" "0"
	# once the DBA gives the role time, the rerun loads
	sql "alter role rt_slow set statement_timeout = '60s'" >/dev/null
	run --separate-stderr ds-load --db "${DATABASE_URL/user=ds/user=rt_slow}" <"$IN"
	assert_status 0
	assert_equal "$(sql "select id from events" | LC_ALL=C sort)" "$(valid_ids)"
}

@test "an archive replay over a table with a CHECK: exit 0, nothing changes" {
	ds-load --migrate-only 2>/dev/null
	sql "alter table events add constraint no_signups check (type <> 'user.signup')" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	before=$(snapshot)
	for opts in "" "--batch-rows 9 --jobs 2" "--on-conflict update"; do
		# shellcheck disable=SC2086 # opts is a list of words
		run --separate-stderr bash -c "zstdcat '$BATS_FILE_TMPDIR'/archive/*.zst | ds-transform | ds-load $opts"
		assert_status 0
		assert_equal "$output" ""
		assert_stderr_contains "msg=done records=0 "
		assert_stderr_contains " rejects=0 batches="
		assert_equal "$(snapshot)" "$before"
	done
}

@test "--table names with quotes, spaces, unicode, uppercase, 63 multibyte bytes, another schema: load and replay" {
	sql 'create schema "Our Data"' >/dev/null
	e31=$(printf 'é%.0s' $(seq 1 31))
	k21=$(printf '日%.0s' $(seq 1 21))
	awk '{ print } /"\$ds":"checkpoint"/ && ++n == 2 { exit }' "$IN" >"$T/in"
	n=$(grep -c '"hash"' "$T/in")
	for t in 'we"ird' 'My Table' 'événements' 'UPPER' "${e31}x" "$k21" "Our Data.$k21" 'Our Data.x"y z'; do
		run --separate-stderr ds-load --table "$t" <"$T/in"
		assert_status 0
		assert_equal "$output" ""
		assert_stderr_contains "msg=done records=$n "
		run --separate-stderr ds-load --table "$t" <"$T/in"
		assert_status 0
		assert_stderr_contains "msg=done records=0 duplicates=$n "
	done
	assert_equal "$(sql "select count(*) from pg_tables where schemaname = 'Our Data'")" "2"
	assert_equal "$(sql "select count(*) from \"Our Data\".\"$k21\"")" "$n"
	assert_equal "$(sql "select count(*) from \"${e31}x\"")" "$n"
	# every table got its own ts index
	assert_equal "$(sql "select count(*) from pg_indexes where indexname like '%ts_idx'")" "8"
	# 64 bytes of é is too long, not truncated
	run --separate-stderr ds-load --table "${e31}é" <"$T/in"
	assert_status 64
	assert_equal "$output" ""
	assert_stderr_contains "want NAME or SCHEMA.NAME, each 1 to 63 bytes"
}

@test "a refused row's warning names the seq of its page once the page has ended, never seq=-1 (a batch cut inside a page stores no seq)" {
	ds-load --migrate-only 2>/dev/null
	sql "alter table events add constraint no_signups check (type <> 'user.signup')" >/dev/null
	run --separate-stderr ds-load --batch-rows 30 <"$IN"
	assert_status 0
	assert_stderr_contains 'msg="row refused by PostgreSQL, stored in ds_rejects"'
	assert_stderr_lacks ' seq=-1 '
	assert_stderr_contains ' seq=1 sqlstate=23514 error='
	# the rows committed before their page's checkpoint line arrived
	assert_equal "$(sql "select count(*) > 0 from ds_rejects where seq is null")" "t"
	assert_equal "$(sql "select count(*) > 0 from ds_rejects where seq = 1")" "t"
}

@test "a records table made by a user without a unique index on id alone is refused (100) before loading, not loaded once and jammed on replays" {
	for ddl in "create table events (id text not null, stream text not null, type text, ts timestamptz, hash text, data jsonb, ingested_at timestamptz not null default now(), primary key (stream, id))" \
		"create table events (id text not null, stream text, type text, ts timestamptz not null, hash text, data jsonb, ingested_at timestamptz not null default now(), primary key (id, ts)) partition by range (ts); create table events_all partition of events default" \
		"create table events (id text, stream text, type text, ts timestamptz, hash text, data jsonb, ingested_at timestamptz not null default now(), unique (id) deferrable)"; do
		fresh_db
		sql "$ddl" >/dev/null
		run --separate-stderr ds-load <"$IN"
		assert_status 100
		assert_equal "$output" ""
		assert_stderr_contains 'msg="the records table has no unique index on id alone, so a replay cannot tell stored ids: add one (ALTER TABLE ... ADD PRIMARY KEY (id))'
		assert_stderr_contains "table=events status=permanent"
		assert_equal "$(sql "select count(*) from events")" "0"
		assert_equal "$(sql "select count(*) from ds_checkpoints")" "0"
	done
	# a user's table with a unique id column, extra columns and a varchar id loads and replays
	fresh_db
	sql "create table events (id varchar(40) unique not null, stream text, type text, ts timestamptz,
		hash text, data jsonb, ingested_at timestamptz not null default now(), team text default 'a')" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	replays_change_nothing
}

@test "a CHECK (NOT VALID) or a raising trigger added after the load: replays count the stored rows as duplicates and add no reject" {
	ds-load --migrate-only 2>/dev/null
	ds-load <"$IN" 2>/dev/null
	sql "alter table events add constraint no_signups check (type <> 'user.signup') not valid" >/dev/null
	sql "create function late() returns trigger language plpgsql as \$\$ begin
		if new.id like '%9' then raise exception 'late rule refuses %', new.id; end if;
		return new; end \$\$" >/dev/null
	sql "create trigger late before insert on events for each row execute function late()" >/dev/null
	before=$(snapshot)
	for opts in "" "--batch-rows 7" "--jobs 1 --batch-rows 50" "--on-conflict update"; do
		# shellcheck disable=SC2086 # opts is a list of words
		run --separate-stderr ds-load $opts <"$IN"
		assert_status 0
		assert_equal "$output" ""
		assert_stderr_contains "msg=done records=0 duplicates=$(valid_ids | wc -l) "
		assert_stderr_lacks "row refused by PostgreSQL"
		assert_equal "$(snapshot)" "$before"
	done
	# no refused id is a stored one (accounted_ids lists an id in both twice)
	assert_equal "$(accounted_ids | uniq -d)" ""
}

@test "--jobs 2: rows of concurrent batches breaking one unique index are refused as with --jobs 1, without a hang" {
	ds-load --migrate-only 2>/dev/null
	sql "create unique index u_type on events ((data->>'type')) where id like '%b' or id like '%c'" >/dev/null
	run --separate-stderr timeout 120 ds-load --jobs 1 --batch-rows 7 <"$IN"
	assert_status 0
	one=$(refused_ids)
	[ -n "$one" ]
	fresh_db
	ds-load --migrate-only 2>/dev/null
	sql "create unique index u_type on events ((data->>'type')) where id like '%b' or id like '%c'" >/dev/null
	run --separate-stderr timeout 120 ds-load --jobs 2 --batch-rows 7 <"$IN"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'error="duplicate key value violates unique constraint \"u_type\"'
	assert_equal "$(refused_ids)" "$one"
	assert_equal "$(accounted_ids)" "$(valid_ids)"
	replays_change_nothing
}

@test "a statement-level trigger refusing every load (a maintenance freeze) stops the load (100), rejecting no row and keeping the checkpoint" {
	ds-load --migrate-only 2>/dev/null
	sql "create function frozen() returns trigger language plpgsql as \$\$ begin
		raise exception 'events is frozen for maintenance'; end \$\$" >/dev/null
	sql "create trigger frozen before insert on events for each statement execute function frozen()" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 100
	assert_equal "$output" ""
	assert_stderr_contains 'error="events is frozen for maintenance" sqlstate=P0001'
	assert_stderr_lacks "row refused by PostgreSQL"
	assert_equal "$(sql "select count(*) from ds_rejects")" "0"
	assert_equal "$(sql "select count(*) from ds_checkpoints")" "0"
	# the freeze lifted, the rerun loads everything
	sql "drop trigger frozen on events" >/dev/null
	run --separate-stderr ds-load <"$IN"
	assert_status 0
	assert_equal "$(sql "select id from events" | LC_ALL=C sort)" "$(valid_ids)"
	# frozen again (an AFTER statement trigger): a replay, merged from staging, stops too
	sql "create trigger frozen after insert on events for each statement execute function frozen()" >/dev/null
	before=$(snapshot)
	for opts in "" "--on-conflict update"; do
		# shellcheck disable=SC2086 # opts is a list of words
		run --separate-stderr ds-load $opts <"$IN"
		assert_status 100
		assert_stderr_contains 'error="events is frozen for maintenance" sqlstate=P0001'
		assert_stderr_contains 'a statement-level trigger or a rule refuses it'
		assert_stderr_lacks "row refused by PostgreSQL"
		assert_equal "$(snapshot)" "$before"
	done
}

@test "a trigger raising unique_violation itself (23505 naming no constraint) rejects its rows, never counts them as duplicates" {
	for opts in "" "--on-conflict update --batch-rows 40"; do
		fresh_db
		ds-load --migrate-only 2>/dev/null
		trigger "new.id like '%a'" "raise exception 'order % duplicates another', new.id using errcode = 'unique_violation';"
		# shellcheck disable=SC2086 # opts is a list of words
		run --separate-stderr ds-load $opts <"$IN"
		assert_status 0
		assert_equal "$output" ""
		assert_stderr_contains 'sqlstate=23505 error="order evt_'
		assert_stderr_contains "msg=done records=$(valid_ids | grep -vc 'a$') duplicates=0 "
		assert_equal "$(sql "select count(*) from ds_rejects where reason like 'order % duplicates another'")" "$(valid_ids | grep -c 'a$')"
		assert_equal "$(accounted_ids)" "$(valid_ids)"
	done
	replays_change_nothing
}
