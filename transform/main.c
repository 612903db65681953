/*
 * ds-transform - normalise, validate and hash records: NDJSON in, the
 * stream format (ds-stream(5)) out.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "deffile.h"
#include "exits.h"
#include "jcs.h"
#include "jqfilter.h"
#include "json.h"
#include "log.h"
#include "output.h"
#include "page.h"
#include "reader.h"
#include "record.h"

#define MIB		((size_t)1 << 20)
#define FLUSH_AT	(256 * 1024)	/* output bytes gathered before a write */

static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: ds-transform [--canonical] [--id-field path] [--jq filter]\n"
	    "                    [--key id | hash] [--max-line-bytes n]\n"
	    "                    [--max-record-bytes n] [--stream name]\n"
	    "                    [--ts-field path] [--type-field path]\n"
	    "                    [--connector name] [--definition file]\n");
	exit(status);
}

/* Parse a whole number of bytes in [1, 2^40], or exit with a usage error. */
static size_t
bytesarg(const char *opt, const char *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	if (*v < '0' || *v > '9' || (n = strtoull(v, &end, 10), errno != 0) ||
	    *end != '\0' || n < 1 || n > (1ULL << 40))
		ds_diex(DS_EX_USAGE, "--%s %s: want a whole number of bytes from 1 to %llu",
		    opt, v, 1ULL << 40);
	return (size_t)n;
}

/* Refuse an empty field path or one with an empty component. */
static const char *
patharg(const char *opt, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || v[0] == '.' || v[n - 1] == '.' || strstr(v, "..") != NULL)
		ds_diex(DS_EX_USAGE, "--%s \"%s\": want a key or a dotted path of keys", opt, v);
	return v;
}

/*
 * The reader's idle hook: the upstream is quiet, so write what the lines so
 * far gave (out, whole lines: a page's records and checkpoint) and flush,
 * rather than hold them until FLUSH_AT bytes gather.
 */
static int
flush_idle(void *arg)
{
	struct ds_buf *out = arg;

	ds_out_write(out->p, out->len);
	out->len = 0;
	ds_out_flush();
	return -1;
}

/*
 * Read the next line. On a read or decompression error, write out what
 * the lines before it gave (pending, may be NULL) and exit DS_EX_PERM.
 */
static int
next_line(struct ds_reader *rd, char **line, size_t *len, struct ds_buf *pending)
{
	int rc = ds_reader_next(rd, line, len);

	if (rc == DS_READ_ERR && pending != NULL) {
		ds_out_write(pending->p, pending->len);
		ds_out_flush();
	}
	if (rc == DS_READ_ERR)
		ds_diex(DS_EX_PERM, "stdin: %s (after line %llu)", ds_reader_error(rd),
		    (unsigned long long)ds_reader_lineno(rd));
	return rc;
}

/*
 * --canonical: the input is one or more JSON texts separated by white
 * space (pretty-printed or not); print the RFC 8785 form of each on a line.
 */
static void
canonical(struct ds_reader *rd, size_t maxbytes)
{
	struct ds_buf in = { 0 }, out = { 0 };
	struct ds_jcs c = { 0 };
	struct ds_json j;
	const char *p, *end, *start;
	char *line;
	size_t len;
	int rc;

	while ((rc = next_line(rd, &line, &len, NULL)) != DS_READ_EOF) {
		if (rc == DS_READ_LONG || in.len + len + 1 > maxbytes)
			ds_diex(DS_EX_PERM, "--canonical: input exceeds --max-line-bytes (%zu)",
			    maxbytes);
		ds_buf_add(&in, line, len);
		ds_buf_addc(&in, '\n');
	}
	p = in.p;
	end = in.p + in.len;
	ds_json_init(&j, in.p);
	while ((p = ds_json_ws(p, end)) < end) {
		const char *q = ds_json_skip(&j, p, end, &start);

		if (q == NULL)
			ds_diex(DS_EX_PERM, "--canonical: invalid JSON at byte %zu: %s",
			    j.erroff, j.errmsg);
		if (j.flags & DS_JSON_NUL)
			ds_diex(DS_EX_PERM, "--canonical: string holds \\u0000 before byte %zu",
			    (size_t)(q - in.p));
		if (j.flags & DS_JSON_SURR)
			ds_diex(DS_EX_PERM, "--canonical: string holds a lone surrogate, which"
			    " RFC 8785 cannot encode, before byte %zu", (size_t)(q - in.p));
		ds_buf_reset(&out);
		ds_jcs(&c, start, (size_t)(q - start), &out);
		ds_buf_addc(&out, '\n');
		ds_out_write(out.p, out.len);
		p = q;
	}
	ds_jcs_free(&c);
	ds_buf_free(&in);
	ds_buf_free(&out);
}

/* The settings a definition file may give, and which the command line gave. */
struct xf_def {
	struct xf_opts	*o;
	int		 given[4];	/* id-field, ts-field, type-field, key */
	char		*kept[3];	/* the paths read from files (owned) */
};

/*
 * A definition line: ds-transform's settings are taken (unless given on
 * the command line), ds-fetch's skipped, any other exits 64.
 */
static int
def_setting(void *arg, const char *name, const char *value, const char *where)
{
	static const char *const names[] = { "id-field", "ts-field", "type-field" };
	struct xf_def *d = arg;
	const char **field[3];
	size_t i;

	field[0] = &d->o->id_field;
	field[1] = &d->o->ts_field;
	field[2] = &d->o->type_field;
	if (ds_def_stage(name) == 'f')
		return 0;
	for (i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0) {
			if (!d->given[i]) {
				free(d->kept[i]);
				d->kept[i] = ds_xstrdup(value);
				*field[i] = patharg(names[i], d->kept[i]);
			}
			return 0;
		}
	if (strcmp(name, "key") == 0) {
		if (strcmp(value, "id") != 0 && strcmp(value, "hash") != 0)
			ds_diex(DS_EX_USAGE, "%s: setting key: want id or hash", where);
		if (!d->given[3])
			d->o->key_hash = strcmp(value, "hash") == 0;
		return 0;
	}
	ds_diex(DS_EX_USAGE, "%s: unknown setting %s", where, name);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "canonical",		no_argument,		NULL, 'C' },
		{ "connector",		required_argument,	NULL, 'c' },
		{ "definition",		required_argument,	NULL, 'd' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "id-field",		required_argument,	NULL, 'i' },
		{ "jq",			required_argument,	NULL, 'j' },
		{ "key",		required_argument,	NULL, 'k' },
		{ "max-line-bytes",	required_argument,	NULL, 'L' },
		{ "max-record-bytes",	required_argument,	NULL, 'R' },
		{ "stream",		required_argument,	NULL, 's' },
		{ "ts-field",		required_argument,	NULL, 't' },
		{ "type-field",		required_argument,	NULL, 'y' },
		{ NULL,			0,			NULL, 0 }
	};
	struct xf_opts o = { 0, "id", "timestamp", "type", 16 * MIB };
	const char *stream = "events", *filter = NULL, *connector = NULL;
	const char *definition = NULL;
	struct xf_def def = { &o, { 0, 0, 0, 0 }, { NULL, NULL, NULL } };
	size_t maxline = 256 * MIB, len;
	struct ds_buf out = { 0 }, err = { 0 };
	struct xf_jq *jq = NULL;
	struct ds_reader *rd;
	struct xf_lines x;
	struct xf_rec r;
	int ch, canon = 0, rc;
	char *line;

	ds_log_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			canon = 1;
			break;
		case 'c':
			connector = optarg;
			break;
		case 'd':
			definition = optarg;
			break;
		case 'h':
			usage(stdout, DS_EX_OK);
		case 'i':
			o.id_field = patharg("id-field", optarg);
			def.given[0] = 1;
			break;
		case 'j':
			filter = optarg;
			break;
		case 'k':
			def.given[3] = 1;
			if (strcmp(optarg, "id") == 0)
				o.key_hash = 0;
			else if (strcmp(optarg, "hash") == 0)
				o.key_hash = 1;
			else
				ds_diex(DS_EX_USAGE, "--key %s: want id or hash", optarg);
			break;
		case 'L':
			maxline = bytesarg("max-line-bytes", optarg);
			break;
		case 'R':
			o.max_record = bytesarg("max-record-bytes", optarg);
			break;
		case 's':
			if (*optarg == '\0')
				ds_diex(DS_EX_USAGE, "--stream: want a non-empty name");
			stream = optarg;
			break;
		case 't':
			o.ts_field = patharg("ts-field", optarg);
			def.given[1] = 1;
			break;
		case 'y':
			o.type_field = patharg("type-field", optarg);
			def.given[2] = 1;
			break;
		default:
			usage(stderr, DS_EX_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, DS_EX_USAGE);
	/* a definition's settings, where the command line gave none */
	if (connector != NULL) {
		char *conf = ds_def_connector(connector);

		ds_def_read(conf, def_setting, &def);
		free(conf);
	}
	if (definition != NULL)
		ds_def_read(definition, def_setting, &def);
	if (filter != NULL && (jq = xf_jq_new(filter, &err)) == NULL)
		ds_diex(DS_EX_USAGE, "--jq: %s", err.p);

	ds_out_init();
	rd = ds_reader_new(STDIN_FILENO, maxline);
	if (canon) {
		canonical(rd, maxline);
		ds_reader_free(rd);
		ds_out_close();
		return DS_EX_OK;
	}
	xf_rec_init(&r, &o, jq);
	xf_lines_init(&x, &r, stream);
	ds_reader_on_idle(rd, flush_idle, &out);
	while ((rc = next_line(rd, &line, &len, &out)) != DS_READ_EOF) {
		if (rc == DS_READ_LONG)
			xf_line_long(&x, line, len, maxline, &out);
		else
			xf_line(&x, line, len, &out);
		if (out.len >= FLUSH_AT) {
			ds_out_write(out.p, out.len);
			out.len = 0;
		}
	}
	ds_out_write(out.p, out.len);
	ds_out_close();
	ds_logkv(DS_LOG_INFO, "done", "lines=%llu pages=%llu records=%llu rejects=%llu passed=%llu",
	    (unsigned long long)ds_reader_lineno(rd), (unsigned long long)x.pages,
	    (unsigned long long)r.nrecords, (unsigned long long)r.nrejects,
	    (unsigned long long)x.passed);
	xf_lines_free(&x);
	xf_rec_free(&r);
	xf_jq_free(jq);
	ds_reader_free(rd);
	ds_buf_free(&out);
	ds_buf_free(&err);
	free(def.kept[0]);
	free(def.kept[1]);
	free(def.kept[2]);
	return DS_EX_OK;
}
