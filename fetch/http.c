#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <zlib.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "http.h"
#include "link.h"

/* A body's decoding: its Content-Encoding, and the inflate under way. */
struct inflater {
	z_stream		 z;
	int			 init;		/* z is initialised */
	int			 enc;		/* ENC_*, or -1: not known yet */
	int			 started;	/* encoded bytes came */
	int			 ended;		/* the stream's end came */
	int			 crc_late;	/* gzip: its CRC is checked by fx_http_decode() */
	unsigned char		 tail[8];	/* the last input bytes (the gzip trailer) */
	size_t			 ntail;
};

enum { ENC_NONE, ENC_GZIP, ENC_DEFLATE };

/* Why a body whose compressed stream has no end is refused. */
#define CUT_SHORT	"the compressed stream ends before its end (a cut body)"

struct http {
	CURL			*curl;
	struct inflater		 zs;		/* the body being received */
	struct inflater		 zl;		/* a kept body, decoded later */
	int			 lazy;		/* keep the encoded body of a 200 */
	struct curl_slist	*headers;
	size_t			 maxbody;
	atomic_int	*stop;
	struct http_resp	*r;	/* the response being filled */
	char			 errbuf[CURL_ERROR_SIZE];

	/* a request made ahead by fx_http_ahead(), on a thread kept for them */
	pthread_t		 th;
	int			 started;	/* th runs (until fx_http_free()) */
	pthread_mutex_t		 amu;		/* guards job and quit */
	pthread_cond_t		 acv;
	int			 job;		/* AHEAD_NONE, _ASKED or _DONE */
	int			 quit;
	atomic_int		 ahead;		/* a job is asked or done: take it */
	pthread_t		 owner;		/* the thread that calls fx_http_get() */
	atomic_int		 cancel;	/* stop th's transfer (not another) */
	struct ds_buf		 aurl;
	struct http_resp	 aresp;
	int			 arc;
	struct ds_buf		 post;		/* the POST body, when post_set */
	int			 post_set;
	char			*userpass;	/* Basic credentials, or NULL */
};

/* The ENC_* of a Content-Encoding value, or -1 for one not asked for. */
static int
enc_of(const char *v)
{
	if (*v == '\0' || strcasecmp(v, "identity") == 0)
		return ENC_NONE;
	if (strcasecmp(v, "gzip") == 0 || strcasecmp(v, "x-gzip") == 0)
		return ENC_GZIP;
	if (strcasecmp(v, "deflate") == 0)
		return ENC_DEFLATE;
	return -1;
}

/* Mark the response's body undecodable, saying why; returns -1. */
static int
bad_encoding(struct http_resp *r, const char *why)
{
	r->bad_encoding = 1;
	snprintf(r->error, sizeof(r->error), "Error while processing content "
	    "unencoding: %s", why);
	return -1;
}

/* Set r's failure class for its undecodable body (or one over the cap). */
static void
encoding_failed(struct http_resp *r)
{
	/* data after the stream's end was a write error to libcurl */
	r->curlcode = r->bad_encoding == 2 ? CURLE_WRITE_ERROR : CURLE_BAD_CONTENT_ENCODING;
	r->cause = r->too_big ? "too_big" : r->bad_encoding == 2 ? "transfer" : "truncated";
}

/* Make f ready for a new body of encoding enc (ENC_GZIP or ENC_DEFLATE). */
static void
inflate_begin(struct inflater *f, int enc)
{
	/* 32: a gzip or zlib header, told apart by the stream itself */
	if (!f->init) {
		memset(&f->z, 0, sizeof(f->z));
		if (inflateInit2(&f->z, MAX_WBITS + 32) != Z_OK)
			ds_diex(DS_EX_TEMP, "zlib could not start an inflate stream");
		f->init = 1;
	} else
		(void)inflateReset2(&f->z, MAX_WBITS + 32);
	f->enc = enc;
	f->started = f->ended = f->crc_late = 0;
	f->ntail = 0;
}

/* Keep the last bytes of the n input bytes at p in f->tail. */
static void
keep_tail(struct inflater *f, const char *p, size_t n)
{
	size_t keep;

	if (n >= sizeof(f->tail)) {
		memcpy(f->tail, p + n - sizeof(f->tail), sizeof(f->tail));
		f->ntail = sizeof(f->tail);
		return;
	}
	keep = f->ntail + n > sizeof(f->tail) ? sizeof(f->tail) - n : f->ntail;
	memmove(f->tail, f->tail + f->ntail - keep, keep);
	memcpy(f->tail + keep, p, n);
	f->ntail = keep + n;
}

/*
 * At a gzip stream's end, note in r its CRC-32 and length (the trailer's
 * two little-endian words) for fx_http_decode() to check.
 */
static void
crc_later(struct inflater *f, struct http_resp *r)
{
	if (!f->crc_late)
		return;
	r->crc_pending = 1;
	r->crc_short = f->ntail < sizeof(f->tail);
	if (r->crc_short)
		return;
	r->crc_want = (uint32_t)f->tail[0] | (uint32_t)f->tail[1] << 8 |
	    (uint32_t)f->tail[2] << 16 | (uint32_t)f->tail[3] << 24;
	r->len_want = (uint32_t)f->tail[4] | (uint32_t)f->tail[5] << 8 |
	    (uint32_t)f->tail[6] << 16 | (uint32_t)f->tail[7] << 24;
}

/*
 * Inflate the n encoded bytes at p into out, after what it holds, up to
 * max bytes. Returns 0, or -1 with r->too_big or r->bad_encoding set.
 * The output is written in place: no copy of the decoded body is made. A
 * gzip stream's CRC-32 is left to fx_http_decode(), so that it is computed
 * after the next page is asked for, not while the server waits.
 */
static int
inflate_add(struct inflater *f, const char *p, size_t n, struct ds_buf *out, size_t max,
    struct http_resp *r)
{
	size_t room, want;
	int zr;

	if (!f->started && f->enc != ENC_NONE && n >= 2 && (unsigned char)p[0] == 0x1f &&
	    (unsigned char)p[1] == 0x8b && inflateValidate(&f->z, 0) == Z_OK)
		f->crc_late = 1;
	f->z.next_in = (Bytef *)(uintptr_t)p;
	f->z.avail_in = (uInt)n;
	while (f->z.avail_in > 0) {
		if (f->ended) {
			(void)bad_encoding(r, "data after the end of the compressed stream");
			r->bad_encoding = 2;
			return -1;
		}
		/* room for a few times the input, never much past the cap */
		want = n > SIZE_MAX / 4 ? SIZE_MAX : n * 4;
		if (want < 65536)
			want = 65536;
		if (want > max - out->len + 1)
			want = max - out->len + 1;
		ds_buf_reserve(out, want);
		room = out->cap - out->len - 1;
		f->z.next_out = (Bytef *)out->p + out->len;
		f->z.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
		zr = inflate(&f->z, Z_NO_FLUSH);
		out->len = (size_t)((char *)f->z.next_out - out->p);
		if (out->len > max) {
			r->too_big = 1;
			return -1;
		}
		if (zr == Z_DATA_ERROR && f->enc == ENC_DEFLATE && !f->started &&
		    f->z.total_out == 0) {
			/* a "deflate" body without its zlib header, as some servers send */
			(void)inflateReset2(&f->z, -MAX_WBITS);
			f->started = 1;
			f->z.next_in = (Bytef *)(uintptr_t)p;
			f->z.avail_in = (uInt)n;
			continue;
		}
		f->started = 1;
		if (zr == Z_STREAM_END) {
			f->ended = 1;
			keep_tail(f, p, n - f->z.avail_in);
			crc_later(f, r);
			p += n - f->z.avail_in;
			n = f->z.avail_in;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return bad_encoding(r, f->z.msg != NULL ? f->z.msg : "inflate failed");
	}
	if (!f->ended)
		keep_tail(f, p, n);
	return 0;
}

/*
 * libcurl write callback: keep the body, refusing more than maxbody bytes.
 * An encoded body is inflated as it comes, or kept as it came (r->raw) when
 * the handle is lazy, for fx_http_decode() to inflate later.
 */
static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http *h = arg;
	struct http_resp *r = h->r;
	size_t n = size * nmemb;

	if (h->zs.enc < 0) {
		if ((h->zs.enc = enc_of(r->content_encoding)) < 0) {
			(void)bad_encoding(r, "a Content-Encoding not asked for");
			return 0;
		}
		if (h->zs.enc != ENC_NONE && !h->lazy)
			inflate_begin(&h->zs, h->zs.enc);
		r->encoded = h->lazy ? h->zs.enc : ENC_NONE;
	}
	if (h->zs.enc == ENC_NONE || h->lazy) {
		struct ds_buf *b = h->zs.enc == ENC_NONE ? &r->body : &r->raw;

		if (n > h->maxbody - b->len) {
			r->too_big = 1;
			return 0;
		}
		ds_buf_add(b, p, n);
		return n;
	}
	return inflate_add(&h->zs, p, n, &r->body, h->maxbody, r) < 0 ? 0 : n;
}

int
fx_http_decode(struct http *h, struct http_resp *r)
{
	int rc = 0;

	if (r->encoded != ENC_NONE) {
		inflate_begin(&h->zl, r->encoded);
		r->encoded = ENC_NONE;
		ds_buf_reset(&r->body);
		rc = inflate_add(&h->zl, r->raw.p, r->raw.len, &r->body, h->maxbody, r);
		if (rc == 0 && !h->zl.ended)
			rc = bad_encoding(r, CUT_SHORT);
		ds_buf_terminate(&r->body);
		ds_buf_reset(&r->raw);
	}
	if (rc == 0 && r->crc_pending) {
		r->crc_pending = 0;
		if (r->crc_short || r->len_want != (uint32_t)r->body.len)
			rc = bad_encoding(r, "incorrect length check");
		else if (crc32(0L, (const Bytef *)r->body.p, (uInt)r->body.len) != r->crc_want)
			rc = bad_encoding(r, "incorrect data check");
	}
	if (rc == 0 && (r->bad_encoding || r->too_big))
		rc = -1;
	if (rc < 0)
		encoding_failed(r);
	return rc;
}

void
fx_http_lazy(struct http *h, int on)
{
	h->lazy = on;
}

/* Copy a header's value, trimmed, into dst (HTTP_HDR_MAX bytes); -1 when too long. */
static int
take(char *dst, const char *v, size_t n)
{
	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' ||
	    v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= HTTP_HDR_MAX)
		return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* Mark the response bad for its headers, saying why; returns 0 for libcurl to stop. */
static size_t __attribute__((format(printf, 2, 3)))
bad_headers(struct http_resp *r, const char *fmt, ...)
{
	va_list ap;

	r->bad_headers = 1;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return 0;
}

/* Clear the headers kept from a response. */
static void
clear_headers(struct http_resp *r)
{
	r->retry_after[0] = r->rl_limit[0] = r->rl_remaining[0] = '\0';
	r->rl_reset[0] = r->content_encoding[0] = '\0';
	ds_buf_reset(&r->link_next);
	ds_buf_reset(&r->location);
	ds_buf_terminate(&r->location);
}

/*
 * libcurl header callback: keep the rate-limit and retry headers; a line
 * or kept value over its bound, or too many lines, stops the transfer.
 */
static size_t
on_header(char *p, size_t size, size_t nitems, void *arg)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} keep[] = {
		{ "retry-after", offsetof(struct http_resp, retry_after) },
		{ "x-ratelimit-limit", offsetof(struct http_resp, rl_limit) },
		{ "x-ratelimit-remaining", offsetof(struct http_resp, rl_remaining) },
		{ "x-ratelimit-reset", offsetof(struct http_resp, rl_reset) },
		{ "content-encoding", offsetof(struct http_resp, content_encoding) },
	};
	struct http *h = arg;
	size_t n = size * nitems, i, k;

	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		clear_headers(h->r);
		h->r->nheaders = 0;
		return n;
	}
	if (n > HTTP_HDR_LINE_MAX)
		return bad_headers(h->r, "a response header line of %zu bytes "
		    "(more than %d)", n, HTTP_HDR_LINE_MAX);
	if (++h->r->nheaders > HTTP_HDR_COUNT_MAX)
		return bad_headers(h->r, "more than %d response header lines",
		    HTTP_HDR_COUNT_MAX);
	if (n > 5 && strncasecmp(p, "link:", 5) == 0) {
		struct ds_buf t = { 0 };

		/* the first rel="next" wins */
		if (h->r->link_next.len == 0 && fx_link_next(p + 5, n - 5, &t))
			ds_buf_add(&h->r->link_next, t.p, t.len);
		ds_buf_terminate(&h->r->link_next);
		ds_buf_free(&t);
		return n;
	}
	if (n > 9 && strncasecmp(p, "location:", 9) == 0) {
		/* a redirect's target, without the white space around it */
		for (k = 9; k < n && (p[k] == ' ' || p[k] == '\t'); k++)
			;
		for (i = n; i > k && (p[i - 1] == '\r' || p[i - 1] == '\n' ||
		    p[i - 1] == ' ' || p[i - 1] == '\t'); i--)
			;
		ds_buf_reset(&h->r->location);
		ds_buf_add(&h->r->location, p + k, i - k);
		ds_buf_terminate(&h->r->location);
		return n;
	}
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		k = strlen(keep[i].name);
		if (n > k && p[k] == ':' && strncasecmp(p, keep[i].name, k) == 0) {
			if (take((char *)h->r + keep[i].off, p + k + 1, n - k - 1) < 0)
				return bad_headers(h->r, "response header %s longer than "
				    "%d bytes", keep[i].name, HTTP_HDR_MAX - 1);
			break;
		}
	}
	return n;
}

/* libcurl progress callback: abort the transfer once *stop is set. */
static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct http *h = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return *h->stop != 0 || (h->r == &h->aresp && atomic_load(&h->cancel) != 0);
}

/* Set a libcurl option or exit: only an out-of-date libcurl refuses one. */
#define SETOPT(c, o, v) do {						\
	if (curl_easy_setopt((c), (o), (v)) != CURLE_OK)		\
		ds_diex(DS_EX_PERM, "libcurl refused option %s", #o);	\
} while (0)

struct http *
fx_http_new(const char *key, long timeout_ms, int insecure, size_t maxbody,
    atomic_int *stop)
{
	struct http *h = ds_xcalloc(1, sizeof(*h));
	struct ds_buf hv = { 0 };
	struct curl_slist *l;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		ds_diex(DS_EX_TEMP, "libcurl initialisation failed");
	if ((h->curl = curl_easy_init()) == NULL)
		ds_diex(DS_EX_TEMP, "libcurl could not make a handle");
	h->maxbody = maxbody;
	h->stop = stop;
	h->owner = pthread_self();
	pthread_mutex_init(&h->amu, NULL);
	pthread_cond_init(&h->acv, NULL);
	if ((l = curl_slist_append(NULL, "Accept: application/json")) == NULL)
		ds_diex(DS_EX_TEMP, "out of memory for request headers");
	h->headers = l;
	if (key != NULL) {
		ds_buf_printf(&hv, "X-API-Key: %s", key);
		l = curl_slist_append(h->headers, hv.p);
		explicit_bzero(hv.p, hv.len);
		ds_buf_free(&hv);
		if (l == NULL)
			ds_diex(DS_EX_TEMP, "out of memory for request headers");
	}
	SETOPT(h->curl, CURLOPT_HTTPHEADER, h->headers);
	SETOPT(h->curl, CURLOPT_ACCEPT_ENCODING, "gzip");
	/* on_body inflates, into the body's buffer: no copy of each page */
	SETOPT(h->curl, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	SETOPT(h->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	SETOPT(h->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
	SETOPT(h->curl, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(h->curl, CURLOPT_USERAGENT, "ds-fetch/1");
	SETOPT(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	/* a page arrives in fewer reads and callbacks (curl's own tool: 100 KiB) */
	SETOPT(h->curl, CURLOPT_BUFFERSIZE, 256L * 1024);
	SETOPT(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(h->curl, CURLOPT_WRITEDATA, h);
	SETOPT(h->curl, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(h->curl, CURLOPT_HEADERDATA, h);
	SETOPT(h->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	SETOPT(h->curl, CURLOPT_XFERINFODATA, h);
	SETOPT(h->curl, CURLOPT_NOPROGRESS, 0L);
	SETOPT(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	if (insecure) {
		SETOPT(h->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(h->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return h;
}

/* The failure class of a libcurl error code, for logs and retry decisions. */
static const char *
classify(CURLcode c)
{
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_PARTIAL_FILE:
	case CURLE_BAD_CONTENT_ENCODING:
		return "truncated";
	case CURLE_GOT_NOTHING:
		return "empty_reply";
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return "reset";
	case CURLE_COULDNT_CONNECT:
		return "connect";
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "resolve";
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_TOO_MANY_REDIRECTS:
		return "permanent";
	default:
		return "transfer";
	}
}

/* The request itself: see fx_http_get(). */
static int
perform(struct http *h, const char *url, struct http_resp *r)
{
	CURLcode c;
	const char *e;

	h->r = r;
	r->status = 0;
	r->curlcode = CURLE_OK;
	r->cause = NULL;
	r->error[0] = '\0';
	r->too_big = r->aborted = r->bad_headers = r->bad_encoding = 0;
	r->nheaders = 0;
	r->encoded = ENC_NONE;
	r->crc_pending = 0;
	h->zs.enc = -1;
	ds_buf_reset(&r->body);
	ds_buf_reset(&r->raw);
	clear_headers(r);
	h->errbuf[0] = '\0';
	SETOPT(h->curl, CURLOPT_URL, url);
	if (h->post_set) {
		SETOPT(h->curl, CURLOPT_POSTFIELDS, h->post.p);
		SETOPT(h->curl, CURLOPT_POSTFIELDSIZE, (long)h->post.len);
	}
	c = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	ds_buf_terminate(&r->body);
	/* all the bytes the server said, but not the whole compressed stream */
	if (c == CURLE_OK && h->zs.enc > ENC_NONE && !h->lazy && h->zs.started &&
	    !h->zs.ended) {
		(void)bad_encoding(r, CUT_SHORT);
		encoding_failed(r);
		return -1;
	}
	if (c == CURLE_OK)
		return 0;
	r->curlcode = (int)c;
	if (r->bad_headers) {
		r->cause = "bad_headers";
		return -1;
	}
	if (r->bad_encoding) {
		encoding_failed(r);
		return -1;
	}
	e = h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(c);
	snprintf(r->error, sizeof(r->error), "%s", e);
	if (r->too_big)
		r->cause = "too_big";
	else if (c == CURLE_ABORTED_BY_CALLBACK) {
		r->aborted = 1;
		r->cause = "aborted";
	} else
		r->cause = classify(c);
	return -1;
}

enum { AHEAD_NONE, AHEAD_ASKED, AHEAD_DONE };

/*
 * The thread of the requests made ahead: one request each time one is
 * asked for, until fx_http_free() says quit. One thread for the run, not
 * one per request.
 */
static void *
ahead_run(void *arg)
{
	struct http *h = arg;

	pthread_mutex_lock(&h->amu);
	for (;;) {
		while (h->job != AHEAD_ASKED && !h->quit)
			pthread_cond_wait(&h->acv, &h->amu);
		if (h->job != AHEAD_ASKED)
			break;
		pthread_mutex_unlock(&h->amu);
		h->arc = perform(h, h->aurl.p, &h->aresp);
		pthread_mutex_lock(&h->amu);
		h->job = AHEAD_DONE;
		pthread_cond_broadcast(&h->acv);
	}
	pthread_mutex_unlock(&h->amu);
	return NULL;
}

/*
 * Wait for the request made ahead, if any; non-zero when it was for url.
 * One for another url (or none: NULL) is stopped first, not waited out.
 */
static int
join_ahead(struct http *h, const char *url)
{
	int same;

	if (!atomic_load(&h->ahead))
		return 0;
	same = url != NULL && strcmp(h->aurl.p, url) == 0;
	if (!same)
		atomic_store(&h->cancel, 1);
	pthread_mutex_lock(&h->amu);
	while (h->job != AHEAD_DONE)
		pthread_cond_wait(&h->acv, &h->amu);
	h->job = AHEAD_NONE;
	pthread_mutex_unlock(&h->amu);
	atomic_store(&h->cancel, 0);
	atomic_store(&h->ahead, 0);
	return same;
}

void
fx_http_ahead(struct http *h, const char *url)
{
	sigset_t block, old;

	if (atomic_load(&h->ahead))
		return;
	ds_buf_reset(&h->aurl);
	ds_buf_adds(&h->aurl, url);
	ds_buf_terminate(&h->aurl);
	if (!h->started) {
		/* signals are the main thread's to see */
		sigemptyset(&block);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGINT);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		h->started = pthread_create(&h->th, NULL, ahead_run, h) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	/* without a thread, the request is simply made when asked for */
	if (!h->started)
		return;
	pthread_mutex_lock(&h->amu);
	h->job = AHEAD_ASKED;
	pthread_cond_broadcast(&h->acv);
	pthread_mutex_unlock(&h->amu);
	atomic_store(&h->ahead, 1);
	/* let it send the request before the caller's work takes the core */
	sched_yield();
}

void
fx_http_cancel(struct http *h)
{
	/*
	 * Only the owner joins: from another thread (the writer's exit) the
	 * owner may be joining it itself, and goes on running regardless.
	 */
	if (h != NULL && pthread_equal(pthread_self(), h->owner))
		(void)join_ahead(h, NULL);
}

int
fx_http_get(struct http *h, const char *url, struct http_resp *r)
{
	struct http_resp t;
	int rc;

	if (join_ahead(h, url)) {
		t = *r;
		*r = h->aresp;
		h->aresp = t;
		rc = h->arc;
	} else
		rc = perform(h, url, r);
	/* a lazy body waits for its caller only in a 200 */
	if (rc == 0 && (r->encoded != ENC_NONE || r->crc_pending) && r->status != 200)
		rc = fx_http_decode(h, r);
	return rc;
}

void
fx_http_header(struct http *h, const char *line)
{
	struct curl_slist *l, *n = NULL, *o;

	/* an Accept of the definition's replaces the default one, not joins it */
	if (strncasecmp(line, "accept:", 7) == 0 && h->headers != NULL &&
	    strcmp(h->headers->data, "Accept: application/json") == 0) {
		for (o = h->headers->next; o != NULL; o = o->next)
			if ((l = curl_slist_append(n, o->data)) == NULL)
				ds_diex(DS_EX_TEMP, "out of memory for request headers");
			else
				n = l;
		for (o = h->headers; o != NULL; o = o->next)
			explicit_bzero(o->data, strlen(o->data));
		curl_slist_free_all(h->headers);
		h->headers = n;
	}
	if ((l = curl_slist_append(h->headers, line)) == NULL)
		ds_diex(DS_EX_TEMP, "out of memory for request headers");
	h->headers = l;
	SETOPT(h->curl, CURLOPT_HTTPHEADER, h->headers);
}

void
fx_http_bearer(struct http *h, const char *token)
{
	SETOPT(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
	SETOPT(h->curl, CURLOPT_XOAUTH2_BEARER, token);
}

void
fx_http_basic(struct http *h, const char *userpass)
{
	h->userpass = ds_xstrdup(userpass);
	SETOPT(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	SETOPT(h->curl, CURLOPT_USERPWD, h->userpass);
}

void
fx_http_post(struct http *h, const char *body, const char *ctype)
{
	struct ds_buf hl = { 0 };

	if (body == NULL) {
		h->post_set = 0;
		SETOPT(h->curl, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (!h->post_set) {
		ds_buf_printf(&hl, "Content-Type: %s", ctype != NULL ? ctype :
		    "application/json");
		fx_http_header(h, hl.p);
		ds_buf_free(&hl);
	}
	ds_buf_reset(&h->post);
	ds_buf_adds(&h->post, body);
	ds_buf_terminate(&h->post);
	h->post_set = 1;
}

void
fx_http_free(struct http *h)
{
	struct curl_slist *l;

	if (h == NULL)
		return;
	(void)join_ahead(h, NULL);
	if (h->started) {
		pthread_mutex_lock(&h->amu);
		h->quit = 1;
		pthread_cond_broadcast(&h->acv);
		pthread_mutex_unlock(&h->amu);
		pthread_join(h->th, NULL);
	}
	pthread_mutex_destroy(&h->amu);
	pthread_cond_destroy(&h->acv);
	ds_buf_free(&h->aresp.body);
	ds_buf_free(&h->aresp.raw);
	if (h->zs.init)
		(void)inflateEnd(&h->zs.z);
	if (h->zl.init)
		(void)inflateEnd(&h->zl.z);
	ds_buf_free(&h->aresp.link_next);
	ds_buf_free(&h->aresp.location);
	ds_buf_free(&h->aurl);
	ds_buf_free(&h->post);
	if (h->userpass != NULL) {
		explicit_bzero(h->userpass, strlen(h->userpass));
		free(h->userpass);
	}
	for (l = h->headers; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(h->headers);
	curl_easy_cleanup(h->curl);
	curl_global_cleanup();
	free(h);
}
