/*
 * db.h - the PostgreSQL connection and what its errors mean.
 *
 * Shared by ds-load and ds-checkpoint. Conninfo and URLs may hold a
 * password: they are never logged.
 */
#ifndef DS_DB_DB_H
#define DS_DB_DB_H

#include <libpq-fe.h>

struct ds_buf;

/*
 * Connect with conninfo (a URL or key=value string), else DATABASE_URL,
 * else libpq's PG* variables; set UTF8, UTC and an application_name.
 * Exits DS_EX_PERM on a malformed conninfo, a missing database or role or
 * refused authentication, DS_EX_TEMP when the server cannot be reached. The caller finishes the connection with PQfinish().
 */
PGconn	*ds_db_connect(const char *conninfo, const char *prog);

/* What an error means: retry later, a person must act, or one row's fault. */
enum ds_db_kind { DS_DB_TEMP, DS_DB_PERM, DS_DB_ROW };

struct ds_db_class {
	const char	*prefix;	/* SQLSTATE or its class ("" matches all) */
	enum ds_db_kind	 kind;
	const char	*what;		/* cause, and what to fix when permanent */
};

/* The class of SQLSTATE st (static; never NULL). */
const struct ds_db_class *ds_db_classify(const char *st);

/* Non-zero when st is an error that one row causes (the row is a reject). */
int	ds_db_row_error(const char *st);

/*
 * The SQLSTATE a failed connection's libpq message msg stands for (libpq
 * has none for it): 3D000, 28000, 28P01, 42501, 42601 or else 08006.
 */
const char *ds_db_connect_sqlstate(const char *msg, int needs_password);

/*
 * The exit status a failed result (or, with res NULL, a broken connection)
 * calls for, from ds_db_classify(): DS_EX_TEMP for temporary classes and a
 * lost connection, DS_EX_PERM for the rest (a row error outside a row's
 * load included).
 */
int	ds_db_status(PGconn *conn, const PGresult *res);

/* Non-zero when res failed with SQLSTATE class 40 (deadlock, serialization). */
int	ds_db_retryable(const PGresult *res);

/* The result's SQLSTATE, or "" when it has none. */
const char *ds_db_sqlstate(const PGresult *res);

/*
 * Append the server's message for a failed res (or the connection's
 * error when res is NULL) to b: primary message, then detail, on one line.
 */
void	ds_db_message(PGconn *conn, const PGresult *res, struct ds_buf *b);

/*
 * Run sql (no parameters) expecting a command or tuples result. On failure
 * log what was being done (doing) with the server's message and exit with
 * ds_db_status(). The caller PQclear()s the result.
 */
PGresult *ds_db_exec(PGconn *conn, const char *sql, const char *doing);

/* As ds_db_exec, with text parameters. */
PGresult *ds_db_execp(PGconn *conn, const char *sql, int n,
	    const char *const *vals, const char *doing);

/* What the last ds_db_die() logged (doing: message), or NULL. */
const char *ds_db_last_error(void);

/*
 * exit(status), once: a second thread calling it waits while the first
 * runs the exit handlers.
 */
void	ds_db_exit(int status) __attribute__((noreturn));

/* Exit after a failure: log doing and the server's message, exit status. */
void	ds_db_die(PGconn *conn, const PGresult *res, const char *doing)
	    __attribute__((noreturn));

/*
 * Append name to b as a quoted SQL identifier. "schema.table" (split at
 * the first dot) gives "schema"."table"; every part goes through
 * PQescapeIdentifier, so quotes and spaces are safe.
 */
void	ds_db_ident(PGconn *conn, const char *name, struct ds_buf *b);

/* Append s to b as a quoted SQL literal (PQescapeLiteral). */
void	ds_db_literal(PGconn *conn, const char *s, struct ds_buf *b);

#endif
