#include <string.h>

#include "buf.h"
#include "log.h"
#include "secure.h"
#include "batch.h"
#include "stats.h"

void
ld_stats_write(const char *path, const struct ds_totals *t, const char *state)
{
	struct ds_buf b = { 0 };

	if (path == NULL)
		return;
	ds_buf_printf(&b, "records=%lld\nduplicates=%lld\nupdated=%lld\nrejects=%lld\n"
	    "batches=%lld\n", t->c.records, t->c.duplicates, t->c.updated,
	    t->c.rejects, t->batches);
	if (t->committed_cp)
		ds_buf_printf(&b, "seq=%lld\n", t->seq);
	else
		ds_buf_adds(&b, "seq=\n");
	/* a cursor is one line of opaque text from the API; newlines are not expected */
	ds_buf_printf(&b, "cursor=%.*s\n", t->cursor ? (int)strcspn(t->cursor, "\n") : 0,
	    t->cursor ? t->cursor : "");
	ds_buf_printf(&b, "has_more=%s\nstate=%s\n", t->committed_cp ? (t->has_more ?
	    "true" : "false") : "", state);
	if (ds_replace_file(path, b.p, b.len, 0644) < 0)
		ds_warn("cannot write the stats file %s", path);
	ds_buf_free(&b);
}
