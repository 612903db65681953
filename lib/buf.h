/*
 * buf.h - growable byte buffer.
 *
 * The buffer owns p; ds_buf_free() releases it. Allocation failure is fatal
 * (exit DS_EX_TEMP with a message): callers never see a NULL.
 */
#ifndef DS_BUF_H
#define DS_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ds_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* Make room for extra more bytes plus a NUL; returns b->p + b->len. */
char	*ds_buf_reserve(struct ds_buf *b, size_t extra);
void	 ds_buf_add(struct ds_buf *b, const void *p, size_t n);
void	 ds_buf_addc(struct ds_buf *b, char c);
void	 ds_buf_adds(struct ds_buf *b, const char *s);
void	 ds_buf_printf(struct ds_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Keep the NUL terminator valid after direct writes into p. */
void	 ds_buf_terminate(struct ds_buf *b);
void	 ds_buf_reset(struct ds_buf *b);
void	 ds_buf_free(struct ds_buf *b);

/* Checked allocation: never returns NULL (fatal on exhaustion). */
void	*ds_xmalloc(size_t n);
void	*ds_xcalloc(size_t n, size_t size);
void	*ds_xrealloc(void *p, size_t n);
char	*ds_xstrdup(const char *s);
char	*ds_xstrndup(const char *s, size_t n);

/*
 * Copy n bytes from s to d and return d + n: a name or a value is mostly
 * shorter than 16 bytes, copied by two overlapping loads and stores
 * of a fixed size (inlined) rather than a call to memcpy.
 */
static inline char *
ds_copy_short(char *d, const char *s, size_t n)
{
	uint64_t a, b;
	uint32_t x, y;

	if (n >= 8 && n <= 16) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else if (n > 16)
		memcpy(d, s, n);
	else {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	}
	return d + n;
}

#endif
