/*
 * hashq.h - the content hashes of record lines computed, and the lines
 * written to stdout, on a second thread.
 *
 * For the file formats the RFC 8785 form of each record, its SHA-256 and
 * the write(2) of the output cost half the work; with two cores they run
 * beside the parsing. The record path writes a line with 64 placeholder
 * digits and queues the canonical text with where the digits go; a full
 * output buffer is handed to the thread, which fills the digits in and
 * writes it, while the parsing goes on in a second buffer. The output is
 * byte for byte what the same records hashed in line would give, in order.
 *
 * Every function here is called by the parsing thread only. A failed write
 * exits as ds_out_write() does, from that thread, at the next hand-over.
 */
#ifndef XF_HASHQ_H
#define XF_HASHQ_H

#include <stddef.h>

struct ds_buf;
struct xf_hashq;

/* Start the thread; exits DS_EX_TEMP when it cannot. Free with xf_hashq_free(). */
struct xf_hashq *xf_hashq_new(void);

/*
 * Queue the hash of [p, p + n) (copied) for the output buffer being filled:
 * its 64 hex digits go at byte offset hashoff of that buffer, and at idoff
 * too unless idoff is (size_t)-1.
 */
void	xf_hashq_add(struct xf_hashq *q, const char *p, size_t n, size_t hashoff,
	    size_t idoff);

/*
 * Queue the hash of the RFC 8785 form of the object whose n members are m
 * (asis as ds_jcs_members() takes it), written out at byte offset dataoff
 * of the output buffer being filled, its first byte being base's: the
 * thread writes the canonical form from that copy.
 */
struct ds_json_member;
void	xf_hashq_add_members(struct xf_hashq *q, const struct ds_json_member *m, size_t n,
	    const unsigned char *asis, const char *base, size_t dataoff, size_t hashoff,
	    size_t idoff);

/*
 * The keys of the rows xf_hashq_add_row() queues (copied; shape->order
 * not NULL). Once, before the first row.
 */
struct xf_shape;
void	xf_hashq_shape(struct xf_hashq *q, const struct xf_shape *shape);

/*
 * Queue the hash of the RFC 8785 form of the object of len bytes written
 * out at byte offset dataoff of the output buffer being filled, whose keys
 * are those given to xf_hashq_shape() and whose n values start at the
 * offsets vals (copied) into it, each RFC 8785's as it is (xf_rec's vals).
 */
void	xf_hashq_add_row(struct xf_hashq *q, const size_t *vals, size_t n, size_t len,
	    size_t dataoff, size_t hashoff, size_t idoff);

/* The hashes queued so far, for xf_hashq_cut(). */
size_t	xf_hashq_mark(const struct xf_hashq *q);

/* Drop the hashes queued after mark (their lines were taken back). */
void	xf_hashq_cut(struct xf_hashq *q, size_t mark);

/*
 * Hand the output buffer *out (holding the queued hashes' lines) to the
 * thread to complete and write, flushing stdout after it when flush is
 * set; *out becomes an empty buffer to fill next. Waits while the thread
 * is still busy with the buffer handed over before.
 */
void	xf_hashq_write(struct xf_hashq *q, struct ds_buf *out, int flush);

/* Wait until everything handed over is written (and flushed if asked). */
void	xf_hashq_sync(struct xf_hashq *q);

/* Sync, stop the thread and free q (NULL is fine). */
void	xf_hashq_free(struct xf_hashq *q);

#endif
