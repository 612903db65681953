/*
 * style_page.c - a page number (page-start on the first page, 0 or 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "def.h"
#include "gbody.h"
#include "json.h"
#include "style.h"
#include "url.h"

static const char *const needs[] = { "page-param", NULL };
static const char *const takes[] = { "page-param", "page-start", NULL };

/* The page parameter: page-start on the first page. */
static void
request(const struct def *d, const char *st, size_t n, struct ds_buf *url)
{
	char first[24];

	if (st == NULL) {
		snprintf(first, sizeof(first), "%ld", d->page_start);
		st = first;
		n = strlen(first);
	}
	fx_url_add_param(url, d->page_param, strlen(d->page_param), st, n);
}

/* The page number after this one. */
static int
next(const struct def *d, const struct gpage *pg, const struct style_resp *sr,
    struct ds_buf *out, struct ds_buf *why)
{
	unsigned long long page = (unsigned long long)d->page_start;
	char *end;

	(void)pg;
	ds_buf_reset(out);
	if (sr->state != NULL) {
		errno = 0;
		page = strtoull(sr->state, &end, 10);
		if (errno != 0 || *end != '\0' || *sr->state < '0' || *sr->state > '9') {
			ds_buf_printf(why, "paginate page: the state \"%s\" is not a page "
			    "number", sr->state);
			return -1;
		}
	}
	ds_buf_printf(out, "%llu", page + 1);
	return 1;
}

const struct style style_page = { "page", needs, takes, 0, request, next };
