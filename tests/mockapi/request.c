#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "request.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode s (n bytes) into a new string (caller owns) of length *outn; plus
 * is a space when form is set. Sets *bad on a malformed escape.
 */
static char *
decode(const char *s, size_t n, int form, size_t *outn, int *bad)
{
	char *out = ds_xmalloc(n + 1), *p = out;
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
			    (lo = hexval(s[i + 2])) >= 0) {
				*p++ = (char)(hi << 4 | lo);
				i += 2;
				continue;
			}
			*bad = 1;
		}
		*p++ = form && s[i] == '+' ? ' ' : s[i];
	}
	*p = '\0';
	*outn = (size_t)(p - out);
	return out;
}

void
request_parse(struct request *r, const char *uri)
{
	const char *q = strchr(uri, '?'), *p, *e, *eq;
	size_t n;

	memset(r, 0, sizeof(*r));
	n = q ? (size_t)(q - uri) : strlen(uri);
	r->path = decode(uri, n, 0, &n, &r->bad_escape);
	for (p = q ? q + 1 : NULL; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		struct param *dst = NULL;
		size_t klen;

		e = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(e - p));
		klen = eq ? (size_t)(eq - p) : (size_t)(e - p);
#define KEY(name, field) \
	if (klen == sizeof(name) - 1 && memcmp(p, name, klen) == 0) \
		dst = &r->field
		KEY("limit", limit);
		KEY("cursor", cursor);
		KEY("since", since);
		KEY("until", until);
		KEY("api_key", api_key);
#undef KEY
		if (dst == NULL)
			continue;
		free(dst->v);
		dst->set = 1;
		dst->v = eq ? decode(eq + 1, (size_t)(e - eq - 1), 1, &dst->n,
		    &r->bad_escape) : ds_xstrdup("");
		if (eq == NULL)
			dst->n = 0;
	}
}

void
request_free(struct request *r)
{
	free(r->path);
	free(r->limit.v);
	free(r->cursor.v);
	free(r->since.v);
	free(r->until.v);
	free(r->api_key.v);
	memset(r, 0, sizeof(*r));
}

void
request_redact(struct ds_buf *b, const char *uri)
{
	const char *p = uri, *e;
	int inq = 0;

	while (*p != '\0') {
		if (!inq) {
			e = p + strcspn(p, "?");
			ds_buf_add(b, p, (size_t)(e - p));
			if (*e == '\0')
				return;
			ds_buf_addc(b, '?');
			p = e + 1;
			inq = 1;
			continue;
		}
		e = p + strcspn(p, "&");
		if (strncmp(p, "api_key=", 8) == 0)
			ds_buf_adds(b, "api_key=REDACTED");
		else
			ds_buf_add(b, p, (size_t)(e - p));
		if (*e == '\0')
			return;
		ds_buf_addc(b, '&');
		p = e + 1;
	}
}
