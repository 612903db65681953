/*
 * def.h - a stream definition: the settings that describe one API endpoint
 * (request, records, pagination, stop rules, auth, incremental filter).
 *
 * Every setting is a long option of ds-fetch and a "name = value" line of
 * a definition file or connector preset (lib/deffile.h). Layers apply in
 * order: --connector, then --definition, then the other options; a later
 * layer replaces a scalar setting of an earlier one and adds to a list.
 * Within one layer a scalar set twice is a contradiction (exit 64).
 */
#ifndef DS_FETCH_DEF_H
#define DS_FETCH_DEF_H

#include <stddef.h>

struct style;

enum def_auth {
	AUTH_X_API_KEY,		/* X-API-Key: KEY (DataSync) */
	AUTH_HEADER,		/* AUTH-NAME: KEY */
	AUTH_BEARER,		/* Authorization: Bearer KEY */
	AUTH_SCHEME,		/* Authorization: AUTH-SCHEME KEY */
	AUTH_AUTHORIZATION,	/* Authorization: KEY */
	AUTH_BASIC,		/* HTTP Basic, KEY is user:password */
	AUTH_QUERY,		/* ?AUTH-NAME=KEY, redacted everywhere */
	AUTH_NONE,
	AUTH_OAUTH2		/* client credentials: KEY is id:secret */
};

struct def_list {
	char	**v;
	size_t	  n;
};

struct def {
	const struct style *style;	/* paginate */
	char		*records;	/* path of the record array; "." is the body */
	char		*error_path;	/* a 200 body with a value here is an error */
	int		 error_transient;
	char		*cursor_path, *cursor_param;
	char		*next_path;
	char		*offset_param;
	char		*page_param;
	long		 page_start;
	char		*after_param, *after_field;
	char		*after_time_field;	/* kept in the state beside the id */
	char		*after_time_param;	/* sent with it when the id's object is gone */
	char		*limit_param;	/* NULL: the page size is not sent */
	char		*has_more_path;
	struct def_list	 more_path;
	char		*total_path;
	char		*total_est_path;	/* true there: the total is an estimate */
	int		 stop_on_empty;	/* -1: unset (the style's default) */
	int		 stop_on_short;
	struct def_list	 param;		/* NAME=VALUE */
	struct def_list	 header;	/* Name: value */
	char		*method;	/* GET or POST */
	char		*body;		/* JSON body template (POST) */
	char		*content_type;	/* of the body, or NULL: application/json */
	char		*filter;	/* NAME=TEMPLATE, filled from --since/--until */
	enum def_auth	 auth;
	char		*auth_name, *auth_scheme;
	char		*token_url, *token_scope;	/* auth oauth2 */
	long		 limit;		/* limit from a file, or -1 */
	long		 limit_max;	/* the API's largest page size, or -1 */
	char		*where[40];	/* where each setting was set (table order) */
	int		 layer[40];
	int		 cur_layer;
};

/* Settings with defaults: paginate datasync, records data, auth x-api-key. */
void	fx_def_init(struct def *d);

/*
 * Set name to value; where names the place ("FILE:LINE" or "--name") and
 * is kept. Returns 0, or -1 when name is not a ds-fetch setting (the
 * caller decides: ds-transform's names are skipped in files). Exits 64 on
 * a bad value or a scalar set twice in one layer.
 */
int	fx_def_set(struct def *d, const char *name, const char *value, const char *where);

/* Start the next layer (a file, or the command line). */
void	fx_def_layer(struct def *d);

/* Non-zero when name is a setting of ds-transform or ds-load (skipped by ds-fetch). */
int	fx_def_other_stage(const char *name);

/*
 * Check the definition as a whole: required settings of the style, a
 * setting of another style (a contradiction), settings the DataSync style
 * does not take. Exits 64 naming where the offending setting was set.
 * have_since/have_until: --since or --until was given.
 */
void	fx_def_check(const struct def *d, int have_since, int have_until);

/* Number of settings and the name of the i-th (for getopt tables). */
size_t	 fx_def_count(void);
const char *fx_def_name(size_t i);
/* The argument form of setting i for usage(): "style", "path", ... */
const char *fx_def_arg(size_t i);

void	fx_def_free(struct def *d);

#endif
