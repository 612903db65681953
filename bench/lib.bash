#!/usr/bin/env bash
# bench/lib.bash - the timing and arithmetic helpers every benchmark script
# uses, sourced by them. Figures only: nothing here asserts a timing.
# newdb needs $pg (a ds-pg connection string) and $work (the bench's directory).

# say TEXT...: a progress line on stderr (stdout carries the table).
say() { printf '%s\n' "$*" >&2; }

# now: seconds since the epoch with nanoseconds, as a decimal.
now() { date +%s.%N; }

# median N...: the median of the arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# col FILE N: the median of column N of FILE.
col() { awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ratio A B: A / B to two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# elapsed T0 T1: T1 - T0 in seconds, to the millisecond.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# wall CMD...: run CMD (its output dropped); print its wall seconds.
wall() {
	local t
	t=$(now)
	"$@" >/dev/null 2>&1
	elapsed "$t" "$(now)"
}

# per_s N T: N per second over T seconds.
per_s() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.1f", n / t }'; }

# mb_s BYTES T: MiB per second over T seconds.
mb_s() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.1f", n / 1048576 / t }'; }

# newdb NAME: (re)create database NAME in the bench's cluster; print its URL.
newdb() {
	psql "${pg:?}" -qAtc "drop database if exists $1" -c "create database $1" >/dev/null
	echo "postgresql:///$1?host=${work:?}/pg&user=ds"
}

# bench_begin NAME: the tree's programs first on PATH (top: the tree), and a
# private work directory (work) whose cluster is stopped and which is
# removed at exit. For the scripts that start nothing but a ds-pg cluster.
bench_begin() {
	top=$(cd "$(dirname "$0")/.." && pwd)
	: "${DS_BIN:=$top/bin}"
	PATH=$DS_BIN:$top/scripts:$PATH
	work=$(mktemp -d "/tmp/ds-bench-$1.XXXXXX")
	chmod 711 "$work"
	trap 'ds-pg stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
}
