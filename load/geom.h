/*
 * geom.h - a record's geometry as PostGIS EWKT, converted in the client
 * while its COPY row is written: GeoJSON (a geometry, a Feature's, or a
 * string holding either) and ArcGIS (Esri JSON) geometries.
 */
#ifndef DS_LOAD_GEOM_H
#define DS_LOAD_GEOM_H

#include <stddef.h>

struct ds_buf;

/*
 * Append the geometry v (vn bytes of validated JSON; NULL or null: none)
 * to b as one COPY field, "SRID=srid;WKT", or \N when there is none.
 * Returns 0, or -1 with why appended to err when it is no geometry PostGIS would
 * take (the words of PostGIS's parser where it has some: "geometry
 * requires more points", "geometry contains non-closed rings"); b is then
 * as it was. Scratch memory is kept from call to call (not thread-safe).
 */
int	ld_geom_copy(struct ds_buf *b, const char *v, size_t vn, int srid,
	    struct ds_buf *err);

#endif
