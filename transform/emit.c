#include <string.h>

#include "buf.h"
#include "emit.h"

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void
xf_put_jstr(struct ds_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
	char e[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t l;

	ds_buf_addc(out, '"');
	while (p < end) {
		run = p;
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		ds_buf_add(out, run, (size_t)(p - run));
		if (p >= end)
			break;
		switch (*p) {
		case '"': ds_buf_add(out, "\\\"", 2); p++; continue;
		case '\\': ds_buf_add(out, "\\\\", 2); p++; continue;
		case '\n': ds_buf_add(out, "\\n", 2); p++; continue;
		case '\r': ds_buf_add(out, "\\r", 2); p++; continue;
		case '\t': ds_buf_add(out, "\\t", 2); p++; continue;
		case '\0': ds_buf_add(out, "\xef\xbf\xbd", 3); p++; continue;
		}
		if (*p < 0x20) {
			e[4] = hex[*p >> 4];
			e[5] = hex[*p & 15];
			ds_buf_add(out, e, 6);
			p++;
		} else if ((l = utf8_len(p, end)) > 0) {
			ds_buf_add(out, p, l);
			p += l;
		} else {
			ds_buf_add(out, "\xef\xbf\xbd", 3);
			p++;
		}
	}
	ds_buf_addc(out, '"');
}

void
xf_emit_reject(struct ds_buf *out, const struct xf_where *w, const char *reason,
    const char *raw, size_t rawlen)
{
	ds_buf_adds(out, "{\"$ds\":\"reject\",\"stream\":");
	ds_buf_add(out, w->stream, w->streamlen);
	ds_buf_adds(out, ",\"seq\":");
	ds_buf_add(out, w->seq, w->seqlen);
	ds_buf_adds(out, ",\"reason\":");
	xf_put_jstr(out, reason, strlen(reason));
	ds_buf_adds(out, ",\"raw\":");
	xf_put_jstr(out, raw, rawlen);
	ds_buf_adds(out, "}\n");
}
