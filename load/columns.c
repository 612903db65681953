#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "columns.h"
#include "stream.h"

#define FROM(f)	offsetof(struct ds_line, f)

const struct ds_column ds_columns[] = {
	{ "id", "text", NULL, DS_FILL_STRING, FROM(id), DS_ROLE_KEY },
	{ "stream", "text", "EXCLUDED.stream", DS_FILL_STRING, FROM(stream), DS_ROLE_NONE },
	{ "type", "text", "EXCLUDED.type", DS_FILL_STRING, FROM(type), DS_ROLE_NONE },
	{ "ts", "timestamptz", "EXCLUDED.ts", DS_FILL_STRING, FROM(ts), DS_ROLE_NONE },
	{ "hash", "text", "EXCLUDED.hash", DS_FILL_STRING, FROM(hash), DS_ROLE_VERSION },
	{ "data", "jsonb", "EXCLUDED.data", DS_FILL_JSON, FROM(data), DS_ROLE_RAW },
	{ "ingested_at", "timestamptz", "now()", DS_FILL_NONE, 0, DS_ROLE_NONE },
};

const size_t ds_ncolumns = sizeof(ds_columns) / sizeof(ds_columns[0]);

/* Append "CREATE TEMP TABLE IF NOT EXISTS name (...)" of the loaded columns. */
static void
staging_table(const struct ds_column *cols, size_t n, const char *name, int text,
    struct ds_buf *b)
{
	size_t i;

	ds_buf_printf(b, "CREATE TEMP TABLE IF NOT EXISTS %s (", name);
	for (i = 0; i < n; i++)
		if (cols[i].fill != DS_FILL_NONE)
			ds_buf_printf(b, "%s %s, ", cols[i].name, text ? "text" : cols[i].type);
	ds_buf_adds(b, "n bigserial) ON COMMIT DELETE ROWS");
}

void
ds_columns_sql_make(const struct ds_column *cols, size_t n, struct ds_columns_sql *out)
{
	struct ds_buf names = { 0 }, list = { 0 }, stg = { 0 }, casts = { 0 }, set = { 0 };
	size_t i, k = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (cols[i].set != NULL)
			ds_buf_printf(&set, "%s%s = %s", set.len ? ", " : "", cols[i].name,
			    cols[i].set);
		if (cols[i].fill == DS_FILL_NONE)
			continue;
		ds_buf_printf(&names, "%s%s", k ? ", " : "", cols[i].name);
		ds_buf_printf(&casts, "%s%s", k ? ", " : "", cols[i].name);
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
ds_columns_sql_free(struct ds_columns_sql *s)
{
	free(s->names);
	free(s->list);
	free(s->staging);
	free(s->casts);
	free(s->set);
	memset(s, 0, sizeof(*s));
}

const struct ds_column *
ds_columns_find(const struct ds_column *cols, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(cols[i].name, name) == 0)
			return &cols[i];
	return NULL;
}
