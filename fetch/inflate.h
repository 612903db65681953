/*
 * inflate.h - a response body's Content-Encoding undone: gzip or deflate
 * inflated as it comes (zlib), or a whole gzip body at once (libdeflate),
 * its CRC-32 and length checked.
 */
#ifndef DS_FETCH_INFLATE_H
#define DS_FETCH_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

struct ds_buf;
struct http_resp;
struct libdeflate_decompressor;

enum { ENC_NONE, ENC_GZIP, ENC_DEFLATE };

/* A body's decoding: its Content-Encoding, and the inflate under way. */
struct inflater {
	z_stream		 z;
	int			 init;		/* z is initialised */
	int			 enc;		/* ENC_*, or -1: not known yet */
	int			 started;	/* encoded bytes came */
	int			 ended;		/* the stream's end came */
	int			 crc_late;	/* gzip: its CRC is checked by fx_http_decode() */
	unsigned char		 tail[8];	/* the last input bytes (the gzip trailer) */
	size_t			 ntail;
	struct libdeflate_decompressor *ld;	/* for whole gzip bodies, or NULL */
};

/* The ENC_* of a Content-Encoding value, or -1 for one not asked for. */
int	 fx_inflate_enc(const char *v);

/* Mark the response's body undecodable, saying why; returns -1. */
int	 fx_inflate_bad(struct http_resp *r, const char *why);

/* Make f ready for a new body of encoding enc (ENC_GZIP or ENC_DEFLATE). */
void	 fx_inflate_begin(struct inflater *f, int enc);

/*
 * Inflate the n encoded bytes at p into out, after what it holds, up to
 * max bytes. Returns 0, or -1 with r->too_big or r->bad_encoding set.
 * The output is written in place: no copy of the decoded body is made. A
 * gzip stream's CRC-32 and length are left to the caller (r->crc_pending,
 * r->crc_want, r->len_want; fx_inflate_crc()).
 */
int	 fx_inflate_add(struct inflater *f, const char *p, size_t n, struct ds_buf *out,
	    size_t max, struct http_resp *r);

/*
 * The whole encoded body [p, p+n) of encoding enc into out (reset first),
 * up to max bytes, checked as a gzip member's CRC-32 and length say.
 * Returns 0, or -1 as fx_inflate_add() fails. A gzip body is inflated in
 * one call into a buffer of the size its trailer gives (libdeflate: about
 * twice zlib's speed); a body that cannot be (no trailer, or one past max)
 * goes through fx_inflate_add().
 */
int	 fx_inflate_whole(struct inflater *f, int enc, const char *p, size_t n,
	    struct ds_buf *out, size_t max, struct http_resp *r);

/* The CRC-32 of [p, p+n) (gzip's). */
uint32_t fx_inflate_crc(const char *p, size_t n);

/* Free what f holds. */
void	 fx_inflate_free(struct inflater *f);

#endif
