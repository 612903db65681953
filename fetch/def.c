#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "deffile.h"
#include "exits.h"
#include "log.h"
#include "def.h"
#include "style.h"

enum kind { K_STYLE, K_STR, K_LIST, K_BOOL, K_PAGESTART, K_LIMIT, K_ERRCLASS,
	K_METHOD, K_AUTH, K_PARAM, K_HEADER, K_FILTER, K_CTYPE };

/* The settings, in the order of def->where[]. */
static const struct setting {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	const char	*arg;		/* for usage() */
} settings[] = {
	{ "paginate", K_STYLE, 0, "style" },
	{ "records", K_STR, offsetof(struct def, records), "path" },
	{ "error-path", K_STR, offsetof(struct def, error_path), "path" },
	{ "error-class", K_ERRCLASS, 0, "permanent|transient" },
	{ "cursor-path", K_STR, offsetof(struct def, cursor_path), "path" },
	{ "cursor-param", K_STR, offsetof(struct def, cursor_param), "name" },
	{ "next-path", K_STR, offsetof(struct def, next_path), "path" },
	{ "offset-param", K_STR, offsetof(struct def, offset_param), "name" },
	{ "page-param", K_STR, offsetof(struct def, page_param), "name" },
	{ "page-start", K_PAGESTART, 0, "0|1" },
	{ "after-param", K_STR, offsetof(struct def, after_param), "name" },
	{ "after-field", K_STR, offsetof(struct def, after_field), "path" },
	{ "after-time-field", K_STR, offsetof(struct def, after_time_field), "path" },
	{ "after-time-param", K_STR, offsetof(struct def, after_time_param), "name" },
	{ "limit-param", K_STR, offsetof(struct def, limit_param), "name" },
	{ "has-more-path", K_STR, offsetof(struct def, has_more_path), "path" },
	{ "more-path", K_LIST, offsetof(struct def, more_path), "path" },
	{ "total-path", K_STR, offsetof(struct def, total_path), "path" },
	{ "total-estimated-path", K_STR, offsetof(struct def, total_est_path), "path" },
	{ "stop-on-empty", K_BOOL, offsetof(struct def, stop_on_empty), "yes|no" },
	{ "stop-on-short", K_BOOL, offsetof(struct def, stop_on_short), "yes|no" },
	{ "param", K_PARAM, offsetof(struct def, param), "name=value" },
	{ "header", K_HEADER, offsetof(struct def, header), "'Name: value'" },
	{ "method", K_METHOD, 0, "GET|POST" },
	{ "body", K_STR, offsetof(struct def, body), "template" },
	{ "content-type", K_CTYPE, offsetof(struct def, content_type), "type/subtype" },
	{ "filter", K_FILTER, offsetof(struct def, filter), "name=template" },
	{ "auth", K_AUTH, 0, "scheme" },
	{ "auth-name", K_STR, offsetof(struct def, auth_name), "name" },
	{ "auth-scheme", K_STR, offsetof(struct def, auth_scheme), "word" },
	{ "token-url", K_STR, offsetof(struct def, token_url), "url" },
	{ "token-scope", K_STR, offsetof(struct def, token_scope), "scope" },
	{ "limit", K_LIMIT, 0, "n" },
	{ "limit-max", K_LIMIT, 0, "n" },
};
#define NSETTINGS	(sizeof(settings) / sizeof(settings[0]))
_Static_assert(NSETTINGS <= 40, "def.where[] holds every setting");

static const char *const auths[] = {
	"x-api-key", "header", "bearer", "scheme", "authorization", "basic", "query",
	"none", "oauth2"
};


void
fx_def_init(struct def *d)
{
	memset(d, 0, sizeof(*d));
	d->style = &style_datasync;
	d->records = ds_xstrdup("data");
	d->auth = AUTH_X_API_KEY;
	d->stop_on_empty = -1;
	d->limit = -1;
	d->limit_max = -1;
	d->method = ds_xstrdup("GET");
}

size_t
fx_def_count(void)
{
	return NSETTINGS;
}

const char *
fx_def_name(size_t i)
{
	return settings[i].name;
}

const char *
fx_def_arg(size_t i)
{
	return settings[i].arg;
}

int
fx_def_other_stage(const char *name)
{
	return ds_def_stage(name) == 't' || ds_def_stage(name) == 'l';
}

void
fx_def_layer(struct def *d)
{
	d->cur_layer++;
}

/* Exit 64: "WHERE: setting NAME: what". */
static void __attribute__((noreturn))
bad(const char *where, const char *name, const char *what, const char *value)
{
	ds_diex(DS_EX_USAGE, "%s: setting %s: %s%s%s%s", where, name, what,
	    value ? " (\"" : "", value ? value : "", value ? "\")" : "");
}

/* Non-zero when s is an HTTP header field name (a token). */
static int
token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("!#$%&'*+-.^_`|~", s[i]) == NULL)
			return 0;
	return 1;
}

/* Non-zero when s holds a byte below 0x20 or 0x7f (no header may). */
static int
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * Non-zero when s is a media type as a Content-Type value (RFC 9110): a
 * token, '/', a token, then anything after ';' (parameters); no control bytes.
 */
static int
media_type(const char *s)
{
	size_t a = strcspn(s, "/"), b;

	if (s[a] != '/' || !token(s, a))
		return 0;
	b = strcspn(s + a + 1, "; \t");
	return token(s + a + 1, b) && !has_ctl(s) &&
	    (s[a + 1 + b] == '\0' || s[a + 1 + b] == ';' || s[a + 1 + b] == ' ');
}

int
fx_def_set(struct def *d, const char *name, const char *value, const char *where)
{
	const struct setting *s = NULL;
	struct def_list *l;
	const char *colon;
	char **str, *end;
	size_t i;
	long v;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0) {
			s = &settings[i];
			break;
		}
	if (s == NULL)
		return -1;
	if (s->kind != K_LIST && s->kind != K_PARAM && s->kind != K_HEADER &&
	    d->where[i] != NULL && d->layer[i] == d->cur_layer)
		ds_diex(DS_EX_USAGE, "%s: setting %s: set twice (also at %s): a "
		    "contradiction", where, name, d->where[i]);
	if (*value == '\0')
		bad(where, name, "empty", NULL);
	switch (s->kind) {
	case K_STYLE:
		if ((d->style = fx_style_find(value)) == NULL)
			ds_diex(DS_EX_USAGE, "%s: setting paginate: \"%s\" is not a "
			    "pagination style (%s)", where, value, fx_style_names());
		break;
	case K_STR:
	case K_FILTER:
	case K_CTYPE:
		if (s->kind == K_CTYPE && !media_type(value))
			bad(where, name, "want a media type, type/subtype (parameters "
			    "after ';'), no control bytes", value);
		if (s->kind == K_FILTER && ((colon = strchr(value, '=')) == NULL ||
		    colon == value))
			bad(where, name, "want NAME=TEMPLATE", value);
		str = (char **)((char *)d + s->off);
		free(*str);
		*str = *value != '\0' ? ds_xstrdup(value) : NULL;
		break;
	case K_PARAM:
	case K_HEADER:
		if (s->kind == K_PARAM && ((colon = strchr(value, '=')) == NULL ||
		    colon == value))
			bad(where, name, "want NAME=VALUE", value);
		if (s->kind == K_HEADER && ((colon = strchr(value, ':')) == NULL ||
		    !token(value, (size_t)(colon - value)) || has_ctl(value)))
			bad(where, name, "want \"Name: value\" (a token, a colon, no "
			    "control bytes)", value);
		if (s->kind == K_HEADER && (strncasecmp(value, "authorization:", 14) == 0))
			bad(where, name, "a credential is never a setting: use auth "
			    "with --api-key-file or DS_API_KEY", NULL);
		if (s->kind == K_HEADER && (strncasecmp(value, "content-type:", 13) == 0))
			bad(where, name, "the body's media type is setting content-type",
			    value);
		/* FALLTHROUGH */
	case K_LIST:
		l = (struct def_list *)(void *)((char *)d + s->off);
		if (s->kind == K_LIST && l->n >= 8)
			bad(where, name, "more than 8 of them", NULL);
		l->v = ds_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = ds_xstrdup(value);
		break;
	case K_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
			*(int *)(void *)((char *)d + s->off) = 1;
		else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
			*(int *)(void *)((char *)d + s->off) = 0;
		else
			bad(where, name, "want yes or no", value);
		break;
	case K_PAGESTART:
	case K_LIMIT:
		errno = 0;
		v = strtol(value, &end, 10);
		if (*value < '0' || *value > '9' || errno != 0 || *end != '\0' ||
		    (s->kind == K_PAGESTART && v > 1) ||
		    (s->kind == K_LIMIT && (v < 1 || v > 1000000000)))
			bad(where, name, s->kind == K_PAGESTART ? "want 0 or 1" :
			    "want a whole number from 1 to 1000000000", value);
		if (s->kind == K_PAGESTART)
			d->page_start = v;
		else if (strcmp(s->name, "limit-max") == 0)
			d->limit_max = v;
		else
			d->limit = v;
		break;
	case K_ERRCLASS:
		if (strcmp(value, "permanent") == 0)
			d->error_transient = 0;
		else if (strcmp(value, "transient") == 0)
			d->error_transient = 1;
		else
			bad(where, name, "want permanent or transient", value);
		break;
	case K_METHOD:
		if (strcmp(value, "GET") != 0 && strcmp(value, "POST") != 0)
			bad(where, name, "want GET or POST", value);
		free(d->method);
		d->method = ds_xstrdup(value);
		break;
	case K_AUTH:
		for (v = 0; v < (long)(sizeof(auths) / sizeof(auths[0])); v++)
			if (strcmp(auths[v], value) == 0)
				break;
		if (v == (long)(sizeof(auths) / sizeof(auths[0])))
			bad(where, name, "want x-api-key, header, bearer, scheme, "
			    "authorization, basic, query, oauth2 or none", value);
		d->auth = (enum def_auth)v;
		break;
	}
	free(d->where[i]);
	d->where[i] = ds_xstrdup(where);
	d->layer[i] = d->cur_layer;
	return 0;
}

/* Index of setting name in the table. */
static size_t
index_of(const char *name)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return i;
	return NSETTINGS;
}

/* Non-zero when list (NULL-ended, may be NULL) holds name. */
static int
in_list(const char *const *list, const char *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

void
fx_def_check(const struct def *d, int have_since, int have_until)
{
	static const struct style *const all[] = {
		&style_cursor, &style_link, &style_next_url, &style_offset,
		&style_page, &style_after_id, &style_none
	};
	static const char *const datasync_takes[] = {
		"paginate", "header", "auth", "auth-name", "auth-scheme", "limit", NULL
	};
	const char *ps = d->where[0] != NULL ? d->where[0] : "the default";
	const char *const *n;
	size_t i, k;

	for (i = 0; i < NSETTINGS; i++) {
		if (d->where[i] == NULL)
			continue;
		if (d->style == &style_datasync) {
			if (!in_list(datasync_takes, settings[i].name))
				ds_diex(DS_EX_USAGE, "%s: setting %s: not a setting of "
				    "paginate datasync (%s): a contradiction",
				    d->where[i], settings[i].name, ps);
			continue;
		}
		/*
		 * a paginate of a later layer (--paginate over a preset's)
		 * sets the earlier layers' settings of their style aside
		 */
		if (d->where[0] != NULL && d->layer[i] < d->layer[0])
			continue;
		for (k = 0; k < sizeof(all) / sizeof(all[0]); k++)
			if (all[k] != d->style && in_list(all[k]->takes,
			    settings[i].name) && !in_list(d->style->takes,
			    settings[i].name))
				ds_diex(DS_EX_USAGE, "%s: setting %s: belongs to paginate "
				    "%s, but paginate is %s (%s): two pagination styles",
				    d->where[i], settings[i].name, all[k]->name,
				    d->style->name, ps);
	}
	for (n = d->style->needs; n != NULL && *n != NULL; n++)
		if (d->where[index_of(*n)] == NULL)
			ds_diex(DS_EX_USAGE, "%s: setting paginate: %s needs setting %s",
			    ps, d->style->name, *n);
	if ((d->auth == AUTH_HEADER || d->auth == AUTH_QUERY) && d->auth_name == NULL)
		ds_diex(DS_EX_USAGE, "%s: setting auth: %s needs setting auth-name",
		    d->where[index_of("auth")], auths[d->auth]);
	if (d->auth == AUTH_OAUTH2 && d->token_url == NULL)
		ds_diex(DS_EX_USAGE, "%s: setting auth: oauth2 needs setting token-url",
		    d->where[index_of("auth")]);
	if (d->auth != AUTH_OAUTH2 && (d->token_url != NULL || d->token_scope != NULL))
		ds_diex(DS_EX_USAGE, "%s: setting %s: only for auth oauth2: a "
		    "contradiction", d->where[index_of(d->token_url ? "token-url" :
		    "token-scope")], d->token_url ? "token-url" : "token-scope");
	if (d->style == &style_datasync && (d->auth == AUTH_QUERY ||
	    d->auth == AUTH_OAUTH2))
		ds_diex(DS_EX_USAGE, "%s: setting auth: %s is not for paginate "
		    "datasync: a contradiction", d->where[index_of("auth")],
		    auths[d->auth]);
	if (d->auth == AUTH_SCHEME && d->auth_scheme == NULL)
		ds_diex(DS_EX_USAGE, "%s: setting auth: scheme needs setting auth-scheme",
		    d->where[index_of("auth")]);
	if (d->total_est_path != NULL && d->total_path == NULL)
		ds_diex(DS_EX_USAGE, "%s: setting total-estimated-path: needs setting "
		    "total-path", d->where[index_of("total-estimated-path")]);
	if ((d->after_time_field == NULL) != (d->after_time_param == NULL)) {
		const char *set = d->after_time_field ? "after-time-field" :
		    "after-time-param";

		ds_diex(DS_EX_USAGE, "%s: setting %s: needs setting %s too",
		    d->where[index_of(set)], set, d->after_time_field ?
		    "after-time-param" : "after-time-field");
	}
	if (d->body != NULL && strcmp(d->method, "POST") != 0)
		ds_diex(DS_EX_USAGE, "%s: setting body: a body needs method POST",
		    d->where[index_of("body")]);
	if (strcmp(d->records, ".") == 0) {
		static const char *const paths[] = {
			"error-path", "cursor-path", "next-path", "has-more-path",
			"more-path", "total-path", "total-estimated-path", NULL
		};
		for (n = paths; *n != NULL; n++)
			if (d->where[index_of(*n)] != NULL)
				ds_diex(DS_EX_USAGE, "%s: setting %s: records is . (the "
				    "body is the record array), so nothing is at a "
				    "path: a contradiction", d->where[index_of(*n)], *n);
	}
	if (d->style != &style_datasync && (have_since || have_until) &&
	    (d->filter == NULL || (have_since && !strstr(d->filter, "{since")) ||
	    (have_until && !strstr(d->filter, "{until"))) &&
	    (d->body == NULL || (have_since && !strstr(d->body, "{since")) ||
	    (have_until && !strstr(d->body, "{until"))))
		ds_diex(DS_EX_USAGE, "--%s: paginate %s sends no time filter: set "
		    "filter (or a body) with {%s}, or keep the table current with "
		    "full passes (ds-run --mode snapshot)", have_since ? "since" : "until",
		    d->style->name, have_since ? "since" : "until");
}

/* Free a list's strings. */
static void
list_free(struct def_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
fx_def_free(struct def *d)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		if (settings[i].kind == K_STR || settings[i].kind == K_FILTER ||
		    settings[i].kind == K_CTYPE)
			free(*(char **)((char *)d + settings[i].off));
		free(d->where[i]);
	}
	list_free(&d->more_path);
	list_free(&d->param);
	list_free(&d->header);
	free(d->method);
	memset(d, 0, sizeof(*d));
}
