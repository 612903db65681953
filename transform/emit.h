/*
 * emit.h - writing the stream format's lines into a buffer.
 *
 * Every function appends to out; "stream" and "seq" are JSON tokens
 * (already valid JSON text: a quoted string, a number, or null).
 */
#ifndef XF_EMIT_H
#define XF_EMIT_H

#include <stddef.h>

struct ds_buf;

/* Where a record came from: its stream and page sequence number, as JSON tokens. */
struct xf_where {
	const char	*stream;
	size_t		 streamlen;
	const char	*seq;
	size_t		 seqlen;
};

/* Append a reject line; raw is the record's or line's text (the caller cuts oversized ones to XF_MAXRAW). */
void	xf_emit_reject(struct ds_buf *out, const struct xf_where *w, const char *reason,
	    const char *raw, size_t rawlen);

/* Longest raw text a reject line keeps of an oversized line or record. */
#define XF_MAXRAW	65536

#endif
