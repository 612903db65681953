#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "copy.h"
#include "rows.h"

void
ld_rows_grow(struct ds_rows *r)
{
	r->cap = r->cap ? r->cap * 2 : 4096;
	r->off = ds_xrealloc(r->off, r->cap * sizeof(*r->off));
	r->state = ds_xrealloc(r->state, r->cap);
	r->pageseq = ds_xrealloc(r->pageseq, r->cap * sizeof(*r->pageseq));
}

size_t
ld_rows_live(const struct ds_rows *r, size_t lo, size_t hi)
{
	size_t n = 0;

	for (; lo < hi; lo++)
		n += r->state[lo] == DS_ROW_LIVE;
	return n;
}

size_t
ld_rows_nth_live(const struct ds_rows *r, size_t lo, size_t hi, size_t k)
{
	for (; lo < hi; lo++)
		if (r->state[lo] == DS_ROW_LIVE && k-- == 0)
			return lo;
	return hi;
}

void
ld_rows_field(const struct ds_rows *r, size_t i, size_t col, struct ds_buf *b)
{
	const char *p = r->text.p + r->off[i], *end = r->text.p + ld_rows_end(r, i) - 1;
	const char *tab;

	for (; col > 0 && (tab = memchr(p, '\t', (size_t)(end - p))) != NULL; col--)
		p = tab + 1;
	ld_copy_unfield(b, p, strcspn(p, "\t\n"));
	ds_buf_terminate(b);
}

void
ld_rows_refuse(struct ds_rows *r, size_t i, char *msg, const char *sqlstate)
{
	if (r->nref == r->capref) {
		r->capref = r->capref ? r->capref * 2 : 16;
		r->ref = ds_xrealloc(r->ref, r->capref * sizeof(*r->ref));
	}
	r->ref[r->nref].row = i;
	r->ref[r->nref].msg = msg;
	snprintf(r->ref[r->nref].sqlstate, sizeof(r->ref[r->nref].sqlstate), "%s",
	    sqlstate);
	r->nref++;
	r->state[i] = DS_ROW_REFUSED;
}

void
ld_rows_skip(struct ds_rows *r, size_t i)
{
	r->state[i] = DS_ROW_STORED;
	r->nskip++;
}

void
ld_rows_unskip(struct ds_rows *r)
{
	size_t i;

	for (i = 0; i < r->n && r->nskip > 0; i++)
		if (r->state[i] == DS_ROW_STORED) {
			r->state[i] = DS_ROW_LIVE;
			r->nskip--;
		}
}

void
ld_rows_reject_line(struct ds_buf *b, const char *stream, long long seq,
    const char *reason, const char *raw, size_t rawlen)
{
	if (stream != NULL)
		ld_copy_field(b, stream, strlen(stream));
	else
		ds_buf_adds(b, "\\N");
	if (seq >= 0)
		ds_buf_printf(b, "\t%lld\t", seq);
	else
		ds_buf_adds(b, "\t\\N\t");
	ld_copy_field(b, reason, strlen(reason));
	ds_buf_addc(b, '\t');
	ld_copy_field(b, raw ? raw : "", raw ? rawlen : 0);
	ds_buf_addc(b, '\n');
}

void
ld_rows_reject(struct ds_rows *r, const char *stream, long long seq,
    const char *reason, const char *raw, size_t rawlen)
{
	ld_rows_reject_line(&r->rej, stream, seq, reason, raw, rawlen);
	r->nrej++;
}

void
ld_rows_page(struct ds_rows *r, long long seq)
{
	size_t i;

	for (i = r->seqset; i < r->n; i++)
		r->pageseq[i] = seq;
	r->seqset = r->pageend = r->n;
	r->rejpage = r->rej.len;
	r->nrejpage = r->nrej;
}

void
ld_rows_drop_partial(struct ds_rows *r, size_t *rows, size_t *rejects)
{
	*rows = r->n - r->pageend;
	*rejects = r->nrej - r->nrejpage;
	if (r->pageend < r->n) {
		r->text.len = r->off[r->pageend];
		r->n = r->pageend;
		ds_buf_terminate(&r->text);
	}
	r->rej.len = r->rejpage;
	r->nrej = r->nrejpage;
	ds_buf_terminate(&r->rej);
}

void
ld_rows_refusals(const struct ds_rows *r, const char *stream, size_t raw_col,
    struct ds_buf *b)
{
	struct ds_buf raw = { 0 };
	size_t i, row;

	for (i = 0; i < r->nref; i++) {
		row = r->ref[i].row;
		ds_buf_reset(&raw);
		ld_rows_field(r, row, raw_col, &raw);
		ld_rows_reject_line(b, stream, r->pageseq[row], r->ref[i].msg,
		    raw.p ? raw.p : "", raw.len);
	}
	ds_buf_free(&raw);
}

void
ld_rows_reset(struct ds_rows *r)
{
	size_t i;

	ds_buf_reset(&r->text);
	r->n = r->seqset = r->pageend = r->nskip = 0;
	for (i = 0; i < r->nref; i++)
		free(r->ref[i].msg);
	r->nref = 0;
	ds_buf_reset(&r->rej);
	r->nrej = r->rejpage = r->nrejpage = 0;
}

void
ld_rows_free(struct ds_rows *r)
{
	ld_rows_reset(r);
	ds_buf_free(&r->text);
	ds_buf_free(&r->rej);
	free(r->off);
	free(r->state);
	free(r->pageseq);
	free(r->ref);
}
