#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "emit.h"

/* Append a cursor as a JSON string, or null. */
static void
cursor_value(struct ds_buf *b, const char *s, size_t n)
{
	if (s == NULL)
		ds_buf_adds(b, "null");
	else
		ds_json_put_str(b, s, n);
}

void
fx_emit_page(struct ds_buf *b, const char *stream, unsigned long long seq,
    const char *cursor, size_t cursorlen, const char *next, size_t nextlen,
    int has_more, const char *fetched_at, const char *records, size_t recordslen,
    int spaced)
{
	char *dst;

	ds_buf_reset(b);
	ds_buf_adds(b, "{\"stream\":");
	ds_json_put_str(b, stream, strlen(stream));
	ds_buf_printf(b, ",\"seq\":%llu,\"cursor\":", seq);
	cursor_value(b, cursor, cursorlen);
	ds_buf_adds(b, ",\"next\":");
	cursor_value(b, next, nextlen);
	ds_buf_printf(b, ",\"has_more\":%s,\"fetched_at\":\"%s\",\"records\":",
	    has_more ? "true" : "false", fetched_at);
	if (spaced) {
		dst = ds_buf_reserve(b, recordslen + 2);
		b->len += ds_json_minify(records, recordslen, dst);
	} else
		ds_buf_add(b, records, recordslen);
	ds_buf_add(b, "}\n", 2);
	ds_buf_terminate(b);
}
