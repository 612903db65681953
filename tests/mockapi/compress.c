#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "buf.h"
#include "compress.h"
#include "config.h"

int
compress_accepts(const char *accept)
{
	const char *p = accept, *e, *q;
	size_t n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		e = p + strcspn(p, ",");
		n = strcspn(p, " \t;,");
		if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 1 && *p == '*')) {
			q = memchr(p, ';', (size_t)(e - p));
			if (q == NULL)
				return 1;
			q = strstr(q, "q=");
			return q == NULL || q >= e || strtod(q + 2, NULL) > 0;
		}
		p = e;
	}
	return 0;
}

int
compress_gzip(struct ds_buf *b)
{
	struct ds_buf out = { 0 };
	z_stream zs;
	uLong bound;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&zs, (uLong)b->len);
	ds_buf_reserve(&out, (size_t)bound);
	zs.next_in = (Bytef *)b->p;
	zs.avail_in = (uInt)b->len;
	zs.next_out = (Bytef *)out.p;
	zs.avail_out = (uInt)bound;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		ds_buf_free(&out);
		return -1;
	}
	out.len = zs.total_out;
	deflateEnd(&zs);
	ds_buf_free(b);
	*b = out;
	return 0;
}

int
compress_spoil(struct ds_buf *b, unsigned fault)
{
	/* a gzip member: a 10-byte header, the deflate data, an 8-byte trailer */
	if (b->len < 18)
		return -1;
	switch (fault) {
	case GZFAULT_CRC:
		b->p[b->len - 8] ^= 0x5a;
		break;
	case GZFAULT_LENGTH:
		b->p[b->len - 4] ^= 0x01;
		break;
	case GZFAULT_TRAILING:
		ds_buf_adds(b, "junk\n");
		break;
	case GZFAULT_CUT:
		b->len -= 4;
		break;
	case GZFAULT_HALF:
		b->len /= 2;
		break;
	default:
		return -1;
	}
	return 0;
}
