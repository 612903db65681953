/*
 * Unit tests of load/geom.c: GeoJSON and ArcGIS geometries as PostGIS
 * EWKT, and the refusals in the words of PostGIS's parser.
 */
#include <string.h>

#include "buf.h"
#include "unit.h"
#include "../../load/geom.h"

/* The COPY field ld_geom_copy() writes for json, or "ERR: why". */
static const char *
geom(const char *json)
{
	static struct ds_buf b;
	struct ds_buf err = { 0 };

	ds_buf_reset(&b);
	if (ld_geom_copy(&b, json, json ? strlen(json) : 0, 4326, &err) != 0) {
		ds_buf_printf(&b, "ERR: %s", err.p);
		CHECK(b.len > 5);
	}
	ds_buf_terminate(&b);
	ds_buf_free(&err);
	return b.p;
}

UNIT_TEST(load_geom_converts_geojson_geometries_and_features)
{
	CHECK_STR(geom("{\"type\":\"Point\",\"coordinates\":[1.5,-2e3]}"),
	    "SRID=4326;POINT(1.5 -2e3)");
	/* the column is 2D: z and m stay in the record */
	CHECK_STR(geom("{\"coordinates\":[1,2,3,4],\"type\":\"Point\"}"),
	    "SRID=4326;POINT(1 2)");
	CHECK_STR(geom("{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1,1]]}"),
	    "SRID=4326;LINESTRING(0 0,1 1)");
	CHECK_STR(geom("{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}"),
	    "SRID=4326;LINESTRING(0 0,1 1)");
	CHECK_STR(geom("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,0],[4,4],[0,0]],"
	    "[[1,1],[2,1],[2,2],[1,1]]]}"),
	    "SRID=4326;POLYGON((0 0,4 0,4 4,0 0),(1 1,2 1,2 2,1 1))");
	CHECK_STR(geom("{\"type\":\"MultiPoint\",\"coordinates\":[[0,0],[1,1]]}"),
	    "SRID=4326;MULTIPOINT((0 0),(1 1))");
	CHECK_STR(geom("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],"
	    "[0,0]]]]}"), "SRID=4326;MULTIPOLYGON(((0 0,1 0,1 1,0 0)))");
	CHECK_STR(geom("{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":"
	    "\"Point\",\"coordinates\":[0,0]}]}"), "SRID=4326;GEOMETRYCOLLECTION(POINT(0 0))");
	CHECK_STR(geom("{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":"
	    "\"Point\",\"coordinates\":[7,8]}}"), "SRID=4326;POINT(7 8)");
	CHECK_STR(geom("{\"type\":\"Feature\",\"geometry\":null}"), "\\N");
	CHECK_STR(geom("\"{\\\"type\\\":\\\"Point\\\",\\\"coordinates\\\":[3,4]}\""),
	    "SRID=4326;POINT(3 4)");
	CHECK_STR(geom("{\"type\":\"Point\",\"coordinates\":[]}"), "SRID=4326;POINT EMPTY");
	CHECK_STR(geom("null"), "\\N");
	CHECK_STR(geom(NULL), "\\N");
}

UNIT_TEST(load_geom_refuses_what_postgis_would_not_parse)
{
	CHECK_STR(geom("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,0],[4,4],[0,1]]]}"),
	    "ERR: geometry contains non-closed rings");
	CHECK_STR(geom("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,0],[0,0]]]}"),
	    "ERR: geometry requires more points");
	CHECK_STR(geom("{\"type\":\"LineString\",\"coordinates\":[[0,0]]}"),
	    "ERR: geometry requires more points");
	CHECK_STR(geom("{\"type\":\"Point\",\"coordinates\":[\"1\",2]}"),
	    "ERR: a coordinate is not a number");
	CHECK(strncmp(geom("{\"type\":\"Circle\",\"coordinates\":[0,0]}"),
	    "ERR: not a GeoJSON geometry type", 32) == 0);
	CHECK(strncmp(geom("{\"wkid\":4326}"), "ERR: not a GeoJSON or ArcGIS", 28) == 0);
	CHECK_STR(geom("[1,2]"), "ERR: a geometry is not an object");
}

UNIT_TEST(load_geom_converts_arcgis_geometries_by_ring_orientation)
{
	CHECK_STR(geom("{\"x\":-122.5,\"y\":37.75,\"spatialReference\":{\"wkid\":4326}}"),
	    "SRID=4326;POINT(-122.5 37.75)");
	CHECK_STR(geom("{\"x\":1,\"y\":2,\"z\":3}"), "SRID=4326;POINT(1 2)");
	CHECK_STR(geom("{\"x\":null}"), "SRID=4326;POINT EMPTY");
	CHECK_STR(geom("{\"points\":[[0,0],[1,1]]}"), "SRID=4326;MULTIPOINT((0 0),(1 1))");
	CHECK_STR(geom("{\"paths\":[[[0,0],[1,1]],[[2,2],[3,3]]]}"),
	    "SRID=4326;MULTILINESTRING((0 0,1 1),(2 2,3 3))");
	/* clockwise exterior with a counter-clockwise hole: one polygon */
	CHECK_STR(geom("{\"rings\":[[[0,0],[0,4],[4,4],[4,0],[0,0]],"
	    "[[1,1],[2,1],[2,2],[1,2],[1,1]]]}"),
	    "SRID=4326;POLYGON((0 0,0 4,4 4,4 0,0 0),(1 1,2 1,2 2,1 2,1 1))");
	/* two clockwise exteriors, the hole listed last goes to the one holding it */
	CHECK_STR(geom("{\"rings\":[[[0,0],[0,4],[4,4],[4,0],[0,0]],"
	    "[[10,10],[10,14],[14,14],[14,10],[10,10]],"
	    "[[11,11],[12,11],[12,12],[11,12],[11,11]]]}"),
	    "SRID=4326;MULTIPOLYGON(((0 0,0 4,4 4,4 0,0 0)),((10 10,10 14,14 14,14 10,10 10),"
	    "(11 11,12 11,12 12,11 12,11 11)))");
	/* a counter-clockwise ring no exterior holds is an exterior */
	CHECK_STR(geom("{\"rings\":[[[0,0],[4,0],[4,4],[0,4],[0,0]]]}"),
	    "SRID=4326;POLYGON((0 0,4 0,4 4,0 4,0 0))");
	CHECK_STR(geom("{\"rings\":[[[0,0],[0,4],[4,4],[4,0]]]}"),
	    "ERR: geometry contains non-closed rings");
	CHECK_STR(geom("{\"rings\":[]}"), "SRID=4326;POLYGON EMPTY");
	CHECK(strncmp(geom("{\"curveRings\":[]}"), "ERR: ArcGIS curves", 18) == 0);
}
