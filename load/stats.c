#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "batch.h"
#include "stats.h"

void
ds_stats_write(const char *path, const struct ds_totals *t, const char *state)
{
	struct ds_buf tmp = { 0 };
	FILE *f;
	int bad;

	if (path == NULL)
		return;
	ds_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	if ((f = fopen(tmp.p, "w")) == NULL) {
		ds_warn("cannot write the stats file %s", tmp.p);
		ds_buf_free(&tmp);
		return;
	}
	fprintf(f, "records=%lld\nduplicates=%lld\nupdated=%lld\nrejects=%lld\n"
	    "batches=%lld\n", t->c.records, t->c.duplicates, t->c.updated,
	    t->c.rejects, t->batches);
	if (t->committed_cp)
		fprintf(f, "seq=%lld\n", t->seq);
	else
		fprintf(f, "seq=\n");
	/* a cursor is one line of opaque text from the API; newlines are not expected */
	fprintf(f, "cursor=%.*s\n", t->cursor ? (int)strcspn(t->cursor, "\n") : 0,
	    t->cursor ? t->cursor : "");
	fprintf(f, "has_more=%s\nstate=%s\n", t->committed_cp ? (t->has_more ?
	    "true" : "false") : "", state);
	bad = ferror(f);
	bad |= fclose(f) != 0;
	if (bad || rename(tmp.p, path) != 0) {
		ds_warn("cannot write the stats file %s", path);
		unlink(tmp.p);
	}
	ds_buf_free(&tmp);
}
