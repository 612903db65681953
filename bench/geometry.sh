#!/usr/bin/env bash
# bench/geometry.sh - ds-load --geometry (GeoJSON and ArcGIS polygons converted
# to EWKT in the client, a PostGIS column with a GiST index and a validity
# CHECK) against the same records loaded without it, each into a fresh
# database. Prints the median of BENCH_RUNS runs of each (runs alternate) and
# the ratio. Figures only. BENCH_EVENTS (default 100000) records, half
# GeoJSON, half ArcGIS, each a square of 5 points; BENCH_RUNS (default 5).
set -euo pipefail
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
bench_begin geometry
events=${BENCH_EVENTS:-100000}
runs=${BENCH_RUNS:-5}

pg=$(ds-pg start "$work/pg")
awk -v n="$events" 'BEGIN {
	per = 5000
	for (i = 1; i <= n; i++) {
		x = -122.5 + (i % 1000) * 0.001; y = 37.7 + int(i / 1000) * 0.001; d = 0.0008
		if (i % 2)
			g = sprintf("{\"type\":\"Polygon\",\"coordinates\":[[[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f]]]}", x, y, x + d, y, x + d, y + d, x, y + d, x, y)
		else
			g = sprintf("{\"rings\":[[[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f]]]}", x, y, x, y + d, x + d, y + d, x + d, y, x, y)
		printf "{\"stream\":\"parcels\",\"id\":\"p%d\",\"type\":null,\"ts\":null,\"hash\":\"%064x\",\"data\":{\"id\":%d,\"name\":\"parcel %d\",\"geometry\":%s}}\n", i, i, i, i, g
		if (i % per == 0 || i == n)
			printf "{\"$ds\":\"checkpoint\",\"stream\":\"parcels\",\"seq\":%d,\"cursor\":\"c%d\",\"has_more\":%s,\"records\":%d}\n", int((i - 1) / per) + 1, int((i - 1) / per) + 2, i == n ? "false" : "true", per
	}
}' >"$work/stream"
plain=() geom=()
for r in $(seq "$runs"); do
	for kind in plain geom; do
		psql "$pg" -qAtc "drop database if exists b" -c "create database b" >/dev/null
		url="postgresql:///b?host=$work/pg&user=ds"
		args=()
		[ "$kind" = plain ] || args=(--geometry geometry)
		ds-load --db "$url" --table parcels --migrate-only "${args[@]}" 2>/dev/null
		e=$(wall ds-load --db "$url" --table parcels "${args[@]}" <"$work/stream")
		if [ "$kind" = plain ]; then plain+=("$e"); else geom+=("$e"); fi
		printf 'run %s %s: %ss\n' "$r" "$kind" "$e" >&2
	done
done
# the last database holds a --geometry load: every record has its geometry
printf 'stored rows, geometries, rejects: %s\n' "$(psql "postgresql:///b?host=$work/pg&user=ds" -qAt \
    -c "select count(*) || ', ' || count(geom) || ', ' || (select count(*) from ds_rejects) from parcels")" >&2
p=$(median "${plain[@]}")
g=$(median "${geom[@]}")
printf '%s records: no geometry %ss, --geometry %ss (median of %s): %s\n' \
    "$events" "$p" "$g" "$runs" "$(awk -v a="$g" -v b="$p" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }')"
