#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "deffile.h"
#include "exits.h"
#include "log.h"

#ifndef DS_CONNECTORS_DIR
#define DS_CONNECTORS_DIR	"/usr/local/share/ds/connectors"
#endif

#define DEF_LINE_MAX	65536	/* a longer line is refused, not truncated */

static const char *const fetch_names[] = {
	"paginate", "records", "error-path", "error-class", "cursor-path",
	"cursor-param", "next-path", "offset-param", "page-param", "page-start",
	"after-param", "after-field", "limit-param", "has-more-path", "more-path",
	"after-time-field", "after-time-param", "content-type", "total-estimated-path",
	"total-path", "stop-on-empty", "stop-on-short", "param", "header", "method",
	"body", "filter", "auth", "auth-name", "auth-scheme", "token-url",
	"token-scope", "limit", "limit-max", NULL
};
static const char *const transform_names[] = {
	"id-field", "id-numbers", "ts-field", "type-field", "key", "ts-form", "ts-zone",
	NULL
};
/* ds-load's (ds-run passes a definition on to it; ds-run-config reads mode) */
static const char *const load_names[] = {
	"schema-contract", "mode", "snapshot-delete", "column", "column-index", "geometry",
	"srid", NULL
};

int
ds_def_stage(const char *name)
{
	size_t i;

	for (i = 0; fetch_names[i] != NULL; i++)
		if (strcmp(fetch_names[i], name) == 0)
			return 'f';
	for (i = 0; transform_names[i] != NULL; i++)
		if (strcmp(transform_names[i], name) == 0)
			return 't';
	for (i = 0; load_names[i] != NULL; i++)
		if (strcmp(load_names[i], name) == 0)
			return 'l';
	return 0;
}

/* s without leading and trailing white space (in place). */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Non-zero when name is a setting name: [a-z0-9-]+ */
static int
good_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

void
ds_def_read(const char *path, ds_def_cb *cb, void *arg)
{
	struct ds_buf where = { 0 };
	char *line = NULL, *s, *eq, *name, *value;
	size_t cap = 0, n;
	unsigned lineno = 0;
	ssize_t got;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		ds_diex(DS_EX_USAGE, "definition %s: %s", path, strerror(errno));
	while ((got = getline(&line, &cap, f)) != -1) {
		lineno++;
		ds_buf_reset(&where);
		ds_buf_printf(&where, "%s:%u", path, lineno);
		if (got > DEF_LINE_MAX)
			ds_diex(DS_EX_USAGE, "%s: line longer than %d bytes", where.p,
			    DEF_LINE_MAX);
		if (memchr(line, '\0', (size_t)got) != NULL)
			ds_diex(DS_EX_USAGE, "%s: a NUL byte", where.p);
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if ((eq = strchr(s, '=')) == NULL)
			ds_diex(DS_EX_USAGE, "%s: expected \"name = value\"", where.p);
		*eq = '\0';
		name = trim(s);
		value = trim(eq + 1);
		n = strlen(value);
		if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
			value[n - 1] = '\0';
			value++;
		}
		if (!good_name(name))
			ds_diex(DS_EX_USAGE, "%s: \"%s\" is not a setting name (lower "
			    "case letters, digits and '-')", where.p, name);
		(void)cb(arg, name, value, where.p);
	}
	if (ferror(f))
		ds_diex(DS_EX_USAGE, "definition %s: read error", path);
	fclose(f);
	free(line);
	ds_buf_free(&where);
}

/* Append dir/name.conf to b (reset first); non-zero when that file is readable. */
static int
try_dir(struct ds_buf *b, const char *dir, size_t dirlen, const char *name)
{
	ds_buf_reset(b);
	ds_buf_add(b, dir, dirlen);
	ds_buf_printf(b, "/%s.conf", name);
	return access(b->p, R_OK) == 0;
}

char *
ds_def_connector(const char *name)
{
	struct ds_buf b = { 0 }, tried = { 0 }, dir = { 0 };
	char exe[PATH_MAX];
	const char *env, *s;
	ssize_t n;
	char *slash;

	for (s = name; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_'))
			break;
	if (*name == '\0' || *s != '\0')
		ds_diex(DS_EX_USAGE, "--connector %s: not a connector name "
		    "([a-z0-9_-]+)", name);
	if ((env = getenv("DS_CONNECTORS")) != NULL && *env != '\0') {
		if (try_dir(&b, env, strlen(env), name))
			return b.p;
		ds_buf_printf(&tried, "%s ", env);
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		/* bin/ds-fetch -> the directory above bin */
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			if ((slash = strrchr(exe, '/')) != NULL) {
				*slash = '\0';
				ds_buf_printf(&dir, "%s/connectors", exe);
				if (try_dir(&b, dir.p, dir.len, name))
					goto found;
				ds_buf_printf(&tried, "%s ", dir.p);
				ds_buf_reset(&dir);
				ds_buf_printf(&dir, "%s/share/ds/connectors", exe);
				if (try_dir(&b, dir.p, dir.len, name))
					goto found;
				ds_buf_printf(&tried, "%s ", dir.p);
			}
		}
	}
	if (try_dir(&b, DS_CONNECTORS_DIR, strlen(DS_CONNECTORS_DIR), name))
		goto found;
	ds_buf_adds(&tried, DS_CONNECTORS_DIR);
	ds_diex(DS_EX_USAGE, "--connector %s: no such connector (looked in %s)", name,
	    tried.p);
found:
	ds_buf_free(&tried);
	ds_buf_free(&dir);
	return b.p;
}

void
ds_def_read_layers(const char *connector, const char *definition, ds_def_cb *cb,
    void *arg)
{
	char *conf;

	if (connector != NULL) {
		conf = ds_def_connector(connector);
		ds_def_read(conf, cb, arg);
		free(conf);
	}
	if (definition != NULL)
		ds_def_read(definition, cb, arg);
}
