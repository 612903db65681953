/*
 * geom.c - GeoJSON and ArcGIS (Esri JSON) geometries as PostGIS EWKT.
 *
 * Coordinates are copied as the JSON number text (valid WKT numbers), so
 * nothing is rounded; only x and y are kept (the column is 2D: a z or m
 * stays in the record). What PostGIS's parser would refuse (too few
 * points, a ring not closed) is refused here with its words, so
 * the record is a reject and never a failed COPY; what parses but is not
 * valid (a self-intersection) is refused by the column's CHECK with
 * ST_IsValidReason (db/migrate.c).
 *
 * ArcGIS polygons are a list of rings in which exterior rings run
 * clockwise and holes counter-clockwise; each hole belongs to the smallest
 * exterior ring holding its first point. A hole that no exterior holds is
 * taken as an exterior ring (data written with the other orientation).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "geom.h"

/* An ArcGIS ring: its JSON array and its points (xs, ys from p0, np of them). */
struct ring {
	const char	*v;
	size_t		 vn;
	size_t		 p0, np;
	double		 area;		/* signed: > 0 counter-clockwise */
	size_t		 owner;		/* the exterior ring it is a hole of, or itself */
};

/* One conversion: where it writes (NULL: nowhere, a scan), what went wrong. */
struct gw {
	struct ds_buf	*out;
	struct ds_buf	*err;
	struct ds_json	 j;
	int		 keep;		/* store the positions read in xs, ys */
	int		 failed;
};

/* Scratch kept from record to record: no allocation per row once grown. */
static double *xs, *ys;
static size_t nxy, capxy;
static struct ring *rings;
static size_t nrings, caprings;
static struct ds_buf text;	/* a string holding GeoJSON, decoded */

typedef int (*part_fn)(struct gw *, const char *, size_t);

/* Record why in g (the first reason only) and return -1. */
static int
fail(struct gw *g, const char *why)
{
	if (!g->failed)
		ds_buf_adds(g->err, why);
	g->failed = 1;
	return -1;
}

/* Write s (n bytes) unless scanning. */
static void
put(struct gw *g, const char *s, size_t n)
{
	if (g->out != NULL)
		ds_buf_add(g->out, s, n);
}

static void
puts_(struct gw *g, const char *s)
{
	put(g, s, strlen(s));
}

/* The members of a geometry object that are read, found in one scan. */
enum { K_TYPE, K_COORDS, K_GEOMS, K_GEOM, K_X, K_Y, K_POINTS, K_PATHS, K_RINGS,
	K_CRINGS, K_CPATHS, NKEYS };
static const char *const keynames[NKEYS] = { "type", "coordinates", "geometries",
	"geometry", "x", "y", "points", "paths", "rings", "curveRings", "curvePaths" };
struct keys {
	const char	*v[NKEYS];	/* NULL: absent */
	size_t		 n[NKEYS];
};

/* Find the members of the object v that are read (the last of equal keys). */
static void
members(const char *v, size_t vn, struct keys *k)
{
	struct ds_json_member m;
	const char *p = v + 1, *e;
	size_t en, i;

	memset(k, 0, sizeof(*k));
	while (ds_json_vnext(&p, v + vn, &m, &e, &en) == 1)
		for (i = 0; i < NKEYS; i++)
			if (ds_json_str_eq(m.key, m.keylen, keynames[i])) {
				k->v[i] = e;
				k->n[i] = en;
				break;
			}
}

static int
isnum(const char *v)
{
	return *v == '-' || (*v >= '0' && *v <= '9');
}

/* A position's x and y as their text. */
struct xy {
	const char	*t[2];
	size_t		 n[2];
};

/* Keep the position (x, y) in xs, ys. */
static void
keep(const struct xy *c)
{
	if (nxy == capxy) {
		capxy = capxy ? capxy * 2 : 256;
		xs = ds_xrealloc(xs, capxy * sizeof(*xs));
		ys = ds_xrealloc(ys, capxy * sizeof(*ys));
	}
	xs[nxy] = strtod(c->t[0], NULL);
	ys[nxy++] = strtod(c->t[1], NULL);
}

/* Non-zero when positions a and b are the same point (the same text, or number). */
static int
same(const struct xy *a, const struct xy *b)
{
	int k;

	for (k = 0; k < 2; k++)
		if ((a->n[k] != b->n[k] || memcmp(a->t[k], b->t[k], a->n[k]) != 0) &&
		    strtod(a->t[k], NULL) != strtod(b->t[k], NULL))
			return 0;
	return 1;
}

/* Write the position v (an array of numbers) as "x y"; their text to c. */
static int
pos(struct gw *g, const char *v, size_t vn, struct xy *c)
{
	const char *p = v + 1, *e;
	size_t en;
	int k = 0;

	if (*v != '[')
		return fail(g, "a position is not an array of numbers");
	while (ds_json_vnext(&p, v + vn, NULL, &e, &en) == 1) {
		if (!isnum(e))
			return fail(g, "a coordinate is not a number");
		if (k < 2) {
			if (k > 0)
				put(g, " ", 1);
			put(g, e, en);
			c->t[k] = e;
			c->n[k] = en;
		}
		k++;
	}
	if (k < 2)
		return fail(g, "a position has fewer than two numbers");
	if (g->keep)
		keep(c);
	return 0;
}

/*
 * Write the positions of the array v as "(p, p, ...)" ("((p), (p))" with
 * each): at least min of them, the last equal to the first with ring.
 */
static int
line(struct gw *g, const char *v, size_t vn, size_t min, int ring, int each)
{
	const char *p = v + 1, *e;
	struct xy first, c;
	size_t en, k = 0;

	if (*v != '[')
		return fail(g, "a list of positions is not an array");
	put(g, "(", 1);
	while (ds_json_vnext(&p, v + vn, NULL, &e, &en) == 1) {
		if (k > 0)
			put(g, ",", 1);
		if (each)
			put(g, "(", 1);
		if (pos(g, e, en, k == 0 ? &first : &c) != 0)
			return -1;
		if (each)
			put(g, ")", 1);
		k++;
	}
	put(g, ")", 1);
	if (k < min)
		return fail(g, "geometry requires more points");
	if (ring && !same(&first, &c))
		return fail(g, "geometry contains non-closed rings");
	return 0;
}

static int
linestring(struct gw *g, const char *v, size_t vn)
{
	return line(g, v, vn, 2, 0, 0);
}

static int
linearring(struct gw *g, const char *v, size_t vn)
{
	return line(g, v, vn, 4, 1, 0);
}

/* Write the elements of the array v with fn, as "(e, e, ...)": at least one. */
static int
parts(struct gw *g, const char *v, size_t vn, part_fn fn)
{
	const char *p = v + 1, *e;
	size_t en, k = 0;

	if (*v != '[')
		return fail(g, "coordinates nested less deeply than the type needs");
	put(g, "(", 1);
	while (ds_json_vnext(&p, v + vn, NULL, &e, &en) == 1) {
		if (k++ > 0)
			put(g, ",", 1);
		if (fn(g, e, en) != 0)
			return -1;
	}
	put(g, ")", 1);
	return k == 0 ? fail(g, "geometry requires more points") : 0;
}

static int
polygon(struct gw *g, const char *v, size_t vn)
{
	return parts(g, v, vn, linearring);
}

static int
multipoint(struct gw *g, const char *v, size_t vn)
{
	return line(g, v, vn, 1, 0, 1);
}

static int
multilinestring(struct gw *g, const char *v, size_t vn)
{
	return parts(g, v, vn, linestring);
}

static int
multipolygon(struct gw *g, const char *v, size_t vn)
{
	return parts(g, v, vn, polygon);
}

static int
point(struct gw *g, const char *v, size_t vn)
{
	struct xy c;

	put(g, "(", 1);
	if (pos(g, v, vn, &c) != 0)
		return -1;
	put(g, ")", 1);
	return 0;
}

/* The GeoJSON geometry types, their WKT names and how coordinates are written. */
static const struct {
	const char	*type;
	const char	*wkt;
	part_fn		 fn;
} types[] = {
	{ "Point", "POINT", point },
	{ "MultiPoint", "MULTIPOINT", multipoint },
	{ "LineString", "LINESTRING", linestring },
	{ "MultiLineString", "MULTILINESTRING", multilinestring },
	{ "Polygon", "POLYGON", polygon },
	{ "MultiPolygon", "MULTIPOLYGON", multipolygon },
};

static int	geometry(struct gw *, const char *, size_t, int);

/* Non-zero when the JSON value v is an empty array. */
static int
empty(const char *v, size_t vn)
{
	return *v == '[' && ds_json_ws(v + 1, v + vn) < v + vn &&
	    *ds_json_ws(v + 1, v + vn) == ']';
}

/* Write a GeoJSON GeometryCollection's geometries (the array v). */
static int
collection(struct gw *g, const char *v, size_t vn)
{
	const char *p, *e;
	size_t en, k = 0;
	int r;

	puts_(g, "GEOMETRYCOLLECTION");
	if (v == NULL || *v != '[')
		return fail(g, "a GeometryCollection without a geometries array");
	if (empty(v, vn)) {
		puts_(g, " EMPTY");
		return 0;
	}
	put(g, "(", 1);
	for (p = v + 1; ds_json_vnext(&p, v + vn, NULL, &e, &en) == 1; ) {
		if (k++ > 0)
			put(g, ",", 1);
		if ((r = geometry(g, e, en, 0)) != 0)
			return r < 0 ? -1 : fail(g, "a null geometry in a GeometryCollection");
	}
	put(g, ")", 1);
	return 0;
}

/* Write the GeoJSON object of members k, of type t (tn bytes, raw); 1 for a Feature without one. */
static int
geojson(struct gw *g, const struct keys *k, const char *t, size_t tn, int feature)
{
	const char *c;
	size_t cn, i;

	if (ds_json_str_eq(t, tn, "GeometryCollection"))
		return collection(g, k->v[K_GEOMS], k->n[K_GEOMS]);
	if (feature && ds_json_str_eq(t, tn, "Feature")) {
		if (k->v[K_GEOM] == NULL)
			return fail(g, "a GeoJSON Feature without a geometry member");
		return geometry(g, k->v[K_GEOM], k->n[K_GEOM], 0);
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ds_json_str_eq(t, tn, types[i].type))
			break;
	if (i == sizeof(types) / sizeof(types[0]))
		return fail(g, "not a GeoJSON geometry type (Point, MultiPoint, LineString,"
		    " MultiLineString, Polygon, MultiPolygon, GeometryCollection, or a Feature)");
	if ((c = k->v[K_COORDS]) == NULL)
		return fail(g, "a GeoJSON geometry without coordinates");
	cn = k->n[K_COORDS];
	puts_(g, types[i].wkt);
	if (empty(c, cn)) {
		puts_(g, " EMPTY");
		return 0;
	}
	return types[i].fn(g, c, cn);
}

/* Non-zero when (px, py) is inside ring r (crossings; a point on the edge may go either way). */
static int
inside(const struct ring *r, double px, double py)
{
	size_t i, k;
	int in = 0;

	for (i = 0, k = r->np - 1; i < r->np; k = i++) {
		const double xi = xs[r->p0 + i], yi = ys[r->p0 + i];
		const double xk = xs[r->p0 + k], yk = ys[r->p0 + k];

		if ((yi > py) != (yk > py) && px < (xk - xi) * (py - yi) / (yk - yi) + xi)
			in = !in;
	}
	return in;
}

/* Twice the signed area of ring r: > 0 counter-clockwise (y up). */
static double
area(const struct ring *r)
{
	double a = 0;
	size_t i;

	for (i = 0; i + 1 < r->np; i++)
		a += xs[r->p0 + i] * ys[r->p0 + i + 1] - xs[r->p0 + i + 1] * ys[r->p0 + i];
	return a;
}

/* Read the ArcGIS rings (array v) into rings[], xs, ys: nothing written. */
static int
esri_scan(struct gw *g, const char *v, size_t vn)
{
	struct ds_buf *out = g->out;
	const char *p = v + 1, *e;
	struct ring *r;
	size_t en;
	int rc;

	nrings = nxy = 0;
	if (*v != '[')
		return fail(g, "ArcGIS rings are not an array");
	g->out = NULL;
	g->keep = 1;
	while ((rc = ds_json_vnext(&p, v + vn, NULL, &e, &en)) == 1) {
		if (nrings == caprings) {
			caprings = caprings ? caprings * 2 : 16;
			rings = ds_xrealloc(rings, caprings * sizeof(*rings));
		}
		r = &rings[nrings++];
		r->v = e;
		r->vn = en;
		r->p0 = nxy;
		if (linearring(g, e, en) != 0)
			break;
		r->np = nxy - r->p0;
		r->area = area(r);
	}
	g->out = out;
	g->keep = 0;
	return rc == 0 ? 0 : -1;
}

/* Give each counter-clockwise ring the smallest clockwise ring holding it. */
static void
esri_holes(void)
{
	size_t i, k, best;

	for (i = 0; i < nrings; i++) {
		rings[i].owner = i;
		if (rings[i].area < 0)
			continue;
		best = i;
		for (k = 0; k < nrings; k++)
			if (rings[k].area < 0 && inside(&rings[k], xs[rings[i].p0],
			    ys[rings[i].p0]) && (best == i || rings[k].area > rings[best].area))
				best = k;
		rings[i].owner = best;
	}
}

/* Write ArcGIS rings (array v) as a POLYGON, or a MULTIPOLYGON for several exteriors. */
static int
esri_polygon(struct gw *g, const char *v, size_t vn)
{
	const char *p = v + 1, *e;
	size_t i, k, nout = 0, np = 0, en;

	/* one ring is one polygon whatever its orientation: no coordinates read */
	if (*v == '[' && ds_json_vnext(&p, v + vn, NULL, &e, &en) == 1 &&
	    ds_json_vnext(&p, v + vn, NULL, &e, &en) == 0) {
		puts_(g, "POLYGON(");
		if (linearring(g, e, en) != 0)
			return -1;
		put(g, ")", 1);
		return 0;
	}
	if (esri_scan(g, v, vn) != 0)
		return -1;
	if (nrings == 0) {
		puts_(g, "POLYGON EMPTY");
		return 0;
	}
	esri_holes();
	for (i = 0; i < nrings; i++)
		np += rings[i].owner == i;
	puts_(g, np > 1 ? "MULTIPOLYGON(" : "POLYGON");
	for (i = 0; i < nrings; i++) {
		if (rings[i].owner != i)
			continue;
		if (nout++ > 0)
			put(g, ",", 1);
		put(g, "(", 1);
		(void)linearring(g, rings[i].v, rings[i].vn);
		for (k = 0; k < nrings; k++)
			if (k != i && rings[k].owner == i) {
				put(g, ",", 1);
				(void)linearring(g, rings[k].v, rings[k].vn);
			}
		put(g, ")", 1);
	}
	if (np > 1)
		put(g, ")", 1);
	return 0;
}

/* Write the ArcGIS geometry of members k (x, points, paths or rings). */
static int
esri(struct gw *g, const struct keys *k)
{
	const char *x = k->v[K_X], *y = k->v[K_Y], *a;
	size_t xn = k->n[K_X], yn = k->n[K_Y], an;

	if (x != NULL) {
		if (*x == 'n' || *x == '"') {
			puts_(g, "POINT EMPTY");	/* ArcGIS's empty point: x null or "NaN" */
			return 0;
		}
		if (!isnum(x) || y == NULL || !isnum(y))
			return fail(g, "an ArcGIS point whose x or y is not a number");
		puts_(g, "POINT(");
		put(g, x, xn);
		put(g, " ", 1);
		put(g, y, yn);
		put(g, ")", 1);
		return 0;
	}
	if ((a = k->v[K_POINTS]) != NULL) {
		an = k->n[K_POINTS];
		puts_(g, "MULTIPOINT");
		if (empty(a, an)) {
			puts_(g, " EMPTY");
			return 0;
		}
		return multipoint(g, a, an);
	}
	if ((a = k->v[K_PATHS]) != NULL) {
		an = k->n[K_PATHS];
		if (empty(a, an)) {
			puts_(g, "MULTILINESTRING EMPTY");
			return 0;
		}
		puts_(g, "MULTILINESTRING");
		return multilinestring(g, a, an);
	}
	if (k->v[K_RINGS] != NULL)
		return esri_polygon(g, k->v[K_RINGS], k->n[K_RINGS]);
	if (k->v[K_CRINGS] != NULL || k->v[K_CPATHS] != NULL)
		return fail(g, "ArcGIS curves (curveRings, curvePaths) are not supported:"
		    " ask the server for densified geometries");
	return fail(g, "not a GeoJSON or ArcGIS geometry (no type, x, points, paths or rings)");
}

/*
 * Write the geometry v: a GeoJSON geometry, a Feature's (with feature), or
 * an ArcGIS one. Returns 0, 1 when it is null, -1 on error.
 */
static int
geometry(struct gw *g, const char *v, size_t vn, int feature)
{
	struct keys k;
	const char *t;

	if (*v == 'n')
		return 1;
	if (*v != '{')
		return fail(g, "a geometry is not an object");
	members(v, vn, &k);
	if ((t = k.v[K_TYPE]) != NULL) {
		if (*t != '"')
			return fail(g, "a GeoJSON type is not a string");
		return geojson(g, &k, t + 1, k.n[K_TYPE] - 2, feature);
	}
	return esri(g, &k);
}

int
ld_geom_copy(struct ds_buf *b, const char *v, size_t vn, int srid, struct ds_buf *err)
{
	struct gw g;
	size_t start = b->len;
	int r;

	if (v == NULL || *v == 'n') {
		ds_buf_adds(b, "\\N");
		return 0;
	}
	memset(&g, 0, sizeof(g));
	g.out = b;
	g.err = err;
	if (*v == '"') {
		/* a field holding GeoJSON text */
		ds_buf_reset(&text);
		ds_json_init(&g.j, v);
		if (ds_json_str_decode(v + 1, vn - 2, &text) != 0 ||
		    (ds_buf_terminate(&text), ds_json_validate(&g.j, text.p,
		    text.p + text.len)) != 0) {
			fail(&g, "a string that holds no JSON geometry");
			return -1;
		}
		v = ds_json_ws(text.p, text.p + text.len);
		vn = text.len - (size_t)(v - text.p);
		while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\n' ||
		    v[vn - 1] == '\r' || v[vn - 1] == '\t'))
			vn--;
	}
	ds_json_init(&g.j, v);
	ds_buf_printf(b, "SRID=%d;", srid);
	r = geometry(&g, v, vn, 1);
	if (r != 0) {
		b->len = start;
		ds_buf_terminate(b);
		if (r > 0)
			ds_buf_adds(b, "\\N");
		return r > 0 ? 0 : -1;
	}
	return 0;
}
