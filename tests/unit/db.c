/* Unit tests of db/db.c: what each SQLSTATE and failed connection means. */
#include <string.h>

#include "unit.h"
#include "../../db/db.h"

UNIT_TEST(load_db_classifies_each_sqlstate_class)
{
	static const struct {
		const char	*st;
		enum ds_db_kind	 kind;
	} cases[] = {
		/* configuration and authentication: a person must act */
		{ "3D000", DS_DB_PERM },	/* invalid catalog name */
		{ "28000", DS_DB_PERM },	/* invalid authorization */
		{ "28P01", DS_DB_PERM },	/* invalid password */
		{ "42501", DS_DB_PERM },	/* insufficient privilege */
		{ "3F000", DS_DB_PERM },	/* invalid schema name */
		{ "42P01", DS_DB_PERM },	/* undefined table */
		{ "42601", DS_DB_PERM },	/* syntax error */
		{ "25006", DS_DB_PERM },	/* read-only transaction */
		{ "57P04", DS_DB_PERM },	/* database dropped */
		{ "XX000", DS_DB_PERM },	/* internal error */
		{ "55000", DS_DB_PERM },	/* object not in prerequisite state */
		{ "0A000", DS_DB_PERM },	/* feature not supported (COPY with RLS) */
		/* will pass: retry later */
		{ "55P03", DS_DB_TEMP },	/* lock_timeout */
		{ "57014", DS_DB_TEMP },	/* statement_timeout */
		{ "40001", DS_DB_TEMP },	/* serialization failure */
		{ "40P01", DS_DB_TEMP },	/* deadlock */
		{ "08006", DS_DB_TEMP },	/* connection failure */
		{ "08001", DS_DB_TEMP },
		{ "53100", DS_DB_TEMP },	/* disk full */
		{ "53200", DS_DB_TEMP },	/* out of memory */
		{ "53300", DS_DB_TEMP },	/* too many connections */
		{ "57P01", DS_DB_TEMP },	/* admin shutdown */
		{ "57P03", DS_DB_TEMP },	/* cannot connect now */
		{ "58030", DS_DB_TEMP },	/* I/O error */
		/* one row's fault: the row is a reject */
		{ "22P02", DS_DB_ROW },		/* invalid text representation */
		{ "22001", DS_DB_ROW },		/* string too long */
		{ "23505", DS_DB_ROW },		/* a unique index other than the key */
		{ "23514", DS_DB_ROW },		/* CHECK */
		{ "23502", DS_DB_ROW },		/* NOT NULL */
		{ "23503", DS_DB_ROW },		/* foreign key */
		{ "23P01", DS_DB_ROW },		/* exclusion */
		{ "54000", DS_DB_ROW },		/* index row too large */
		{ "P0001", DS_DB_ROW },		/* RAISE EXCEPTION */
		{ "P0004", DS_DB_ROW },		/* ASSERT */
		{ "2F005", DS_DB_ROW },		/* function ended without RETURN */
		{ "27000", DS_DB_ROW },		/* triggered data change */
		{ "44000", DS_DB_ROW },		/* WITH CHECK OPTION */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (ds_db_classify(cases[i].st)->kind != cases[i].kind)
			unit_fail(__FILE__, __LINE__, "%s: kind %d, want %d", cases[i].st,
			    (int)ds_db_classify(cases[i].st)->kind, (int)cases[i].kind);
		CHECK(ds_db_row_error(cases[i].st) == (cases[i].kind == DS_DB_ROW));
	}
	CHECK(!ds_db_row_error(""));
	CHECK(ds_db_classify("")->kind == DS_DB_PERM);
	CHECK(strstr(ds_db_classify("3D000")->what, "DATABASE_URL") != NULL);
	CHECK(strstr(ds_db_classify("42501")->what, "--migrate-only") != NULL);
}

UNIT_TEST(load_db_classifies_failed_connections_by_message)
{
	static const struct {
		const char	*msg, *st;
	} cases[] = {
		{ "connection to server on socket \"/tmp/x/.s.PGSQL.5432\" failed:"
		    " FATAL:  database \"nope\" does not exist\n", "3D000" },
		{ "connection to server at \"127.0.0.1\", port 5432 failed:"
		    " FATAL:  role \"nobody\" does not exist\n", "28000" },
		{ "connection to server at \"h\" (10.0.0.1), port 5432 failed: FATAL: "
		    " password authentication failed for user \"ds\"\n", "28P01" },
		{ "connection to server on socket \"/s\" failed: FATAL:  no pg_hba.conf"
		    " entry for host \"[local]\", user \"x\", database \"y\"\n", "28000" },
		{ "connection to server on socket \"/s\" failed: FATAL:  permission"
		    " denied for database \"y\"\nDETAIL:  User does not have CONNECT"
		    " privilege.\n", "42501" },
		{ "connection to server on socket \"/s\" failed: FATAL:  role \"r\" is"
		    " not permitted to log in\n", "28000" },
		{ "invalid port number: \"abc\"\n", "42601" },
		/* no server, or one that will come back: temporary */
		{ "connection to server at \"127.0.0.1\", port 1 failed: Connection"
		    " refused\n\tIs the server running on that host and accepting"
		    " TCP/IP connections?\n", "08006" },
		{ "connection to server on socket \"/nowhere/.s.PGSQL.5432\" failed:"
		    " No such file or directory\n", "08006" },
		{ "connection to server on socket \"/s\" failed: FATAL:  the database"
		    " system is starting up\n", "08006" },
		{ "connection to server on socket \"/s\" failed: FATAL:  sorry, too"
		    " many clients already\n", "08006" },
		/* a file named "x does not exist" in a path is no FATAL */
		{ "could not open file \"x\" does not exist\n", "08006" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(ds_db_connect_sqlstate(cases[i].msg, 0), cases[i].st);
	CHECK_STR(ds_db_connect_sqlstate("fe_sendauth: no password supplied\n", 1), "28P01");
	CHECK(ds_db_classify(ds_db_connect_sqlstate("Connection refused", 0))->kind ==
	    DS_DB_TEMP);
}
