/*
 * rows.h - the batch's row buffer: records as COPY text lines, the state
 * of each row (live, refused, skipped as stored), the page each belongs
 * to, the refused rows' messages and the batch's rejects as ds_rejects
 * COPY lines. Memory is kept from batch to batch (ld_rows_reset()).
 */
#ifndef DS_LOAD_ROWS_H
#define DS_LOAD_ROWS_H

#include <stddef.h>

#include "buf.h"

/* What a row's state says of it. */
enum ds_row_state {
	DS_ROW_LIVE,		/* to be loaded */
	DS_ROW_REFUSED,		/* refused by the server: stored in ds_rejects */
	DS_ROW_STORED		/* its id is stored already: skipped */
};

struct ds_refusal {
	size_t		 row;
	char		*msg;
	char		 sqlstate[6];	/* the server's SQLSTATE, or "none" */
};

struct ds_rows {
	struct ds_buf	 text;		/* COPY text lines; row i starts at off[i] */
	size_t		*off;
	size_t		 n, cap;
	unsigned char	*state;		/* per row: enum ds_row_state */
	long long	*pageseq;	/* per row: seq of its page (-1 unknown) */
	size_t		 seqset;	/* rows whose pageseq is set */
	size_t		 pageend;	/* rows up to the last checkpoint */
	size_t		 nskip;		/* rows in state DS_ROW_STORED */
	struct ds_refusal *ref;		/* refused rows and the server's messages */
	size_t		 nref, capref;
	struct ds_buf	 rej;		/* ds_rejects COPY lines */
	size_t		 nrej;
	size_t		 rejpage;	/* rej's length at the last checkpoint */
	size_t		 nrejpage;	/* nrej then */
};

/* End of row i's text (one past its newline). */
static inline size_t
ld_rows_end(const struct ds_rows *r, size_t i)
{
	return i + 1 < r->n ? r->off[i + 1] : r->text.len;
}

/* Make room for one more row (ld_rows_push() calls it). */
void	ld_rows_grow(struct ds_rows *r);

/* Make the text appended to r->text since start (ending in '\n') a live row. */
static inline void
ld_rows_push(struct ds_rows *r, size_t start)
{
	if (r->n + 1 >= r->cap)
		ld_rows_grow(r);
	r->off[r->n] = start;
	r->state[r->n] = DS_ROW_LIVE;
	r->pageseq[r->n] = -1;
	r->n++;
}

/* Rows in [lo, hi) still live. */
size_t	ld_rows_live(const struct ds_rows *r, size_t lo, size_t hi);

/* The k-th (0-based) live row in [lo, hi), or hi when there are fewer. */
size_t	ld_rows_nth_live(const struct ds_rows *r, size_t lo, size_t hi, size_t k);

/* Append the decoded value of field col (0-based) of row i to b, terminated. */
void	ld_rows_field(const struct ds_rows *r, size_t i, size_t col, struct ds_buf *b);

/*
 * Mark row i refused with the server's message msg (r takes it over;
 * malloc'd) and SQLSTATE sqlstate (copied).
 */
void	ld_rows_refuse(struct ds_rows *r, size_t i, char *msg, const char *sqlstate);

/* Mark live row i skipped: its id is stored already. */
void	ld_rows_skip(struct ds_rows *r, size_t i);

/* Make the skipped rows live again (a retry finds them again). */
void	ld_rows_unskip(struct ds_rows *r);

/* Append a ds_rejects COPY line to b: stream may be NULL, seq -1, raw NULL. */
void	ld_rows_reject_line(struct ds_buf *b, const char *stream, long long seq,
	    const char *reason, const char *raw, size_t rawlen);

/* Add a reject (from ds-transform, or a record PostgreSQL text cannot hold). */
void	ld_rows_reject(struct ds_rows *r, const char *stream, long long seq,
	    const char *reason, const char *raw, size_t rawlen);

/* A checkpoint line with seq closed a page: the rows and rejects so far are whole. */
void	ld_rows_page(struct ds_rows *r, long long seq);

/*
 * Drop the rows and rejects added after the last page closed; rows and
 * rejects dropped go to *rows and *rejects.
 */
void	ld_rows_drop_partial(struct ds_rows *r, size_t *rows, size_t *rejects);

/*
 * Append to b a ds_rejects COPY line for each refused row: the server's
 * message and the decoded text of field raw_col (the record's JSON).
 */
void	ld_rows_refusals(const struct ds_rows *r, const char *stream, size_t raw_col,
	    struct ds_buf *b);

/* Forget the rows, refusals and rejects (memory is kept); free it all. */
void	ld_rows_reset(struct ds_rows *r);
void	ld_rows_free(struct ds_rows *r);

#endif
