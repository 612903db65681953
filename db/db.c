#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "db.h"

static char *lasterr;

static void	die_as(PGconn *, const PGresult *, const char *, const char *)
		    __attribute__((noreturn));

const char *
ds_db_last_error(void)
{
	return lasterr;
}

/*
 * libpq notice receiver: a server NOTICE or WARNING becomes a log line
 * (info or warn) with its text and SQLSTATE, not a raw line on stderr.
 */
static void
notice(void *arg, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	struct ds_buf kv = { 0 };

	(void)arg;
	if (msg == NULL)
		msg = PQresultErrorMessage(res);
	ds_buf_adds(&kv, "message=");
	ds_log_quote(&kv, msg, strcspn(msg, "\n"));
	ds_buf_printf(&kv, " sqlstate=%s severity=%s", ds_db_sqlstate(res),
	    sev != NULL ? sev : "NOTICE");
	ds_logkv(sev != NULL && strcmp(sev, "WARNING") == 0 ? DS_LOG_WARN : DS_LOG_INFO,
	    "server notice", "%s", kv.p);
	ds_buf_free(&kv);
}

PGconn *
ds_db_connect(const char *conninfo, const char *prog)
{
	const char *keys[] = { "dbname", "application_name", "client_encoding",
	    "options", NULL };
	const char *vals[] = { NULL, prog, "UTF8", "-c TimeZone=UTC", NULL };
	PQconninfoOption *opts;
	PGconn *conn;
	char *msg = NULL, *nl;

	if (conninfo == NULL || *conninfo == '\0')
		conninfo = getenv("DATABASE_URL");
	if (conninfo == NULL)
		conninfo = "";
	if ((opts = PQconninfoParse(conninfo, &msg)) == NULL) {
		if (msg != NULL && (nl = strchr(msg, '\n')) != NULL)
			*nl = '\0';
		ds_logkv(DS_LOG_ERROR, "malformed database connection string",
		    "error=\"%s\"", msg ? msg : "out of memory");
		PQfreemem(msg);
		exit(DS_EX_PERM);
	}
	PQconninfoFree(opts);
	vals[0] = conninfo;
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL)
		ds_diex(DS_EX_TEMP, "out of memory connecting to the database");
	if (PQstatus(conn) != CONNECTION_OK)
		die_as(conn, NULL, "cannot connect to the database",
		    ds_db_connect_sqlstate(PQerrorMessage(conn),
		    PQconnectionNeedsPassword(conn)));
	PQsetNoticeReceiver(conn, notice, NULL);
	return conn;
}

const char *
ds_db_sqlstate(const PGresult *res)
{
	const char *s;

	if (res == NULL || (s = PQresultErrorField(res, PG_DIAG_SQLSTATE)) == NULL)
		return "";
	return s;
}

int
ds_db_retryable(const PGresult *res)
{
	return strncmp(ds_db_sqlstate(res), "40", 2) == 0;
}

/*
 * What each SQLSTATE means to ds-load, by code or class prefix: the first
 * entry whose prefix starts the code wins, so codes come before their
 * class. ds-load(1) has this table as "SQLSTATE CLASSES"; keep them in step.
 */
static const struct ds_db_class classes[] = {
	{ "08", DS_DB_TEMP, "connection failure: the server is unreachable or went away" },
	{ "0A000", DS_DB_PERM, "feature not supported (COPY into a table with row-level"
	    " security: load as its owner or a role with BYPASSRLS)" },
	{ "22", DS_DB_ROW, "data exception: a value of the row" },
	{ "23502", DS_DB_ROW, "not-null violation: a column ds-load does not write needs"
	    " a DEFAULT (or no NOT NULL)" },
	{ "23", DS_DB_ROW, "integrity constraint violation: the row breaks a constraint" },
	{ "25006", DS_DB_PERM, "the database is read-only: point --db at the primary, or"
	    " turn default_transaction_read_only off for the role and database" },
	{ "27", DS_DB_ROW, "triggered data change violation" },
	{ "28", DS_DB_PERM, "authentication failed: fix the role or password"
	    " (--db, DATABASE_URL, ~/.pgpass) or pg_hba.conf" },
	{ "2F", DS_DB_ROW, "SQL routine exception in a function the row ran" },
	{ "38", DS_DB_ROW, "external routine exception in a function the row ran" },
	{ "39", DS_DB_ROW, "external routine invocation exception" },
	{ "3D000", DS_DB_PERM, "the database does not exist: fix --db or DATABASE_URL" },
	{ "3F000", DS_DB_PERM, "the schema does not exist: create it or fix --table" },
	{ "40", DS_DB_TEMP, "serialization failure or deadlock" },
	{ "42501", DS_DB_PERM, "insufficient privilege: grant the role SELECT, INSERT,"
	    " UPDATE on the ds tables and the records table (USAGE on their sequences),"
	    " or run ds-load --migrate-only as their owner" },
	{ "42", DS_DB_PERM, "syntax error or access rule violation: the table is not"
	    " what ds-load expects" },
	{ "44", DS_DB_ROW, "WITH CHECK OPTION violation" },
	{ "53", DS_DB_TEMP, "insufficient resources: disk full, out of memory or too"
	    " many connections" },
	{ "54", DS_DB_ROW, "program limit exceeded: a value too large (for an index)" },
	{ "55P03", DS_DB_TEMP, "lock not available (lock_timeout): another session"
	    " holds a lock" },
	{ "57014", DS_DB_TEMP, "query canceled (statement_timeout or a cancel request)" },
	{ "57P04", DS_DB_PERM, "the database was dropped" },
	{ "57P", DS_DB_TEMP, "the server is shutting down or starting up" },
	{ "58", DS_DB_TEMP, "system error (I/O) on the server" },
	{ "P0", DS_DB_ROW, "raised by a PL/pgSQL function (a trigger's RAISE)" },
	{ "", DS_DB_PERM, "an error that retrying cannot fix" },
};

const struct ds_db_class *
ds_db_classify(const char *st)
{
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]) - 1; i++)
		if (strncmp(st, classes[i].prefix, strlen(classes[i].prefix)) == 0)
			return &classes[i];
	return &classes[i];
}

int
ds_db_row_error(const char *st)
{
	return *st != '\0' && ds_db_classify(st)->kind == DS_DB_ROW;
}

/*
 * What a failed connection attempt's message (libpq gives no SQLSTATE for
 * it) stands for: the server's FATAL texts of a missing database or role,
 * refused authentication or CONNECT privilege, and libpq's own refusals of
 * a bad option are permanent; anything else (no server) is 08006.
 */
const char *
ds_db_connect_sqlstate(const char *msg, int needs_password)
{
	static const struct {
		const char	*text, *st;
	} fatal[] = {
		{ "\" does not exist", NULL },	/* database "x" or role "x" */
		{ "password authentication failed", "28P01" },
		{ "no password supplied", "28P01" },
		{ "authentication failed", "28000" },
		{ "pg_hba.conf", "28000" },
		{ "is not permitted to log in", "28000" },
		{ "permission denied for database", "42501" },
		{ "invalid port number", "42601" },
		{ "invalid sslmode value", "42601" },
		{ "invalid connection option", "42601" },
	};
	size_t i;

	if (needs_password)
		return "28P01";
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		if (strstr(msg, fatal[i].text) == NULL)
			continue;
		if (fatal[i].st != NULL)
			return fatal[i].st;
		if (strstr(msg, "FATAL:  database \"") != NULL)
			return "3D000";
		if (strstr(msg, "FATAL:  role \"") != NULL)
			return "28000";
	}
	return "08006";
}

int
ds_db_status(PGconn *conn, const PGresult *res)
{
	const char *st = ds_db_sqlstate(res);

	if (PQstatus(conn) != CONNECTION_OK || *st == '\0')
		return DS_EX_TEMP;
	return ds_db_classify(st)->kind == DS_DB_TEMP ? DS_EX_TEMP : DS_EX_PERM;
}

/* Append s up to its first newline, trailing spaces dropped. */
static void
addline(struct ds_buf *b, const char *s)
{
	size_t n = strcspn(s, "\n");

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	ds_buf_add(b, s, n);
}

void
ds_db_message(PGconn *conn, const PGresult *res, struct ds_buf *b)
{
	const char *m, *d;

	if (res != NULL && (m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) != NULL) {
		addline(b, m);
		if ((d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) != NULL) {
			ds_buf_adds(b, " (");
			addline(b, d);
			ds_buf_adds(b, ")");
		}
	} else if (res != NULL && *(m = PQresultErrorMessage(res)) != '\0')
		addline(b, m);
	else
		addline(b, PQerrorMessage(conn));
	ds_buf_terminate(b);
}

static pthread_mutex_t dying = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int holds;

/* Become the one thread that exits; any other blocks here for good. */
static void
hold(void)
{
	if (!holds) {
		pthread_mutex_lock(&dying);
		holds = 1;
	}
}

void
ds_db_exit(int status)
{
	hold();
	exit(status);
}

/*
 * Log doing with the server's message, the SQLSTATE st (of res, or inferred
 * for a failed connection) and what its class means; exit with its status.
 */
static void __attribute__((noreturn))
die_as(PGconn *conn, const PGresult *res, const char *doing, const char *st)
{
	struct ds_buf m = { 0 }, kv = { 0 };
	const struct ds_db_class *cls = ds_db_classify(st);
	int status;

	if (res == NULL && PQstatus(conn) != CONNECTION_OK && *st != '\0')
		status = cls->kind == DS_DB_TEMP ? DS_EX_TEMP : DS_EX_PERM;
	else
		status = ds_db_status(conn, res);
	hold();
	ds_db_message(conn, res, &m);
	ds_buf_adds(&kv, "error=");
	ds_log_quote(&kv, m.p, m.len);
	if (*st != '\0') {
		ds_buf_printf(&kv, " sqlstate=%s cause=", st);
		ds_log_quote(&kv, cls->what, strlen(cls->what));
	}
	ds_buf_printf(&kv, " status=%s", status == DS_EX_TEMP ? "temporary" : "permanent");
	ds_logkv(DS_LOG_ERROR, doing, "%s", kv.p);
	free(lasterr);
	ds_buf_reset(&kv);
	ds_buf_printf(&kv, "%s: %s", doing, m.p);
	lasterr = kv.p;
	kv.p = NULL;
	ds_buf_free(&m);
	ds_buf_free(&kv);
	ds_db_exit(status);
}

void
ds_db_die(PGconn *conn, const PGresult *res, const char *doing)
{
	die_as(conn, res, doing, ds_db_sqlstate(res));
}

/* Check that res is a success; die otherwise (clearing it). */
static PGresult *
checked(PGconn *conn, PGresult *res, const char *doing)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	ds_db_die(conn, res, doing);
}

PGresult *
ds_db_exec(PGconn *conn, const char *sql, const char *doing)
{
	return checked(conn, PQexec(conn, sql), doing);
}

PGresult *
ds_db_execp(PGconn *conn, const char *sql, int n, const char *const *vals,
    const char *doing)
{
	return checked(conn, PQexecParams(conn, sql, n, NULL, vals, NULL, NULL, 0),
	    doing);
}

/* Append one quoted identifier part of n bytes. */
static void
identpart(PGconn *conn, const char *s, size_t n, struct ds_buf *b)
{
	char *q;

	if ((q = PQescapeIdentifier(conn, s, n)) == NULL)
		ds_db_die(conn, NULL, "cannot quote an identifier");
	ds_buf_adds(b, q);
	PQfreemem(q);
}

void
ds_db_ident(PGconn *conn, const char *name, struct ds_buf *b)
{
	const char *dot = strchr(name, '.');

	if (dot != NULL) {
		identpart(conn, name, (size_t)(dot - name), b);
		ds_buf_addc(b, '.');
		name = dot + 1;
	}
	identpart(conn, name, strlen(name), b);
}

void
ds_db_literal(PGconn *conn, const char *s, struct ds_buf *b)
{
	char *q;

	if ((q = PQescapeLiteral(conn, s, strlen(s))) == NULL)
		ds_db_die(conn, NULL, "cannot quote a literal");
	ds_buf_adds(b, q);
	PQfreemem(q);
}
