/*
 * fuzz_record.c - libFuzzer harness for ds-transform's line and record
 * path (transform/page.c, record.c): one input line gives one record or
 * reject line per record it holds (a page also one checkpoint line), and
 * every output line is valid JSON.
 *
 * The first input byte picks the options (bit 0: --key hash; bit 1: a
 * --max-record-bytes of 64); the rest is the line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "../../transform/page.h"
#include "../../transform/record.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether line [p, p+n) starts with prefix. */
static int
starts(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(p, prefix, k) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xf_opts o = { .id_field = "id", .ts_field = "timestamp",
	    .type_field = "type", .max_record = 16 << 20 };
	struct ds_buf out = { 0 };
	struct xf_lines x;
	struct xf_rec r;
	struct ds_json j;
	const char *line, *p, *end, *nl;
	size_t len, nrec = 0, nrej = 0, nck = 0, nlines = 0, ckrec = 0;
	const char *c;
	int rc;

	if (size == 0)
		return 0;
	o.key_hash = data[0] & 1;
	if (data[0] & 2)
		o.max_record = 64;
	line = (const char *)data + 1;
	len = size - 1;
	if (memchr(line, '\n', len) != NULL)	/* the reader splits lines there */
		return 0;

	xf_rec_init(&r, &o, NULL);
	xf_lines_init(&x, &r, "events");
	rc = xf_line(&x, line, len, &out);

	for (p = out.p, end = out.p + out.len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			abort();	/* every line ends in a newline */
		ds_json_init(&j, p);
		if (ds_json_validate(&j, p, nl) != 0)
			abort();
		nlines++;
		if (starts(p, (size_t)(nl - p), "{\"$ds\":\"reject\""))
			nrej++;
		else if (starts(p, (size_t)(nl - p), "{\"$ds\":\"checkpoint\"")) {
			nck++;
			for (c = nl - 1; c > p && c[-1] != ':'; c--)
				;
			ckrec = strtoul(c, NULL, 10);
		}
		else if (starts(p, (size_t)(nl - p), "{\"stream\":"))
			nrec++;
	}
	if (rc < 0) {
		/* refused (a line of another stream): nothing of it is written */
		if (nlines != 0)
			abort();
	} else if (x.passed != 0) {
		/* our own output line: copied through alone */
		if (x.passed != 1 || nlines != 1 || r.nrecords + r.nrejects != 0)
			abort();
	} else if (x.pages != 0) {
		/* a page: one line per record, then its checkpoint */
		if (nck != 1 || nrec != r.nrecords || nrej != r.nrejects ||
		    ckrec != nrec + nrej)
			abort();
	} else if (len != 0) {
		/* anything else is one record or one reject */
		if (nrec + nrej != 1 || nrec != r.nrecords || nrej != r.nrejects || nck != 0)
			abort();
	} else if (out.len != 0)
		abort();
	xf_lines_free(&x);
	xf_rec_free(&r);
	ds_buf_free(&out);
	return 0;
}
