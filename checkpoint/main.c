/*
 * ds-checkpoint - read and change the stored position of each stream.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "exits.h"
#include "log.h"
#include "name.h"
#include "output.h"
#include "secure.h"
#include "../db/db.h"
#include "../db/own.h"
#include "store.h"

/*
 * An option getopt did not know (optopt, or the argument before optind):
 * say which, and that it is no stream name either, and exit DS_EX_USAGE.
 */
static void __attribute__((noreturn))
unknown(char *argv[])
{
	char arg[3] = { '-', (char)optopt, '\0' };
	const char *a = optopt > 0 && optopt < 256 ? arg : argv[optind - 1];

	ds_diex(DS_EX_USAGE, "unknown option %s (not a stream name either: %s;"
	    " ds-checkpoint -h shows the usage)", a, ds_name_why(a, strlen(a)));
}

/* Print the synopsis to f and exit with status. */
static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: ds-checkpoint [--db url] get stream\n"
	    "       ds-checkpoint [--db url] set stream cursor\n"
	    "       ds-checkpoint [--db url] reset stream\n"
	    "       ds-checkpoint [--db url] list\n"
	    "       ds-checkpoint [--db url] status [--max-age duration]\n"
	    "       ds-checkpoint [--db url] ack stream\n"
	    "       ds-checkpoint [--db url] [--table name] newest stream\n"
	    "       ds-checkpoint [--db url] [--wait] hold stream\n"
	    "       ds-checkpoint [--db url] follow-get stream\n"
	    "       ds-checkpoint [--db url] follow-start stream since\n"
	    "       ds-checkpoint [--db url] follow-end stream\n");
	exit(status);
}

int
main(int argc, char *argv[])
{
	enum { O_DB = 256, O_MAXAGE, O_TABLE, O_WAIT };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "help", no_argument, NULL, 'h' },
		{ "max-age", required_argument, NULL, O_MAXAGE },
		{ "table", required_argument, NULL, O_TABLE },
		{ "wait", no_argument, NULL, O_WAIT },
		{ NULL, 0, NULL, 0 }
	};
	static const struct verb {
		const char	*name;
		int		 args;
	} verbs[] = {
		{ "get", 1 }, { "set", 2 }, { "reset", 1 }, { "list", 0 },
		{ "status", 0 }, { "ack", 1 }, { "newest", 1 },
		{ "hold", 1 }, { "follow-get", 1 }, { "follow-start", 2 }, { "follow-end", 1 },
	};
	const char *db = NULL, *table = "events", *verb;
	long long max_age = -1;
	PGconn *conn;
	size_t i;
	int ch, status, wait = 0;

	ds_log_init(argv[0]);
	ds_no_core();	/* it holds the database password */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case O_DB:
			db = optarg;
			break;
		case 'h':
			usage(stdout, DS_EX_OK);
		case O_MAXAGE:
			max_age = llround(ds_arg_seconds("max-age", optarg, 0, 1LL << 40));
			break;
		case O_TABLE:
			table = ds_arg_table("table", optarg);
			break;
		case ':':
			ds_logkv(DS_LOG_ERROR, "an option needs a value", "option=%s",
			    argv[optind - 1]);
			usage(stderr, DS_EX_USAGE);
		case O_WAIT:
			wait = 1;
			break;
		default:
			unknown(argv);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(stderr, DS_EX_USAGE);
	verb = argv[0];
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verb, verbs[i].name) == 0)
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0])) {
		ds_logkv(DS_LOG_ERROR, "unknown verb", "verb=%s", verb);
		usage(stderr, DS_EX_USAGE);
	}
	if (argc - 1 != verbs[i].args)
		usage(stderr, DS_EX_USAGE);
	if (max_age >= 0 && strcmp(verb, "status") != 0)
		ds_diex(DS_EX_USAGE, "--max-age goes with status only");
	if (wait && strcmp(verb, "hold") != 0)
		ds_diex(DS_EX_USAGE, "--wait goes with hold only");
	if (verbs[i].args > 0)
		ds_name_arg(verb, argv[1]);

	ds_out_init();
	conn = ds_db_connect(db, "ds-checkpoint");
	if (strcmp(verb, "get") == 0)
		status = cp_store_get(conn, argv[1]);
	else if (strcmp(verb, "set") == 0)
		status = cp_store_set(conn, argv[1], argv[2]);
	else if (strcmp(verb, "reset") == 0)
		status = cp_store_reset(conn, argv[1]);
	else if (strcmp(verb, "list") == 0)
		status = cp_store_list(conn);
	else if (strcmp(verb, "status") == 0)
		status = cp_store_status(conn, max_age);
	else if (strcmp(verb, "ack") == 0)
		status = cp_store_ack(conn, argv[1]);
	else if (strcmp(verb, "newest") == 0)
		status = cp_store_newest(conn, argv[1], table);
	else if (strcmp(verb, "hold") == 0)
		status = ds_own_hold(conn, argv[1], wait);
	else if (strcmp(verb, "follow-get") == 0)
		status = cp_store_follow_get(conn, argv[1]);
	else if (strcmp(verb, "follow-start") == 0)
		status = cp_store_follow_start(conn, argv[1], argv[2]);
	else
		status = cp_store_follow_end(conn, argv[1]);
	PQfinish(conn);
	ds_out_close();
	return status;
}
