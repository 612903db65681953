#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "../load/db.h"

static char *lasterr;

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
		ds_db_die(conn, NULL, "cannot connect to the database");
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

int
ds_db_status(PGconn *conn, const PGresult *res)
{
	const char *st = ds_db_sqlstate(res);

	if (PQstatus(conn) != CONNECTION_OK || *st == '\0')
		return DS_EX_TEMP;
	/* 08 connection, 40 rollback, 53 resources, 57P shutdown/crash, 58 system */
	if (strncmp(st, "08", 2) == 0 || strncmp(st, "40", 2) == 0 ||
	    strncmp(st, "53", 2) == 0 || strncmp(st, "57P", 3) == 0 ||
	    strncmp(st, "58", 2) == 0)
		return DS_EX_TEMP;
	return DS_EX_PERM;
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

void
ds_db_die(PGconn *conn, const PGresult *res, const char *doing)
{
	struct ds_buf m = { 0 }, kv = { 0 };
	const char *st = ds_db_sqlstate(res);
	int status = ds_db_status(conn, res);

	hold();
	ds_db_message(conn, res, &m);
	ds_buf_adds(&kv, "error=");
	ds_log_quote(&kv, m.p, m.len);
	if (*st != '\0')
		ds_buf_printf(&kv, " sqlstate=%s", st);
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
