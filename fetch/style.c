#include <string.h>

#include "buf.h"
#include "style.h"

static const struct style *const styles[] = {
	&style_datasync, &style_cursor, &style_link, &style_next_url, &style_offset,
	&style_page, &style_after_id, &style_none
};

const struct style *
fx_style_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(styles) / sizeof(styles[0]); i++)
		if (strcmp(styles[i]->name, name) == 0)
			return styles[i];
	return NULL;
}

const char *
fx_style_names(void)
{
	return "datasync, cursor, link, next-url, offset, page, after-id, none";
}

/* DataSync: the pager's own path (body.c, url.c); only its name is here. */
const struct style style_datasync = { "datasync", NULL, NULL, 0, NULL, NULL };

/* No pagination: one request. */
static int
none_next(const struct def *d, const struct gpage *pg, const struct style_resp *sr,
    struct ds_buf *out, struct ds_buf *why)
{
	(void)d, (void)pg, (void)sr, (void)why;
	ds_buf_reset(out);
	return 0;
}

const struct style style_none = { "none", NULL, NULL, 0, NULL, none_next };
