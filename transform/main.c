/*
 * ds-transform - normalise, validate and hash records: NDJSON in, the
 * stream format (ds-stream(5)) out.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "buf.h"
#include "exits.h"
#include "jcs.h"
#include "jqfilter.h"
#include "json.h"
#include "log.h"
#include "name.h"
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
	    "                    [--ts-field path] [--type-field path]\n");
	exit(status);
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

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "canonical",		no_argument,		NULL, 'C' },
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
	static const char *const keys[] = { "id", "hash", NULL };
	struct xf_opts o = { 0, "id", "timestamp", "type", 16 * MIB };
	const char *stream = NULL, *filter = NULL;
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
		case 'h':
			usage(stdout, DS_EX_OK);
		case 'i':
			o.id_field = patharg("id-field", optarg);
			break;
		case 'j':
			filter = optarg;
			break;
		case 'k':
			o.key_hash = ds_arg_choice("key", optarg, keys);
			break;
		case 'L':
			maxline = ds_arg_bytes("max-line-bytes", optarg, 1, 1ULL << 40);
			break;
		case 'R':
			o.max_record = ds_arg_bytes("max-record-bytes", optarg, 1, 1ULL << 40);
			break;
		case 's':
			ds_name_arg("--stream", optarg);
			stream = optarg;
			break;
		case 't':
			o.ts_field = patharg("ts-field", optarg);
			break;
		case 'y':
			o.type_field = patharg("type-field", optarg);
			break;
		default:
			usage(stderr, DS_EX_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, DS_EX_USAGE);
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
		else if (xf_line(&x, line, len, &out) < 0) {
			ds_out_write(out.p, out.len);
			ds_out_flush();
			ds_diex(DS_EX_PERM, "line %llu: %s", (unsigned long long)
			    ds_reader_lineno(rd), x.why.p);
		}
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
	return DS_EX_OK;
}
