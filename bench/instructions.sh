#!/usr/bin/env bash
# bench/instructions.sh OLD_BIN NEW_BIN - each stage's instruction count
# (valgrind --tool=callgrind, Ir) on the same input for two builds: the
# before/after figure that a noisy, shared machine cannot spoil. Prints a
# table; asserts nothing. BENCH_EVENTS (default 50000) ds-mockapi events.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: bench/instructions.sh OLD_BIN NEW_BIN" >&2; exit 64; }
old=$(cd "$1" && pwd) new=$(cd "$2" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
events=${BENCH_EVENTS:-50000}
work=$(mktemp -d /tmp/ds-instr.XXXXXX)
chmod 711 "$work"
mock_pid=""
cleanup() {
	[ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null
	"$top/scripts/ds-pg" stop "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"

# ir NAME OUT CMD...: run CMD under callgrind, its stdout to OUT; print its
# total instruction count.
ir() {
	local name=$1 out=$2
	shift 2
	valgrind --tool=callgrind --callgrind-out-file="$work/$name.cg" "$@" \
		>"$out" 2>"$work/$name.err"
	awk '/^summary:/ { print $2 }' "$work/$name.cg"
}

# delta A B: B against A in percent, signed.
delta() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f%%", (b - a) * 100 / a }'; }

pg=$("$top/scripts/ds-pg" start "$work/pg")
"$new/ds-mockapi" --port 0 --events "$events" --seed 7 >"$work/mock.out" 2>/dev/null &
mock_pid=$!
for _ in $(seq 1 100); do
	grep -q '^listening on ' "$work/mock.out" && break
	sleep 0.05
done
url=http://127.0.0.1:$(sed -n 's/^listening on \([0-9]*\).*/\1/p' "$work/mock.out")/api/v1

declare -A bin=([old]=$old [new]=$new) n=()
printf '| stage, %s events | Ir old | Ir new | change | output |\n|---|---|---|---|---|\n' "$events"
for b in old new; do
	n[fetch-$b]=$(ir "fetch-$b" "$work/pages.$b" "${bin[$b]}/ds-fetch" --quiet --limit 5000 "$url")
done
row() {
	printf '| %s | %s | %s | %s | %s |\n' "$1" "${n[$2-old]}" "${n[$2-new]}" \
		"$(delta "${n[$2-old]}" "${n[$2-new]}")" "$3"
}
# same FILE: whether the two builds wrote the same FILE (page lines but
# their fetched_at and the mock's cursors, which carry the time they were made).
same() {
	local mask='s/"fetched_at":"[^"]*"//; s/"\(next\|cursor\)":"[^"]*"/"\1":""/g'
	if cmp -s <(sed "$mask" "$work/$1.old") <(sed "$mask" "$work/$1.new"); then
		echo identical
	else
		echo differs
	fi
}
row ds-fetch fetch "$(same pages)"
for b in old new; do
	n[transform-$b]=$(ir "transform-$b" "$work/records.$b" "${bin[$b]}/ds-transform" <"$work/pages.new")
done
row ds-transform transform "$(same records)"
rows=()
for b in old new; do
	db=$(newdb "instr_$b" 2>/dev/null)
	n[load-$b]=$(ir "load-$b" /dev/null "${bin[$b]}/ds-load" --db "$db" <"$work/records.new")
	rows+=("$(psql "$db" -qAtc "select count(*) from events")")
done
row "ds-load (client)" load "${rows[0]} / ${rows[1]} rows"
