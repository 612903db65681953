#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "cursor.h"
#include "events.h"
#include "hash.h"
#include "page.h"

#define SALT_DUP	4

/* Append event i to b, after a comma unless it is the first. */
static void
add_event(struct ds_buf *b, uint64_t i, int first)
{
	char *start = ds_buf_reserve(b, EVENT_MAX + 1), *p = start;

	if (!first)
		*p++ = ',';
	p += event_write(i, p);
	b->len += (size_t)(p - start);
}

void
page_build(struct ds_buf *b, const struct page *pg)
{
	char cur[CURSOR_LEN + 1];
	uint64_t j = pg->off;
	unsigned n = 0;
	int more;

	/* Most pages fit this guess of the mean record size: one allocation. */
	ds_buf_reserve(b, (size_t)pg->limit * 400 + 256);
	ds_buf_adds(b, "{\"data\":[");
	while (n < pg->limit && j < pg->hi) {
		if (event_gone(j)) {
			j++;
			continue;
		}
		add_event(b, j, n == 0);
		n++;
		if (mock_cfg.dup_rate > 0 && n < pg->limit && j >= pg->lo + pg->limit &&
		    !event_gone(j - pg->limit) &&
		    mock_unit(mock_hash3(mock_cfg.seed, j, SALT_DUP)) < mock_cfg.dup_rate) {
			add_event(b, j - pg->limit, 0);
			n++;
		}
		j++;
	}
	ds_buf_addc(b, ']');
	more = j < pg->hi;
	if (more) {
		struct cursor c = { j, pg->now, pg->range };

		cursor_encode(&c, cur);
	}
	if (mock_cfg.shape == SHAPE_FLAT) {
		if (more)
			ds_buf_printf(b, ",\"hasMore\":true,\"nextCursor\":\"%s\"}", cur);
		else
			ds_buf_adds(b, ",\"hasMore\":false}");
		return;
	}
	ds_buf_printf(b, ",\"pagination\":{\"limit\":%u,\"hasMore\":%s,\"nextCursor\":",
	    pg->limit, more ? "true" : "false");
	if (more)
		ds_buf_printf(b, "\"%s\"", cur);
	else
		ds_buf_adds(b, "null");
	ds_buf_printf(b, "},\"meta\":{\"total\":%llu}}",
	    (unsigned long long)(pg->hi - pg->lo));
}

/* Start a new line indented by depth levels of two spaces. */
static void
newline(struct ds_buf *out, int depth)
{
	ds_buf_addc(out, '\n');
	while (depth-- > 0)
		ds_buf_add(out, "  ", 2);
}

void
page_pretty(struct ds_buf *out, const char *s, size_t n)
{
	size_t i;
	int depth = 0, instr = 0, esc = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (instr) {
			ds_buf_addc(out, c);
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				instr = 0;
			continue;
		}
		switch (c) {
		case '"':
			instr = 1;
			ds_buf_addc(out, c);
			break;
		case '{':
		case '[':
			ds_buf_addc(out, c);
			if (i + 1 < n && (s[i + 1] == '}' || s[i + 1] == ']'))
				break;
			newline(out, ++depth);
			break;
		case '}':
		case ']':
			if (i > 0 && s[i - 1] != '{' && s[i - 1] != '[')
				newline(out, --depth);
			ds_buf_addc(out, c);
			break;
		case ',':
			ds_buf_addc(out, c);
			newline(out, depth);
			break;
		case ':':
			ds_buf_add(out, ": ", 2);
			break;
		default:
			ds_buf_addc(out, c);
		}
	}
	ds_buf_addc(out, '\n');
}
