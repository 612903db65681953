/*
 * ds-fetch - follow a paginated JSON API's cursor, one NDJSON line per page.
 */
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "name.h"
#include "output.h"
#include "pager.h"
#include "secure.h"
#include "url.h"

#define KEY_MAX		4096	/* longest API key file read */

/* set by the signal handler and the writer thread: lock-free, so both may */
static atomic_int stop;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the stop flag must be lock-free");

static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: ds-fetch [-qv] [--api-key-file file] [--archive dir]\n"
	    "                [--archive-segment-bytes n] [--backoff-max seconds]\n"
	    "                [--cursor cursor] [--insecure] [--limit n] [--max-body-bytes n]\n"
	    "                [--max-pages n] [--retries n] [--since time] [--stats file]\n"
	    "                [--stream name] [--timeout seconds] [--until time] url\n");
	exit(status);
}

/* Signal handler: note the signal; the page loop stops at a line's end. */
static void
on_signal(int sig)
{
	stop = sig;
}

/* Parse a whole non-negative integer option value in [min, max], or exit. */
static unsigned long long
intarg(const char *opt, const char *v, unsigned long long min, unsigned long long max)
{
	unsigned long long n;
	char *end;

	errno = 0;
	if (*v < '0' || *v > '9' || (n = strtoull(v, &end, 10), errno != 0) ||
	    *end != '\0' || n < min || n > max)
		ds_diex(DS_EX_USAGE, "--%s %s: want a whole number from %llu to %llu",
		    opt, v, min, max);
	return n;
}

/* Parse a positive number of seconds into milliseconds, or exit. */
static long
msarg(const char *opt, const char *v)
{
	double d;
	char *end;

	errno = 0;
	d = strtod(v, &end);
	if (*v < '0' || *v > '9' || errno != 0 || *end != '\0' || !(d > 0) ||
	    d > 86400.0 * 365)
		ds_diex(DS_EX_USAGE, "--%s %s: want a positive number of seconds", opt, v);
	return d * 1000 < 1 ? 1 : (long)llround(d * 1000);
}

/*
 * The API key from --api-key-file or DS_API_KEY, trailing white space
 * removed, or NULL when neither is given. Caller frees (after wiping).
 */
static char *
read_key(const char *file)
{
	struct ds_buf b = { 0 };
	const char *env;
	ssize_t n;
	size_t i;
	int fd;

	if (file != NULL) {
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
			ds_die(DS_EX_PERM, "--api-key-file %s", file);
		ds_buf_reserve(&b, KEY_MAX + 1);
		while (b.len <= KEY_MAX &&
		    (n = read(fd, b.p + b.len, KEY_MAX + 1 - b.len)) != 0) {
			if (n < 0) {
				if (errno == EINTR)
					continue;
				ds_die(DS_EX_PERM, "--api-key-file %s", file);
			}
			b.len += (size_t)n;
		}
		close(fd);
		if (b.len > KEY_MAX)
			ds_diex(DS_EX_PERM, "--api-key-file %s: longer than %d bytes",
			    file, KEY_MAX);
	} else if ((env = getenv("DS_API_KEY")) != NULL && *env != '\0')
		ds_buf_adds(&b, env);
	else
		return NULL;
	while (b.len > 0 && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == '\r' ||
	    b.p[b.len - 1] == ' ' || b.p[b.len - 1] == '\t'))
		b.len--;
	ds_buf_terminate(&b);
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.p[i] < 0x21 || (unsigned char)b.p[i] == 0x7f)
			ds_diex(DS_EX_PERM, "the API key (from %s) holds a space or "
			    "control byte at offset %zu", file ? file : "DS_API_KEY", i);
	if (b.len == 0)
		ds_diex(DS_EX_PERM, "the API key (from %s) is empty",
		    file ? file : "DS_API_KEY");
	return b.p;
}

int
main(int argc, char *argv[])
{
	enum {
		O_KEYFILE = 256, O_ARCHIVE, O_SEGBYTES, O_BACKOFF, O_CURSOR,
		O_INSECURE, O_LIMIT, O_MAXBODY, O_MAXPAGES, O_RETRIES, O_SINCE,
		O_STATS, O_STREAM, O_TIMEOUT, O_UNTIL
	};
	static const struct option longopts[] = {
		{ "api-key-file", required_argument, NULL, O_KEYFILE },
		{ "archive", required_argument, NULL, O_ARCHIVE },
		{ "archive-segment-bytes", required_argument, NULL, O_SEGBYTES },
		{ "backoff-max", required_argument, NULL, O_BACKOFF },
		{ "cursor", required_argument, NULL, O_CURSOR },
		{ "help", no_argument, NULL, 'h' },
		{ "insecure", no_argument, NULL, O_INSECURE },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "max-body-bytes", required_argument, NULL, O_MAXBODY },
		{ "max-pages", required_argument, NULL, O_MAXPAGES },
		{ "quiet", no_argument, NULL, 'q' },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "since", required_argument, NULL, O_SINCE },
		{ "stats", required_argument, NULL, O_STATS },
		{ "stream", required_argument, NULL, O_STREAM },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct pager_opts o = {
		.limit = 5000, .stream = "events", .timeout_ms = 30000,
		.retries = 10, .backoff_base_ms = 250, .backoff_max_ms = 60000,
		.max_body = 64u << 20, .segment_bytes = 64u << 20, .stop = &stop,
	};
	struct sigaction sa;
	const char *keyfile = NULL, *why;
	char *events, *key;
	int ch, quiet = 0, sig;

	ds_log_init(argv[0]);
	ds_no_core();
	while ((ch = getopt_long(argc, argv, "hqv", longopts, NULL)) != -1) {
		switch (ch) {
		case O_KEYFILE:
			keyfile = optarg;
			break;
		case O_ARCHIVE:
			o.archive = optarg;
			break;
		case O_SEGBYTES:
			o.segment_bytes = intarg("archive-segment-bytes", optarg, 1,
			    (unsigned long long)1 << 40);
			break;
		case O_BACKOFF:
			o.backoff_max_ms = msarg("backoff-max", optarg);
			break;
		case O_CURSOR:
			o.cursor = optarg;
			break;
		case 'h':
			usage(stdout, DS_EX_OK);
		case O_INSECURE:
			o.insecure = 1;
			break;
		case O_LIMIT:
			o.limit = (long)intarg("limit", optarg, 1, 1000000000);
			break;
		case O_MAXBODY:
			o.max_body = intarg("max-body-bytes", optarg, 1,
			    (unsigned long long)1 << 40);
			break;
		case O_MAXPAGES:
			o.max_pages = intarg("max-pages", optarg, 1, ~0ULL >> 1);
			break;
		case 'q':
			quiet = 1;
			break;
		case O_RETRIES:
			o.retries = (int)intarg("retries", optarg, 0, 1000000);
			break;
		case O_SINCE:
			o.since = optarg;
			break;
		case O_STATS:
			o.stats = optarg;
			break;
		case O_STREAM:
			ds_name_arg("--stream", optarg);
			o.stream = optarg;
			break;
		case O_TIMEOUT:
			o.timeout_ms = msarg("timeout", optarg);
			break;
		case O_UNTIL:
			o.until = optarg;
			break;
		case 'v':
			o.verbose = 1;
			break;
		default:
			usage(stderr, DS_EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(stderr, DS_EX_USAGE);
	if (quiet)
		ds_log_setlevel(DS_LOG_ERROR);
	if ((events = url_events(argv[0], &why)) == NULL)
		ds_diex(DS_EX_USAGE, "%s", why);
	if (o.backoff_base_ms > o.backoff_max_ms)
		o.backoff_base_ms = o.backoff_max_ms;
	key = read_key(keyfile);
	ds_log_secret(key);	/* a server may quote it back in an error */
	o.key = key;
	o.events = events;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		ds_die(DS_EX_TEMP, "sigaction");
	ds_out_init();

	(void)pager_run(&o);
	ds_out_close();
	ds_log_secret(NULL);
	if (key != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	free(events);
	if ((sig = atomic_load(&stop)) != 0) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return DS_EX_OK;
}
