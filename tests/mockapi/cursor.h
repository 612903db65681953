/*
 * cursor.h - opaque page cursors.
 *
 * A cursor is standard base64 (with + / and = padding) of: a magic prefix,
 * the offset of the next event, the time it was issued, a hash of the
 * since/until it was issued under, and a checksum keyed by the seed.
 */
#ifndef MOCK_CURSOR_H
#define MOCK_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#define CURSOR_LEN	44	/* characters, without the NUL */

struct cursor {
	uint64_t	off;	/* index of the next event */
	uint64_t	issued;	/* Unix seconds */
	uint64_t	range;	/* cursor_range() of since/until */
};

/* The hash binding a cursor to since/until (ms, INT64_MIN/MAX when absent). */
uint64_t	cursor_range(int64_t since, int64_t until);
/* Encode c into out (CURSOR_LEN + 1 bytes, NUL-terminated). */
void		cursor_encode(const struct cursor *c, char *out);
/* Decode s (n bytes) into c; returns 0, or -1 for anything not issued by us. */
int		cursor_decode(const char *s, size_t n, struct cursor *c);

#endif
