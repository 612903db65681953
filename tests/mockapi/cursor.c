#include <stdint.h>
#include <string.h>

#include "config.h"
#include "cursor.h"
#include "hash.h"

#define RAW_LEN	31	/* 3 magic + 3 * 8 + 4 checksum: encodes to 44 with "==" */

/* Encodes to "+/+/": every cursor holds the characters a client must escape. */
static const unsigned char magic[3] = { 0xfb, 0xff, 0xbf };
static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

uint64_t
cursor_range(int64_t since, int64_t until)
{
	return mock_hash3(mock_cfg.seed ^ 0x72616e6765ULL, (uint64_t)since,
	    (uint64_t)until);
}

static uint32_t
checksum(const struct cursor *c)
{
	return (uint32_t)mock_hash3(mock_hash3(mock_cfg.seed, 0x637572ULL, c->off),
	    c->issued, c->range);
}

static void
put64(unsigned char *p, uint64_t v)
{
	int k;

	for (k = 7; k >= 0; k--, v >>= 8)
		p[k] = (unsigned char)v;
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v = 0;
	int k;

	for (k = 0; k < 8; k++)
		v = v << 8 | p[k];
	return v;
}

void
cursor_encode(const struct cursor *c, char *out)
{
	unsigned char raw[RAW_LEN + 2] = { 0 };
	uint32_t sum = checksum(c);
	size_t i;
	char *p = out;

	memcpy(raw, magic, 3);
	put64(raw + 3, c->off);
	put64(raw + 11, c->issued);
	put64(raw + 19, c->range);
	raw[27] = (unsigned char)(sum >> 24);
	raw[28] = (unsigned char)(sum >> 16);
	raw[29] = (unsigned char)(sum >> 8);
	raw[30] = (unsigned char)sum;
	for (i = 0; i < RAW_LEN; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 |
		    raw[i + 2];

		*p++ = b64[v >> 18];
		*p++ = b64[v >> 12 & 63];
		*p++ = i + 1 < RAW_LEN ? b64[v >> 6 & 63] : '=';
		*p++ = i + 2 < RAW_LEN ? b64[v & 63] : '=';
	}
	*p = '\0';
}

/* The value of base64 digit ch, or -1. */
static int
digit(char ch)
{
	const char *q;

	if (ch == '\0' || (q = strchr(b64, ch)) == NULL)
		return -1;
	return (int)(q - b64);
}

int
cursor_decode(const char *s, size_t n, struct cursor *c)
{
	unsigned char raw[RAW_LEN + 2];
	size_t i, o = 0;

	if (n != CURSOR_LEN || s[42] != '=' || s[43] != '=')
		return -1;
	for (i = 0; i < 42; i += 4) {
		int d[4], k;

		for (k = 0; k < 4; k++)
			d[k] = i + (size_t)k < 42 ? digit(s[i + (size_t)k]) : 0;
		if (d[0] < 0 || d[1] < 0 || d[2] < 0 || d[3] < 0 ||
		    (i == 40 && (d[1] & 15) != 0))
			return -1;
		raw[o++] = (unsigned char)(d[0] << 2 | d[1] >> 4);
		if (o < RAW_LEN)
			raw[o++] = (unsigned char)((d[1] & 15) << 4 | d[2] >> 2);
		if (o < RAW_LEN)
			raw[o++] = (unsigned char)((d[2] & 3) << 6 | d[3]);
	}
	if (o != RAW_LEN || memcmp(raw, magic, 3) != 0)
		return -1;
	c->off = get64(raw + 3);
	c->issued = get64(raw + 11);
	c->range = get64(raw + 19);
	return checksum(c) == ((uint32_t)raw[27] << 24 | (uint32_t)raw[28] << 16 |
	    (uint32_t)raw[29] << 8 | raw[30]) ? 0 : -1;
}
