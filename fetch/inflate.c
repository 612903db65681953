#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libdeflate.h>
#include <zlib.h>

#include "buf.h"
#include "exits.h"
#include "http.h"
#include "inflate.h"
#include "log.h"

/* Why a body whose compressed stream has no end is refused. */
#define CUT_SHORT	"the compressed stream ends before its end (a cut body)"

int
fx_inflate_enc(const char *v)
{
	if (*v == '\0' || strcasecmp(v, "identity") == 0)
		return ENC_NONE;
	if (strcasecmp(v, "gzip") == 0 || strcasecmp(v, "x-gzip") == 0)
		return ENC_GZIP;
	if (strcasecmp(v, "deflate") == 0)
		return ENC_DEFLATE;
	return -1;
}

int
fx_inflate_bad(struct http_resp *r, const char *why)
{
	r->bad_encoding = 1;
	snprintf(r->error, sizeof(r->error), "Error while processing content "
	    "unencoding: %s", why);
	return -1;
}

/* Make f ready for a new body of encoding enc (ENC_GZIP or ENC_DEFLATE). */
static void
inflate_begin(struct inflater *f, int enc)
{
	/* 32: a gzip or zlib header, told apart by the stream itself */
	if (!f->init) {
		memset(&f->z, 0, sizeof(f->z));
		if (inflateInit2(&f->z, MAX_WBITS + 32) != Z_OK)
			ds_diex(DS_EX_TEMP, "zlib could not start an inflate stream");
		f->init = 1;
	} else
		(void)inflateReset2(&f->z, MAX_WBITS + 32);
	f->enc = enc;
	f->started = f->ended = 0;
}

/*
 * Inflate the n encoded bytes at p (a whole body) into out, after what it
 * holds, up to max bytes, with zlib, which checks a gzip trailer itself.
 * Returns 0, or -1 with r->too_big or r->bad_encoding set. f->ended says
 * whether the stream's end came.
 */
static int
zinflate(struct inflater *f, const char *p, size_t n, struct ds_buf *out, size_t max,
    struct http_resp *r)
{
	size_t room, want;
	int zr;

	f->z.next_in = (Bytef *)(uintptr_t)p;
	f->z.avail_in = (uInt)n;
	while (f->z.avail_in > 0) {
		if (f->ended) {
			(void)fx_inflate_bad(r, "data after the end of the compressed stream");
			r->bad_encoding = 2;
			return -1;
		}
		/* room for a few times the input, never much past the cap */
		want = n > SIZE_MAX / 4 ? SIZE_MAX : n * 4;
		if (want < 65536)
			want = 65536;
		if (want > max - out->len + 1)
			want = max - out->len + 1;
		ds_buf_reserve(out, want);
		room = out->cap - out->len - 1;
		f->z.next_out = (Bytef *)out->p + out->len;
		f->z.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
		zr = inflate(&f->z, Z_NO_FLUSH);
		out->len = (size_t)((char *)f->z.next_out - out->p);
		if (out->len > max) {
			r->too_big = 1;
			return -1;
		}
		if (zr == Z_DATA_ERROR && f->enc == ENC_DEFLATE && !f->started &&
		    f->z.total_out == 0) {
			/* a "deflate" body without its zlib header, as some servers send */
			(void)inflateReset2(&f->z, -MAX_WBITS);
			f->started = 1;
			f->z.next_in = (Bytef *)(uintptr_t)p;
			f->z.avail_in = (uInt)n;
			continue;
		}
		f->started = 1;
		if (zr == Z_STREAM_END)
			f->ended = 1;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return fx_inflate_bad(r, f->z.msg != NULL ? f->z.msg : "inflate failed");
	}
	return 0;
}

/* The little-endian 32-bit word at p. */
static uint32_t
le32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
	    (uint32_t)u[3] << 24;
}

int
fx_inflate_whole(struct inflater *f, int enc, const char *p, size_t n, struct ds_buf *out,
    size_t max, struct http_resp *r)
{
	size_t size, used = 0, got = 0;

	ds_buf_reset(out);
	/* a gzip member: its header (10 bytes at least) and trailer (8) */
	size = n >= 18 ? le32(p + n - 4) : 0;
	if (enc == ENC_GZIP && n >= 18 && (unsigned char)p[0] == 0x1f &&
	    (unsigned char)p[1] == 0x8b && size <= max) {
		if (f->ld == NULL && (f->ld = libdeflate_alloc_decompressor()) == NULL)
			ds_diex(DS_EX_TEMP, "out of memory for a gzip decompressor");
		ds_buf_reserve(out, size + 1);
		if (libdeflate_gzip_decompress_ex(f->ld, p, n, out->p, size, &used,
		    &got) == LIBDEFLATE_SUCCESS && used == n) {
			out->len = got;
			return 0;
		}
		/* not whole: zlib tells exactly why (a rare path) */
	}
	inflate_begin(f, enc);
	if (zinflate(f, p, n, out, max, r) < 0)
		return -1;
	return f->ended ? 0 : fx_inflate_bad(r, CUT_SHORT);
}

void
fx_inflate_free(struct inflater *f)
{
	if (f->init)
		(void)inflateEnd(&f->z);
	if (f->ld != NULL)
		libdeflate_free_decompressor(f->ld);
	f->init = 0;
	f->ld = NULL;
}
