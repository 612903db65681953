/* transform_lines.c - ds-transform's line handling, record path and schema drift. */
#include <string.h>

#include "buf.h"
#include "../../transform/page.h"
#include "../../transform/record.h"
#include "unit.h"

struct fixture {
	struct xf_opts	 o;
	struct xf_rec	 r;
	struct xf_lines	 x;
	struct ds_buf	 out;
};

static void
setup(struct fixture *f, int key_hash)
{
	memset(f, 0, sizeof(*f));
	f->o.key_hash = key_hash;
	f->o.id_field = "id";
	f->o.ts_field = "timestamp";
	f->o.type_field = "type";
	f->o.max_record = 1024;
	xf_rec_init(&f->r, &f->o, NULL);
	xf_lines_init(&f->x, &f->r, NULL);	/* no --stream */
}

static void
teardown(struct fixture *f)
{
	xf_lines_free(&f->x);
	xf_rec_free(&f->r);
	ds_buf_free(&f->out);
}

/* Feed one line and return the output it gave (owned by f). */
static const char *
feed(struct fixture *f, const char *line)
{
	ds_buf_reset(&f->out);
	xf_line(&f->x, line, strlen(line), &f->out);
	ds_buf_terminate(&f->out);
	return f->out.p != NULL ? f->out.p : "";
}

UNIT_TEST(transform_reject_reasons_are_specific)
{
	struct fixture f;

	setup(&f, 0);
	CHECK_STR(feed(&f, "{\"id\":[1],\"timestamp\":1}"),
	    "{\"$ds\":\"reject\",\"stream\":\"events\",\"seq\":null,"
	    "\"reason\":\"id is not a string (array)\",\"raw\":\"{\\\"id\\\":[1],\\\"timestamp\\\":1}\"}\n");
	CHECK(strstr(feed(&f, "{\"id\":\"a\",\"timestamp\":1e300}"),
	    "\"reason\":\"timestamp out of range\"") != NULL);
	CHECK(strstr(feed(&f, "{\"id\":\"a\",\"timestamp\":\"2023-02-30T00:00:00Z\"}"),
	    "\"reason\":\"unparseable timestamp: \\\"2023-02-30T00:00:00Z\\\"\"") != NULL);
	CHECK(strstr(feed(&f, "{\"id\":\"a\",\"timestamp\":1,\"k\":\"\\ud800\"}"),
	    "\"reason\":\"string holds a lone surrogate \\\\u escape (PostgreSQL jsonb refuses it)\"")
	    != NULL);
	CHECK(f.r.nrecords == 0);
	CHECK(f.r.nrejects == 4);
	teardown(&f);
}

UNIT_TEST(transform_escaped_key_still_names_the_field)
{
	struct fixture f;

	setup(&f, 0);
	CHECK(strstr(feed(&f, "{\"\\u0069d\":\"e1\",\"timestamp\":0}"),
	    "{\"stream\":\"events\",\"id\":\"e1\",\"type\":null,\"ts\":\"1970-01-01T00:00:00.000Z\",") != NULL);
	teardown(&f);
}

UNIT_TEST(transform_broken_page_rolls_back_schema)
{
	struct fixture f;
	const char *o;

	setup(&f, 0);
	/* the page's record would add key b; the page is broken, so nothing of it stays */
	o = feed(&f, "{\"stream\":\"s\",\"seq\":1,\"records\":[{\"id\":\"a\",\"timestamp\":1,\"b\":1}] x");
	/* the page named the run's stream (no --stream): its reject line is of it */
	CHECK(strncmp(o, "{\"$ds\":\"reject\",\"stream\":\"s\",\"seq\":null,", 40) == 0);
	CHECK(strstr(o, "schema") == NULL);
	CHECK(f.r.nrecords == 0 && f.r.nrejects == 1);
	o = feed(&f, "{\"stream\":\"s\",\"seq\":2,\"next\":null,\"records\":[{\"id\":\"a\",\"timestamp\":1,\"b\":1}]}");
	CHECK(strncmp(o, "{\"$ds\":\"schema\",\"stream\":\"s\",\"fields\":{\"id\":\"string\","
	    "\"timestamp\":\"number\",\"b\":\"number\"},\"added\":[\"id\",\"timestamp\",\"b\"]", 100) == 0);
	CHECK(strstr(o, "{\"$ds\":\"checkpoint\",\"stream\":\"s\",\"seq\":2,\"cursor\":null,"
	    "\"has_more\":false,\"records\":1}\n") != NULL);
	teardown(&f);
}

UNIT_TEST(transform_output_lines_pass_through)
{
	struct fixture f;
	const char *rec = "{\"stream\":\"x\",\"id\":\"1\",\"type\":null,\"ts\":\"1970-01-01T00:00:00.000Z\","
	    "\"hash\":\"00\",\"data\":{}}";

	setup(&f, 0);
	CHECK_STR(feed(&f, rec), "{\"stream\":\"x\",\"id\":\"1\",\"type\":null,\"ts\":\"1970-01-01T00:00:00.000Z\","
	    "\"hash\":\"00\",\"data\":{}}\n");
	CHECK_STR(feed(&f, "{\"$ds\":\"checkpoint\",\"stream\":\"x\"}  "),
	    "{\"$ds\":\"checkpoint\",\"stream\":\"x\"}\n");
	CHECK(f.x.passed == 2);
	/* one key more is not our output: it is a plain record */
	CHECK(strstr(feed(&f, "{\"stream\":\"x\",\"id\":\"1\",\"type\":null,\"ts\":1,\"hash\":\"0\",\"data\":{},"
	    "\"timestamp\":5}"), "\"ts\":\"1970-01-01T00:00:05.000Z\"") != NULL);
	teardown(&f);
}

UNIT_TEST(transform_key_hash_ids_by_content)
{
	struct fixture f;
	const char *o;

	setup(&f, 1);
	o = feed(&f, "{\"timestamp\":1}");
	/* sha256sum of the bytes {"timestamp":1}, already canonical */
	CHECK(strstr(o, "\"id\":\"1b058604a2fcca495a5941a2a91cf4cd91b0c5565b352db233eedb240dcd5874\","
	    "\"type\":null,\"ts\":\"1970-01-01T00:00:01.000Z\","
	    "\"hash\":\"1b058604a2fcca495a5941a2a91cf4cd91b0c5565b352db233eedb240dcd5874\"") != NULL);
	teardown(&f);
}

UNIT_TEST(transform_page_without_records_is_one_reject)
{
	struct fixture f;

	setup(&f, 0);
	CHECK_STR(feed(&f, "{\"stream\":\"s\",\"seq\":4,\"next\":\"c\",\"records\":{}}"),
	    "{\"$ds\":\"reject\",\"stream\":\"s\",\"seq\":null,"
	    "\"reason\":\"page line without a records array\","
	    "\"raw\":\"{\\\"stream\\\":\\\"s\\\",\\\"seq\\\":4,\\\"next\\\":\\\"c\\\",\\\"records\\\":{}}\"}\n");
	CHECK_STR(feed(&f, "{\"stream\":\"s\",\"seq\":5,\"next\":7,\"records\":[]}"),
	    "{\"$ds\":\"reject\",\"stream\":\"s\",\"seq\":null,"
	    "\"reason\":\"page line: next is neither a string nor null\","
	    "\"raw\":\"{\\\"stream\\\":\\\"s\\\",\\\"seq\\\":5,\\\"next\\\":7,\\\"records\\\":[]}\"}\n");
	/* without has_more, a string cursor means more pages */
	CHECK_STR(feed(&f, "{\"stream\":\"s\",\"seq\":6,\"next\":\"c7\",\"records\":[]}"),
	    "{\"$ds\":\"checkpoint\",\"stream\":\"s\",\"seq\":6,\"cursor\":\"c7\",\"has_more\":true,\"records\":0}\n");
	CHECK(f.x.pages == 1);
	teardown(&f);
}

UNIT_TEST(transform_refuses_lines_of_another_stream)
{
	struct fixture f;
	const char *line;

	setup(&f, 0);
	/* a plain record binds the run to "events" (no --stream) */
	CHECK(strstr(feed(&f, "{\"id\":\"a\",\"timestamp\":1}"), "\"stream\":\"events\"") != NULL);
	ds_buf_reset(&f.out);
	line = "{\"$ds\":\"checkpoint\",\"stream\":\"audit\",\"seq\":1}";
	CHECK(xf_line(&f.x, line, strlen(line), &f.out) == -1 && f.out.len == 0);
	ds_buf_terminate(&f.x.why);
	CHECK(strstr(f.x.why.p, "names stream \"audit\", not the stream being transformed"
	    " (\"events\")") != NULL);
	/* a repeated key: the reader keeps the last one, so each is checked */
	CHECK_STR(feed(&f, "{\"$ds\":\"checkpoint\",\"stream\":\"events\",\"stream\":\"x\"}"), "");
	CHECK_STR(feed(&f, "{\"stream\":\"x\",\"seq\":1,\"next\":null,\"records\":[]}"), "");
	CHECK_STR(feed(&f, "{\"stream\":\"x\",\"id\":\"1\",\"type\":null,\"ts\":\"1970-01-01T00:00:00.000Z\","
	    "\"hash\":\"00\",\"data\":{}}"), "");
	CHECK_STR(feed(&f, "{\"$ds\":\"checkpoint\",\"stream\":\"events\"}"),
	    "{\"$ds\":\"checkpoint\",\"stream\":\"events\"}\n");
	teardown(&f);
	/* --stream binds from the start; a page naming a bad name is refused unbound */
	memset(&f, 0, sizeof(f));
	f.o.id_field = "id";
	f.o.ts_field = "timestamp";
	f.o.type_field = "type";
	f.o.max_record = 1024;
	xf_rec_init(&f.r, &f.o, NULL);
	xf_lines_init(&f.x, &f.r, "audit");
	CHECK_STR(feed(&f, "{\"$ds\":\"checkpoint\",\"stream\":\"events\"}"), "");
	CHECK(f.x.passed == 0);
	teardown(&f);
	setup(&f, 0);
	CHECK_STR(feed(&f, "{\"stream\":\"x y\",\"seq\":1,\"next\":null,\"records\":[]}"), "");
	ds_buf_terminate(&f.x.why);
	CHECK(strstr(f.x.why.p, "a page names stream \"x y\": a stream name holds only") != NULL);
	teardown(&f);
}
