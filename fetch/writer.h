/*
 * writer.h - page lines written by a thread of their own.
 *
 * The pager builds page N's line in a buffer of the writer's and hands it
 * over; the thread appends it to the archive (when there is one) and then
 * writes and flushes it to stdout, while the pager already asks for page
 * N + 1. So the time spent compressing the archive frame and waiting for
 * the next stage to read overlaps the next request. One line is in flight
 * at most (memory: two page lines), lines go out in order, whole, and a
 * page is archived before it is written, so an archive never lacks a page
 * the next stage saw. SIGTERM and SIGINT stay the calling thread's.
 */
#ifndef DS_FETCH_WRITER_H
#define DS_FETCH_WRITER_H

#include <stdatomic.h>

struct archive;
struct ds_buf;
struct writer;

/*
 * A writer for stdout (set up by ds_out_init()) and arch (or NULL). When a
 * write to stdout fails, *stop is set (to SIGPIPE, if still 0) so that the
 * pager's waits end now, not at the next page; the pager then exits as the
 * failed write would (fx_writer_buf() or fx_writer_drain()).
 */
struct writer *fx_writer_new(struct archive *arch, atomic_int *stop);

/*
 * The buffer to build the next line in (never the one being written).
 * Exits as a failed write to stdout would (lib/output.h) when an earlier
 * line could not be written.
 */
struct ds_buf *fx_writer_buf(struct writer *w);

/* Hand over the line built in fx_writer_buf()'s buffer. */
void	fx_writer_put(struct writer *w);

/* Wait until every line handed over is written; exits as fx_writer_buf() does. */
void	fx_writer_drain(struct writer *w);

/* Non-zero when the calling thread is w's. */
int	fx_writer_is_self(const struct writer *w);

/* Drain, stop the thread and free w (the archive stays the caller's); safe on NULL. */
void	fx_writer_free(struct writer *w);

#endif
