/*
 * jsonarray.h - a JSON file whose top level is an array of records (json)
 * or a GeoJSON FeatureCollection whose features are the records
 * (geojson), streamed element by element: memory is bounded by the
 * largest element kept (--max-record-bytes), never by the file.
 */
#ifndef XF_JSONARRAY_H
#define XF_JSONARRAY_H

struct xf_file;

/*
 * Read the whole input of f; resume, when not NULL, is a checkpoint's
 * cursor ("offset=N element=E") to start after. Exits DS_EX_PERM on bad
 * input, after the output of the complete records before it.
 */
void	xf_jsonarray(struct xf_file *f, int geojson, const char *resume);

#endif
