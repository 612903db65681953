/*
 * Unit tests of fetch/inflate.c: a whole gzip body inflated and checked
 * (CRC-32, length, data after it, cut short, over the cap).
 */
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "unit.h"
#include "../../fetch/http.h"
#include "../../fetch/inflate.h"

/* s (n bytes) as a gzip member into out (reset first). */
static void
gzip_of(const char *s, size_t n, struct ds_buf *out)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	ds_buf_reset(out);
	CHECK(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	ds_buf_reserve(out, deflateBound(&z, (uLong)n) + 32);
	z.next_in = (Bytef *)(uintptr_t)s;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->p;
	z.avail_out = (uInt)(out->cap - 1);
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	out->len = z.total_out;
	deflateEnd(&z);
}

/* fx_inflate_whole() of [p, p+n) as gzip, into out, the response in r. */
static int
whole(const char *p, size_t n, struct ds_buf *out, struct http_resp *r, size_t max)
{
	struct inflater f;
	int rc;

	memset(&f, 0, sizeof(f));
	memset(r, 0, sizeof(*r));
	rc = fx_inflate_whole(&f, ENC_GZIP, p, n, out, max, r);
	fx_inflate_free(&f);
	return rc;
}

UNIT_TEST(fetch_inflate_whole_gzip_body_is_the_text)
{
	struct ds_buf text = { 0 }, gz = { 0 }, out = { 0 };
	struct http_resp r;
	int i;

	for (i = 0; i < 20000; i++)
		ds_buf_printf(&text, "{\"id\":%d,\"name\":\"Zo\xc3\xab %d\"},", i, i * 7);
	gzip_of(text.p, text.len, &gz);
	CHECK(whole(gz.p, gz.len, &out, &r, 64u << 20) == 0);
	CHECK_MEM(out.p, out.len, text.p, text.len);
	CHECK(r.bad_encoding == 0 && r.too_big == 0);
	/* an empty body is a member too */
	gzip_of("", 0, &gz);
	CHECK(whole(gz.p, gz.len, &out, &r, 64u << 20) == 0 && out.len == 0);
	ds_buf_free(&text);
	ds_buf_free(&gz);
	ds_buf_free(&out);
}

UNIT_TEST(fetch_inflate_whole_gzip_refuses_a_bad_crc_length_tail_or_cut)
{
	static const char text[] = "[{\"a\":1},{\"b\":\"two\"},{\"c\":[3,3,3,3,3,3,3,3,3]}]";
	struct ds_buf gz = { 0 }, bad = { 0 }, out = { 0 };
	struct http_resp r;

	gzip_of(text, sizeof(text) - 1, &gz);
	/* the CRC-32 (the trailer's first word) wrong */
	ds_buf_add(&bad, gz.p, gz.len);
	bad.p[bad.len - 8] ^= 0x01;
	CHECK(whole(bad.p, bad.len, &out, &r, 1 << 20) == -1);
	CHECK(r.bad_encoding == 1 && strstr(r.error, "incorrect data check") != NULL);
	/* the length (its second word) one too many: more room than data */
	ds_buf_reset(&bad);
	ds_buf_add(&bad, gz.p, gz.len);
	bad.p[bad.len - 4]++;
	CHECK(whole(bad.p, bad.len, &out, &r, 1 << 20) == -1 && r.bad_encoding == 1);
	CHECK(strstr(r.error, "incorrect length check") != NULL);
	/* one too few: less room than data */
	bad.p[bad.len - 4] -= 2;
	CHECK(whole(bad.p, bad.len, &out, &r, 1 << 20) == -1 && r.bad_encoding == 1);
	CHECK(strstr(r.error, "incorrect length check") != NULL);
	/* bytes after the member: junk, or a second member */
	ds_buf_reset(&bad);
	ds_buf_add(&bad, gz.p, gz.len);
	ds_buf_adds(&bad, "junk");
	CHECK(whole(bad.p, bad.len, &out, &r, 1 << 20) == -1 && r.bad_encoding == 2);
	CHECK(strstr(r.error, "data after the end") != NULL);
	ds_buf_reset(&bad);
	ds_buf_add(&bad, gz.p, gz.len);
	ds_buf_add(&bad, gz.p, gz.len);
	CHECK(whole(bad.p, bad.len, &out, &r, 1 << 20) == -1 && r.bad_encoding == 2);
	CHECK(strstr(r.error, "data after the end") != NULL);
	/* cut short, in the data or in the trailer */
	CHECK(whole(gz.p, gz.len / 2, &out, &r, 1 << 20) == -1 && r.bad_encoding == 1);
	CHECK(strstr(r.error, "a cut body") != NULL);
	CHECK(whole(gz.p, gz.len - 3, &out, &r, 1 << 20) == -1 && r.bad_encoding == 1);
	CHECK(strstr(r.error, "a cut body") != NULL);
	/* past the cap */
	CHECK(whole(gz.p, gz.len, &out, &r, 10) == -1 && r.too_big == 1);
	ds_buf_free(&gz);
	ds_buf_free(&bad);
	ds_buf_free(&out);
}
