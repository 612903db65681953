/*
 * reader.h - line reader over a file descriptor, zstd or plain.
 *
 * The input is zstd when it starts with the zstd frame magic (28 b5 2f fd);
 * concatenated frames (as `cat a.zst b.zst` makes) are read through. Memory
 * is bounded by the longest line accepted (maxline), never by the input.
 */
#ifndef DS_READER_H
#define DS_READER_H

#include <stddef.h>
#include <stdint.h>

struct ds_reader;

enum {
	DS_READ_EOF = 0,	/* no more lines */
	DS_READ_LINE = 1,	/* *line holds a whole line */
	DS_READ_LONG = 2,	/* line longer than maxline: *line holds its first maxline bytes;
				   the rest of it was skipped */
	DS_READ_ERR = -1	/* read or decompression error: see ds_reader_error() */
};

/* Start reading fd; the reader does not close it. Caller frees with ds_reader_free(). */
struct ds_reader *ds_reader_new(int fd, size_t maxline);
void	ds_reader_free(struct ds_reader *r);

/*
 * Next line without its '\n' (a final line without one counts). The line is
 * NUL-terminated in place and stays valid until the next call; *len excludes
 * the NUL.
 */
int	ds_reader_next(struct ds_reader *r, char **line, size_t *len);

/*
 * While no input is ready, call fn(arg) before waiting for it: fn returns
 * how many milliseconds to wait before it is called again, or -1 to wait
 * until input comes. So a stage can flush its output, or commit, when its
 * upstream goes quiet instead of holding what it has until more arrives.
 * fn is called between lines only from the reader's own reads.
 */
void	ds_reader_on_idle(struct ds_reader *r, int (*fn)(void *), void *arg);

/*
 * Without consuming anything, read until the bytes ready hold the end of
 * the first line that is not blank (white space alone), or want bytes, or
 * the input ends; point *p at them, *n their count (the reader owns them;
 * valid until the next call). Returns 0, or DS_READ_ERR.
 */
int	ds_reader_peek(struct ds_reader *r, size_t want, const char **p, size_t *n);

/*
 * The input as blocks rather than lines: the unread bytes (after any lines
 * read so far), reading more when there are none. Returns DS_READ_LINE with
 * *p and *n set (the reader owns them; valid until the next call), or
 * DS_READ_EOF, or DS_READ_ERR.
 */
int	ds_reader_chunk(struct ds_reader *r, char **p, size_t *n);

/* Byte offset (in the decompressed stream) of the last line's first byte. */
uint64_t ds_reader_offset(const struct ds_reader *r);

/* Bytes (decompressed) handed out or skipped so far: at the end, the input's. */
uint64_t ds_reader_consumed(const struct ds_reader *r);
/* 1-based number of the last line returned. */
uint64_t ds_reader_lineno(const struct ds_reader *r);
/* Non-zero when the input is zstd. */
int	ds_reader_is_zstd(const struct ds_reader *r);
/* Text of the last DS_READ_ERR; owned by the reader. */
const char *ds_reader_error(const struct ds_reader *r);

#endif
