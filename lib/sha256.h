/*
 * sha256.h - the content hash: SHA-256 as 64 lowercase hex digits (nettle's,
 * which keeps no state between calls, so any thread may call it).
 */
#ifndef DS_SHA256_H
#define DS_SHA256_H

#include <stddef.h>

/* Write SHA-256 of [p, p+n) as 64 hex digits and a NUL into hex. */
void	ds_sha256_hex(const char *p, size_t n, char hex[65]);

#endif
