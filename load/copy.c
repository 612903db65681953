#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "copy.h"
#include "stream.h"

/* Bytes that COPY text format escapes, and their escape letters. */
static const char escape[256] = {
	['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r',
};

void
ld_copy_field(struct ds_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	uint64_t v, x, t;
	char *w;

	w = ds_buf_reserve(b, n * 2);
	while (p < end) {
		/*
		 * Copy eight bytes at a time while none is below 0x0e or a
		 * backslash; the lowest flagged byte is the first such (see
		 * skip_plain() in lib/json.c).
		 */
		while (end - p >= 8) {
			memcpy(&v, p, 8);
			x = v ^ 0x5c5c5c5c5c5c5c5cULL;
			t = (((v - 0x0e0e0e0e0e0e0e0eULL) & ~v) |
			    ((x - 0x0101010101010101ULL) & ~x)) & 0x8080808080808080ULL;
			if (t != 0) {
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				size_t k = (size_t)__builtin_ctzll(t) >> 3;

				memcpy(w, p, k);
				w += k;
				p += k;
#endif
				break;
			}
			memcpy(w, p, 8);
			w += 8;
			p += 8;
		}
		if (p == end)
			break;
		if (escape[*p] != 0) {
			*w++ = '\\';
			*w++ = escape[*p];
		} else
			*w++ = (char)*p;
		p++;
	}
	b->len = (size_t)(w - b->p);
	ds_buf_terminate(b);
}

int
ld_copy_jstr(struct ds_buf *b, const struct ds_span *s)
{
	struct ds_buf tmp = { 0 };
	int r;

	if (s->p == NULL) {
		ds_buf_add(b, "\\N", 2);
		return 0;
	}
	if (memchr(s->p, '\\', s->n) == NULL) {
		ld_copy_field(b, s->p, s->n);
		return 0;
	}
	r = ds_json_str_decode(s->p, s->n, &tmp);
	if (r == 0)
		ld_copy_field(b, tmp.p, tmp.len);
	ds_buf_free(&tmp);
	return r;
}

void
ld_copy_unfield(struct ds_buf *b, const char *s, size_t n)
{
	const char *end = s + n;

	for (; s < end; s++) {
		if (*s != '\\' || s + 1 == end) {
			ds_buf_addc(b, *s);
			continue;
		}
		s++;
		ds_buf_addc(b, *s == 't' ? '\t' : *s == 'n' ? '\n' :
		    *s == 'r' ? '\r' : *s);
	}
}

PGresult *
ld_copy_begin(PGconn *conn, const char *target)
{
	struct ds_buf sql = { 0 };
	PGresult *res;

	ds_buf_printf(&sql, "COPY %s FROM STDIN", target);
	res = PQexec(conn, sql.p);
	ds_buf_free(&sql);
	if (res != NULL && PQresultStatus(res) == PGRES_COPY_IN) {
		PQclear(res);
		return NULL;
	}
	return res != NULL ? res : PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
}

int
ld_copy_put(PGconn *conn, const char *p, size_t n)
{
	const size_t chunk = 64 * 1024;
	size_t k;

	for (; n > 0; p += k, n -= k) {
		k = n < chunk ? n : chunk;
		if (PQputCopyData(conn, p, (int)k) != 1)
			return -1;
	}
	return 0;
}

PGresult *
ld_copy_end(PGconn *conn, const char *errmsg)
{
	PGresult *res, *last = NULL;

	if (PQputCopyEnd(conn, errmsg) != 1)
		return PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
	while ((res = PQgetResult(conn)) != NULL) {
		PQclear(last);
		last = res;
	}
	return last != NULL ? last : PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
}
