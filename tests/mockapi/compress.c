#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "buf.h"
#include "compress.h"

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
