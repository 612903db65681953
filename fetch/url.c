#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "url.h"

/* Value of hex digit c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
fx_url_has_api_key(const char *s)
{
	static const char key[] = "api_key=";
	size_t n = sizeof(key) - 1;
	struct ds_buf d = { 0 };
	const char *p;
	int found = 0;

	/* as the server reads it: %5F is '_', %3D is '=' */
	for (p = s; *p != '\0'; p++)
		if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			ds_buf_addc(&d, (char)(hexval(p[1]) << 4 | hexval(p[2])));
			p += 2;
		} else
			ds_buf_addc(&d, *p);
	ds_buf_terminate(&d);
	for (p = d.p; p != NULL && *p != '\0' && !found; p++)
		found = strncasecmp(p, key, n) == 0;
	ds_buf_free(&d);
	return found;
}

char *
fx_url_events(const char *url, const char **why)
{
	struct ds_buf b = { 0 };
	const char *auth, *path, *pend, *rest;
	size_t plen;

	if (fx_url_has_api_key(url)) {
		*why = "the URL holds api_key=: pass the key in DS_API_KEY or "
		    "--api-key-file instead";
		return NULL;
	}
	if (strncasecmp(url, "http://", 7) == 0)
		auth = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		auth = url + 8;
	else {
		*why = "the URL must start with http:// or https://";
		return NULL;
	}
	path = auth + strcspn(auth, "/?#");
	if (path == auth) {
		*why = "the URL has no host";
		return NULL;
	}
	pend = path + strcspn(path, "?#");
	plen = (size_t)(pend - path);

	/* A trailing '/' is dropped: ".../events/" is ".../events". */
	if (plen > 1 && pend[-1] == '/') {
		pend--;
		plen--;
	}
	ds_buf_add(&b, url, (size_t)(pend - url));
	if (plen == 0 || (plen == 1 && *path == '/'))
		ds_buf_adds(&b, plen ? "api/v1/events" : "/api/v1/events");
	else if (!(plen >= 7 && memcmp(pend - 7, "/events", 7) == 0))
		ds_buf_adds(&b, "/events");
	/* A query the user gave is kept; a fragment is dropped. */
	rest = pend + strcspn(pend, "?#");
	if (*rest == '?')
		ds_buf_add(&b, rest, strcspn(rest, "#"));
	ds_buf_terminate(&b);
	return b.p;
}

void
fx_url_encode(struct ds_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			ds_buf_addc(b, (char)c);
		else {
			ds_buf_addc(b, '%');
			ds_buf_addc(b, hex[c >> 4]);
			ds_buf_addc(b, hex[c & 15]);
		}
	}
}

void
fx_url_page(struct ds_buf *b, const char *events, long limit, const char *cursor,
    size_t n, const char *since, const char *until)
{
	ds_buf_reset(b);
	ds_buf_adds(b, events);
	ds_buf_printf(b, "%climit=%ld", strchr(events, '?') ? '&' : '?', limit);
	if (cursor != NULL && n > 0) {
		ds_buf_adds(b, "&cursor=");
		fx_url_encode(b, cursor, n);
	}
	if (since != NULL) {
		ds_buf_adds(b, "&since=");
		fx_url_encode(b, since, strlen(since));
	}
	if (until != NULL) {
		ds_buf_adds(b, "&until=");
		fx_url_encode(b, until, strlen(until));
	}
	ds_buf_terminate(b);
}

void
fx_url_add_param(struct ds_buf *b, const char *name, size_t nn, const char *val, size_t vn)
{
	ds_buf_addc(b, b->len > 0 && memchr(b->p, '?', b->len) != NULL ? '&' : '?');
	fx_url_encode(b, name, nn);
	ds_buf_addc(b, '=');
	fx_url_encode(b, val, vn);
	ds_buf_terminate(b);
}

/* Length of the scheme and authority of u ("http://h:1"), or 0 when u is not http(s). */
static size_t
origin_len(const char *u, size_t n)
{
	size_t k;

	if (n >= 7 && strncasecmp(u, "http://", 7) == 0)
		k = 7;
	else if (n >= 8 && strncasecmp(u, "https://", 8) == 0)
		k = 8;
	else
		return 0;
	while (k < n && u[k] != '/' && u[k] != '?' && u[k] != '#')
		k++;
	return k;
}

int
fx_url_resolve(const char *base, const char *ref, size_t n, struct ds_buf *out,
    const char **why)
{
	size_t i, bo = origin_len(base, strlen(base)), ro, pathend, dir;

	ds_buf_reset(out);
	for (i = 0; i < n; i++)
		if ((unsigned char)ref[i] <= ' ' || ref[i] == 0x7f) {
			*why = "it holds white space or a control byte";
			return -1;
		}
	if (n == 0) {
		*why = "it is empty";
		return -1;
	}
	for (i = 0; i < n && (isalnum((unsigned char)ref[i]) || ref[i] == '+' ||
	    ref[i] == '-' || ref[i] == '.'); i++)
		;
	if (i < n && i > 0 && ref[i] == ':' && isalpha((unsigned char)ref[0])) {
		/* absolute */
		if ((ro = origin_len(ref, n)) == 0) {
			*why = "it is not an http or https URL";
			return -1;
		}
		ds_buf_add(out, ref, n);
	} else if (n >= 2 && ref[0] == '/' && ref[1] == '/') {
		ds_buf_add(out, base, (size_t)(strchr(base, ':') - base) + 1);
		ds_buf_add(out, ref, n);
	} else if (ref[0] == '/') {
		ds_buf_add(out, base, bo);
		ds_buf_add(out, ref, n);
	} else {
		pathend = bo + strcspn(base + bo, "?#");
		if (ref[0] == '?') {
			ds_buf_add(out, base, pathend);
		} else {
			for (dir = pathend; dir > bo && base[dir - 1] != '/'; dir--)
				;
			ds_buf_add(out, base, dir);
			if (dir == bo)
				ds_buf_addc(out, '/');
		}
		ds_buf_add(out, ref, n);
	}
	ds_buf_terminate(out);
	ro = origin_len(out->p, out->len);
	if (ro == 0 || ro != bo || strncasecmp(out->p, base, bo) != 0) {
		*why = "it leads to another origin (scheme, host, port) than the URL "
		    "given, where the credentials must not go";
		return -1;
	}
	return 0;
}

void
fx_url_strip_param(struct ds_buf *b, const char *name)
{
	struct ds_buf enc = { 0 }, out = { 0 };
	const char *q, *p, *e;
	size_t nn = strlen(name);
	int first = 1;

	if (b->p == NULL || (q = strchr(b->p, '?')) == NULL)
		return;
	fx_url_encode(&enc, name, nn);
	ds_buf_terminate(&enc);
	ds_buf_add(&out, b->p, (size_t)(q - b->p));
	for (p = q + 1; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "&#");
		if (((size_t)(e - p) > nn && strncmp(p, name, nn) == 0 && p[nn] == '=') ||
		    ((size_t)(e - p) > enc.len && strncmp(p, enc.p, enc.len) == 0 &&
		    p[enc.len] == '=')) {
			if (*e == '#')
				break;
			continue;
		}
		ds_buf_addc(&out, first ? '?' : '&');
		first = 0;
		ds_buf_add(&out, p, (size_t)(e - p));
		if (*e == '#')
			break;
	}
	ds_buf_terminate(&out);
	ds_buf_reset(b);
	ds_buf_add(b, out.p, out.len);
	ds_buf_terminate(b);
	ds_buf_free(&out);
	ds_buf_free(&enc);
}
