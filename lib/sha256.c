#include <stdint.h>

#include <nettle/sha2.h>

#include "sha256.h"

void
ds_sha256_hex(const char *p, size_t n, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t md[SHA256_DIGEST_SIZE];
	struct sha256_ctx x;
	int i;

	sha256_init(&x);
	sha256_update(&x, n, (const uint8_t *)p);
	sha256_digest(&x, sizeof(md), md);
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}
