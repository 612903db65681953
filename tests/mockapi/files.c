#define _XOPEN_SOURCE 700	/* strptime() */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "buf.h"
#include "config.h"
#include "files.h"

#define PREFIX	"/files/"

/* A body sent up to cut bytes, then the connection is dropped (--files-cut). */
struct cutbody {
	char	*p;
	size_t	 len, cut;
};

static ssize_t
cut_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct cutbody *b = cls;
	size_t n;

	if (pos >= b->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = b->cut - (size_t)pos < max ? b->cut - (size_t)pos : max;
	memcpy(buf, b->p + pos, n);
	return (ssize_t)n;
}

static void
cut_free(void *cls)
{
	struct cutbody *b = cls;

	free(b->p);
	free(b);
}

/* Queue a body-less reply with status. */
static enum MHD_Result
empty(struct MHD_Connection *con, unsigned status, const char *etag, const char *lastmod)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if ((resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)) == NULL)
		return MHD_NO;
	if (etag != NULL)
		MHD_add_response_header(resp, "ETag", etag);
	if (lastmod != NULL)
		MHD_add_response_header(resp, "Last-Modified", lastmod);
	ret = MHD_queue_response(con, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * Whether the request shows --files-key-file's key, as "Authorization:
 * Bearer KEY" or as the query parameter api_key=KEY (compared as sent).
 */
static int
authorized(struct MHD_Connection *con, const char *uri)
{
	const char *k = mock_cfg.files_key, *a, *q;
	size_t n;

	if (k == NULL)
		return 1;
	n = strlen(k);
	a = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Authorization");
	if (a != NULL && strncmp(a, "Bearer ", 7) == 0 && strcmp(a + 7, k) == 0)
		return 1;
	if ((q = strchr(uri, '?')) == NULL)
		return 0;
	for (q++; *q != '\0'; q += *q == '&') {
		if (strncmp(q, "api_key=", 8) == 0 && strncmp(q + 8, k, n) == 0 &&
		    (q[8 + n] == '\0' || q[8 + n] == '&'))
			return 1;
		q += strcspn(q, "&");
	}
	return 0;
}

/* Queue a 401 asking for a bearer token. */
static enum MHD_Result
unauthorized(struct MHD_Connection *con)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if ((resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)) == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"files\"");
	ret = MHD_queue_response(con, 401, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Read the whole of path into b; 0 or -1. */
static int
slurp(const char *path, struct ds_buf *b)
{
	char chunk[65536];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		ds_buf_add(b, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

int
files_answer(struct MHD_Connection *con, const char *uri, const char *method,
    enum MHD_Result *ret, int *status)
{
	const char *name, *inm, *ims, *range, *ifr;
	struct ds_buf path = { 0 }, body = { 0 };
	struct MHD_Response *resp;
	struct stat st;
	struct tm tm, since;
	char etag[64], lastmod[64], cr[96];
	unsigned long long from = 0;
	size_t n;
	int partial = 0;

	if (mock_cfg.files == NULL || strncmp(uri, PREFIX, strlen(PREFIX)) != 0)
		return 0;
	if (!authorized(con, uri)) {
		*status = 401;
		*ret = unauthorized(con);
		return 1;
	}
	name = uri + strlen(PREFIX);
	n = strcspn(name, "?");
	ds_buf_printf(&path, "%s/%.*s", mock_cfg.files, (int)n, name);
	if (n == 0 || memchr(name, '/', n) != NULL || (n >= 1 && name[0] == '.') ||
	    strcmp(method, "GET") != 0 || stat(path.p, &st) != 0 || !S_ISREG(st.st_mode) ||
	    slurp(path.p, &body) != 0) {
		ds_buf_free(&path);
		ds_buf_free(&body);
		*status = 404;
		*ret = empty(con, 404, NULL, NULL);
		return 1;
	}
	ds_buf_free(&path);
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
	    (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)st.st_mtim.tv_nsec);
	gmtime_r(&st.st_mtim.tv_sec, &tm);
	strftime(lastmod, sizeof(lastmod), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	inm = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-None-Match");
	ims = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-Modified-Since");
	memset(&since, 0, sizeof(since));
	if ((inm != NULL && strcmp(inm, etag) == 0) || (inm == NULL && ims != NULL &&
	    strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &since) != NULL &&
	    timegm(&since) >= st.st_mtim.tv_sec)) {
		ds_buf_free(&body);
		*status = 304;
		*ret = empty(con, 304, etag, lastmod);
		return 1;
	}
	range = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Range");
	ifr = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-Range");
	if (ifr != NULL && strcmp(ifr, etag) != 0 && strcmp(ifr, lastmod) != 0)
		range = NULL;		/* changed since: the whole file (RFC 9110 13.1.5) */
	if (range != NULL && sscanf(range, "bytes=%llu-", &from) == 1 &&
	    range[strlen(range) - 1] == '-') {
		if (from >= body.len) {
			ds_buf_free(&body);
			*status = 416;
			*ret = empty(con, 416, etag, lastmod);
			return 1;
		}
		partial = 1;
		memmove(body.p, body.p + from, body.len - from);
		body.len -= from;
	}
	if (!partial && mock_cfg.files_cut > 0 && mock_cfg.files_cut < body.len) {
		struct cutbody *b = ds_xmalloc(sizeof(*b));

		b->p = body.p;
		b->len = body.len;
		b->cut = mock_cfg.files_cut;
		if ((resp = MHD_create_response_from_callback(b->len, 64 * 1024, cut_read, b,
		    cut_free)) == NULL)
			cut_free(b);
	} else if ((resp = MHD_create_response_from_buffer_with_free_callback(body.len,
	    body.p, free)) == NULL)
		free(body.p);
	if (resp == NULL) {
		*ret = MHD_NO;
		return 1;
	}
	MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Last-Modified", lastmod);
	MHD_add_response_header(resp, "Accept-Ranges", "bytes");
	MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
	if (partial) {
		snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", from,
		    (unsigned long long)st.st_size - 1, (unsigned long long)st.st_size);
		MHD_add_response_header(resp, "Content-Range", cr);
	}
	*status = partial ? 206 : 200;
	*ret = MHD_queue_response(con, partial ? 206 : 200, resp);
	MHD_destroy_response(resp);
	return 1;
}
