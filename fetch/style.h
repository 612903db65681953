/*
 * style.h - the seam between the pager and a pagination style.
 *
 * A style is one small file (style_*.c): it adds the resume state to the
 * request of a page and reads the next state off a response. The state is
 * opaque text (a cursor, an offset, a page number, a URL without secrets,
 * a last id): it is the page line's cursor and next, so ds-load stores it
 * and ds-run restarts from it whatever the style. The DataSync style keeps
 * its own fast path in the pager (body.c, request ahead).
 */
#ifndef DS_FETCH_STYLE_H
#define DS_FETCH_STYLE_H

#include <stddef.h>

struct def;
struct ds_buf;
struct gpage;

/* What a style sees of one response besides its body. */
struct style_resp {
	const char	*url;		/* the request's URL (without secrets) */
	const char	*link_next;	/* the Link header's rel="next" target, or NULL */
	const char	*state;		/* the state the request was made from, or NULL */
	size_t		 statelen;
	long		 limit;		/* the page size asked for */
};

struct style {
	const char	*name;
	/* settings the style needs, and the ones only it takes (NULL-ended) */
	const char *const *needs;
	const char *const *takes;
	/* the state is a URL: a request after the first is that URL as it is */
	int		 url_state;
	/*
	 * Add the parameters of state (NULL on the first page) to url, the
	 * request so far. NULL for styles whose state is a URL.
	 */
	void		(*request)(const struct def *d, const char *state, size_t n,
			    struct ds_buf *url);
	/*
	 * Set next (reset first) to the state after the page pg. Returns 1
	 * when there is one, 0 when the response names none, or -1 with why
	 * (naming the setting, path and byte offset) when it names one that
	 * cannot be used.
	 */
	int		(*next)(const struct def *d, const struct gpage *pg,
			    const struct style_resp *sr, struct ds_buf *next,
			    struct ds_buf *why);
};

extern const struct style style_datasync, style_cursor, style_link, style_next_url,
	style_offset, style_page, style_after_id, style_none;

/*
 * after-id with after-time-field: the state (st, n bytes) that goes on
 * without the id of st, whose object the server no longer has: " TIME",
 * asking after-time-param=TIME, into out (reset first). Returns 1, or 0
 * when st holds no time (or the style is not after-id).
 */
int	fx_style_after_gone(const struct def *d, const char *st, size_t n,
	    struct ds_buf *out);

/* The style called name, or NULL. */
const struct style *fx_style_find(const char *name);

/* The names of every style, for messages: "datasync, cursor, ...". */
const char *fx_style_names(void);

#endif
