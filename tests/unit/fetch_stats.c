/* Unit tests of fetch/stats.c and fetch/archive.c's names: what the supervisor reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "unit.h"
#include "../../fetch/archive.h"
#include "../../fetch/stats.h"

UNIT_TEST(fetch_archive_segment_names_sort_in_fetch_order)
{
	struct ds_buf a = { 0 }, b = { 0 };

	fx_archive_name(&a, "events", 1795320000, 7);
	CHECK_STR(a.p, "events-20261122T040000Z-000007.zst");
	fx_archive_name(&b, "events", 1795320000, 10);
	CHECK(strcmp(a.p, b.p) < 0);
	fx_archive_name(&b, "events", 1795320001, 1);
	CHECK(strcmp(a.p, b.p) < 0);
	ds_buf_free(&a);
	ds_buf_free(&b);
}

UNIT_TEST(fetch_stats_file_holds_every_key_and_causes_in_order)
{
	struct stats s = { 0 };
	struct ds_buf causes = { 0 };
	char path[] = "/tmp/ds-unit-stats.XXXXXX", text[512];
	FILE *f;
	size_t n;
	int fd;

	s.pages = 3;
	s.records = 2500;
	s.bytes = 99;
	s.http_429 = 1;
	s.waits_ms = 1020;
	s.has_more = 0;
	s.state = "done";
	fx_stats_retry(&s, "http_503");
	fx_stats_retry(&s, "timeout");
	fx_stats_retry(&s, "http_503");
	fx_stats_set(&s.total, "2500", 4);
	fx_stats_set(&s.next, "a\nb", 3);
	fx_stats_causes(&s, &causes);
	CHECK_STR(causes.p, " retries_http_503=2 retries_timeout=1");

	CHECK((fd = mkstemp(path)) >= 0);
	close(fd);
	CHECK(fx_stats_write(&s, path) == 0);
	CHECK((f = fopen(path, "r")) != NULL);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(path);
	/* A control byte in a cursor cannot break the one-line format. */
	CHECK_STR(text, "pages=3\nrecords=2500\nbytes=99\nretries=3\nhttp_429=1\n"
	    "waits_ms=1020\ntotal=2500\nnext=a?b\nhas_more=false\nstate=done\n");
	CHECK(fx_stats_write(&s, "/nonexistent-dir/stats") < 0);
	fx_stats_free(&s);
	ds_buf_free(&causes);
}
