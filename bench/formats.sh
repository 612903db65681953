#!/usr/bin/env bash
# bench/formats.sh - ds-transform's file formats against the converters people
# put in front of ds today, in one run on this machine:
#
#   csv:  ds-transform --input csv       vs  mlr --icsv --ojsonl cat   (target >= 6x)
#   json: ds-transform --input json      vs  jq -c '.[]'               (target >= 12x)
#   load: ds-transform --input csv | ds-load  vs  psql \copy of the same record rows
#         as COPY text into the same table                             (target <= 1.1x)
#
# Generates BENCH_FORMAT_ROWS (default 700000, about 100 MB of CSV) permit-like rows
# (12 columns: quoted fields with commas and doubled quotes, unicode) and the same rows
# as a JSON array of objects (with a wide integer). Prints medians of BENCH_RUNS
# (default 3) runs, wall and user CPU, the ratios and peak RSS. BENCH_FORMAT_GB=1 also
# measures ds-transform's peak RSS on about 1 GB of CSV and of JSON. Figures, never
# assertions.
set -euo pipefail
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
bench_begin formats
rows=${BENCH_FORMAT_ROWS:-700000}
runs=${BENCH_RUNS:-3}

# gen_csv N: N rows of a permit register.
gen_csv() {
	awk -v n="$1" 'BEGIN {
		print "permit_no,issued,status,kind,address,city,zip,owner,contractor,valuation,lat,note"
		for (i = 1; i <= n; i++)
			printf "P-%08d,2024-%02d-%02dT%02d:%02d:00Z,%s,%s,\"%d Main St, Unit %d\",Zürich,%05d,\"Owner %d, Ltd\",Contractor %d,%d.%02d,47.%06d,\"said \"\"ok\"\" on %d\"\n", i, i % 12 + 1, i % 28 + 1, i % 24, i % 60, (i % 3 ? "issued" : "final"), (i % 5 ? "alteration" : "new building"), i % 9999, i % 40, 8000 + i % 999, i % 5000, i % 700, i * 37 % 1000000, i % 100, i % 999999, i
	}'
}

# gen_json N: the same rows as one JSON array of objects.
gen_json() {
	awk -v n="$1" 'BEGIN {
		printf "["
		for (i = 1; i <= n; i++)
			printf "%s{\"permit_no\":\"P-%08d\",\"issued\":\"2024-%02d-%02dT%02d:%02d:00Z\",\"status\":\"%s\",\"kind\":\"%s\",\"address\":\"%d Main St, Unit %d\",\"city\":\"Z\\u00fcrich\",\"zip\":\"%05d\",\"owner\":\"Owner %d, Ltd\",\"contractor\":\"Contractor %d\",\"valuation\":%d.%02d,\"lat\":47.%06d,\"big\":1234567890123456789%d,\"note\":\"said \\\"ok\\\" on %d\"}\n", (i > 1 ? "," : ""), i, i % 12 + 1, i % 28 + 1, i % 24, i % 60, (i % 3 ? "issued" : "final"), (i % 5 ? "alteration" : "new building"), i % 9999, i % 40, 8000 + i % 999, i % 5000, i % 700, i * 37 % 1000000, i % 100, i % 999999, i % 10, i
		print "]"
	}'
}

# time_run OUT CMD...: run CMD with output to /dev/null; append "elapsed user
# maxrss_kib" to OUT.
time_run() {
	local out=$1
	shift
	/usr/bin/time -f '%e %U %M' -o "$work/t" "$@" >/dev/null 2>"$work/err"
	cat "$work/t" >>"$out"
}

say "generating $rows rows"
gen_csv "$rows" >"$work/in.csv"
gen_json "$rows" >"$work/in.json"
cbytes=$(stat -c %s "$work/in.csv")
jbytes=$(stat -c %s "$work/in.json")
say "input: $((cbytes / 1048576)) MiB csv, $((jbytes / 1048576)) MiB json"

for r in $(seq 1 "$runs"); do
	time_run "$work/ds.csv" ds-transform --input csv <"$work/in.csv"
	time_run "$work/mlr.csv" mlr --icsv --ojsonl cat "$work/in.csv"
	time_run "$work/ds.json" ds-transform --input json <"$work/in.json"
	time_run "$work/jq.json" jq -c '.[]' "$work/in.json"
	say "run $r: csv ds $(tail -n 1 "$work/ds.csv"), mlr $(tail -n 1 "$work/mlr.csv"); json ds $(tail -n 1 "$work/ds.json"), jq $(tail -n 1 "$work/jq.json")"
done

# The load: a fresh table through the chain vs psql \copy of the same record rows.
pg=$(ds-pg start "$work/pg")
ds-transform --input csv <"$work/in.csv" 2>/dev/null |
	sed -n 's/\\/\\\\/g; s/^{"stream":"events","id":"\([0-9a-f]*\)","type":null,"ts":null,"hash":"\([0-9a-f]*\)","data":\(.*\)}$/\1\tevents\t\\N\t\\N\t\2\t\3/p' >"$work/rows.copy"
db=$(newdb bench_warm)
ds-load --db "$db" </dev/null 2>/dev/null
psql "$db" -qAtc "\\copy events (id, stream, type, ts, hash, data) from '$work/rows.copy'"
psql "$pg" -qAtc "drop database bench_warm" >/dev/null
copy=() chain=()
for r in $(seq 1 "$runs"); do
	db=$(newdb "bench_psql_$r")
	ds-load --db "$db" </dev/null 2>/dev/null
	psql "$db" -qAtc checkpoint
	t0=$(now)
	psql "$db" -qAtc "\\copy events (id, stream, type, ts, hash, data) from '$work/rows.copy'"
	copy+=("$(elapsed "$t0" "$(now)")")
	psql "$pg" -qAtc "drop database bench_psql_$r" >/dev/null
	db=$(newdb "bench_chain_$r")
	ds-load --db "$db" </dev/null 2>/dev/null
	psql "$db" -qAtc checkpoint
	t0=$(now)
	ds-transform --input csv <"$work/in.csv" 2>/dev/null | ds-load --db "$db" 2>/dev/null
	chain+=("$(elapsed "$t0" "$(now)")")
	n=$(psql "$db" -qAtc "select count(*) from events")
	psql "$pg" -qAtc "drop database bench_chain_$r" >/dev/null
	say "run $r: psql \\copy ${copy[-1]}s, ds-transform --input csv | ds-load ${chain[-1]}s ($n rows)"
done

if [ -n "${BENCH_FORMAT_GB:-}" ]; then
	big=$(( (1024 * 1048576) / (cbytes / rows) ))
	say "generating $big rows (about 1 GB) for peak RSS"
	gen_csv "$big" >"$work/big.csv"
	time_run "$work/ds.bigcsv" ds-transform --input csv <"$work/big.csv"
	rm -f "$work/big.csv"
	gen_json "$big" >"$work/big.json"
	time_run "$work/ds.bigjson" ds-transform --input json <"$work/big.json"
	rm -f "$work/big.json"
fi

dc=$(col "$work/ds.csv" 1) dcu=$(col "$work/ds.csv" 2) dcm=$(col "$work/ds.csv" 3)
mc=$(col "$work/mlr.csv" 1) mcu=$(col "$work/mlr.csv" 2) mcm=$(col "$work/mlr.csv" 3)
dj=$(col "$work/ds.json" 1) dju=$(col "$work/ds.json" 2) djm=$(col "$work/ds.json" 3)
jj=$(col "$work/jq.json" 1) jju=$(col "$work/jq.json" 2) jjm=$(col "$work/jq.json" 3)
printf '| formats: %s rows, median of %s | seconds | MB/s (wall) | MB/s (user CPU) | peak RSS |\n' "$rows" "$runs"
printf '|---|---|---|---|---|\n'
printf '| ds-transform --input csv (%s MiB) | %s | %s | %s | %s KiB |\n' "$((cbytes / 1048576))" "$dc" "$(mb_s "$cbytes" "$dc")" "$(mb_s "$cbytes" "$dcu")" "$dcm"
printf '| mlr --icsv --ojsonl cat | %s | %s | %s | %s KiB |\n' "$mc" "$(mb_s "$cbytes" "$mc")" "$(mb_s "$cbytes" "$mcu")" "$mcm"
printf '| ratio (mlr / ds-transform; target ≥ 6) | %s× | | %s× | |\n' "$(ratio "$mc" "$dc")" "$(ratio "$mcu" "$dcu")"
printf '| ds-transform --input json (%s MiB) | %s | %s | %s | %s KiB |\n' "$((jbytes / 1048576))" "$dj" "$(mb_s "$jbytes" "$dj")" "$(mb_s "$jbytes" "$dju")" "$djm"
printf "| jq -c '.[]' | %s | %s | %s | %s KiB |\n" "$jj" "$(mb_s "$jbytes" "$jj")" "$(mb_s "$jbytes" "$jju")" "$jjm"
printf '| ratio (jq / ds-transform; target ≥ 12) | %s× | | %s× | |\n' "$(ratio "$jj" "$dj")" "$(ratio "$jju" "$dju")"
mcp=$(median "${copy[@]}") mch=$(median "${chain[@]}")
printf '| psql \\copy of the record rows | %s | | | |\n' "$mcp"
printf '| ds-transform --input csv \\| ds-load | %s | ratio %s (target ≤ 1.1) | | |\n' "$mch" "$(ratio "$mch" "$mcp")"
if [ -n "${BENCH_FORMAT_GB:-}" ]; then
	printf '| ds-transform --input csv, about 1 GB | %s | | | %s KiB |\n' "$(col "$work/ds.bigcsv" 1)" "$(col "$work/ds.bigcsv" 3)"
	printf '| ds-transform --input json, about 1 GB | %s | | | %s KiB |\n' "$(col "$work/ds.bigjson" 1)" "$(col "$work/ds.bigjson" 3)"
fi
