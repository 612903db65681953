/*
 * file.h - what the file formats (csv, json, geojson, singer) share: the
 * input as a buffer of bytes with their offsets, each record through the
 * record path (record.h) with the schema journal, and checkpoint lines
 * carrying a resume state (a cursor string) every so many records.
 */
#ifndef XF_FILE_H
#define XF_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "emit.h"

struct ds_reader;
struct xf_rec;

struct xf_file {
	struct ds_reader *rd;
	struct xf_rec	*r;
	struct xf_where	 w;		/* --stream, seq null */
	char		*streamtok;	/* owned JSON token of --stream */
	struct ds_buf	 in;		/* input bytes [base, base + in.len) */
	size_t		 pos;		/* first byte of in not consumed yet */
	uint64_t	 base;		/* input offset of in.p[0] */
	int		 eof;
	struct ds_buf	 out;		/* output lines not written yet */
	uint64_t	 every;		/* --checkpoint-every */
	uint64_t	 pending;	/* records and rejects since the last checkpoint line */
	uint64_t	 records;	/* records and rejects in all */
	struct ds_buf	 cursor;	/* resume state after the last complete record,
					   when unit is NULL */
	const char	*unit;		/* else it is "offset=<off> <unit>=<n>" */
	uint64_t	 off, n;
	struct ds_buf	 tmp;
	void		(*cleanup)(void *);	/* a format's state, freed before a */
	void		*cleanup_arg;		/* fail hook is called */
	/* UTF-16 or UTF-32 input (xf_file_utf16()): in holds it converted to
	   UTF-8, so offsets into in are mapped back to the input's (XF_OFF) */
	void		*cd;		/* iconv_t, or NULL */
	unsigned	 width;		/* bytes of its code unit: 2 or 4 */
	struct ds_buf	 raw;		/* input bytes not converted yet */
	uint64_t	 inread;	/* input bytes read */
	uint64_t	 inbase;	/* input offset of in.p[0] */
	size_t		 mark;		/* in.p[mark] is at input offset markoff */
	uint64_t	 markoff;
	struct xf_hashq	*hashq;		/* NULL, or hashes and writes on a thread */
};

/*
 * Tests only: when set, xf_file_fail() frees the format's state and calls
 * it with the message instead of exiting (it must not return: a fuzzing
 * harness longjmps out).
 */
extern void (*xf_file_failhook)(const char *msg);

/* Start over rd with the record path r and the stream name; free with xf_file_free(). */
void	xf_file_init(struct xf_file *f, struct ds_reader *rd, struct xf_rec *r,
	    const char *stream, uint64_t every);
void	xf_file_free(struct xf_file *f);

/*
 * Hash the records and write the output on a second thread (hashq.h)
 * from now on; xf_file_sync() before anything else writes to stdout.
 */
void	xf_file_threaded(struct xf_file *f);

/* Wait until the output handed to the thread is written. */
void	xf_file_sync(struct xf_file *f);

/* Input offset of the byte at p (a pointer into f->in). */
#define XF_OFF(f, ptr)	((f)->cd == NULL ? (f)->base + (uint64_t)((ptr) - (f)->in.p) : \
			    xf_file_off((f), (ptr)))

/*
 * Read the input as UTF-16 or UTF-32 (encoding: an iconv name of it, one
 * holding "32" for UTF-32; "UTF-16" reads a byte order mark) converted to
 * UTF-8, in chunks: each code unit the input holds that is not UTF-16 or
 * UTF-32 (a surrogate not in a pair, a value over U+10FFFF) becomes a
 * byte 0xff, and each byte of a cut last unit a byte 0xfe, never valid
 * UTF-8, so that the format rejects what holds it. Before the first read.
 */
void	xf_file_utf16(struct xf_file *f, const char *encoding);

/*
 * The UTF-16 or UTF-32 a byte order mark at the start of the input names
 * (UTF-16LE, UTF-16BE, UTF-32LE, UTF-32BE; static), or NULL. UTF-32LE's
 * mark begins as UTF-16LE's does: 4 bytes that are both are UTF-32 (as
 * UTF-16 they would start with a NUL character). Before the first read.
 */
const char *xf_file_bom(struct xf_file *f);

/*
 * Fail (xf_file_fail) when the input starts with a UTF-16 or UTF-32 byte
 * order mark: format (its name, "JSON") is UTF-8 only. Before the first read.
 */
void	xf_file_utf8_only(struct xf_file *f, const char *format);

/* XF_OFF of UTF-16 or UTF-32 input: the input offset of the converted byte at p. */
uint64_t xf_file_off(struct xf_file *f, const char *p);

/* Input bytes read so far. */
uint64_t xf_file_bytes(const struct xf_file *f);

/*
 * Resume at input offset off, at or after the next byte to consume: read
 * and drop the input before it. Fails (xf_file_fail) when the input ends
 * first or off is inside a character.
 */
void	xf_file_seek(struct xf_file *f, uint64_t off);

/*
 * Read more input onto the end of f->in, first dropping the bytes before
 * f->pos (so pointers into f->in are invalid after: keep offsets). Reads
 * at least as much as is held, so a value rescanned after each call costs
 * linear time. Returns 1, or 0 at the end of the input; exits on a read
 * error after writing the output of the complete records.
 */
int	xf_file_more(struct xf_file *f);

/*
 * Run the record path on the JSON text [p, p + n); returns XF_RECORD,
 * XF_REJECT or XF_BROKEN (nothing written, the schema journal rolled back,
 * f->r->reason says why). Counts the record for the next checkpoint line.
 */
int	xf_file_record(struct xf_file *f, const char *p, size_t n);

/* Append a reject line for reason with raw text (cut to XF_MAXRAW) and count it. */
void	xf_file_reject(struct xf_file *f, const char *reason, const char *raw, size_t n);

/*
 * The records so far are complete: the resume state is "offset=off
 * unit=n" (unit a static string: "row", "element", "feature"); write a
 * checkpoint line once --checkpoint-every records have passed since the
 * last one, and the output out when enough gathered.
 */
void	xf_file_done(struct xf_file *f, uint64_t off, const char *unit, uint64_t n);

/*
 * Append a checkpoint line with the resume state as cursor (JSON null when
 * it is empty), has_more, and when state is not NULL a "state" member
 * holding that JSON text.
 */
void	xf_file_checkpoint(struct xf_file *f, int has_more, const char *state, size_t n);

/* Write the output out (on the thread: hand it over), then flush stdout when flush is set. */
void	xf_file_write(struct xf_file *f, int flush);
#define xf_file_flush(f)	xf_file_write((f), 0)

/*
 * Bad input: write a checkpoint line at the last complete record (so the
 * loader keeps everything before), the output, then exit DS_EX_PERM with
 * the printf message.
 */
void	xf_file_fail(struct xf_file *f, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
