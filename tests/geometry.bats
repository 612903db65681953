#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr is set by bats' run --separate-stderr
# ds-load --geometry: a PostGIS geometry column filled from GeoJSON or ArcGIS
# geometries, an invalid one a reject with PostGIS's reason.
load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	start_pg
}

teardown_file() {
	ds_teardown
}

setup() {
	fresh_db
	T=$(ds_tmpdir)
	# The mock's layer: 40 features on a grid of 0.01 degree cells from
	# (-122.5, 37.7); seq 0, 1: points at their cell's centre; seq 2: a
	# square with a hole around the centre; seq 3: a square; seq 6: a bow tie.
	start_mock --style arcgis --events 40 --page-max 15 --bad-rate 0
	LAYER=$MOCK_BASE/arcgis/rest/services/Parcels/FeatureServer/0/query
}

teardown() {
	stop_mock
	rm -rf "$T"
}

# layer FORMAT: ds-fetch | ds-transform of the mock layer as f=FORMAT
# (json: ArcGIS features, attributes.*; geojson: GeoJSON features, properties.*).
layer() {
	local at=attributes
	[ "$1" = geojson ] && at=properties
	printf 'id-field = %s.id\nts-field = %s.timestamp\nts-form = auto\nparam = f=%s\n' \
	    "$at" "$at" "$1" >"$T/def"
	ds-fetch -q --connector arcgis --definition "$T/def" "$LAYER" |
	    ds-transform --definition "$T/def"
}

# seqs WHERE: the mock's seq of the stored features matching WHERE, in order.
seqs() {
	sql "select string_agg(seq::text, ',' order by seq) from (select coalesce(data->'attributes',
	    data->'properties')->>'seq' as s from parcels where $1) f, int4(f.s) seq"
}

# the checks every layer passes, whichever format it came in
assert_layer() {
	assert_status 0
	assert_stderr_contains "records=39 duplicates=0 updated=0 rejects=1"
	# every stored geometry is valid, SRID 4326, of the feature's kind
	assert_equal "$(sql "select count(*), count(*) filter (where ST_IsValid(geom)),
	    string_agg(distinct ST_SRID(geom)::text, ','),
	    string_agg(distinct GeometryType(geom), ',' order by GeometryType(geom))
	    from parcels")" "39|39|4326|POINT,POLYGON"
	assert_equal "$(sql "select indexdef from pg_indexes where tablename = 'parcels'
	    and indexname = 'parcels_geom_idx'")" \
	    "CREATE INDEX parcels_geom_idx ON public.parcels USING gist (geom)"
	# points near the first cell's centre; a polygon holding a point; a hole holding none
	assert_equal "$(seqs "ST_DWithin(geom, ST_SetSRID(ST_Point(-122.495, 37.705), 4326), 0.0001)")" "0"
	assert_equal "$(seqs "ST_DWithin(geom, ST_SetSRID(ST_Point(-122.49, 37.71), 4326), 0.0071)")" "0,1,10,11"
	assert_equal "$(seqs "ST_Contains(geom, ST_SetSRID(ST_Point(-122.478, 37.702), 4326))")" "2"
	assert_equal "$(seqs "ST_Contains(geom, ST_SetSRID(ST_Point(-122.475, 37.705), 4326))")" ""
	assert_equal "$(seqs "ST_Contains(geom, ST_SetSRID(ST_Point(-122.465, 37.705), 4326))")" "3"
	assert_equal "$(sql "select count(*) from parcels where ST_Intersects(geom,
	    ST_MakeEnvelope(-122.5, 37.7, -122.4, 37.72, 4326))")" "19"
	assert_equal "$(sql "select reason, raw::jsonb #>> '{$2,seq}' from ds_rejects")" \
	    "invalid geometry: Self-intersection[-122.435 37.705]|6"
}

@test "geometry: an ArcGIS layer (f=json) through ds-fetch | ds-transform | ds-load: valid geometries with holes by ring orientation, the bow tie rejected with PostGIS's reason" {
	layer json >"$T/in"
	run --separate-stderr ds-load --table parcels --geometry geometry <"$T/in"
	assert_layer json attributes
	assert_stderr_contains 'msg="migration applied" name=parcels:column:geom'
	assert_stderr_contains 'msg="migration applied" name=parcels:index:geom'
}

@test "geometry: a GeoJSON layer (f=geojson), the features' geometry, gives the same table" {
	layer geojson >"$T/in"
	run --separate-stderr ds-load --table parcels --geometry geometry <"$T/in"
	assert_layer geojson properties
}

@test "geometry: a replay changes nothing and applies no migration" {
	layer json >"$T/in"
	ds-load --table parcels --geometry geometry <"$T/in" 2>/dev/null
	before=$(sql "select id, ST_AsEWKT(geom), ingested_at from parcels order by id; select count(*) from ds_rejects")
	run --separate-stderr ds-load --table parcels --geometry geometry <"$T/in"
	assert_status 0
	assert_stderr_lacks "migration applied"
	assert_stderr_contains "records=0"
	assert_equal "$(sql "select id, ST_AsEWKT(geom), ingested_at from parcels order by id; select count(*) from ds_rejects")" "$before"
}

# grec ID GEOMETRY-JSON: a record line of stream "parcels" with data {"g": GEOMETRY}
grec() {
	printf '{"stream":"parcels","id":"%s","type":null,"ts":null,"hash":"h-%s","data":{"g":%s}}\n' \
	    "$1" "$1" "$2"
}

@test "geometry: what PostGIS would not parse is a reject naming why; GeoJSON text in a string, null, a z (dropped) and --srid are taken" {
	{
		grec open '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}'
		grec short '{"type":"LineString","coordinates":[[0,0]]}'
		grec mixed '{"type":"LineString","coordinates":[[0,0],[1,1,1]]}'
		grec inf '{"type":"Point","coordinates":[1e400,1]}'
		grec circle '{"type":"Circle","coordinates":[0,0]}'
		grec text '"{\"type\":\"Point\",\"coordinates\":[500000,4649776]}"'
		grec none null
		grec esri '{"paths":[[[1,2],[3,4]]],"spatialReference":{"wkid":32633}}'
		printf '{"$ds":"checkpoint","stream":"parcels","seq":1,"cursor":"c1","has_more":false,"records":8}\n'
	} >"$T/in"
	run --separate-stderr ds-load --table parcels --geometry g --srid 32633 <"$T/in"
	assert_status 0
	assert_stderr_contains "records=4 duplicates=0 updated=0 rejects=4"
	assert_stderr_contains 'msg="record refused: its geometry" error="column geom: the geometry at g: geometry contains non-closed rings"'
	assert_equal "$(sql "select id, ST_AsEWKT(geom) from parcels order by id")" \
"esri|SRID=32633;MULTILINESTRING((1 2,3 4))
mixed|SRID=32633;LINESTRING(0 0,1 1)
none|
text|SRID=32633;POINT(500000 4649776)"
	assert_equal "$(sql "select reason from ds_rejects order by reason")" \
"column geom: the geometry at g: geometry contains non-closed rings
column geom: the geometry at g: geometry requires more points
column geom: the geometry at g: not a GeoJSON geometry type (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon, GeometryCollection, or a Feature)
invalid geometry: Invalid Coordinate[inf 1]"
	assert_equal "$(sql "select raw::jsonb->'g'->>'type' from ds_rejects where reason like '%non-closed%'")" "Polygon"
	# the column keeps its SRID: another is refused before loading
	run --separate-stderr ds-load --table parcels --geometry g <"$T/in"
	assert_status 100
	assert_stderr_contains "column=geom declared=geometry(Geometry,4326) stored=geometry(Geometry,32633)"
}

@test "geometry: --on-conflict update replaces a changed record's geometry; an invalid new one is a reject and the stored one stays" {
	{ grec p1 '{"x":1,"y":2}'; grec p2 '{"x":3,"y":4}'
	  printf '{"$ds":"checkpoint","stream":"parcels","seq":1,"cursor":"c1","has_more":true,"records":2}\n'; } >"$T/p1"
	{ printf '{"stream":"parcels","id":"p1","type":null,"ts":null,"hash":"h-p1-v2","data":{"g":{"rings":[[[0,0],[0,2],[2,2],[2,0],[0,0]]]}}}\n'
	  printf '{"stream":"parcels","id":"p2","type":null,"ts":null,"hash":"h-p2-v2","data":{"g":{"rings":[[[0,0],[2,2],[2,0],[0,2],[0,0]]]}}}\n'
	  printf '{"$ds":"checkpoint","stream":"parcels","seq":2,"cursor":"c2","has_more":false,"records":2}\n'; } >"$T/p2"
	ds-load --table parcels --geometry g --on-conflict update <"$T/p1" 2>/dev/null
	run --separate-stderr ds-load --table parcels --geometry g --on-conflict update <"$T/p2"
	assert_status 0
	assert_stderr_contains "records=0 duplicates=1 updated=1 rejects=1"
	assert_equal "$(sql "select id, hash, ST_AsText(geom) from parcels order by id")" \
"p1|h-p1-v2|POLYGON((0 0,0 2,2 2,2 0,0 0))
p2|h-p2|POINT(3 4)"
	assert_equal "$(sql "select reason from ds_rejects")" "invalid geometry: Self-intersection[1 1]"
}

@test "geometry: a database without PostGIS that the role cannot add it to: exit 100 naming what to run, before anything is made" {
	role=geo_$RANDOM
	psql "$PG_ROOT_URL" -qAtc "create role $role login" >/dev/null
	layer json >"$T/in"
	run --separate-stderr ds-load --db "${DATABASE_URL/user=ds/user=$role}" --table parcels \
	    --geometry geometry <"$T/in"
	assert_status 100
	assert_stderr_contains "--geometry needs PostGIS in the database and this role cannot create it: have a superuser run CREATE EXTENSION postgis in it"
	assert_stderr_contains "permission denied to create extension"
	assert_stderr_lacks "migration applied"
	assert_equal "$(sql "select count(*) from pg_class where relname in ('parcels', 'ds_checkpoints', 'ds_rejects')
	    union all select count(*) from pg_extension where extname = 'postgis'")" "0
0"
}

@test "geometry: a bad --geometry or --srid is a usage error" {
	run --separate-stderr ds-load --geometry 'a..b'
	assert_status 64
	assert_stderr_contains "--geometry a..b: path a..b: an empty part"
	run --separate-stderr ds-load --geometry g --column 'geom text x'
	assert_status 64
	assert_stderr_contains "a column geom is declared already"
	run --separate-stderr ds-load --geometry g --srid -1
	assert_status 64
	assert_stderr_contains "srid"
}

@test "geometry: ds-run --config with a DEFINITION holding column, column-index, geometry and srid settings makes and fills them" {
	cat >"$T/def" <<'EOF2'
id-field = attributes.id
ts-field = attributes.timestamp
ts-form = auto
# ds-load's: typed columns and the geometry
column = seq bigint attributes.seq
column = kind text attributes.type
column-index = seq
geometry = geometry
srid = 4326
EOF2
	printf 'URL=%s\nCONNECTOR=arcgis\nDEFINITION=%s\nTABLE=parcels\nSTATE_DIR=%s\nDB=%s\n' \
	    "$LAYER" "$T/def" "$T/state" "$DATABASE_URL" >"$T/run.conf"
	run --separate-stderr ds-run --config "$T/run.conf"
	assert_status 0
	assert_equal "$output" ""
	assert_stderr_contains 'msg="migration applied" name=parcels:column:geom'
	assert_equal "$(sql "select name from ds_schema_migrations where name like 'parcels:%' order by name")" \
"parcels:0001_table
parcels:column:geom
parcels:column:kind
parcels:column:seq
parcels:index:geom
parcels:index:seq"
	assert_equal "$(sql "select count(*), count(geom), count(kind), sum(seq) from parcels")" "39|39|39|774"
	assert_equal "$(sql "select seq from parcels where ST_Contains(geom, ST_SetSRID(ST_Point(-122.465, 37.705), 4326))")" "3"
	assert_equal "$(sql "select reason from ds_rejects")" "invalid geometry: Self-intersection[-122.435 37.705]"
	# a misspelt setting in the definition is a usage error naming the line
	printf 'geometri = geometry\n' >>"$T/def"
	run --separate-stderr ds-load --table parcels --definition "$T/def" </dev/null
	assert_status 64
	assert_stderr_contains "$T/def:10: unknown setting geometri"
	run --separate-stderr ds-run --config "$T/run.conf" --stream other
	assert_status 64
	assert_stderr_contains "geometri"
}
