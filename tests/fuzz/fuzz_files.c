/*
 * fuzz_files.c - libFuzzer harness for ds-transform's file formats
 * (transform/csv.c, jsonarray.c, singer.c over file.c): whatever the
 * input, the run ends (normally or by the bad-input path, never another
 * way), every output line is valid JSON of the stream format, and for
 * csv, json and geojson the checkpoint lines count every record and
 * reject line before them, the last one included, and their offsets grow
 * and stay within the input; every record's hash is the SHA-256 of its
 * data's RFC 8785 form (csv writes that form itself).
 *
 * The first input byte picks the format (bits 0-1: csv, json, geojson,
 * singer) and options (bit 2: --csv-delimiter ';'; bit 3: --csv-null '';
 * bit 4: --max-record-bytes 64; bit 5: --csv-header a,b; bit 6:
 * --id-field id; bit 7: --encoding UTF-16LE); the rest is the input.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "jcs.h"
#include "json.h"
#include "output.h"
#include "reader.h"
#include "sha256.h"
#include "../../transform/csv.h"
#include "../../transform/file.h"
#include "../../transform/jsonarray.h"
#include "../../transform/record.h"
#include "../../transform/singer.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jmp_buf	 failed;
static FILE	*in;
static struct ds_buf outtext, canon;
static struct ds_jcs jcs;

/* The bad-input path: back to the harness. */
static void
onfail(const char *msg)
{
	(void)msg;
	longjmp(failed, 1);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *out;

	(void)argc;
	(void)argv;
	if ((in = tmpfile()) == NULL || (out = tmpfile()) == NULL ||
	    dup2(fileno(out), STDOUT_FILENO) < 0)
		abort();
	ds_out_init();
	xf_file_failhook = onfail;
	return 0;
}

/* Whether line [p, p+n) starts with prefix. */
static int
starts(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(p, prefix, k) == 0;
}

/* Abort unless the record line's hash is the SHA-256 of its data's RFC 8785 form. */
static void
check_hash(const char *p, const char *end)
{
	struct ds_json_member m, hash = { 0 }, data = { 0 };
	struct ds_json j;
	char hex[65];

	ds_json_init(&j, p);
	ds_json_obj_begin(&j, &p, end);
	while (ds_json_obj_next(&j, &p, end, &m) == 1)
		if (ds_json_str_eq(m.key, m.keylen, "hash"))
			hash = m;
		else if (ds_json_str_eq(m.key, m.keylen, "data"))
			data = m;
	if (hash.val == NULL || data.val == NULL || hash.vallen != 66)
		abort();
	ds_buf_reset(&canon);
	ds_jcs(&jcs, data.val, data.vallen, &canon);
	ds_sha256_hex(canon.p, canon.len, hex);
	if (memcmp(hex, hash.val + 1, 64) != 0)
		abort();
}

/* The "records" count of a checkpoint line. */
static unsigned long
ckrecords(const char *p, const char *end)
{
	struct ds_json_member m;
	struct ds_json j;
	unsigned long n = 0;

	ds_json_init(&j, p);
	ds_json_obj_begin(&j, &p, end);
	while (ds_json_obj_next(&j, &p, end, &m) == 1)
		if (ds_json_str_eq(m.key, m.keylen, "records"))
			n = strtoul(m.val, NULL, 10);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xf_opts o = { .key_hash = 1, .id_field = "id", .ts_field = "timestamp",
	    .type_field = "type", .max_record = 16 << 20, .files = 1 };
	struct xf_csvopts co = { ',', NULL, NULL, NULL, NULL, 1 << 20 };
	struct ds_reader *rd;
	struct xf_file f;
	struct xf_rec r;
	struct ds_json j;
	struct stat st;
	static const char cursor[] = "\"cursor\":\"offset=";
	const char *p, *end, *nl, *q;
	unsigned long ck = 0, nrec = 0;
	unsigned long long off, lastoff = 0;
	int fmt;

	if (size == 0)
		return 0;
	fmt = data[0] & 3;
	if (data[0] & 4)
		co.delim = ';';
	if (data[0] & 8)
		co.null = "";
	if (data[0] & 16)
		o.max_record = 64;
	if (data[0] & 32)
		co.header = "a,b";
	if (data[0] & 64)
		o.key_hash = 0;
	if (data[0] & 128)
		co.encoding = "UTF-16LE";
	if (fmt == 2) {
		o.key_hash = 0;
		o.id_or_hash = 1;
	}
	if (ftruncate(fileno(in), 0) != 0 || pwrite(fileno(in), data + 1, size - 1, 0) !=
	    (ssize_t)(size - 1) || lseek(fileno(in), 0, SEEK_SET) != 0)
		abort();
	rd = ds_reader_new(fileno(in), 1 << 20);
	xf_rec_init(&r, &o, NULL);
	xf_file_init(&f, rd, &r, "events", 3);
	if (setjmp(failed) == 0) {
		if (fmt == 0)
			xf_csv(&f, &co);
		else if (fmt == 3)
			xf_singer(&f, 1 << 20, 0);
		else
			xf_jsonarray(&f, fmt == 2, NULL);
	}
	ds_out_flush();

	if (fstat(STDOUT_FILENO, &st) != 0)
		abort();
	ds_buf_reset(&outtext);
	ds_buf_reserve(&outtext, (size_t)st.st_size);
	if (pread(STDOUT_FILENO, outtext.p, (size_t)st.st_size, 0) != st.st_size)
		abort();
	outtext.len = (size_t)st.st_size;
	ds_buf_terminate(&outtext);
	for (p = outtext.p, end = outtext.p + outtext.len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			abort();	/* every line ends in a newline */
		ds_json_init(&j, p);
		if (ds_json_validate(&j, p, nl) != 0)
			abort();
		if (starts(p, (size_t)(nl - p), "{\"$ds\":\"checkpoint\"")) {
			ck += ckrecords(p, nl);
			/* offsets count input bytes (UTF-16 too), in order */
			if ((q = strstr(p, cursor)) != NULL && q < nl) {
				off = strtoull(q + sizeof(cursor) - 1, NULL, 10);
				if (off > size - 1 || off < lastoff)
					abort();
				lastoff = off;
			}
		}
		else if (starts(p, (size_t)(nl - p), "{\"$ds\":\"reject\""))
			nrec++;
		else if (starts(p, (size_t)(nl - p), "{\"stream\":")) {
			check_hash(p, nl);
			nrec++;
		}
		else if (!starts(p, (size_t)(nl - p), "{\"$ds\":\"schema\""))
			abort();
	}
	if (fmt != 3 && ck != nrec)
		abort();
	if (ftruncate(STDOUT_FILENO, 0) != 0 || lseek(STDOUT_FILENO, 0, SEEK_SET) != 0)
		abort();

	xf_file_free(&f);
	xf_rec_free(&r);
	ds_reader_free(rd);
	return 0;
}
