#!/usr/bin/env bash
# bench/fetch.sh - ds-fetch against a shell loop of curl + jq that follows
# the same cursors from the same ds-mockapi (faults off), in one run on this machine.
#
# Both fetch every page of BENCH_FETCH_EVENTS events (default 300000) with
# limit=5000 and gzip, and write each page's records as one compact JSON line.
# Prints pages/s and MB/s (of lines written) for each, medians of BENCH_RUNS
# runs (default 3), the ratio, and ds-fetch's peak RSS. Also the server's raw
# serving rate: one curl (keep-alive, gzip) reading the very pages ds-fetch
# read, by their cursors, into /dev/null. Figures, never assertions.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
: "${DS_BIN:=$top/bin}"
PATH=$DS_BIN:$PATH
events=${BENCH_FETCH_EVENTS:-300000}
runs=${BENCH_RUNS:-3}
limit=5000
work=$(mktemp -d /tmp/ds-bench-fetch.XXXXXX)
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
ds-mockapi --port 0 --events "$events" --seed 7 >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
for _ in $(seq 1 100); do
	grep -q '^listening on ' "$work/mock.out" && break
	sleep 0.05
done
url=http://127.0.0.1:$(sed -n 's/^listening on \([0-9]*\).*/\1/p' "$work/mock.out")/api/v1

# The baseline: what one would write in shell, one curl and two jq per page.
curl_loop() {
	local cursor="" page="$work/page.json"
	while :; do
		if [ -z "$cursor" ]; then
			curl -sf --compressed "$url/events?limit=$limit" >"$page"
		else
			curl -sf --compressed -G "$url/events" --data-urlencode "limit=$limit" \
				--data-urlencode "cursor=$cursor" >"$page"
		fi
		jq -c .data "$page"
		cursor=$(jq -r '.pagination.nextCursor // .nextCursor // empty' "$page")
		[ -n "$cursor" ] || break
	done
}

# The upper bound: curl reading the pages ds-fetch read (its cursors,
# URL-encoded), with no work done on them.
raw_curl() {
	jq -r --arg u "$url/events?limit=$limit" \
	    '"url = \"" + $u + (if .cursor then "&cursor=" + (.cursor | @uri) else "" end) + "\"\noutput = /dev/null"' \
	    "$work/ds.out" >"$work/curl.cfg"
	t0=$(now)
	curl -sf --compressed -K "$work/curl.cfg"
	elapsed "$t0" "$(now)"
}

ds=() loop=() raw=()
for r in $(seq 1 "$runs"); do
	t0=$(now)
	/usr/bin/time -f %M -o "$work/rss" ds-fetch --quiet --limit "$limit" "$url" >"$work/ds.out"
	ds+=("$(elapsed "$t0" "$(now)")")
	raw+=("$(raw_curl)")
	t0=$(now)
	curl_loop >"$work/loop.out"
	loop+=("$(elapsed "$t0" "$(now)")")
	say "run $r: ds-fetch ${ds[-1]}s, curl alone ${raw[-1]}s, curl+jq ${loop[-1]}s"
done
pages=$(wc -l <"$work/ds.out")
lpages=$(wc -l <"$work/loop.out")
[ "$pages" -eq "$lpages" ] || say "page counts differ: ds-fetch $pages, loop $lpages"
dsbytes=$(wc -c <"$work/ds.out")
lbytes=$(wc -c <"$work/loop.out")
md=$(median "${ds[@]}")
ml=$(median "${loop[@]}")
mr=$(median "${raw[@]}")
printf '| fetch: %s events, %s pages of %s, median of %s | seconds | pages/s | MB/s | peak RSS |\n' \
	"$events" "$pages" "$limit" "$runs"
printf '|---|---|---|---|---|\n'
printf '| ds-fetch | %s | %s | %s | %s KiB |\n' "$md" "$(per_s "$pages" "$md")" \
	"$(mb_s "$dsbytes" "$md")" "$(cat "$work/rss")"
printf '| curl + jq loop | %s | %s | %s | |\n' "$ml" "$(per_s "$lpages" "$ml")" "$(mb_s "$lbytes" "$ml")"
printf '| curl alone, same pages to /dev/null (raw serving rate) | %s | %s | | |\n' "$mr" "$(per_s "$pages" "$mr")"
printf '| ratio (loop time / ds-fetch time) | %s× | | | |\n' "$(ratio "$ml" "$md")"
printf '| ratio (ds-fetch rate / raw serving rate; target ≥ 0.9) | %s× | | | |\n' "$(ratio "$mr" "$md")"
