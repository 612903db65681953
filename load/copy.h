/*
 * copy.h - PostgreSQL COPY text format: encoding rows, sending them.
 */
#ifndef DS_LOAD_COPY_H
#define DS_LOAD_COPY_H

#include <stddef.h>
#include <libpq-fe.h>

struct ds_buf;
struct ds_span;

/* Append n bytes of s to b escaped as one COPY text field. */
void	ld_copy_field(struct ds_buf *b, const char *s, size_t n);

/*
 * Append the raw text of a JSON string (between its quotes) decoded and
 * escaped as one COPY field; a NULL span gives \N. Returns 0, or -1 when
 * the string holds \u0000 (PostgreSQL text cannot hold it).
 */
int	ld_copy_jstr(struct ds_buf *b, const struct ds_span *s);

/* Append the decoded value of one COPY text field (n bytes at s) to b. */
void	ld_copy_unfield(struct ds_buf *b, const char *s, size_t n);

/*
 * Start "COPY <target> FROM STDIN" (target holds the quoted table and
 * column list). Returns NULL when in COPY-IN state, else the failed result.
 */
PGresult *ld_copy_begin(PGconn *conn, const char *target);

/* Send n bytes of COPY data; 0, or -1 when the connection failed. */
int	ld_copy_put(PGconn *conn, const char *p, size_t n);

/*
 * End the COPY (with errmsg non-NULL: abort it) and return its result;
 * the caller PQclear()s it.
 */
PGresult *ld_copy_end(PGconn *conn, const char *errmsg);

#endif
