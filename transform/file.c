#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "file.h"
#include "hashq.h"
#include "json.h"
#include "log.h"
#include "output.h"
#include "reader.h"
#include "record.h"
#include "schema.h"

#define FLUSH_AT	(256 * 1024)	/* output bytes gathered before a write */
#define MINREAD		(64 * 1024)

void (*xf_file_failhook)(const char *msg);

void
xf_file_init(struct xf_file *f, struct ds_reader *rd, struct xf_rec *r,
    const char *stream, uint64_t every)
{
	struct ds_buf b = { 0 };

	memset(f, 0, sizeof(*f));
	f->rd = rd;
	f->r = r;
	f->every = every;
	ds_json_put_str(&b, stream, strlen(stream));
	f->streamtok = b.p;
	f->w.stream = b.p;
	f->w.streamlen = b.len;
	f->w.seq = "null";
	f->w.seqlen = 4;
}

void
xf_file_free(struct xf_file *f)
{
	if (f->cd != NULL)
		iconv_close((iconv_t)f->cd);
	if (f->hashq != NULL) {
		xf_hashq_free(f->hashq);
		f->r->hashq = NULL;
	}
	ds_buf_free(&f->raw);
	free(f->streamtok);
	ds_buf_free(&f->in);
	ds_buf_free(&f->out);
	ds_buf_free(&f->cursor);
	ds_buf_free(&f->tmp);
}

void
xf_file_threaded(struct xf_file *f)
{
	f->hashq = xf_hashq_new();
	f->r->hashq = f->hashq;
}

void
xf_file_sync(struct xf_file *f)
{
	if (f->hashq != NULL)
		xf_hashq_sync(f->hashq);
}

void
xf_file_write(struct xf_file *f, int flush)
{
	if (f->hashq != NULL)
		xf_hashq_write(f->hashq, &f->out, flush);
	else {
		ds_out_write(f->out.p, f->out.len);
		f->out.len = 0;
		if (flush)
			ds_out_flush();
	}
}

void
xf_file_utf16(struct xf_file *f, const char *encoding)
{
	iconv_t cd;

	if ((cd = iconv_open("UTF-8", encoding)) == (iconv_t)-1)
		ds_diex(DS_EX_USAGE, "--encoding %s: iconv cannot convert it to UTF-8: %s",
		    encoding, strerror(errno));
	f->cd = (void *)cd;
	f->width = strstr(encoding, "32") != NULL ? 4 : 2;
}

const char *
xf_file_bom(struct xf_file *f)
{
	const unsigned char *u;
	const char *p;
	size_t n;

	if (ds_reader_peek(f->rd, 4, &p, &n) != 0 || n < 2)
		return NULL;
	u = (const unsigned char *)p;
	if (n >= 4 && memcmp(u, "\xff\xfe\0\0", 4) == 0)
		return "UTF-32LE";
	if (n >= 4 && memcmp(u, "\0\0\xfe\xff", 4) == 0)
		return "UTF-32BE";
	if (u[0] == 0xff && u[1] == 0xfe)
		return "UTF-16LE";
	if (u[0] == 0xfe && u[1] == 0xff)
		return "UTF-16BE";
	return NULL;
}

void
xf_file_utf8_only(struct xf_file *f, const char *format)
{
	const char *mark = xf_file_bom(f);

	if (mark != NULL)
		xf_file_fail(f, "the input starts with a %s byte order mark, but %s is UTF-8"
		    " (convert it first: iconv -f %s -t UTF-8)", mark, format, mark);
}

/*
 * Bytes of UTF-16 (width 2) or UTF-32 (width 4) input behind the UTF-8
 * bytes [p, e) converted from it.
 */
static uint64_t
wide_bytes(const unsigned char *p, const unsigned char *e, unsigned width)
{
	uint64_t n = 0;

	for (; p < e; p++) {
		if (*p < 0x80 || (*p >= 0xc0 && *p < 0xf0) || *p == 0xff)
			n += width;	/* one code unit */
		else if (*p >= 0xf0 && *p < 0xf8)
			n += 4;		/* a surrogate pair, or one UTF-32 unit */
		else if (*p == 0xfe)
			n += 1;		/* a byte of a cut last unit */
	}
	return n;
}

uint64_t
xf_file_off(struct xf_file *f, const char *p)
{
	size_t at = (size_t)(p - f->in.p);

	if (at < f->mark) {
		f->mark = 0;
		f->markoff = f->inbase;
	}
	f->markoff += wide_bytes((const unsigned char *)f->in.p + f->mark,
	    (const unsigned char *)p, f->width);
	f->mark = at;
	return f->markoff;
}

uint64_t
xf_file_bytes(const struct xf_file *f)
{
	return f->cd != NULL ? f->inread : f->base + f->in.len;
}

/*
 * Convert f->raw onto the end of f->in, keeping a sequence the input held
 * cut short for the next call unless the input ended (eof).
 */
static void
convert(struct xf_file *f, int eof)
{
	char *in = f->raw.p, *out;
	size_t inleft = f->raw.len, outleft, n;

	while (inleft > 0) {
		/* UTF-8 takes at most 3 bytes for 2 of UTF-16, 4 for 4 of UTF-32 */
		ds_buf_reserve(&f->in, inleft * 2 + 16);
		out = f->in.p + f->in.len;
		outleft = f->in.cap - f->in.len - 1;
		n = iconv((iconv_t)f->cd, &in, &inleft, &out, &outleft);
		f->in.len = (size_t)(out - f->in.p);
		if (n != (size_t)-1 || errno == E2BIG)
			continue;
		if (errno == EINVAL && !eof)
			break;
		n = inleft >= f->width ? f->width : 1;
		ds_buf_addc(&f->in, n == f->width ? '\xff' : '\xfe');
		in += n;
		inleft -= n;
	}
	memmove(f->raw.p, in, inleft);
	f->raw.len = inleft;
}

/* Append the chunk [p, p + n) read from the input to f->in. */
static void
take(struct xf_file *f, const char *p, size_t n)
{
	if (f->cd == NULL) {
		ds_buf_add(&f->in, p, n);
		return;
	}
	ds_buf_add(&f->raw, p, n);
	f->inread += n;
	convert(f, 0);
}

void
xf_file_seek(struct xf_file *f, uint64_t off)
{
	size_t i;

	while (XF_OFF(f, f->in.p + f->in.len) < off) {
		f->pos = f->in.len;
		if (!xf_file_more(f))
			xf_file_fail(f, "--resume: the input ends at byte %llu, before offset"
			    " %llu", (unsigned long long)xf_file_bytes(f), (unsigned long long)off);
	}
	if (f->cd == NULL) {
		f->pos = (size_t)(off - f->base);
		return;
	}
	for (i = f->pos; i < f->in.len && XF_OFF(f, f->in.p + i) < off; i++)
		;
	if (XF_OFF(f, f->in.p + i) != off)
		xf_file_fail(f, "--resume: offset %llu is inside a character",
		    (unsigned long long)off);
	f->pos = i;
}

int
xf_file_more(struct xf_file *f)
{
	size_t held, got = 0, n;
	char *p;
	int rc;

	if (f->eof)
		return 0;
	if (f->pos > 0) {
		if (f->cd != NULL) {
			f->inbase = XF_OFF(f, f->in.p + f->pos);
			f->mark = 0;
			f->markoff = f->inbase;
		}
		memmove(f->in.p, f->in.p + f->pos, f->in.len - f->pos);
		f->in.len -= f->pos;
		f->base += f->pos;
		f->pos = 0;
	}
	held = f->in.len;
	do {
		rc = ds_reader_chunk(f->rd, &p, &n);
		if (rc == DS_READ_ERR) {
			xf_file_fail(f, "stdin: %s (at byte %llu)", ds_reader_error(f->rd),
			    (unsigned long long)xf_file_bytes(f));
		}
		if (rc == DS_READ_EOF) {
			f->eof = 1;
			if (f->cd != NULL && f->raw.len > 0) {
				convert(f, 1);
				got++;
			}
			break;
		}
		take(f, p, n);
		got += n;
	} while (got < held && got < MINREAD * 1024);
	ds_buf_terminate(&f->in);
	return got > 0;
}

int
xf_file_record(struct xf_file *f, const char *p, size_t n)
{
	size_t mark = f->out.len, qmark = f->hashq != NULL ? xf_hashq_mark(f->hashq) : 0;
	uint64_t nrec = f->r->nrecords, nrej = f->r->nrejects;
	const char *recend;
	int rc;

	xf_schema_begin(f->r->schemas);
	rc = xf_record(f->r, &f->w, p, p + n, p, &recend, &f->out);
	if (rc == XF_BROKEN) {
		f->out.len = mark;
		if (f->hashq != NULL)
			xf_hashq_cut(f->hashq, qmark);
		f->r->nrecords = nrec;
		f->r->nrejects = nrej;
		xf_schema_rollback(f->r->schemas);
		return rc;
	}
	xf_schema_commit(f->r->schemas);
	f->pending++;
	f->records++;
	return rc;
}

void
xf_file_reject(struct xf_file *f, const char *reason, const char *raw, size_t n)
{
	xf_reject(f->r, &f->w, reason, raw, n > XF_MAXRAW ? XF_MAXRAW : n, &f->out);
	f->pending++;
	f->records++;
}

void
xf_file_checkpoint(struct xf_file *f, int has_more, const char *state, size_t n)
{
	ds_buf_adds(&f->out, "{\"$ds\":\"checkpoint\",\"stream\":");
	ds_buf_add(&f->out, f->w.stream, f->w.streamlen);
	ds_buf_adds(&f->out, ",\"seq\":null,\"cursor\":");
	if (f->unit != NULL)
		ds_buf_printf(&f->out, "\"offset=%llu %s=%llu\"", (unsigned long long)f->off,
		    f->unit, (unsigned long long)f->n);
	else if (f->cursor.len > 0)
		ds_json_put_str(&f->out, f->cursor.p, f->cursor.len);
	else
		ds_buf_adds(&f->out, "null");
	ds_buf_printf(&f->out, ",\"has_more\":%s,\"records\":%llu",
	    has_more ? "true" : "false", (unsigned long long)f->pending);
	if (state != NULL) {
		ds_buf_adds(&f->out, ",\"state\":");
		ds_buf_add(&f->out, state, n);
	}
	ds_buf_adds(&f->out, "}\n");
	f->pending = 0;
}

void
xf_file_done(struct xf_file *f, uint64_t off, const char *unit, uint64_t n)
{
	f->off = off;
	f->unit = unit;
	f->n = n;
	if (f->pending >= f->every)
		xf_file_checkpoint(f, 1, NULL, 0);
	if (f->out.len >= FLUSH_AT)
		xf_file_flush(f);
}

void
xf_file_fail(struct xf_file *f, const char *fmt, ...)
{
	struct ds_buf msg = { 0 };
	va_list ap;
	int n;

	if (f->pending > 0 || f->cursor.len > 0 || f->unit != NULL)
		xf_file_checkpoint(f, 1, NULL, 0);
	xf_file_flush(f);
	xf_file_sync(f);
	ds_out_flush();
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ds_buf_reserve(&msg, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(msg.p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (xf_file_failhook != NULL) {
		if (f->cleanup != NULL)
			f->cleanup(f->cleanup_arg);
		ds_buf_reset(&f->tmp);
		ds_buf_add(&f->tmp, msg.p, (size_t)n);
		ds_buf_free(&msg);
		xf_file_failhook(f->tmp.p);
	}
	ds_diex(DS_EX_PERM, "%s", msg.p);
}
