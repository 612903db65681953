/*
 * ds-status - the class of exit statuses (lib/exits.h), for supervisors
 * written in the shell: ds-run reads its table once at start.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "buf.h"
#include "exits.h"
#include "log.h"
#include "output.h"

/* Print the synopsis to f and exit with status. */
static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f, "usage: ds-status [status ...]\n");
	exit(status);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ds_buf why = { 0 };
	long long st;
	int ch, i;

	ds_log_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'h')
			usage(stdout, DS_EX_OK);
		usage(stderr, DS_EX_USAGE);
	}
	argc -= optind;
	argv += optind;

	if (argc == 0) {
		for (i = 0; i <= 255; i++)
			printf("%d %s\n", i, ds_exit_class_name(ds_exit_class(i)));
		ds_out_close();
		return DS_EX_OK;
	}
	for (i = 0; i < argc; i++) {
		if (ds_parse_count(argv[i], 0, 255, &st, &why) != 0)
			ds_diex(DS_EX_USAGE, "status %s: %s", argv[i], why.p);
		printf("%s\n", ds_exit_class_name(ds_exit_class((int)st)));
	}
	ds_buf_free(&why);
	ds_out_close();
	return DS_EX_OK;
}
