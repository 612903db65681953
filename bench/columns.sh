#!/usr/bin/env bash
# bench/columns.sh - ds-load with five declared columns (--column: numeric,
# date, timestamptz, bigint, text[]) against none, on the same records, each
# into a fresh database. Prints the median of BENCH_RUNS runs of each (runs
# alternate, so a loaded machine weighs on both) and the ratio; then the
# floor: psql \copy of the same rows' COPY text (six fields, and eleven with
# the typed values) into the same tables, what the server alone costs.
# Figures only. BENCH_EVENTS (default 200000) records; BENCH_RUNS (default 5).
set -euo pipefail
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
bench_begin columns
events=${BENCH_EVENTS:-200000}
runs=${BENCH_RUNS:-5}
# fresh ARGS...: database b made again, with ds-load's schema for ARGS
fresh() {
	psql "$pg" -qAtc "drop database if exists b" -c "create database b" >/dev/null 2>&1
	ds-load --db "$url" --migrate-only "$@" 2>/dev/null
}

pg=$(ds-pg start "$work/pg")
url="postgresql:///b?host=$work/pg&user=ds"
awk -v n="$events" 'BEGIN {
	per = 5000
	for (i = 1; i <= n; i++) {
		id = sprintf("evt-%09d", i)
		ts = sprintf("2024-01-%02dT%02d:%02d:%02d.%03dZ", i % 28 + 1, i % 24, i % 60, (i * 7) % 60, i % 1000)
		data = sprintf("{\"id\":\"%s\",\"type\":\"type%d\",\"timestamp\":\"%s\",\"day\":\"2024-02-%02d\",\"user\":{\"id\":%d,\"name\":\"user %d caf\\u00e9\"},\"tags\":[\"a\",\"b\",%d],\"amount\":%d.%02d}", id, i % 7, ts, i % 28 + 1, i % 100000, i % 100000, i, i % 1000, i % 100)
		printf "{\"stream\":\"events\",\"id\":\"%s\",\"type\":\"type%d\",\"ts\":\"%s\",\"hash\":\"%064x\",\"data\":%s}\n", id, i % 7, ts, i, data
		if (i % per == 0 || i == n)
			printf "{\"$ds\":\"checkpoint\",\"stream\":\"events\",\"seq\":%d,\"cursor\":\"c%d\",\"has_more\":%s,\"records\":%d}\n", int((i - 1) / per) + 1, int((i - 1) / per) + 2, i == n ? "false" : "true", per
	}
}' >"$work/stream"
cols=(--column 'amount numeric amount' --column 'day date day'
    --column 'at timestamptz timestamp' --column 'uid bigint user.id'
    --column 'tags text[] tags')
plain=() declared=()
for r in $(seq "$runs"); do
	for kind in plain declared; do
		args=()
		[ "$kind" = plain ] || args=("${cols[@]}")
		# the schema first, so the figure is the load alone
		fresh "${args[@]}"
		e=$(wall ds-load --db "$url" "${args[@]}" <"$work/stream")
		if [ "$kind" = plain ]; then plain+=("$e"); else declared+=("$e"); fi
		printf 'run %s %s: %ss\n' "$r" "$kind" "$e" >&2
	done
done
p=$(median "${plain[@]}")
d=$(median "${declared[@]}")
printf '%s records: no declared column %ss, five declared columns %ss (median of %s): %s\n' \
    "$events" "$p" "$d" "$runs" "$(awk -v a="$d" -v b="$p" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }')"

# the floor: the rows ds-load sent (the last database holds the declared load)
psql "$url" -qAtc "\\copy (select id, stream, type, ts, hash, data from events) to '$work/plain.copy'" \
    -c "\\copy (select id, stream, type, ts, hash, data, amount, day, at, uid, tags from events) to '$work/declared.copy'"
fplain=() fdeclared=()
for r in $(seq "$runs"); do
	for kind in plain declared; do
		args=() list="id, stream, type, ts, hash, data"
		if [ "$kind" = declared ]; then
			args=("${cols[@]}")
			list="$list, amount, day, at, uid, tags"
		fi
		fresh "${args[@]}"
		e=$(wall psql "$url" -qAtc "\\copy events ($list) from '$work/$kind.copy'")
		if [ "$kind" = plain ]; then fplain+=("$e"); else fdeclared+=("$e"); fi
		printf 'run %s psql \\copy %s: %ss\n' "$r" "$kind" "$e" >&2
	done
done
p=$(median "${fplain[@]}")
d=$(median "${fdeclared[@]}")
printf 'psql \\copy of the same rows: six fields %ss, eleven %ss (median of %s): %s\n' \
    "$p" "$d" "$runs" "$(awk -v a="$d" -v b="$p" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }')"
