#!/usr/bin/env bash
# bench/styles.sh - ds-fetch against curl for each connector preset, each
# against ds-mockapi --style of that API (faults off), in one run on this machine.
#
# For each style ds-fetch fetches every page of BENCH_STYLE_EVENTS events
# (default 100000) with the preset and a page size the API allows; the
# baseline is one curl (one connection, keep-alive, gzip) requesting the very
# URLs ds-fetch requested (read back from the mock's log) into /dev/null, one
# after another. Prints the median seconds of BENCH_RUNS runs (default 3) of
# each and the ratio (curl time / ds-fetch time: ds-fetch's rate as a share of
# curl's; target >= 0.9), and the CPU seconds (user + system) each used, which
# a loaded machine disturbs less than the elapsed time. Figures, never
# assertions.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
: "${DS_BIN:=$top/bin}"
PATH=$DS_BIN:$PATH
events=${BENCH_STYLE_EVENTS:-100000}
runs=${BENCH_RUNS:-3}
work=$(mktemp -d /tmp/ds-bench-styles.XXXXXX)
mock_pid=""
stop_mock() {
	if [ -n "$mock_pid" ]; then
		kill "$mock_pid" 2>/dev/null || true
		wait "$mock_pid" 2>/dev/null || true
		mock_pid=""
	fi
}
cleanup() {
	stop_mock
	rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
cpu() { awk '{ printf "%.2f", $1 + $2 }' "$1"; }

# start_mock STYLE: ds-mockapi of that style; sets base.
start_mock() {
	ds-mockapi --port 0 --style "$1" --events "$events" --seed 7 --page-max 5000 --log \
		>"$work/mock.out" 2>"$work/mock.err" &
	mock_pid=$!
	for _ in $(seq 1 100); do
		grep -q '^listening on ' "$work/mock.out" && break
		sleep 0.05
	done
	base=http://127.0.0.1:$(sed -n 's/^listening on \([0-9]*\).*/\1/p' "$work/mock.out")
}

# endpoint STYLE and limit STYLE: the API's URL and a page size it allows.
endpoint() {
	case $1 in
	datasync) echo "$base/api/v1" ;;
	socrata) echo "$base/resource/abcd-1234.json" ;;
	arcgis) echo "$base/arcgis/rest/services/Events/FeatureServer/0/query" ;;
	ckan) echo "$base/api/3/action/datastore_search?resource_id=events" ;;
	github) echo "$base/repos/octo/events/issues" ;;
	stripe) echo "$base/v1/events" ;;
	jsonapi) echo "$base/api/events" ;;
	esac
}
limit() {
	case $1 in
	github | stripe) echo 100 ;;
	*) echo 5000 ;;
	esac
}

printf '| style: %s events, median of %s | pages | ds-fetch s | curl, same URLs, s | ratio (target ≥ 0.9) | CPU s ds-fetch / curl |\n' \
	"$events" "$runs"
printf '|---|---|---|---|---|---|\n'
# datasync first: the reference row, the same measure of the default path
for style in ${BENCH_STYLES:-datasync socrata arcgis ckan github stripe jsonapi}; do
	start_mock "$style"
	url=$(endpoint "$style")
	ds=() raw=() dcpu=() rcpu=()
	for r in $(seq 1 "$runs"); do
		: >"$work/mock.err"
		t0=$(now)
		/usr/bin/time -f '%U %S' -o "$work/dcpu" \
			ds-fetch --quiet --connector "$style" --limit "$(limit "$style")" "$url" >"$work/ds.out"
		ds+=("$(elapsed "$t0" "$(now)")")
		dcpu+=("$(cpu "$work/dcpu")")
		# the URLs ds-fetch asked for, in order, as one curl's config
		sed -n 's/.*msg=request method=GET path=\("\{0,1\}\)\([^" ]*\)\1 .*/\2/p' "$work/mock.err" |
			awk -v b="$base" '{ print "url = \"" b $0 "\"\noutput = /dev/null" }' >"$work/curl.cfg"
		t0=$(now)
		/usr/bin/time -f '%U %S' -o "$work/rcpu" curl -sf --compressed -K "$work/curl.cfg"
		raw+=("$(elapsed "$t0" "$(now)")")
		rcpu+=("$(cpu "$work/rcpu")")
		say "$style run $r: ds-fetch ${ds[-1]}s, curl ${raw[-1]}s"
	done
	pages=$(wc -l <"$work/ds.out")
	md=$(median "${ds[@]}")
	mr=$(median "${raw[@]}")
	printf '| %s | %s | %s | %s | %s× | %s / %s |\n' "$style" "$pages" "$md" "$mr" \
		"$(ratio "$mr" "$md")" "$(median "${dcpu[@]}")" "$(median "${rcpu[@]}")"
	stop_mock
done
