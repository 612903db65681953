#!/usr/bin/env bash
# bench/transform.sh - ds-transform against `jq -c .` on the same input,
# single core, in one run on this machine.
#
# Generates BENCH_TRANSFORM_EVENTS events (default 1000000) with ds-mockapi and
# ds-fetch (page lines, about 390 bytes per event), and the same events as plain
# NDJSON records. Times ds-transform on both and `jq -c .` on the records;
# prints MB/s of input (wall clock and user CPU), the ratio, and ds-transform's
# peak RSS; medians of BENCH_RUNS runs (default 3). Figures, never assertions.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
: "${DS_BIN:=$top/bin}"
PATH=$DS_BIN:$PATH
events=${BENCH_TRANSFORM_EVENTS:-1000000}
runs=${BENCH_RUNS:-3}
work=$(mktemp -d /tmp/ds-bench-transform.XXXXXX)
mock_pid=""
cleanup() {
	if [ -n "$mock_pid" ]; then
		kill "$mock_pid" 2>/dev/null || true
		wait "$mock_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
say "generating $events events"
ds-mockapi --port 0 --events "$events" --seed 7 >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
for _ in $(seq 1 100); do
	grep -q '^listening on ' "$work/mock.out" && break
	sleep 0.05
done
url=http://127.0.0.1:$(sed -n 's/^listening on \([0-9]*\).*/\1/p' "$work/mock.out")/api/v1
ds-fetch --quiet --limit 5000 "$url" >"$work/pages.ndjson"
kill "$mock_pid"
wait "$mock_pid" 2>/dev/null || true
mock_pid=""
# The same events as plain records: the data of ds-transform's record lines.
ds-transform <"$work/pages.ndjson" 2>/dev/null | sed -n 's/^{"stream":.*,"data":\(.*\)}$/\1/p' >"$work/records.ndjson"

# time_run OUT CMD...: run CMD on stdin with output to /dev/null; append
# "elapsed user maxrss_kib" to OUT.
time_run() {
	local out=$1
	shift
	/usr/bin/time -f '%e %U %M' -o "$work/t" "$@" >/dev/null 2>"$work/err"
	cat "$work/t" >>"$out"
}

for r in $(seq 1 "$runs"); do
	time_run "$work/ds.pages" ds-transform <"$work/pages.ndjson"
	time_run "$work/ds.records" ds-transform <"$work/records.ndjson"
	time_run "$work/jq.records" jq -c . <"$work/records.ndjson"
	say "run $r: pages $(tail -n 1 "$work/ds.pages"), records $(tail -n 1 "$work/ds.records"), jq $(tail -n 1 "$work/jq.records")"
done

pbytes=$(stat -c %s "$work/pages.ndjson")
rbytes=$(stat -c %s "$work/records.ndjson")
nrec=$(wc -l <"$work/records.ndjson")
dp=$(col "$work/ds.pages" 1) dpu=$(col "$work/ds.pages" 2) dpm=$(col "$work/ds.pages" 3)
dr=$(col "$work/ds.records" 1) dru=$(col "$work/ds.records" 2) drm=$(col "$work/ds.records" 3)
jr=$(col "$work/jq.records" 1) jru=$(col "$work/jq.records" 2)
printf '| transform: %s events (%s records, %s B/record), median of %s | seconds | MB/s (wall) | MB/s (user CPU) | peak RSS |\n' \
	"$events" "$nrec" "$((rbytes / (nrec > 0 ? nrec : 1)))" "$runs"
printf '|---|---|---|---|---|\n'
printf '| ds-transform, ds-fetch page lines (%s MiB) | %s | %s | %s | %s KiB |\n' \
	"$((pbytes / 1048576))" "$dp" "$(mb_s "$pbytes" "$dp")" "$(mb_s "$pbytes" "$dpu")" "$dpm"
printf '| ds-transform, plain records (%s MiB) | %s | %s | %s | %s KiB |\n' \
	"$((rbytes / 1048576))" "$dr" "$(mb_s "$rbytes" "$dr")" "$(mb_s "$rbytes" "$dru")" "$drm"
printf '| jq -c ., plain records | %s | %s | %s | |\n' "$jr" "$(mb_s "$rbytes" "$jr")" "$(mb_s "$rbytes" "$jru")"
printf '| ratio (jq time / ds-transform time, plain records; target ≥ 6) | %s× | | %s× | |\n' \
	"$(ratio "$jr" "$dr")" "$(ratio "$jru" "$dru")"
