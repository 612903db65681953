#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "columns.h"
#include "copy.h"
#include "geom.h"
#include "stream.h"

#define FROM(f)	offsetof(struct ds_line, f)

const struct ds_column ds_columns[] = {
	{ "id", "text", NULL, DS_FILL_STRING, FROM(id), DS_ROLE_KEY, NULL },
	{ "stream", "text", "EXCLUDED.stream", DS_FILL_STRING, FROM(stream), DS_ROLE_NONE, NULL },
	{ "type", "text", "EXCLUDED.type", DS_FILL_STRING, FROM(type), DS_ROLE_NONE, NULL },
	{ "ts", "timestamptz", "EXCLUDED.ts", DS_FILL_STRING, FROM(ts), DS_ROLE_NONE, NULL },
	{ "hash", "text", "EXCLUDED.hash", DS_FILL_STRING, FROM(hash), DS_ROLE_VERSION, NULL },
	{ "data", "jsonb", "EXCLUDED.data", DS_FILL_JSON, FROM(data), DS_ROLE_RAW, NULL },
	{ "ingested_at", "timestamptz", "now()", DS_FILL_NONE, 0, DS_ROLE_NONE, NULL },
};

const size_t ds_ncolumns = sizeof(ds_columns) / sizeof(ds_columns[0]);

const struct ds_column *ds_cols = ds_columns;
size_t ds_ncols = sizeof(ds_columns) / sizeof(ds_columns[0]);

/* The declared columns (names, types and paths malloc'd), and their index flags. */
static struct ds_column *declared;
static int *indexed;
static size_t ndeclared;
static int srid;		/* of the geometry column */

/*
 * The declared columns' paths split into parts (made by
 * ld_columns_declare_done()), and what one record gives: the value each
 * path found (NULL: none) and the order of the scan (scratch).
 */
struct dpath {
	const char	**part;
	size_t		 *plen;
	size_t		  nparts;
};
static struct dpath *dpaths;
static size_t nsplit;
static struct ds_span *found;
static size_t *order;

/* Non-zero when s is a plain lower-case SQL identifier of at most 63 bytes. */
static int
plain_ident(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 63 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_'))
			return 0;
	return 1;
}

/* Non-zero when path (n bytes) has no empty part; else why in err. */
static int
path_ok(const char *path, size_t n, struct ds_buf *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (path[i] == '.' && (i == 0 || path[i - 1] == '.' || i + 1 == n)) {
			ds_buf_printf(err, "path %.*s: an empty part", (int)n, path);
			return 0;
		}
	return 1;
}

/* Add a declared column (taking over the malloc'd name, type and path), not indexed. */
static struct ds_column *
add_declared(char *name, char *type, char *path)
{
	struct ds_column *c;

	declared = ds_xrealloc(declared, (ndeclared + 1) * sizeof(*declared));
	indexed = ds_xrealloc(indexed, (ndeclared + 1) * sizeof(*indexed));
	c = &declared[ndeclared];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->type = type;
	c->path = path;
	c->role = DS_ROLE_NONE;
	c->from = ndeclared;
	indexed[ndeclared++] = 0;
	return c;
}

int
ld_columns_declare(const char *spec, struct ds_buf *err)
{
	const char *p = spec, *name, *type, *path, *e;
	size_t nn, tn;
	struct ds_column *c;
	char *nm;

	while (*p == ' ' || *p == '\t')
		p++;
	name = p;
	nn = strcspn(p, " \t");
	p += nn;
	while (*p == ' ' || *p == '\t')
		p++;
	type = p;
	e = p + strlen(p);
	while (e > type && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	path = e;
	while (path > type && path[-1] != ' ' && path[-1] != '\t')
		path--;
	tn = (size_t)(path - type);
	while (tn > 0 && (type[tn - 1] == ' ' || type[tn - 1] == '\t'))
		tn--;
	if (nn == 0 || tn == 0 || path == e) {
		ds_buf_printf(err, "want NAME TYPE PATH");
		return -1;
	}
	if (!plain_ident(name, nn)) {
		ds_buf_printf(err, "column name %.*s: want a lower-case SQL identifier"
		    " ([a-z_][a-z0-9_]*, at most 63 bytes)", (int)nn, name);
		return -1;
	}
	nm = ds_xstrndup(name, nn);
	/* n: the staging tables' row number */
	if (strcmp(nm, "n") == 0 || ld_columns_find(ds_columns, ds_ncolumns, nm) != NULL ||
	    ld_columns_find(declared, ndeclared, nm) != NULL) {
		ds_buf_printf(err, "column %s is declared twice or is a name ds-load uses itself", nm);
		free(nm);
		return -1;
	}
	if (!path_ok(path, (size_t)(e - path), err)) {
		free(nm);
		return -1;
	}
	c = add_declared(nm, ds_xstrndup(type, tn), ds_xstrndup(path, (size_t)(e - path)));
	c->fill = DS_FILL_PATH;
	return 0;
}

int
ld_columns_geometry(const char *path, int sr, struct ds_buf *err)
{
	struct ds_column *c;
	struct ds_buf type = { 0 };

	if (ld_columns_find(declared, ndeclared, "geom") != NULL) {
		ds_buf_printf(err, "a column geom is declared already");
		return -1;
	}
	if (*path == '\0' || !path_ok(path, strlen(path), err))
		return -1;
	ds_buf_printf(&type, "geometry(Geometry,%d)", sr);
	c = add_declared(ds_xstrdup("geom"), type.p, ds_xstrdup(path));
	c->fill = DS_FILL_GEOM;
	srid = sr;
	indexed[ndeclared - 1] = 1;
	return 0;
}

int
ld_columns_index(const char *name)
{
	size_t i;

	for (i = 0; i < ndeclared; i++)
		if (strcmp(declared[i].name, name) == 0) {
			indexed[i] = 1;
			return 0;
		}
	return -1;
}

size_t
ld_columns_ndeclared(void)
{
	return ndeclared;
}

struct ds_column *
ld_columns_declared(size_t i, int *index)
{
	if (index != NULL)
		*index = indexed[i];
	return &declared[i];
}

/* Split each declared column's path into its parts (again after more are declared). */
static void
split_paths(void)
{
	struct dpath *d;
	const char *p;
	size_t i, k, n;

	for (i = 0; dpaths != NULL && i < nsplit; i++) {
		free(dpaths[i].part);
		free(dpaths[i].plen);
	}
	free(dpaths);
	free(found);
	free(order);
	nsplit = ndeclared;
	dpaths = ds_xcalloc(ndeclared, sizeof(*dpaths));
	found = ds_xcalloc(ndeclared, sizeof(*found));
	order = ds_xcalloc(ndeclared, sizeof(*order));
	for (i = 0; i < ndeclared; i++) {
		d = &dpaths[i];
		for (n = 1, p = declared[i].path; (p = strchr(p, '.')) != NULL; p++)
			n++;
		d->part = ds_xcalloc(n, sizeof(*d->part));
		d->plen = ds_xcalloc(n, sizeof(*d->plen));
		d->nparts = n;
		for (k = 0, p = declared[i].path; k < n; k++) {
			d->part[k] = p;
			d->plen[k] = strcspn(p, ".");
			p += d->plen[k] + 1;
		}
	}
}

void
ld_columns_declare_done(void)
{
	struct ds_column *all;
	struct ds_buf set = { 0 };
	size_t i, k = 0;

	if (ndeclared == 0)
		return;
	all = ds_xcalloc(ds_ncolumns + ndeclared, sizeof(*all));
	for (i = 0; i < ds_ncolumns; i++)
		if (ds_columns[i].fill != DS_FILL_NONE)
			all[k++] = ds_columns[i];
	for (i = 0; i < ndeclared; i++) {
		ds_buf_reset(&set);
		ds_buf_printf(&set, "EXCLUDED.\"%s\"", declared[i].name);
		free((void *)declared[i].set);	/* made by an earlier call */
		declared[i].set = ds_xstrdup(set.p);
		all[k++] = declared[i];
	}
	for (i = 0; i < ds_ncolumns; i++)
		if (ds_columns[i].fill == DS_FILL_NONE)
			all[k++] = ds_columns[i];
	ds_buf_free(&set);
	if (ds_cols != ds_columns)
		free((void *)ds_cols);
	ds_cols = all;
	ds_ncols = k;
	split_paths();
}

/* Append the array element v (vn bytes) to the array literal b. */
static int array_literal(struct ds_buf *b, const char *v, size_t vn);

/* Append s (n bytes) double-quoted for an array literal. */
static void
array_quoted(struct ds_buf *b, const char *s, size_t n)
{
	char *w = ds_buf_reserve(b, 2 * n + 2);
	size_t i;

	*w++ = '"';
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			*w++ = '\\';
		*w++ = s[i];
	}
	*w++ = '"';
	b->len = (size_t)(w - b->p);
}

/* Append the JSON value v (vn bytes, validated) as an array element. */
static int
array_element(struct ds_buf *b, const char *v, size_t vn)
{
	static struct ds_buf s;		/* kept: no allocation per element */
	int r = 0;

	switch (*v) {
	case 'n':
		ds_buf_adds(b, "NULL");
		break;
	case '[':
		r = array_literal(b, v, vn);
		break;
	case '"':
		if (memchr(v + 1, '\\', vn - 2) == NULL) {
			array_quoted(b, v + 1, vn - 2);
			break;
		}
		ds_buf_reset(&s);
		r = ds_json_str_decode(v + 1, vn - 2, &s);
		array_quoted(b, s.p != NULL ? s.p : "", s.len);
		break;
	default:	/* numbers, booleans, objects: their JSON text */
		array_quoted(b, v, vn);
		break;
	}
	return r;
}

static int
array_literal(struct ds_buf *b, const char *v, size_t vn)
{
	struct ds_json j;
	const char *p = v, *e;
	size_t en, k = 0;
	int r;

	ds_json_init(&j, v);
	if (ds_json_arr_begin(&j, &p, v + vn) != 0)
		return 0;
	ds_buf_addc(b, '{');
	while ((r = ds_json_arr_next(&j, &p, v + vn, &e, &en)) == 1) {
		if (k++ > 0)
			ds_buf_addc(b, ',');
		if (array_element(b, e, en) != 0)
			return -1;
	}
	ds_buf_addc(b, '}');
	return 0;
}

/* Non-zero when the raw JSON key k (kn bytes) is the path part s (n bytes). */
static int
key_is(const char *k, size_t kn, const char *s, size_t n)
{
	struct ds_buf d = { 0 };
	int eq;

	/* an escape makes the key's text longer than what it stands for */
	if (kn <= n)
		return kn == n && memcmp(k, s, n) == 0 && memchr(k, '\\', kn) == NULL;
	if (n > 0 && k[0] != s[0] && k[0] != '\\')
		return 0;
	if (memchr(k, '\\', kn) == NULL)
		return 0;
	eq = ds_json_str_decode(k, kn, &d) == 0 && d.len == n && memcmp(d.p, s, n) == 0;
	ds_buf_free(&d);
	return eq;
}

/*
 * One scan of the object at [p, end) for the declared columns order[lo,
 * hi), whose paths matched up to part depth: a key equal to a column's
 * part depth sets its value (the last of equal keys, as jsonb keeps).
 * The columns whose path goes deeper are then looked up together in the
 * object each matched, so a record is read once whatever the columns.
 */
static void
scan(const char *p, const char *end, size_t depth, size_t lo, size_t hi)
{
	struct ds_json_member m;
	const struct dpath *d;
	const char *v;
	size_t i, g, x, t, n;

	for (i = lo; i < hi; i++)
		found[order[i]].p = NULL;
	p = ds_json_ws(p, end);
	if (p >= end || *p != '{')
		return;
	p++;
	while (ds_json_vnext(&p, end, &m, &v, &n) == 1)
		for (i = lo; i < hi; i++) {
			d = &dpaths[order[i]];
			if (key_is(m.key, m.keylen, d->part[depth], d->plen[depth])) {
				found[order[i]].p = m.val;
				found[order[i]].n = m.vallen;
			}
		}
	for (i = lo; i < hi; ) {
		if (dpaths[order[i]].nparts == depth + 1 || (v = found[order[i]].p) == NULL) {
			i++;
			continue;
		}
		/* the deeper columns that matched the same value: order[i, g) */
		for (g = i + 1, x = i + 1; x < hi; x++)
			if (found[order[x]].p == v && dpaths[order[x]].nparts > depth + 1) {
				t = order[g];
				order[g++] = order[x];
				order[x] = t;
			}
		scan(v, v + found[order[i]].n, depth + 1, i, g);
		i = g;
	}
}

void
ld_columns_lookup(const char *data, size_t n)
{
	size_t i;

	for (i = 0; i < ndeclared; i++)
		order[i] = i;
	if (data == NULL) {
		for (i = 0; i < ndeclared; i++)
			found[i].p = NULL;
		return;
	}
	scan(data, data + n, 0, 0, ndeclared);
}

int
ld_columns_copy_geom(struct ds_buf *b, const struct ds_column *c, struct ds_buf *err)
{
	struct ds_buf why = { 0 };

	if (ld_geom_copy(b, found[c->from].p, found[c->from].n, srid, &why) == 0)
		return 0;
	ds_buf_terminate(&why);
	ds_buf_printf(err, "column %s: the geometry at %s: %s", c->name, c->path, why.p);
	ds_buf_free(&why);
	return -1;
}

int
ld_columns_copy_path(struct ds_buf *b, const struct ds_column *c)
{
	static struct ds_buf lit;	/* kept: no allocation per row */
	const char *val = found[c->from].p;
	size_t vn = found[c->from].n;
	struct ds_span sp;
	int r;

	if (val == NULL || *val == 'n') {
		ds_buf_adds(b, "\\N");
		return 0;
	}
	if (*val == '"') {
		sp.p = val + 1;
		sp.n = vn - 2;
		return ld_copy_jstr(b, &sp);
	}
	if (*val == '[') {
		ds_buf_reset(&lit);
		r = array_literal(&lit, val, vn);
		if (r == 0)
			ld_copy_field(b, lit.p, lit.len);
		return r;
	}
	ld_copy_field(b, val, vn);
	return 0;
}

/* The quote around a column's name: declared ones may be SQL keywords. */
#define Q(c)	((c)->fill >= DS_FILL_PATH ? "\"" : "")

/* Append "CREATE TEMP TABLE IF NOT EXISTS name (...)" of the loaded columns. */
static void
staging_table(const struct ds_column *cols, size_t n, const char *name, int text,
    struct ds_buf *b)
{
	size_t i;

	ds_buf_printf(b, "CREATE TEMP TABLE IF NOT EXISTS %s (", name);
	for (i = 0; i < n; i++)
		if (cols[i].fill != DS_FILL_NONE)
			ds_buf_printf(b, "%s%s%s %s, ", Q(&cols[i]), cols[i].name, Q(&cols[i]),
			    text ? "text" : cols[i].type);
	ds_buf_adds(b, "n bigserial) ON COMMIT DELETE ROWS");
}

void
ld_columns_sql_make(const struct ds_column *cols, size_t n, struct ds_columns_sql *out)
{
	struct ds_buf names = { 0 }, list = { 0 }, stg = { 0 }, casts = { 0 }, set = { 0 };
	size_t i, k = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (cols[i].set != NULL)
			ds_buf_printf(&set, "%s%s%s%s = %s", set.len ? ", " : "", Q(&cols[i]),
			    cols[i].name, Q(&cols[i]), cols[i].set);
		if (cols[i].fill == DS_FILL_NONE)
			continue;
		ds_buf_printf(&names, "%s%s%s%s", k ? ", " : "", Q(&cols[i]), cols[i].name,
		    Q(&cols[i]));
		ds_buf_printf(&casts, "%s%s%s%s", k ? ", " : "", Q(&cols[i]), cols[i].name,
		    Q(&cols[i]));
		if (strcmp(cols[i].type, "text") != 0)
			ds_buf_printf(&casts, "::%s", cols[i].type);
		if (cols[i].role == DS_ROLE_VERSION)
			out->version = k;
		if (cols[i].role == DS_ROLE_RAW)
			out->raw = k;
		k++;
	}
	ds_buf_printf(&list, " (%s)", names.p);
	staging_table(cols, n, "ds_stage", 0, &stg);
	ds_buf_adds(&stg, "; ");
	staging_table(cols, n, "ds_stage_text", 1, &stg);
	ds_buf_terminate(&set);
	out->names = names.p;
	out->list = list.p;
	out->staging = stg.p;
	out->casts = casts.p;
	out->set = set.p;
	out->nloaded = k;
}

void
ld_columns_sql_free(struct ds_columns_sql *s)
{
	free(s->names);
	free(s->list);
	free(s->staging);
	free(s->casts);
	free(s->set);
	memset(s, 0, sizeof(*s));
}

const struct ds_column *
ld_columns_find(const struct ds_column *cols, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(cols[i].name, name) == 0)
			return &cols[i];
	return NULL;
}
