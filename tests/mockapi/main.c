/*
 * ds-mockapi - a fast, deterministic mock of the DataSync events API.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "config.h"
#include "exits.h"
#include "faults.h"
#include "log.h"
#include "manifest.h"
#include "output.h"
#include "server.h"
#include "styles.h"

struct mock_config mock_cfg = {
	.events = 3000000,
	.seed = 1,
	.page_max = 5000,
	.shape = SHAPE_NESTED,
	.cursor_ttl = 600,
	.reset_form = RESET_ALTERNATE,
	.faults = FAULT_ALL,
	.slow_secs = 5,
	.gzip = 1,
	.gzip_fault_rate = 1,
	.token_ttl = 3600,
	.created_step = 1,
};

/* The write end of the pipe on_signal() wakes main() through. */
static int wakefd = -1;

static const char usage_text[] =
    "usage: ds-mockapi [--port P] [--events N] [--seed S] [--page-max M]\n"
    "                  [--bind ADDR] [--api-key K | --api-key-file FILE]\n"
    "                  [--shape nested|flat] [--pretty]\n"
    "                  [--cursor-ttl SECONDS] [--rate N/SECONDS]\n"
    "                  [--reset-form delta|epoch|alternate] [--fail-rate R]\n"
    "                  [--faults LIST] [--slow-seconds S] [--dup-rate R]\n"
    "                  [--bad-rate R] [--no-gzip] [--manifest FILE] [--log]\n"
    "                  [--gzip-fault LIST [--gzip-fault-at N | --gzip-fault-rate R]]\n"
    "                  [--files DIR [--files-cut BYTES] [--files-key-file FILE]]\n"
    "                  [--style datasync|socrata|arcgis|ckan|github|stripe|jsonapi]\n"
    "                  [--oauth2] [--token-ttl SECONDS] [--revoke-every N]\n"
    "                  [--errors-200] [--generation G --churn R] [--deleted id]\n"
    "                  [--created-step seconds]\n";

static void __attribute__((noreturn))
usage(void)
{
	fputs(usage_text, stderr);
	exit(DS_EX_USAGE);
}

/* Parse an unsigned integer option in [min, max] or exit with a usage error. */
static uint64_t
number(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < min || v > max) {
		ds_warnx("--%s: expected an integer in %llu..%llu, got '%s'", opt,
		    (unsigned long long)min, (unsigned long long)max, s);
		usage();
	}
	return v;
}

/* Parse a probability in [0, 1] or exit with a usage error. */
static double
rate(const char *opt, const char *s)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= 0 && v <= 1)) {
		ds_warnx("--%s: expected a number in 0..1, got '%s'", opt, s);
		usage();
	}
	return v;
}

/* SIGINT, SIGTERM: tell main() to stop, from whichever thread gets the signal. */
static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	if (write(wakefd, &c, 1) < 0)
		(void)0;
	errno = saved;
}

/* The first line of file (of option opt), without its newline; the caller owns it. */
static char *
read_key(const char *opt, const char *file)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		ds_die(DS_EX_USAGE, "--%s %s", opt, file);
	if ((n = getline(&line, &cap, f)) <= 0)
		ds_diex(DS_EX_USAGE, "--%s %s: empty", opt, file);
	fclose(f);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

/* A listening TCP socket on addr:*port; sets *port to the one bound. */
static int
listen_on(const char *addr, unsigned *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		ds_die(DS_EX_TEMP, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)*port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		ds_diex(DS_EX_USAGE, "--bind: not an IPv4 address: %s", addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		ds_die(DS_EX_TEMP, "bind %s:%u", addr, *port);
	if (listen(fd, 128) != 0)
		ds_die(DS_EX_TEMP, "listen %s:%u", addr, *port);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		ds_die(DS_EX_TEMP, "getsockname");
	*port = ntohs(sa.sin_port);
	return fd;
}

int
main(int argc, char *argv[])
{
	enum {
		O_PORT = 256, O_EVENTS, O_SEED, O_PAGEMAX, O_APIKEY, O_SHAPE, O_PRETTY,
		O_TTL, O_RATE, O_RESET, O_FAILRATE, O_FAULTS, O_SLOW, O_DUP, O_BAD,
		O_NOGZIP, O_MANIFEST, O_LOG, O_HELP, O_BIND, O_KEYFILE, O_FILES, O_FILESCUT, O_STYLE,
		O_OAUTH2, O_TOKENTTL, O_REVOKE, O_ERRORS200, O_GEN, O_CHURN, O_DELETED,
		O_CSTEP, O_GZFAULT, O_GZAT, O_GZRATE, O_FILESKEY
	};
	static const struct option opts[] = {
		{ "port", required_argument, NULL, O_PORT },
		{ "events", required_argument, NULL, O_EVENTS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "page-max", required_argument, NULL, O_PAGEMAX },
		{ "api-key", required_argument, NULL, O_APIKEY },
		{ "api-key-file", required_argument, NULL, O_KEYFILE },
		{ "bind", required_argument, NULL, O_BIND },
		{ "shape", required_argument, NULL, O_SHAPE },
		{ "pretty", no_argument, NULL, O_PRETTY },
		{ "cursor-ttl", required_argument, NULL, O_TTL },
		{ "rate", required_argument, NULL, O_RATE },
		{ "reset-form", required_argument, NULL, O_RESET },
		{ "fail-rate", required_argument, NULL, O_FAILRATE },
		{ "faults", required_argument, NULL, O_FAULTS },
		{ "slow-seconds", required_argument, NULL, O_SLOW },
		{ "dup-rate", required_argument, NULL, O_DUP },
		{ "bad-rate", required_argument, NULL, O_BAD },
		{ "no-gzip", no_argument, NULL, O_NOGZIP },
		{ "manifest", required_argument, NULL, O_MANIFEST },
		{ "log", no_argument, NULL, O_LOG },
		{ "files", required_argument, NULL, O_FILES },
		{ "files-cut", required_argument, NULL, O_FILESCUT },
		{ "files-key-file", required_argument, NULL, O_FILESKEY },
		{ "gzip-fault", required_argument, NULL, O_GZFAULT },
		{ "gzip-fault-at", required_argument, NULL, O_GZAT },
		{ "gzip-fault-rate", required_argument, NULL, O_GZRATE },
		{ "style", required_argument, NULL, O_STYLE },
		{ "oauth2", no_argument, NULL, O_OAUTH2 },
		{ "errors-200", no_argument, NULL, O_ERRORS200 },
		{ "token-ttl", required_argument, NULL, O_TOKENTTL },
		{ "revoke-every", required_argument, NULL, O_REVOKE },
		{ "generation", required_argument, NULL, O_GEN },
		{ "churn", required_argument, NULL, O_CHURN },
		{ "deleted", required_argument, NULL, O_DELETED },
		{ "created-step", required_argument, NULL, O_CSTEP },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	const char *manifest = NULL, *bindaddr = "127.0.0.1";
	unsigned port = 0;
	char *slash;
	struct MHD_Daemon *d;
	struct sigaction sa;
	unsigned char sig = 0;
	int ch, fd, wake[2];

	ds_log_init(argv[0]);
	ds_out_init();
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case O_PORT:
			port = (unsigned)number("port", optarg, 0, 65535);
			break;
		case O_EVENTS:
			mock_cfg.events = number("events", optarg, 0, UINT64_C(1) << 40);
			break;
		case O_SEED:
			mock_cfg.seed = number("seed", optarg, 0, UINT64_MAX);
			break;
		case O_PAGEMAX:
			mock_cfg.page_max = (unsigned)number("page-max", optarg, 1, 1000000);
			break;
		case O_APIKEY:
			mock_cfg.api_key = optarg;
			break;
		case O_KEYFILE:
			mock_cfg.api_key = read_key("api-key-file", optarg);
			break;
		case O_BIND:
			bindaddr = optarg;
			break;
		case O_SHAPE:
			if (strcmp(optarg, "nested") == 0)
				mock_cfg.shape = SHAPE_NESTED;
			else if (strcmp(optarg, "flat") == 0)
				mock_cfg.shape = SHAPE_FLAT;
			else {
				ds_warnx("--shape: expected nested or flat, got '%s'", optarg);
				usage();
			}
			break;
		case O_PRETTY:
			mock_cfg.pretty = 1;
			break;
		case O_TTL:
			mock_cfg.cursor_ttl = (unsigned)number("cursor-ttl", optarg, 0,
			    UINT32_MAX);
			break;
		case O_RATE:
			if ((slash = strchr(optarg, '/')) == NULL) {
				ds_warnx("--rate: expected N/SECONDS, got '%s'", optarg);
				usage();
			}
			*slash = '\0';
			mock_cfg.rate_n = (unsigned)number("rate", optarg, 1, UINT32_MAX);
			mock_cfg.rate_secs = (unsigned)number("rate", slash + 1, 1, 86400);
			break;
		case O_RESET:
			if (strcmp(optarg, "delta") == 0)
				mock_cfg.reset_form = RESET_DELTA;
			else if (strcmp(optarg, "epoch") == 0)
				mock_cfg.reset_form = RESET_EPOCH;
			else if (strcmp(optarg, "alternate") == 0)
				mock_cfg.reset_form = RESET_ALTERNATE;
			else {
				ds_warnx("--reset-form: expected delta, epoch or alternate, "
				    "got '%s'", optarg);
				usage();
			}
			break;
		case O_FAILRATE:
			mock_cfg.fail_rate = rate("fail-rate", optarg);
			break;
		case O_FAULTS:
			if ((mock_cfg.faults = faults_parse(optarg)) == 0) {
				ds_warnx("--faults: expected a comma list of 500, 502, 503, "
				    "504, html, truncate, drop, slow, 429, 202, bare429; got '%s'", optarg);
				usage();
			}
			break;
		case O_SLOW:
			mock_cfg.slow_secs = (unsigned)number("slow-seconds", optarg, 0, 3600);
			break;
		case O_DUP:
			mock_cfg.dup_rate = rate("dup-rate", optarg);
			break;
		case O_BAD:
			mock_cfg.bad_rate = rate("bad-rate", optarg);
			break;
		case O_GEN:
			mock_cfg.generation = (unsigned)number("generation", optarg, 0, 1000000);
			break;
		case O_CHURN:
			mock_cfg.churn = rate("churn", optarg);
			break;
		case O_DELETED:
			mock_cfg.deleted = optarg;
			break;
		case O_CSTEP:
			mock_cfg.created_step = (unsigned)number("created-step", optarg, 1, 86400);
			break;
		case O_NOGZIP:
			mock_cfg.gzip = 0;
			break;
		case O_GZFAULT:
			if ((mock_cfg.gzip_faults = faults_gzip_parse(optarg)) == 0) {
				ds_warnx("--gzip-fault: expected a comma list of crc, length, "
				    "trailing, cut, half; got '%s'", optarg);
				usage();
			}
			break;
		case O_GZAT:
			mock_cfg.gzip_fault_at = number("gzip-fault-at", optarg, 1,
			    UINT64_MAX);
			break;
		case O_GZRATE:
			mock_cfg.gzip_fault_rate = rate("gzip-fault-rate", optarg);
			break;
		case O_MANIFEST:
			manifest = optarg;
			break;
		case O_FILES:
			mock_cfg.files = optarg;
			break;
		case O_FILESKEY:
			mock_cfg.files_key = read_key("files-key-file", optarg);
			break;
		case O_FILESCUT:
			mock_cfg.files_cut = number("files-cut", optarg, 1, UINT64_C(1) << 40);
			break;
		case O_LOG:
			mock_cfg.log = 1;
			break;
		case O_ERRORS200:
			mock_cfg.errors_200 = 1;
			break;
		case O_OAUTH2:
			mock_cfg.oauth2 = 1;
			break;
		case O_TOKENTTL:
			mock_cfg.token_ttl = (unsigned)number("token-ttl", optarg, 1, 86400);
			break;
		case O_REVOKE:
			mock_cfg.revoke_every = (unsigned)number("revoke-every", optarg, 1,
			    1000000);
			break;
		case O_STYLE:
			if (styles_parse(optarg, &mock_cfg.style) != 0) {
				ds_warnx("--style: expected datasync, socrata, arcgis, ckan, "
				    "github, stripe or jsonapi; got '%s'", optarg);
				usage();
			}
			break;
		case O_HELP:
			fputs(usage_text, stdout);
			ds_out_close();
			return DS_EX_OK;
		default:
			usage();
		}
	}
	if (optind != argc) {
		ds_warnx("unexpected argument '%s'", argv[optind]);
		usage();
	}
	if (manifest != NULL && manifest_write(manifest) != 0)
		ds_die(DS_EX_PERM, "write manifest %s", manifest);

	if (pipe(wake) != 0)
		ds_die(DS_EX_TEMP, "pipe");
	wakefd = wake[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fd = listen_on(bindaddr, &port);
	if ((d = server_start(fd)) == NULL)
		ds_diex(DS_EX_TEMP, "cannot start the HTTP server on port %u", port);
	printf("listening on %u\n", port);
	ds_out_flush();
	if (mock_cfg.log)
		ds_logkv(DS_LOG_INFO, "listening", "port=%u events=%llu seed=%llu",
		    port, (unsigned long long)mock_cfg.events,
		    (unsigned long long)mock_cfg.seed);
	while (read(wake[0], &sig, 1) < 0 && errno == EINTR)
		;
	if (mock_cfg.log)
		ds_logkv(DS_LOG_INFO, "stopping", "signal=%d", sig);
	server_stop(d);
	close(fd);
	ds_out_close();
	return DS_EX_OK;
}
