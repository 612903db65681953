#!/usr/bin/env bash
# bench/load.sh - ds-load against psql's own \copy, in one run on this machine.
#
#   fresh:  N new records through ds-load vs `psql -c '\copy T from FILE'` of the
#           same rows pre-made as COPY text, into the same table definition
#   replay: the same N records again (all duplicates) through ds-load
#   each with every --jobs value of BENCH_JOBS (default "1 2 3"), and, as the
#   ceiling of parallel loading here, two psql \copy of the rows' halves at once
#
# Prints the median of BENCH_RUNS runs of each, the ratios to psql, and ds-load's
# peak RSS (/usr/bin/time -v). Figures, never assertions.
# BENCH_EVENTS (default 1000000) records; BENCH_RUNS (default 3).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
: "${DS_BIN:=$top/bin}"
PATH=$DS_BIN:$top/scripts:$PATH
events=${BENCH_EVENTS:-1000000}
runs=${BENCH_RUNS:-3}
read -r -a jobs <<<"${BENCH_JOBS:-1 2 3}"
work=$(mktemp -d /tmp/ds-bench-load.XXXXXX)
chmod 711 "$work"
cleanup() {
	ds-pg stop "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
[ -z "${BENCH_KEEP:-}" ] || trap - EXIT

# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
pg=$(ds-pg start "$work/pg")

# The stream: pages of 5000 records with a checkpoint line after each, records
# shaped like the API's events (nested object, array, wide integer, \u escape).
# The same rows go to rows.copy as COPY text, byte for byte what ds-load sends.
say "generating $events records"
awk -v n="$events" -v copy="$work/rows.copy" 'BEGIN {
	per = 5000
	for (i = 1; i <= n; i++) {
		id = sprintf("evt-%09d", i)
		ts = sprintf("2024-01-%02dT%02d:%02d:%02d.%03dZ", i % 28 + 1, i % 24, i % 60, (i * 7) % 60, i % 1000)
		hash = sprintf("%064x", i)
		data = sprintf("{\"id\":\"%s\",\"type\":\"type%d\",\"timestamp\":\"%s\",\"user\":{\"id\":%d,\"name\":\"user %d caf\\u00e9\"},\"tags\":[\"a\",\"b\",%d],\"amount\":%d.%02d,\"big\":12345678901234567890%d}", id, i % 7, ts, i % 100000, i % 100000, i, i % 1000, i % 100, i % 10)
		printf "{\"stream\":\"events\",\"id\":\"%s\",\"type\":\"type%d\",\"ts\":\"%s\",\"hash\":\"%s\",\"data\":%s}\n", id, i % 7, ts, hash, data
		gsub(/\\/, "\\\\\\\\", data)
		printf "%s\tevents\ttype%d\t%s\t%s\t%s\n", id, i % 7, ts, hash, data > copy
		if (i % per == 0 || i == n)
			printf "{\"$ds\":\"checkpoint\",\"stream\":\"events\",\"seq\":%d,\"cursor\":\"c%d\",\"has_more\":%s,\"records\":%d}\n", int((i - 1) / per) + 1, int((i - 1) / per) + 2, i == n ? "false" : "true", per
	}
}' >"$work/stream"
say "input: $(du -h "$work/stream" | cut -f1) stream, $(du -h "$work/rows.copy" | cut -f1) COPY text"
split -n l/2 "$work/rows.copy" "$work/half."

# An untimed load first: a new cluster creates its WAL files on first use.
db=$(newdb bench_warm)
ds-load --db "$db" </dev/null 2>/dev/null
psql "$db" -qAtc "\\copy events (id, stream, type, ts, hash, data) from '$work/rows.copy'"
psql "$pg" -qAtc "drop database bench_warm" >/dev/null

copy=() copy2=()
declare -A fresh=() replay=() rss_fresh=() rss_replay=()
for r in $(seq 1 "$runs"); do
	db=$(newdb "bench_psql_$r")
	ds-load --db "$db" </dev/null 2>/dev/null	# the same table definition
	psql "$db" -qAtc checkpoint
	t0=$(now)
	psql "$db" -qAtc "\\copy events (id, stream, type, ts, hash, data) from '$work/rows.copy'"
	copy+=("$(elapsed "$t0" "$(now)")")
	psql "$pg" -qAtc "drop database bench_psql_$r" >/dev/null	# no autovacuum on it later

	db=$(newdb "bench_psql_$r")
	ds-load --db "$db" </dev/null 2>/dev/null
	psql "$db" -qAtc checkpoint
	t0=$(now)
	psql "$db" -qAtc "\\copy events (id, stream, type, ts, hash, data) from '$work/half.aa'" &
	psql "$db" -qAtc "\\copy events (id, stream, type, ts, hash, data) from '$work/half.ab'"
	wait
	copy2+=("$(elapsed "$t0" "$(now)")")
	psql "$pg" -qAtc "drop database bench_psql_$r" >/dev/null

	line="run $r: psql \\copy ${copy[-1]}s, 2 x \\copy halves ${copy2[-1]}s"
	for j in "${jobs[@]}"; do
		db=$(newdb "bench_load_$r")
		ds-load --db "$db" </dev/null 2>/dev/null
		psql "$db" -qAtc checkpoint
		t0=$(now)
		/usr/bin/time -v -o "$work/time.fresh" ds-load --jobs "$j" --db "$db" <"$work/stream" 2>/dev/null
		fresh[$j]+=" $(elapsed "$t0" "$(now)")"
		rss_fresh[$j]=$(awk -F': ' '/Maximum resident/ { print $2 }' "$work/time.fresh")

		psql "$db" -qAtc checkpoint
		t0=$(now)
		/usr/bin/time -v -o "$work/time.replay" ds-load --jobs "$j" --db "$db" <"$work/stream" 2>/dev/null
		replay[$j]+=" $(elapsed "$t0" "$(now)")"
		rss_replay[$j]=$(awk -F': ' '/Maximum resident/ { print $2 }' "$work/time.replay")
		line="$line, --jobs $j: fresh ${fresh[$j]##* }s replay ${replay[$j]##* }s"
		psql "$pg" -qAtc "drop database bench_load_$r" >/dev/null
	done
	say "$line"
done

mc=$(median "${copy[@]}")
printf '| %s records, median of %s | seconds | vs psql \\copy | peak RSS |\n' "$events" "$runs"
printf '|---|---|---|---|\n'
printf '| psql \\copy (COPY text) | %s | 1.00 | |\n' "$mc"
mc2=$(median "${copy2[@]}")
printf '| 2 psql \\copy of halves at once | %s | %s | |\n' "$mc2" "$(ratio "$mc2" "$mc")"
for j in "${jobs[@]}"; do
	# shellcheck disable=SC2086 # the lists are space-separated numbers
	mf=$(median ${fresh[$j]})
	printf '| ds-load --jobs %s, fresh | %s | %s | %s KiB |\n' "$j" "$mf" "$(ratio "$mf" "$mc")" "${rss_fresh[$j]}"
done
for j in "${jobs[@]}"; do
	# shellcheck disable=SC2086
	mr=$(median ${replay[$j]})
	printf '| ds-load --jobs %s, replay (all duplicates) | %s | %s | %s KiB |\n' "$j" "$mr" "$(ratio "$mr" "$mc")" "${rss_replay[$j]}"
done
