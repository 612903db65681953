/*
 * columns.h - the records table's columns, described once.
 *
 * Each row of ds_columns[] says how one column is loaded; from the table
 * come the COPY column list, the staging tables' DDL, the casts of the text
 * staging merge, the --on-conflict update SET list and the place of each
 * field in a row's COPY text. The user table itself is made and changed by
 * the table migrations (db/migrations/table/): a new column is one row here
 * plus one migration there. The record line that ds-transform writes is
 * another thing, the wire format (load/stream.h): a column refers to a line
 * member through offsetof(struct ds_line, ...) and spells no member name.
 */
#ifndef DS_LOAD_COLUMNS_H
#define DS_LOAD_COLUMNS_H

#include <stddef.h>

struct ds_buf;

/* How a record line fills a column. */
enum ds_fill {
	DS_FILL_NONE,		/* not loaded: the table's default */
	DS_FILL_STRING,		/* a JSON string (or null) of the line, decoded */
	DS_FILL_JSON,		/* a JSON value of the line, as its text */
	DS_FILL_PATH,		/* a declared column: the record's field at path */
	DS_FILL_GEOM		/* --geometry: the geometry at path, as EWKT */
};

/* What ds-load itself uses a column for. */
enum ds_role {
	DS_ROLE_NONE,
	DS_ROLE_KEY,		/* the id: the primary key (the first column) */
	DS_ROLE_VERSION,	/* the hash: a changed record has another */
	DS_ROLE_RAW		/* the record: stored in ds_rejects when refused */
};

struct ds_column {
	const char	*name;	/* a plain lower-case SQL identifier */
	const char	*type;	/* SQL type in the table and the typed staging table */
	const char	*set;	/* its value under --on-conflict update, or NULL: kept */
	enum ds_fill	 fill;
	size_t		 from;	/* offsetof(struct ds_line, its span) when filled;
				   DS_FILL_PATH, _GEOM: its place among the
				   declared columns */
	enum ds_role	 role;
	const char	*path;	/* DS_FILL_PATH, _GEOM: dotted path into the record */
};

/* The records table's columns: the loaded ones first, the key first of all. */
extern const struct ds_column ds_columns[];
extern const size_t ds_ncolumns;

/*
 * The columns ds-load loads: ds_columns plus the declared ones (set by
 * ld_columns_declare_done()), loaded columns first.
 */
extern const struct ds_column *ds_cols;
extern size_t ds_ncols;

/*
 * Parse a declared column, "NAME TYPE PATH" (TYPE may hold spaces), and
 * add it to the declared ones. Returns 0, or -1 with why in err.
 * The type is checked by the server: see ld_columns_declare_done().
 */
int	ld_columns_declare(const char *spec, struct ds_buf *err);

/*
 * Declare the geometry column, geom: a PostGIS geometry with srid, filled
 * from the GeoJSON or ArcGIS geometry at path, GiST-indexed. Returns 0,
 * or -1 with why in err.
 */
int	ld_columns_geometry(const char *path, int srid, struct ds_buf *err);

/* Mark the declared column name to be indexed; 0, or -1 when none is so named. */
int	ld_columns_index(const char *name);

/* The declared columns: their count, and the i-th's name, type and index flag. */
size_t	ld_columns_ndeclared(void);
struct ds_column *ld_columns_declared(size_t i, int *index);

/* Build ds_cols from ds_columns and the declared columns (types final). */
void	ld_columns_declare_done(void);

/*
 * Find the values of every declared column's path in the record data (n
 * bytes of validated JSON, or NULL), in one scan, for the copy functions
 * below (which read what the last lookup found; data must outlive them).
 */
void	ld_columns_lookup(const char *data, size_t n);

/*
 * Append the value the lookup found for the declared column c to b as one
 * COPY field: a string decoded, an array as a PostgreSQL array literal,
 * other values as their JSON text, a missing field or null as \N.
 * Returns 0, or -1 when a string holds \u0000.
 */
int	ld_columns_copy_path(struct ds_buf *b, const struct ds_column *c);

/*
 * Append the geometry the lookup found for the geometry column c to b as
 * one COPY field (see ld_geom_copy()). Returns 0, or -1 with why in err
 * (naming the column).
 */
int	ld_columns_copy_geom(struct ds_buf *b, const struct ds_column *c,
	    struct ds_buf *err);

/* What the columns give, as SQL text and field positions. */
struct ds_columns_sql {
	char	*names;		/* "id, stream, ...": the loaded columns */
	char	*list;		/* " (id, stream, ...)": the same for COPY and INSERT */
	char	*staging;	/* CREATE TEMP TABLE of ds_stage (typed) and ds_stage_text */
	char	*casts;		/* "id, ..., ts::timestamptz, ...": from ds_stage_text */
	char	*set;		/* "stream = EXCLUDED.stream, ...": the SET list */
	size_t	 nloaded;	/* fields of a row */
	size_t	 version;	/* field of the DS_ROLE_VERSION column */
	size_t	 raw;		/* field of the DS_ROLE_RAW column */
};

/*
 * Fill out from the n columns cols (loaded columns first, the key first).
 * The strings are malloc'd: free them with ld_columns_sql_free().
 */
void	ld_columns_sql_make(const struct ds_column *cols, size_t n, struct ds_columns_sql *out);
void	ld_columns_sql_free(struct ds_columns_sql *s);

/* The column named name among cols, or NULL. */
const struct ds_column *ld_columns_find(const struct ds_column *cols, size_t n,
	    const char *name);

#endif
