#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "api.h"
#include "buf.h"
#include "compress.h"
#include "config.h"
#include "faults.h"
#include "files.h"
#include "log.h"
#include "request.h"
#include "server.h"
#include "styles.h"

static atomic_int stopping;

/* What one request keeps between libmicrohttpd's callbacks. */
struct conn {
	char		*uri;		/* raw request target, owned */
	int		 started;	/* a POST's first call has been seen */
	struct ds_buf	 body;		/* a POST's body, up to POST_MAX bytes */
};

#define POST_MAX	65536

/* A body cut off half-way: the Content-Length says len, we send len/2. */
struct truncated {
	char	*p;
	size_t	 len;
};

/* Remember the raw URI: libmicrohttpd's own query parsing is not form decoding. */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct conn *c = ds_xmalloc(sizeof(*c));

	(void)cls;
	(void)con;
	c->uri = ds_xstrdup(uri);
	c->started = 0;
	memset(&c->body, 0, sizeof(c->body));
	return c;
}

static void
on_done(void *cls, struct MHD_Connection *con, void **con_cls,
    enum MHD_RequestTerminationCode why)
{
	struct conn *c = *con_cls;

	(void)cls;
	(void)con;
	(void)why;
	if (c != NULL) {
		free(c->uri);
		ds_buf_free(&c->body);
		free(c);
		*con_cls = NULL;
	}
}

static ssize_t
truncated_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct truncated *t = cls;
	size_t half = t->len / 2, n;

	if (pos >= half)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = half - (size_t)pos < max ? half - (size_t)pos : max;
	memcpy(buf, t->p + pos, n);
	return (ssize_t)n;
}

static void
truncated_free(void *cls)
{
	struct truncated *t = cls;

	free(t->p);
	free(t);
}

/* Wait secs seconds, or less when the server is stopping. */
static void
slow_down(unsigned secs)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	unsigned long i;

	for (i = 0; i < secs * 10UL && !atomic_load(&stopping); i++)
		nanosleep(&ts, NULL);
}

/* Add the rate and retry headers of rp to resp. */
static void
add_headers(struct MHD_Response *resp, const struct reply *rp, int gzipped)
{
	char v[64];
	struct tm tm;

	MHD_add_response_header(resp, "Content-Type",
	    rp->html ? "text/html; charset=utf-8" : rp->ctype ? rp->ctype :
	    "application/json");
	if (rp->link.len > 0)
		MHD_add_response_header(resp, "Link", rp->link.p);
	if (rp->location.len > 0)
		MHD_add_response_header(resp, "Location", rp->location.p);
	if (gzipped)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	if (mock_cfg.gzip)
		MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	if (rp->rate.limited && rp->rate_form == 1) {
		/* GitHub: lower case, the reset as epoch seconds */
		snprintf(v, sizeof(v), "%u", rp->rate.limit);
		MHD_add_response_header(resp, "x-ratelimit-limit", v);
		snprintf(v, sizeof(v), "%u", rp->rate.over ? 0 : rp->rate.remaining);
		MHD_add_response_header(resp, "x-ratelimit-remaining", v);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)rp->rate.reset_at);
		MHD_add_response_header(resp, "x-ratelimit-reset", v);
		MHD_add_response_header(resp, "x-ratelimit-resource", "core");
	} else if (rp->rate.limited && rp->rate_form == 0) {
		snprintf(v, sizeof(v), "%u", rp->rate.limit);
		MHD_add_response_header(resp, "X-RateLimit-Limit", v);
		snprintf(v, sizeof(v), "%u", rp->rate.remaining);
		MHD_add_response_header(resp, "X-RateLimit-Remaining", v);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)rp->rate.reset);
		MHD_add_response_header(resp, "X-RateLimit-Reset", v);
	}
	if (!rp->retry_set)
		return;
	if (rp->retry == RETRY_DATE) {
		gmtime_r(&rp->retry_at, &tm);
		strftime(v, sizeof(v), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	} else
		snprintf(v, sizeof(v), "%u", rp->retry_secs);
	MHD_add_response_header(resp, "Retry-After", v);
}

/* One --log line for the request: its fault, or its gzip fault gz. */
static void
log_request(const char *method, const char *uri, int status, enum mock_fault f,
    enum mock_gzfault gz)
{
	struct ds_buf path = { 0 }, q = { 0 };
	char st[16];

	request_redact(&path, uri);
	ds_log_quote(&q, path.p, path.len);
	if (status > 0)
		snprintf(st, sizeof(st), "%d", status);
	else
		snprintf(st, sizeof(st), "-");
	ds_logkv(DS_LOG_INFO, "request", "method=%s path=%s status=%s fault=%s%s",
	    method, q.p, st, gz != GZFAULT_NONE ? "gzip-" : "",
	    gz != GZFAULT_NONE ? faults_gzip_name(gz) : faults_name(f));
	ds_buf_free(&path);
	ds_buf_free(&q);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *con, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct conn *c = *con_cls;
	struct request r;
	struct reply rp;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	enum mock_gzfault gz = GZFAULT_NONE;
	int gzipped = 0, gzip_ok;

	(void)cls;
	(void)url;
	(void)version;
	(void)upload;
	if (*upload_size != 0) {
		if (c->body.len + *upload_size <= POST_MAX)
			ds_buf_add(&c->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	/* a POST is answered once its body has been read */
	if (strcmp(method, "POST") == 0 && !c->started) {
		c->started = 1;
		return MHD_YES;
	}
	if (files_answer(con, c->uri, method, &ret, &rp.status)) {
		if (mock_cfg.log)
			log_request(method, c->uri, rp.status, FAULT_NONE, GZFAULT_NONE);
		return ret;
	}
	memset(&rp, 0, sizeof(rp));
	if (mock_cfg.style != STYLE_DATASYNC) {
		struct style_req sq = {
			method, c->uri,
			MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Authorization"),
			MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-App-Token"),
			MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Host"),
			c->body.p != NULL ? c->body.p : "",
			MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Accept"),
			MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type")
		};

		ds_buf_terminate(&c->body);

		styles_answer(&sq, time(NULL), &rp);
	} else {
		request_parse(&r, c->uri);
		api_answer(method, &r, MHD_lookup_connection_value(con, MHD_HEADER_KIND,
		    "X-API-Key"), time(NULL), &rp);
		request_free(&r);
	}
	gzip_ok = mock_cfg.gzip && rp.body.len > 0 &&
	    compress_accepts(MHD_lookup_connection_value(con, MHD_HEADER_KIND,
	    "Accept-Encoding"));
	if (gzip_ok && rp.status == 200 && rp.fault == FAULT_NONE)
		gz = faults_gzip_draw();
	if (mock_cfg.log)
		log_request(method, c->uri, rp.fault == FAULT_DROP ? 0 : rp.status,
		    rp.fault, gz);
	if (rp.fault == FAULT_DROP) {
		ds_buf_free(&rp.body);
		return MHD_NO;
	}
	if (rp.fault == FAULT_SLOW)
		slow_down(mock_cfg.slow_secs);
	if (gzip_ok)
		gzipped = compress_gzip(&rp.body) == 0;
	if (gzipped && gz != GZFAULT_NONE)
		(void)compress_spoil(&rp.body, gz);
	if (rp.fault == FAULT_TRUNCATE) {
		struct truncated *t = ds_xmalloc(sizeof(*t));

		t->p = rp.body.p;
		t->len = rp.body.len;
		resp = MHD_create_response_from_callback(t->len, 64 * 1024,
		    truncated_read, t, truncated_free);
		if (resp == NULL)
			truncated_free(t);
	} else {
		resp = MHD_create_response_from_buffer_with_free_callback(
		    rp.body.len, rp.body.p, free);
		if (resp == NULL)
			free(rp.body.p);
	}
	if (resp == NULL)
		return MHD_NO;
	add_headers(resp, &rp, gzipped);
	ret = MHD_queue_response(con, (unsigned)rp.status, resp);
	MHD_destroy_response(resp);
	ds_buf_free(&rp.link);
	ds_buf_free(&rp.location);
	return ret;
}

struct MHD_Daemon *
server_start(int fd)
{
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO, 0, NULL, NULL,
	    on_request, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, 120U,
	    MHD_OPTION_END);
}

void
server_stop(struct MHD_Daemon *d)
{
	atomic_store(&stopping, 1);
	MHD_stop_daemon(d);
}
