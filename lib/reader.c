#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "buf.h"
#include "reader.h"

#define CHUNK	(256 * 1024)

struct ds_reader {
	int		 fd;
	size_t		 maxline;
	char		*buf;		/* decompressed bytes: [start, end) unread */
	size_t		 cap, start, end, scan;
	int		 detected, zstd, eof, skipping;
	ZSTD_DCtx	*dctx;
	char		*in;		/* raw zstd input: [inpos, inlen) unread */
	size_t		 inlen, inpos;
	size_t		 frame;		/* ZSTD_decompressStream's last hint: 0 = frame ended */
	uint64_t	 consumed;	/* decompressed offset of buf[start] */
	uint64_t	 off, lineno;
	int		(*idle)(void *);
	void		*idlearg;
	char		 err[160];
};

struct ds_reader *
ds_reader_new(int fd, size_t maxline)
{
	struct ds_reader *r = ds_xcalloc(1, sizeof(*r));

	r->fd = fd;
	r->maxline = maxline ? maxline : 1;
	r->cap = CHUNK * 2;
	r->buf = ds_xmalloc(r->cap + 1);
	return r;
}

void
ds_reader_free(struct ds_reader *r)
{
	if (r == NULL)
		return;
	ZSTD_freeDCtx(r->dctx);
	free(r->in);
	free(r->buf);
	free(r);
}

void
ds_reader_on_idle(struct ds_reader *r, int (*fn)(void *), void *arg)
{
	r->idle = fn;
	r->idlearg = arg;
}

/* With an idle hook: call it while no input is ready, waiting as it says. */
static void
wait_input(struct ds_reader *r)
{
	struct pollfd pfd;
	int rc;

	pfd.fd = r->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) != 0)
		return;		/* ready, or an error the read will report */
	for (;;) {
		rc = poll(&pfd, 1, r->idle(r->idlearg));
		if (rc > 0 || (rc < 0 && errno != EINTR))
			return;
	}
}

static ssize_t
xread(struct ds_reader *r, char *p, size_t n)
{
	ssize_t got;

	if (r->idle != NULL)
		wait_input(r);
	do
		got = read(r->fd, p, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		snprintf(r->err, sizeof(r->err), "read error: %s", strerror(errno));
	return got;
}

/* Look at the first bytes to choose zstd or plain; 0 ok, -1 error. */
static int
detect(struct ds_reader *r)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	size_t have = 0;
	ssize_t got;

	r->in = ds_xmalloc(CHUNK);
	while (have < 4) {
		if ((got = xread(r, r->in + have, CHUNK - have)) < 0)
			return -1;
		if (got == 0)
			break;
		have += (size_t)got;
	}
	r->detected = 1;
	if (have >= 4 && memcmp(r->in, magic, 4) == 0) {
		r->zstd = 1;
		if ((r->dctx = ZSTD_createDCtx()) == NULL) {
			snprintf(r->err, sizeof(r->err), "cannot create zstd context");
			return -1;
		}
		r->inlen = have;
		r->inpos = 0;
		return 0;
	}
	memcpy(r->buf, r->in, have);
	r->end = have;
	free(r->in);
	r->in = NULL;
	if (have == 0)
		r->eof = 1;
	return 0;
}

/* Read or decompress more bytes after end; 1 got some, 0 EOF, -1 error. */
static int
fill(struct ds_reader *r)
{
	ssize_t got;

	if (r->start > 0 && (r->cap - r->end < CHUNK || r->start == r->end)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < CHUNK) {
		r->cap = r->cap * 2;
		r->buf = ds_xrealloc(r->buf, r->cap + 1);
	}
	if (!r->zstd) {
		if ((got = xread(r, r->buf + r->end, r->cap - r->end)) < 0)
			return -1;
		r->end += (size_t)got;
		return got > 0;
	}
	for (;;) {
		ZSTD_inBuffer zin;
		ZSTD_outBuffer zout;
		size_t ret;

		if (r->inpos == r->inlen) {
			if ((got = xread(r, r->in, CHUNK)) < 0)
				return -1;
			if (got == 0) {
				if (r->frame != 0) {
					snprintf(r->err, sizeof(r->err),
					    "truncated zstd input at decompressed offset %llu",
					    (unsigned long long)(r->consumed + (r->end - r->start)));
					return -1;
				}
				return 0;
			}
			r->inlen = (size_t)got;
			r->inpos = 0;
		}
		zin.src = r->in;
		zin.size = r->inlen;
		zin.pos = r->inpos;
		zout.dst = r->buf + r->end;
		zout.size = r->cap - r->end;
		zout.pos = 0;
		ret = ZSTD_decompressStream(r->dctx, &zout, &zin);
		if (ZSTD_isError(ret)) {
			snprintf(r->err, sizeof(r->err),
			    "zstd error at decompressed offset %llu: %s",
			    (unsigned long long)(r->consumed + (r->end - r->start)),
			    ZSTD_getErrorName(ret));
			return -1;
		}
		r->frame = ret;
		r->inpos = zin.pos;
		r->end += zout.pos;
		if (zout.pos > 0)
			return 1;
	}
}

static void
take(struct ds_reader *r, size_t n)
{
	r->start += n;
	r->consumed += n;
	r->scan = r->start;
}

int
ds_reader_next(struct ds_reader *r, char **line, size_t *len)
{
	char *nl;
	int rc;

	if (!r->detected && detect(r) < 0)
		return DS_READ_ERR;
	while (r->skipping) {
		if ((nl = memchr(r->buf + r->start, '\n', r->end - r->start)) != NULL) {
			take(r, (size_t)(nl - (r->buf + r->start)) + 1);
			r->skipping = 0;
			break;
		}
		take(r, r->end - r->start);
		if ((rc = fill(r)) <= 0)
			return rc < 0 ? DS_READ_ERR : DS_READ_EOF;
	}
	for (;;) {
		size_t n;

		nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		if (nl != NULL) {
			n = (size_t)(nl - (r->buf + r->start));
			if (n > r->maxline)
				goto toolong;
			*line = r->buf + r->start;
			*len = n;
			*nl = '\0';
			r->off = r->consumed;
			r->lineno++;
			take(r, n + 1);
			return DS_READ_LINE;
		}
		r->scan = r->end;
		if (r->end - r->start > r->maxline)
			goto toolong;
		if (r->eof || (rc = fill(r)) == 0) {
			r->eof = 1;
			n = r->end - r->start;
			if (n == 0)
				return DS_READ_EOF;
			*line = r->buf + r->start;
			*len = n;
			r->buf[r->end] = '\0';
			r->off = r->consumed;
			r->lineno++;
			take(r, n);
			return DS_READ_LINE;
		}
		if (rc < 0)
			return DS_READ_ERR;
	}
toolong:
	*line = r->buf + r->start;
	*len = r->maxline;
	r->off = r->consumed;
	r->lineno++;
	r->skipping = 1;
	/* The byte after the prefix belongs to the same line and is skipped. */
	r->buf[r->start + r->maxline] = '\0';
	take(r, r->maxline);
	return DS_READ_LONG;
}

/* Whether [p, end) holds the end of a line that is not blank. */
static int
first_line_ends(const char *p, const char *end)
{
	for (; p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'); p++)
		;
	return p < end && memchr(p, '\n', (size_t)(end - p)) != NULL;
}

int
ds_reader_peek(struct ds_reader *r, size_t want, const char **p, size_t *n)
{
	int rc;

	if (!r->detected && detect(r) < 0)
		return DS_READ_ERR;
	while (!r->eof && !r->skipping && r->end - r->start < want &&
	    !first_line_ends(r->buf + r->start, r->buf + r->end)) {
		if ((rc = fill(r)) < 0)
			return DS_READ_ERR;
		if (rc == 0)
			r->eof = 1;
	}
	*p = r->buf + r->start;
	*n = r->end - r->start;
	return 0;
}

int
ds_reader_chunk(struct ds_reader *r, char **p, size_t *n)
{
	int rc;

	if (!r->detected && detect(r) < 0)
		return DS_READ_ERR;
	if (r->start == r->end) {
		if (r->eof)
			return DS_READ_EOF;
		if ((rc = fill(r)) < 0)
			return DS_READ_ERR;
		if (rc == 0) {
			r->eof = 1;
			return DS_READ_EOF;
		}
	}
	*p = r->buf + r->start;
	*n = r->end - r->start;
	r->off = r->consumed;
	take(r, *n);
	return DS_READ_LINE;
}

uint64_t
ds_reader_offset(const struct ds_reader *r)
{
	return r->off;
}

uint64_t
ds_reader_consumed(const struct ds_reader *r)
{
	return r->consumed;
}

uint64_t
ds_reader_lineno(const struct ds_reader *r)
{
	return r->lineno;
}

int
ds_reader_is_zstd(const struct ds_reader *r)
{
	return r->zstd;
}

const char *
ds_reader_error(const struct ds_reader *r)
{
	return r->err;
}
