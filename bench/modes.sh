#!/usr/bin/env bash
# bench/modes.sh - the write modes of ds-load on the same records, each run in
# fresh databases (runs alternate the kinds, so a loaded machine weighs on all):
#
#   append:   a fresh pass, then the same pass again (all stored)
#   snapshot: the same two passes with --mode snapshot (each one complete, so
#             each ends by marking what it did not see: nothing)
#   history:  a fresh pass, then the unchanged replay (no version added)
#   psql:     \copy of the same rows, pre-made as COPY text, into the table
#
# Prints the median of BENCH_RUNS runs of each and the issue's two ratios:
# snapshot / append (target <= 1.3) and history's unchanged replay / psql
# \copy (target <= 1.0). Figures, never assertions.
# BENCH_EVENTS (default 200000) records; BENCH_RUNS (default 3).
set -euo pipefail
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
bench_begin modes
events=${BENCH_EVENTS:-200000}
runs=${BENCH_RUNS:-3}

pg=$(ds-pg start "$work/pg")
# fresh_b: database b made again; sets url to it.
fresh_b() {
	psql "$pg" -qAt -c "set client_min_messages = warning" -c "drop database if exists b" \
	    -c "create database b" >/dev/null
	url="postgresql:///b?host=$work/pg&user=ds"
}

# timed VAR ARGS...: ds-load ARGS < stream, its seconds appended to array VAR.
timed() {
	local -n into=$1
	local t
	shift
	t=$(now)
	ds-load --db "$url" "$@" <"$work/stream" 2>/dev/null
	into+=("$(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')")
}

# One stream of pages of 5000 records (a checkpoint after each, the last one
# has_more false: a complete pass) and the same rows as COPY text.
awk -v n="$events" -v copy="$work/rows.copy" 'BEGIN {
	for (i = 1; i <= n; i++) {
		id = sprintf("row-%09d", i)
		ts = sprintf("2025-03-%02dT%02d:%02d:%02d.%03dZ", i % 28 + 1, i % 24, i % 60, (i * 11) % 60, i % 1000)
		data = sprintf("{\"id\":\"%s\",\"updated\":\"%s\",\"name\":\"name %d \\u00e9\",\"parts\":[%d,%d],\"price\":%d.%02d}", id, ts, i, i % 97, i % 89, i % 5000, i % 100)
		printf "{\"stream\":\"s\",\"id\":\"%s\",\"type\":null,\"ts\":\"%s\",\"hash\":\"%064x\",\"data\":%s}\n", id, ts, i, data
		gsub(/\\/, "\\\\\\\\", data)
		printf "%s\ts\t\\N\t%s\t%064x\t%s\n", id, ts, i, data > copy
		if (i % 5000 == 0 || i == n)
			printf "{\"$ds\":\"checkpoint\",\"stream\":\"s\",\"seq\":%d,\"cursor\":\"c%d\",\"has_more\":%s,\"records\":5000}\n", int((i - 1) / 5000) + 1, int((i - 1) / 5000) + 2, i == n ? "false" : "true"
	}
}' >"$work/stream"

a1=() a2=() s1=() s2=() h1=() h2=() cp=()
for r in $(seq "$runs"); do
	fresh_b
	ds-load --db "$url" --migrate-only 2>/dev/null
	timed a1
	timed a2
	fresh_b
	ds-load --db "$url" --migrate-only --mode snapshot 2>/dev/null
	timed s1 --mode snapshot
	timed s2 --mode snapshot
	fresh_b
	ds-load --db "$url" --migrate-only --mode history 2>/dev/null
	timed h1 --mode history
	timed h2 --mode history
	fresh_b
	ds-load --db "$url" --migrate-only 2>/dev/null
	t=$(now)
	psql "$url" -qAtc "\\copy events (id, stream, type, ts, hash, data) from '$work/rows.copy'"
	cp+=("$(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')")
	printf 'run %s: append %s/%s snapshot %s/%s history %s/%s psql \\copy %s\n' "$r" \
	    "${a1[-1]}" "${a2[-1]}" "${s1[-1]}" "${s2[-1]}" "${h1[-1]}" "${h2[-1]}" "${cp[-1]}" >&2
done
ma1=$(median "${a1[@]}") ma2=$(median "${a2[@]}")
ms1=$(median "${s1[@]}") ms2=$(median "${s2[@]}")
mh1=$(median "${h1[@]}") mh2=$(median "${h2[@]}") mc=$(median "${cp[@]}")
printf '| %s records, median of %s | fresh pass (s) | same pass again (s) |\n' "$events" "$runs"
printf '|---|---|---|\n'
printf '| append | %s | %s |\n' "$ma1" "$ma2"
printf '| snapshot | %s (%sx append) | %s (%sx append) |\n' "$ms1" "$(ratio "$ms1" "$ma1")" \
    "$ms2" "$(ratio "$ms2" "$ma2")"
printf '| history | %s | %s (%sx psql \\copy) |\n' "$mh1" "$mh2" "$(ratio "$mh2" "$mc")"
printf '| psql \\copy | %s | |\n' "$mc"
