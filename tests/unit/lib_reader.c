/* Unit tests of lib/reader.c: plain and zstd input, long lines, offsets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "buf.h"
#include "reader.h"
#include "unit.h"

/* A pipe-less fd holding data: a temporary file rewound to its start. */
static int
memfd(const void *p, size_t n)
{
	FILE *f = tmpfile();
	int fd;

	if (f == NULL || fwrite(p, 1, n, f) != n)
		return -1;
	fflush(f);
	fd = dup(fileno(f));
	fclose(f);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static char *
zstd_of(const char *s, size_t *outlen)
{
	size_t cap = ZSTD_compressBound(strlen(s));
	char *z = malloc(cap);

	*outlen = ZSTD_compress(z, cap, s, strlen(s), 3);
	return z;
}

UNIT_TEST(reader_plain_lines_offsets_and_final_line_without_newline)
{
	const char *s = "ab\n\ncdef\nlast";
	int fd = memfd(s, strlen(s));
	struct ds_reader *r = ds_reader_new(fd, 100);
	char *line;
	size_t len;

	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE);
	CHECK_STR(line, "ab");
	CHECK(ds_reader_offset(r) == 0);
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE && len == 0);
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE);
	CHECK_STR(line, "cdef");
	CHECK(ds_reader_offset(r) == 4);
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE);
	CHECK_STR(line, "last");
	CHECK(ds_reader_lineno(r) == 4);
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_EOF);
	CHECK(!ds_reader_is_zstd(r));
	ds_reader_free(r);
	close(fd);
}

UNIT_TEST(reader_long_line_gives_prefix_then_resumes)
{
	char *s = malloc(700001);
	struct ds_reader *r;
	char *line;
	size_t len;
	int fd;

	memset(s, 'x', 600000);
	memcpy(s + 600000, "\nok\n", 5);
	fd = memfd(s, strlen(s));
	r = ds_reader_new(fd, 1000);
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LONG);
	CHECK(len == 1000 && line[0] == 'x' && line[1000] == '\0');
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE);
	CHECK_STR(line, "ok");
	CHECK(ds_reader_offset(r) == 600001);
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_EOF);
	ds_reader_free(r);
	close(fd);
	free(s);
}

UNIT_TEST(reader_zstd_concatenated_frames_read_through)
{
	size_t n1, n2;
	char *z1 = zstd_of("{\"a\":1}\n{\"b\":2}\n", &n1);
	char *z2 = zstd_of("{\"c\":3}\n", &n2);
	char *both = malloc(n1 + n2);
	struct ds_reader *r;
	char *line;
	size_t len;
	int fd;

	memcpy(both, z1, n1);
	memcpy(both + n1, z2, n2);
	fd = memfd(both, n1 + n2);
	r = ds_reader_new(fd, 100);
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE);
	CHECK_STR(line, "{\"a\":1}");
	CHECK(ds_reader_is_zstd(r));
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE);
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE);
	CHECK_STR(line, "{\"c\":3}");
	CHECK(ds_reader_offset(r) == 16);
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_EOF);
	ds_reader_free(r);
	close(fd);
	free(z1);
	free(z2);
	free(both);
}

UNIT_TEST(reader_truncated_zstd_is_an_error_with_offset)
{
	size_t n;
	char *z = zstd_of("{\"a\":1}\n{\"b\":2}\n", &n);
	struct ds_reader *r;
	char *line;
	size_t len;
	int fd, rc;

	fd = memfd(z, n - 3);
	r = ds_reader_new(fd, 100);
	while ((rc = ds_reader_next(r, &line, &len)) == DS_READ_LINE)
		;
	CHECK(rc == DS_READ_ERR);
	CHECK(strstr(ds_reader_error(r), "zstd") != NULL);
	ds_reader_free(r);
	close(fd);
	free(z);
}

UNIT_TEST(reader_peek_sees_the_first_line_without_consuming_it)
{
	const char *s = "\n  \n{\"a\":1}\nrest";
	int fd = memfd(s, strlen(s));
	struct ds_reader *r = ds_reader_new(fd, 100);
	const char *p;
	char *line;
	size_t n, len;

	CHECK(ds_reader_peek(r, 65536, &p, &n) == 0);
	CHECK(n == strlen(s) && memcmp(p, s, n) == 0);
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE && len == 0);
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE);
	CHECK_STR(line, "  ");
	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE);
	CHECK_STR(line, "{\"a\":1}");
	ds_reader_free(r);
	close(fd);
}

UNIT_TEST(reader_chunks_hand_out_the_bytes_after_the_lines_read_zstd_too)
{
	const char *s = "line1\nthe rest\nof it";
	struct ds_buf got = { 0 };
	size_t zlen, n, len;
	char *z = zstd_of(s, &zlen), *p, *line;
	int fd = memfd(z, zlen), rc;
	struct ds_reader *r = ds_reader_new(fd, 100);

	CHECK(ds_reader_next(r, &line, &len) == DS_READ_LINE);
	CHECK_STR(line, "line1");
	while ((rc = ds_reader_chunk(r, &p, &n)) == DS_READ_LINE)
		ds_buf_add(&got, p, n);
	CHECK(rc == DS_READ_EOF);
	CHECK(got.len == strlen(s) - 6 && memcmp(got.p, s + 6, got.len) == 0);
	CHECK(ds_reader_chunk(r, &p, &n) == DS_READ_EOF);
	ds_buf_free(&got);
	ds_reader_free(r);
	close(fd);
	free(z);
}
