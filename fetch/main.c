/*
 * ds-fetch - follow a paginated JSON API's cursor, one NDJSON line per page.
 */
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "args.h"
#include "buf.h"
#include "deffile.h"
#include "def.h"
#include "exits.h"
#include "log.h"
#include "name.h"
#include "output.h"
#include "pager.h"
#include "secure.h"
#include "style.h"
#include "timeparse.h"
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
	    "                [--stream name] [--timeout seconds] [--until time]\n"
	    "                [--connector name] [--definition file] [setting ...] url\n"
	    "stream definition settings (also \"name = value\" lines of a definition):\n"
	    "  request:    --param name=value --header 'Name: value' --limit-param name\n"
	    "              --limit-max n\n"
	    "              --method GET|POST --body template --content-type type/subtype\n"
	    "              --filter name=template\n"
	    "  records:    --records path --error-path path\n"
	    "              --error-class permanent|transient\n"
	    "  pagination: --paginate datasync|cursor|link|next-url|offset|page|after-id|none\n"
	    "              --cursor-path path --cursor-param name --next-path path\n"
	    "              --offset-param name --page-param name --page-start 0|1\n"
	    "              --after-param name --after-field path\n"
	    "              --after-time-field path --after-time-param name\n"
	    "  stop rules: --has-more-path path --more-path path --total-path path\n"
	    "              --total-estimated-path path\n"
	    "              --stop-on-empty yes|no --stop-on-short yes|no\n"
	    "  auth:       --auth x-api-key|header|bearer|scheme|authorization|basic|\n"
	    "              query|oauth2|none --auth-name name --auth-scheme word\n"
	    "              --token-url url --token-scope scope\n");
	exit(status);
}

/* Signal handler: note the signal; the page loop stops at a line's end. */
static void
on_signal(int sig)
{
	stop = sig;
}

/* A positive number of seconds (option --opt) in milliseconds, or exit 64. */
static long
msarg(const char *opt, const char *v)
{
	double d = ds_arg_seconds(opt, v, 0.001, 86400.0 * 365);

	return (long)llround(d * 1000);
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

/* A definition file's line: a ds-fetch setting, or one of ds-transform's (skipped). */
static int
file_setting(void *arg, const char *name, const char *value, const char *where)
{
	if (fx_def_set(arg, name, value, where) == 0 || fx_def_other_stage(name))
		return 0;
	ds_diex(DS_EX_USAGE, "%s: unknown setting %s", where, name);
}

/* The URL as given, checked: http(s), a host, no credentials in it. */
static char *
url_given(const char *url, const struct def *d)
{
	struct ds_buf b = { 0 };
	const char *h;

	if (strncasecmp(url, "http://", 7) == 0)
		h = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		h = url + 8;
	else
		ds_diex(DS_EX_USAGE, "the URL must start with http:// or https://");
	if (*h == '\0' || *h == '/' || *h == '?' || *h == '#')
		ds_diex(DS_EX_USAGE, "the URL has no host");
	if (fx_url_has_api_key(url))
		ds_diex(DS_EX_USAGE, "the URL holds api_key=: pass the key in "
		    "DS_API_KEY or --api-key-file instead");
	if (d->auth == AUTH_QUERY) {
		ds_buf_printf(&b, "%s", url);
		fx_url_strip_param(&b, d->auth_name);
		if (strcmp(b.p, url) != 0)
			ds_diex(DS_EX_USAGE, "the URL holds the auth-name parameter %s: "
			    "pass the key in DS_API_KEY or --api-key-file instead",
			    d->auth_name);
		ds_buf_free(&b);
	}
	/* a fragment is never sent */
	return ds_xstrndup(url, strcspn(url, "#"));
}

/* --since/--until as microseconds for templates, or INT64_MIN. */
static int64_t
time_us(const char *opt, const char *v)
{
	struct ds_time t;

	if (v == NULL)
		return INT64_MIN;
	if (ds_time_parse_text(v, strlen(v), &t) != DS_TIME_OK)
		ds_diex(DS_EX_USAGE, "--%s %s: not an ISO 8601 time or epoch seconds",
		    opt, v);
	return t.us;
}

/* Non-zero when v has RFC 3339's shape: date T time [.frac] Z or +HH:MM. */
static int
rfc3339_shape(const char *v)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? (v[i] < '0' || v[i] > '9') : v[i] != shape[i])
			return 0;
	v += i;
	if (*v == '.' && v[1] >= '0' && v[1] <= '9')
		for (v++; *v >= '0' && *v <= '9'; v++)
			;
	if (*v == 'Z')
		return v[1] == '\0';
	return (*v == '+' || *v == '-') && v[1] >= '0' && v[1] <= '9' &&
	    v[2] >= '0' && v[2] <= '9' && v[3] == ':' && v[4] >= '0' && v[4] <= '9' &&
	    v[5] >= '0' && v[5] <= '9' && v[6] == '\0';
}

/*
 * --since/--until for DataSync, which takes RFC 3339 alone: the value as
 * given when it is, else (epoch seconds, another ISO 8601 form) the same
 * instant written as RFC 3339 in UTC into buf (DS_TIME_FMTMAX bytes).
 */
static const char *
datasync_time(const char *opt, const char *v, char *buf)
{
	struct ds_time t;

	if (v == NULL || rfc3339_shape(v))
		return v;
	if (ds_time_parse_text(v, strlen(v), &t) != DS_TIME_OK)
		ds_diex(DS_EX_USAGE, "--%s %s: not an ISO 8601 time or epoch seconds",
		    opt, v);
	(void)ds_time_format(&t, buf);
	return buf;
}

int
main(int argc, char *argv[])
{
	enum {
		O_KEYFILE = 256, O_ARCHIVE, O_SEGBYTES, O_BACKOFF, O_CURSOR,
		O_INSECURE, O_LIMIT, O_MAXBODY, O_MAXPAGES, O_RETRIES, O_SINCE,
		O_STATS, O_STREAM, O_TIMEOUT, O_UNTIL, O_CONNECTOR, O_DEFINITION,
		O_SETTING = 1024
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
	struct def d;
	struct option *opts;
	struct ds_buf hl = { 0 };
	const char *keyfile = NULL, *why, *connector = NULL, *definition = NULL;
	const char **setname = NULL, **setval = NULL, **hdrs = NULL;
	char *events, *key, *conf, since_rfc[DS_TIME_FMTMAX], until_rfc[DS_TIME_FMTMAX];
	size_t nlong = sizeof(longopts) / sizeof(longopts[0]) - 1, i, nset = 0, nh = 0;
	int ch, quiet = 0, sig, limit_given = 0;

	ds_log_init(argv[0]);
	ds_no_core();
	/* the options: the fixed ones, then one per setting, then the two files */
	opts = ds_xcalloc(nlong + fx_def_count() + 3, sizeof(*opts));
	memcpy(opts, longopts, nlong * sizeof(*opts));
	for (i = 0; i < fx_def_count(); i++) {
		if (strcmp(fx_def_name(i), "limit") == 0)
			continue;
		opts[nlong].name = fx_def_name(i);
		opts[nlong].has_arg = required_argument;
		opts[nlong].val = O_SETTING + (int)i;
		nlong++;
	}
	opts[nlong++] = (struct option){ "connector", required_argument, NULL, O_CONNECTOR };
	opts[nlong++] = (struct option){ "definition", required_argument, NULL, O_DEFINITION };
	setname = ds_xcalloc((size_t)argc + 1, sizeof(*setname));
	setval = ds_xcalloc((size_t)argc + 1, sizeof(*setval));
	while ((ch = getopt_long(argc, argv, "hqv", opts, NULL)) != -1) {
		if (ch >= O_SETTING && ch < O_SETTING + (int)fx_def_count()) {
			setname[nset] = fx_def_name((size_t)(ch - O_SETTING));
			setval[nset++] = optarg;
			continue;
		}
		switch (ch) {
		case O_CONNECTOR:
			connector = optarg;
			break;
		case O_DEFINITION:
			definition = optarg;
			break;
		case O_KEYFILE:
			keyfile = optarg;
			break;
		case O_ARCHIVE:
			o.archive = optarg;
			break;
		case O_SEGBYTES:
			o.segment_bytes = ds_arg_bytes("archive-segment-bytes", optarg, 1,
			    (uint64_t)1 << 40);
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
			o.limit = (long)ds_arg_count("limit", optarg, 1, 1000000000);
			limit_given = 1;
			break;
		case O_MAXBODY:
			o.max_body = ds_arg_bytes("max-body-bytes", optarg, 1,
			    (uint64_t)1 << 40);
			break;
		case O_MAXPAGES:
			o.max_pages = ds_arg_count("max-pages", optarg, 1, LLONG_MAX);
			break;
		case 'q':
			quiet = 1;
			break;
		case O_RETRIES:
			o.retries = (int)ds_arg_count("retries", optarg, 0, 1000000);
			break;
		case O_SINCE:
			o.since = optarg;
			(void)time_us("since", optarg);
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
			(void)time_us("until", optarg);
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

	/* the definition: preset, file, then the command line's settings */
	fx_def_init(&d);
	if (connector != NULL) {
		fx_def_layer(&d);
		conf = ds_def_connector(connector);
		ds_def_read(conf, file_setting, &d);
		free(conf);
	}
	if (definition != NULL) {
		fx_def_layer(&d);
		ds_def_read(definition, file_setting, &d);
	}
	fx_def_layer(&d);
	for (i = 0; i < nset; i++) {
		ds_buf_reset(&hl);
		ds_buf_printf(&hl, "--%s", setname[i]);
		(void)fx_def_set(&d, setname[i], setval[i], hl.p);
	}
	fx_def_check(&d, o.since != NULL, o.until != NULL);
	if (!limit_given && d.limit > 0)
		o.limit = d.limit;
	if (d.limit_max > 0 && o.limit > d.limit_max) {
		/* Stripe answers 400 to a limit over 100: ask what the API takes */
		ds_logkv(DS_LOG_INFO, "limit above limit-max", "limit=%ld limit_max=%ld",
		    o.limit, d.limit_max);
		o.limit = d.limit_max;
	}
	o.def = &d;
	/* DataSync sends --since/--until as they are; templates need the time */
	o.since_us = d.style == &style_datasync ? INT64_MIN : time_us("since", o.since);
	o.until_us = d.style == &style_datasync ? INT64_MIN : time_us("until", o.until);
	if (d.style == &style_datasync) {
		o.since = datasync_time("since", o.since, since_rfc);
		o.until = datasync_time("until", o.until, until_rfc);
	}
	if (d.style == &style_datasync) {
		if ((events = fx_url_events(argv[0], &why)) == NULL)
			ds_diex(DS_EX_USAGE, "%s", why);
	} else
		events = url_given(argv[0], &d);
	/* a URL state to start from must not lead the credentials elsewhere */
	if (d.style->url_state && o.cursor != NULL && *o.cursor != '\0') {
		ds_buf_reset(&hl);
		if (fx_url_resolve(events, o.cursor, strlen(o.cursor), &hl, &why) < 0)
			ds_diex(DS_EX_USAGE, "--cursor %s: not a URL to follow from %s: %s",
			    o.cursor, events, why);
	}
	if (o.backoff_base_ms > o.backoff_max_ms)
		o.backoff_base_ms = o.backoff_max_ms;
	key = read_key(keyfile);
	ds_log_secret(key);	/* a server may quote it back in an error */
	o.events = events;
	o.have_key = key != NULL;

	/* the headers of every request: the definition's, then the credential */
	hdrs = ds_xcalloc(d.header.n + 1, sizeof(*hdrs));
	for (i = 0; i < d.header.n; i++)
		hdrs[nh++] = d.header.v[i];
	ds_buf_reset(&hl);
	if (key != NULL) {
		switch (d.auth) {
		case AUTH_X_API_KEY:
			o.key = key;
			break;
		case AUTH_HEADER:
			ds_buf_printf(&hl, "%s: %s", d.auth_name, key);
			break;
		case AUTH_BEARER:
			ds_buf_printf(&hl, "Authorization: Bearer %s", key);
			break;
		case AUTH_SCHEME:
			ds_buf_printf(&hl, "Authorization: %s %s", d.auth_scheme, key);
			break;
		case AUTH_AUTHORIZATION:
			ds_buf_printf(&hl, "Authorization: %s", key);
			break;
		case AUTH_BASIC:
			if (strchr(key, ':') == NULL)
				ds_diex(DS_EX_USAGE, "auth basic: the secret (from %s) "
				    "must be user:password", keyfile ? keyfile :
				    "DS_API_KEY");
			o.userpass = key;
			break;
		case AUTH_QUERY:
			o.query_key = key;
			break;
		case AUTH_OAUTH2:
			if (strchr(key, ':') == NULL)
				ds_diex(DS_EX_USAGE, "auth oauth2: the secret (from %s) "
				    "must be client_id:client_secret", keyfile ? keyfile :
				    "DS_API_KEY");
			o.oauth_cred = key;
			break;
		case AUTH_NONE:
			break;
		}
	}
	if (hl.len > 0)
		hdrs[nh++] = hl.p;
	o.headers = hdrs;
	o.nheaders = nh;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		ds_die(DS_EX_TEMP, "sigaction");
	ds_out_init();

	(void)fx_pager_run(&o);
	ds_out_close();
	ds_log_secret(NULL);
	if (hl.p != NULL)
		explicit_bzero(hl.p, hl.len);
	ds_buf_free(&hl);
	free(hdrs);
	free(setname);
	free(setval);
	free(opts);
	fx_def_free(&d);
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
