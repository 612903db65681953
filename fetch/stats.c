#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "secure.h"
#include "stats.h"

void
fx_stats_retry(struct stats *s, const char *cause)
{
	int i;

	s->retries++;
	for (i = 0; i < STATS_NCAUSE && s->cause[i] != NULL; i++)
		if (strcmp(s->cause[i], cause) == 0)
			break;
	if (i == STATS_NCAUSE)
		i = STATS_NCAUSE - 1;	/* unreachable with the causes we have */
	s->cause[i] = cause;
	s->by_cause[i]++;
}

void
fx_stats_set(char **field, const char *p, size_t n)
{
	free(*field);
	*field = p != NULL ? ds_xstrndup(p, n) : NULL;
}

void
fx_stats_causes(const struct stats *s, struct ds_buf *b)
{
	int i;

	for (i = 0; i < STATS_NCAUSE && s->cause[i] != NULL; i++)
		ds_buf_printf(b, " retries_%s=%llu", s->cause[i], s->by_cause[i]);
}

/* Append a value that must stay on one line: bytes below 0x20 become '?'. */
static void
oneline(struct ds_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		ds_buf_addc(b, (unsigned char)*s < 0x20 ? '?' : *s);
}

int
fx_stats_write(const struct stats *s, const char *path)
{
	struct ds_buf b = { 0 };
	int rc, e;

	ds_buf_printf(&b, "pages=%llu\nrecords=%llu\nbytes=%llu\nretries=%llu\n"
	    "http_429=%llu\nwaits_ms=%llu\ntotal=", s->pages, s->records, s->bytes,
	    s->retries, s->http_429, s->waits_ms);
	oneline(&b, s->total);
	ds_buf_adds(&b, "\nnext=");
	oneline(&b, s->next);
	ds_buf_printf(&b, "\nhas_more=%s\nstate=%s\n", s->has_more ? "true" : "false",
	    s->state);
	rc = ds_replace_file(path, b.p, b.len, 0644);
	e = errno;
	ds_buf_free(&b);
	errno = e;
	return rc;
}

void
fx_stats_free(struct stats *s)
{
	free(s->total);
	free(s->next);
	s->total = s->next = NULL;
}
