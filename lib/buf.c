#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "log.h"

static void
oom(size_t n)
{
	ds_diex(DS_EX_TEMP, "out of memory allocating %zu bytes", n);
}

void *
ds_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
ds_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
ds_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
ds_xstrndup(const char *s, size_t n)
{
	char *p = ds_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
ds_xstrdup(const char *s)
{
	return ds_xstrndup(s, strlen(s));
}

char *
ds_buf_reserve(struct ds_buf *b, size_t extra)
{
	size_t need;

	if (extra > (size_t)-1 / 2 - b->len)
		oom(extra);
	need = b->len + extra + 1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < need)
			cap *= 2;
		b->p = ds_xrealloc(b->p, cap);
		b->cap = cap;
	}
	return b->p + b->len;
}

void
ds_buf_add(struct ds_buf *b, const void *p, size_t n)
{
	ds_buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
ds_buf_addc(struct ds_buf *b, char c)
{
	if (b->len + 1 >= b->cap)
		ds_buf_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void
ds_buf_adds(struct ds_buf *b, const char *s)
{
	ds_buf_add(b, s, strlen(s));
}

void
ds_buf_printf(struct ds_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0,
	    fmt, ap);
	va_end(ap);
	if (n < 0)
		ds_diex(DS_EX_PERM, "ds_buf_printf: bad format");
	if (b->p == NULL || (size_t)n >= b->cap - b->len) {
		ds_buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void
ds_buf_terminate(struct ds_buf *b)
{
	ds_buf_reserve(b, 0);
	b->p[b->len] = '\0';
}

void
ds_buf_reset(struct ds_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void
ds_buf_free(struct ds_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
