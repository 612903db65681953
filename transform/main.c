/*
 * ds-transform - normalise, validate and hash records: NDJSON in, the
 * stream format (ds-stream(5)) out.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "buf.h"
#include "csv.h"
#include "deffile.h"
#include "exits.h"
#include "file.h"
#include "jcs.h"
#include "jqfilter.h"
#include "json.h"
#include "jsonarray.h"
#include "log.h"
#include "name.h"
#include "output.h"
#include "page.h"
#include "reader.h"
#include "record.h"
#include "singer.h"
#include "timeparse.h"

#define MIB		((size_t)1 << 20)
#define FLUSH_AT	(256 * 1024)	/* output bytes gathered before a write */

static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: ds-transform [--canonical] [--checkpoint-every n]\n"
	    "                    [--csv-delimiter c] [--csv-header a,b,c]\n"
	    "                    [--csv-null string] [--encoding name]\n"
	    "                    [--id-field path[,path...]] [--id-numbers yes | no]\n"
	    "                    [--input format] [--jq filter]\n"
	    "                    [--key id | hash | path[,path...]]\n"
	    "                    [--max-line-bytes n]\n"
	    "                    [--max-record-bytes n] [--resume cursor]\n"
	    "                    [--stream name] [--ts-field path]\n"
	    "                    [--ts-form iso | iso-local | epoch | epoch-ms | auto]\n"
	    "                    [--ts-zone offset] [--type-field path]\n"
	    "                    [--connector name] [--definition file]\n");
	exit(status);
}

/* Refuse an empty field path or one with an empty component. */
static const char *
patharg(const char *opt, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || v[0] == '.' || v[n - 1] == '.' || strstr(v, "..") != NULL ||
	    v[0] == ',' || v[n - 1] == ',' || strstr(v, ",,") != NULL ||
	    strstr(v, ".,") != NULL || strstr(v, ",.") != NULL)
		ds_diex(DS_EX_USAGE, "--%s \"%s\": want a key or a dotted path of keys", opt, v);
	return v;
}

/* The DS_TSF_* form named v, or -1. */
static int
tsform(const char *v)
{
	static const char *const names[] = { "auto", "iso", "iso-local", "epoch",
	    "epoch-ms" };
	static const int forms[] = { DS_TSF_AUTO, DS_TSF_ISO, DS_TSF_ISO_LOCAL,
	    DS_TSF_EPOCH, DS_TSF_EPOCH_MS };
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (strcmp(v, names[i]) == 0)
			return forms[i];
	return -1;
}

/* The offset v (Z, +HH, +HH:MM, +HHMM, or with -) in seconds east of UTC; 0 or -1. */
static int
tszone(const char *v, long *zone)
{
	int sign, h, m = 0;

	if (strcmp(v, "Z") == 0 || strcmp(v, "z") == 0) {
		*zone = 0;
		return 0;
	}
	if ((*v != '+' && *v != '-') || !isdigit((unsigned char)v[1]) ||
	    !isdigit((unsigned char)v[2]))
		return -1;
	sign = *v == '-' ? -1 : 1;
	h = (v[1] - '0') * 10 + (v[2] - '0');
	v += 3;
	if (*v == ':')
		v++;
	if (*v != '\0') {
		if (!isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1]) ||
		    v[2] != '\0')
			return -1;
		m = (v[0] - '0') * 10 + (v[1] - '0');
	}
	if (h > 23 || m > 59)
		return -1;
	*zone = sign * (h * 3600L + m * 60L);
	return 0;
}

/* Die naming opt (an option or a definition's place) on a bad ts-form or ts-zone. */
static void
tsarg(struct xf_opts *o, int zone, const char *opt, const char *v)
{
	int f;

	if (zone) {
		if (tszone(v, &o->ts_zone) < 0)
			ds_diex(DS_EX_USAGE, "%s \"%s\": want Z or an offset such as -05:00",
			    opt, v);
	} else if ((f = tsform(v)) < 0)
		ds_diex(DS_EX_USAGE, "%s \"%s\": want iso, iso-local, epoch, epoch-ms"
		    " or auto", opt, v);
	else
		o->ts_form = f;
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

/* flush_idle() of the file formats. */
static int
flush_file_idle(void *arg)
{
	xf_file_write(arg, 1);
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

enum { IN_DETECT, IN_LINES, IN_CSV, IN_JSON, IN_GEOJSON, IN_SINGER };

/* The --input format named, or a usage error. */
static int
formatarg(const char *v)
{
	static const struct {
		const char	*name;
		int		 fmt;
	} f[] = {
		{ "pages", IN_LINES }, { "ndjson", IN_LINES }, { "csv", IN_CSV },
		{ "json", IN_JSON }, { "geojson", IN_GEOJSON }, { "singer", IN_SINGER },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(v, f[i].name) == 0)
			return f[i].fmt;
	ds_diex(DS_EX_USAGE, "--input %s: want pages, ndjson, csv, json, geojson or singer", v);
}

/* Non-zero when the JSON string token v is one of Singer's message types. */
static int
singer_type(const struct ds_json_member *m)
{
	static const char *const t[] = { "SCHEMA", "RECORD", "STATE", "ACTIVATE_VERSION",
	    "BATCH" };
	size_t i;

	if (*m->val != '"')
		return 0;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (ds_json_str_eq(m->val + 1, m->vallen - 2, t[i]))
			return 1;
	return 0;
}

/*
 * Without --input: the format from the first bytes. A top-level array is
 * json (unless it is whole on the first line and more lines follow: NDJSON
 * whose first line is an array); an object whose "type" is "FeatureCollection" geojson; a line
 * whose first members are a Singer message type and "stream" or "value"
 * singer; anything else lines (ds-fetch pages or NDJSON records). CSV is
 * never guessed: it must be named.
 */
static int
detect(struct ds_reader *rd)
{
	const char *p, *end, *nl, *q;
	struct ds_json_member m;
	struct ds_json j;
	size_t n;
	int rc, i;

	if (ds_reader_peek(rd, 64 * 1024, &p, &n) != 0)
		ds_diex(DS_EX_PERM, "stdin: %s", ds_reader_error(rd));
	end = p + n;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	p = ds_json_ws(p, end);
	if (p < end && *p == '[') {
		/* one array on its first line and more lines after it: NDJSON */
		ds_json_init(&j, p);
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl != NULL && (q = ds_json_skip(&j, p, nl, NULL)) != NULL &&
		    ds_json_ws(q, nl) == nl && ds_json_ws(nl, end) < end)
			return IN_LINES;
		return IN_JSON;
	}
	if (p >= end || *p != '{')
		return IN_LINES;
	ds_json_init(&j, p);
	ds_json_obj_begin(&j, &p, end);
	for (i = 0; (rc = ds_json_obj_next(&j, &p, end, &m)) == 1; i++) {
		if (ds_json_str_eq(m.key, m.keylen, "type") && *m.val == '"' &&
		    ds_json_str_eq(m.val + 1, m.vallen - 2, "FeatureCollection"))
			return IN_GEOJSON;
		if (i == 0 && !(ds_json_str_eq(m.key, m.keylen, "type") && singer_type(&m)))
			i = -100;
		if (i == 1 && (ds_json_str_eq(m.key, m.keylen, "stream") ||
		    ds_json_str_eq(m.key, m.keylen, "value")))
			return IN_SINGER;
	}
	return IN_LINES;
}

/* The settings a definition file may give, and which the command line gave. */
struct xf_def {
	struct xf_opts	*o;
	int		 given[7];	/* id-field, ts-field, type-field, key,
					   ts-form, ts-zone, id-numbers */
	char		*kept[3];	/* the paths read from files (owned) */
};

/*
 * A definition line: ds-transform's settings are taken (unless given on
 * the command line), ds-fetch's and ds-load's skipped, any other exits 64.
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
	if (ds_def_stage(name) == 'f' || ds_def_stage(name) == 'l')
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
	if (strcmp(name, "ts-form") == 0 || strcmp(name, "ts-zone") == 0) {
		int zone = strcmp(name, "ts-zone") == 0;

		if (!d->given[4 + zone]) {
			char *opt = ds_xmalloc(strlen(where) + 20);

			snprintf(opt, strlen(where) + 20, "%s: setting %s", where, name);
			tsarg(d->o, zone, opt, value);
			free(opt);
		}
		return 0;
	}
	if (strcmp(name, "id-numbers") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			ds_diex(DS_EX_USAGE, "%s: setting id-numbers: want yes or no", where);
		if (!d->given[6])
			d->o->id_numbers = strcmp(value, "yes") == 0;
		return 0;
	}
	if (strcmp(name, "key") == 0) {
		if (d->given[3])
			return 0;
		if (strcmp(value, "id") == 0 || strcmp(value, "hash") == 0) {
			d->o->key_hash = strcmp(value, "hash") == 0;
			return 0;
		}
		/* key paths: the id-field setting, spelled as the row's key */
		d->o->key_hash = 0;
		return def_setting(arg, "id-field", value, where);
	}
	ds_diex(DS_EX_USAGE, "%s: unknown setting %s", where, name);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "canonical",		no_argument,		NULL, 'C' },
		{ "checkpoint-every",	required_argument,	NULL, 'E' },
		{ "csv-delimiter",	required_argument,	NULL, 'D' },
		{ "csv-header",		required_argument,	NULL, 'H' },
		{ "csv-null",		required_argument,	NULL, 'N' },
		{ "encoding",		required_argument,	NULL, 'e' },
		{ "connector",		required_argument,	NULL, 'c' },
		{ "definition",		required_argument,	NULL, 'd' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "id-field",		required_argument,	NULL, 'i' },
		{ "id-numbers",		required_argument,	NULL, 'N' + 256 },
		{ "input",		required_argument,	NULL, 'I' },
		{ "jq",			required_argument,	NULL, 'j' },
		{ "key",		required_argument,	NULL, 'k' },
		{ "max-line-bytes",	required_argument,	NULL, 'L' },
		{ "max-record-bytes",	required_argument,	NULL, 'R' },
		{ "resume",		required_argument,	NULL, 'r' },
		{ "stream",		required_argument,	NULL, 's' },
		{ "ts-field",		required_argument,	NULL, 't' },
		{ "ts-form",		required_argument,	NULL, 'F' },
		{ "ts-zone",		required_argument,	NULL, 'Z' },
		{ "type-field",		required_argument,	NULL, 'y' },
		{ NULL,			0,			NULL, 0 }
	};
	static const char *const yesno[] = { "no", "yes", NULL };
	struct xf_opts o = { .id_field = "id", .ts_field = "timestamp",
	    .type_field = "type", .max_record = 16 * MIB };
	struct xf_csvopts co = { ',', NULL, NULL, NULL, NULL, 0 };
	struct xf_file f;
	uint64_t every = 10000;
	int input = IN_DETECT, keyset = 0, idset = 0, tsset = 0;
	const char *stream = NULL, *filter = NULL, *connector = NULL;
	const char *definition = NULL;
	struct xf_def def = { &o, { 0, 0, 0, 0, 0, 0, 0 }, { NULL, NULL, NULL } };
	size_t maxline = 256 * MIB, len;
	struct ds_buf out = { 0 }, err = { 0 }, geoid = { 0 };
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
		case 'D':
			if (strcmp(optarg, "\\t") == 0)
				optarg = "\t";
			if (strlen(optarg) != 1 || *optarg == '"' || *optarg == '\n' ||
			    *optarg == '\r')
				ds_diex(DS_EX_USAGE, "--csv-delimiter: want one byte other than"
				    " a quote or a line end (\"\\t\" is a tab)");
			co.delim = *optarg;
			break;
		case 'E':
			every = (uint64_t)ds_arg_count("checkpoint-every", optarg, 1, 1000000000);
			break;
		case 'H':
			co.header = optarg;
			break;
		case 'I':
			input = formatarg(optarg);
			break;
		case 'N':
			co.null = optarg;
			break;
		case 'e':
			if (*optarg == '\0')
				ds_diex(DS_EX_USAGE, "--encoding: want an iconv encoding name");
			co.encoding = optarg;
			break;
		case 'r':
			co.resume = optarg;
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
			if (keyset && !o.key_hash && idset && strcmp(o.id_field, optarg) != 0)
				ds_diex(DS_EX_USAGE, "--key %s and --id-field %s: name the key"
				    " once", o.id_field, optarg);
			o.id_field = patharg("id-field", optarg);
			idset = 1;
			def.given[0] = 1;
			break;
		case 'N' + 256:
			o.id_numbers = ds_arg_choice("id-numbers", optarg, yesno);
			def.given[6] = 1;
			break;
		case 'j':
			filter = optarg;
			break;
		case 'k':
			keyset = 1;
			def.given[3] = 1;
			if (strcmp(optarg, "id") == 0 || strcmp(optarg, "hash") == 0) {
				o.key_hash = strcmp(optarg, "hash") == 0;
				break;
			}
			/* --key a,b: the paths whose values are the row's identity */
			if (idset && strcmp(o.id_field, optarg) != 0)
				ds_diex(DS_EX_USAGE, "--key %s and --id-field %s: name the key"
				    " once", optarg, o.id_field);
			o.key_hash = 0;
			o.id_field = patharg("key", optarg);
			idset = 1;
			def.given[0] = 1;
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
			tsset = 1;
			def.given[1] = 1;
			break;
		case 'F':
			tsarg(&o, 0, "--ts-form", optarg);
			def.given[4] = 1;
			break;
		case 'Z':
			tsarg(&o, 1, "--ts-zone", optarg);
			def.given[5] = 1;
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
	ds_def_read_layers(connector, definition, def_setting, &def);
	/* for file input, a definition's id or ts path counts as given */
	idset |= def.kept[0] != NULL;
	tsset |= def.kept[1] != NULL;
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
	if (input == IN_DETECT)
		input = detect(rd);
	if ((co.header != NULL || co.null != NULL || co.encoding != NULL || co.delim != ',') &&
	    input != IN_CSV)
		ds_diex(DS_EX_USAGE, "--csv-delimiter, --csv-header, --csv-null and --encoding"
		    " go with --input csv");
	if (co.resume != NULL && input != IN_CSV && input != IN_JSON && input != IN_GEOJSON)
		ds_diex(DS_EX_USAGE, "--resume goes with --input csv, json or geojson");
	if (input != IN_LINES) {
		o.files = 1;
		if (!keyset && !idset)
			o.key_hash = 1;
		co.maxrow = maxline;
		if (input == IN_GEOJSON) {
			o.key_hash = 0;
			o.id_or_hash = !idset;
			if (idset) {
				const char *c, *p = o.id_field;

				/* each path of a composite id is a property */
				while ((c = strchr(p, ',')) != NULL) {
					ds_buf_printf(&geoid, "properties.%.*s,", (int)(c - p), p);
					p = c + 1;
				}
				ds_buf_printf(&geoid, "properties.%s", p);
				o.id_field = geoid.p;
			}
		}
		xf_rec_init(&r, &o, jq);
		xf_file_init(&f, rd, &r, stream != NULL ? stream : "events", every);
		xf_file_threaded(&f);
		ds_reader_on_idle(rd, flush_file_idle, &f);
		if (input == IN_CSV)
			xf_csv(&f, &co);
		else if (input == IN_SINGER)
			xf_singer(&f, maxline, tsset);
		else
			xf_jsonarray(&f, input == IN_GEOJSON, co.resume);
		xf_file_sync(&f);
		ds_out_close();
		ds_logkv(DS_LOG_INFO, "done", "bytes=%llu records=%llu rejects=%llu",
		    (unsigned long long)xf_file_bytes(&f), (unsigned long long)r.nrecords,
		    (unsigned long long)r.nrejects);
		xf_file_free(&f);
		xf_rec_free(&r);
		xf_jq_free(jq);
		ds_reader_free(rd);
		ds_buf_free(&err);
		ds_buf_free(&geoid);
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
	free(def.kept[0]);
	free(def.kept[1]);
	free(def.kept[2]);
	return DS_EX_OK;
}
