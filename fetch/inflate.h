/*
 * inflate.h - a response body's Content-Encoding undone, the whole body at
 * once: gzip by libdeflate into a buffer of the size its trailer gives,
 * deflate and whatever libdeflate refuses by zlib, every check made.
 */
#ifndef DS_FETCH_INFLATE_H
#define DS_FETCH_INFLATE_H

#include <stddef.h>

#include <zlib.h>

struct ds_buf;
struct http_resp;
struct libdeflate_decompressor;

enum { ENC_NONE, ENC_GZIP, ENC_DEFLATE };

/* The decoding of a body: zlib's stream, libdeflate's decompressor. */
struct inflater {
	z_stream		 z;
	int			 init;		/* z is initialised */
	int			 enc;		/* ENC_GZIP or ENC_DEFLATE */
	int			 started;	/* encoded bytes came */
	int			 ended;		/* the stream's end came */
	struct libdeflate_decompressor *ld;	/* for whole gzip bodies, or NULL */
};

/* The ENC_* of a Content-Encoding value, or -1 for one not asked for. */
int	 fx_inflate_enc(const char *v);

/* Mark the response's body undecodable, saying why; returns -1. */
int	 fx_inflate_bad(struct http_resp *r, const char *why);

/*
 * The whole encoded body [p, p+n) of encoding enc into out (reset first),
 * up to max bytes, checked as a gzip member's CRC-32 and length say.
 * Returns 0, or -1 with r->too_big or r->bad_encoding set and why in
 * r->error: a stream without its end, data after it, a failed check. A
 * gzip body is inflated in one call into a buffer of the size its
 * trailer gives (libdeflate: about twice zlib's speed); anything else,
 * and a gzip body libdeflate refuses, goes through zlib, which checks the
 * trailer itself and says exactly what is wrong.
 */
int	 fx_inflate_whole(struct inflater *f, int enc, const char *p, size_t n,
	    struct ds_buf *out, size_t max, struct http_resp *r);

/* Free what f holds. */
void	 fx_inflate_free(struct inflater *f);

#endif
