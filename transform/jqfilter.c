#include <stdlib.h>
#include <string.h>

#include <jq.h>

#include "buf.h"
#include "jqfilter.h"

struct xf_jq {
	jq_state	*jq;
	int		 running;
};

/* Append a jq message (a string, or any value dumped) to b. */
static void
put_msg(struct ds_buf *b, jv msg)
{
	if (jv_get_kind(msg) == JV_KIND_STRING) {
		ds_buf_add(b, jv_string_value(msg), (size_t)jv_string_length_bytes(jv_copy(msg)));
	} else {
		jv s = jv_dump_string(jv_copy(msg), 0);

		ds_buf_adds(b, jv_string_value(s));
		ds_buf_adds(b, " (not a string)");
		jv_free(s);
	}
	jv_free(msg);
}

/* Compile-time messages collected into the caller's buffer. */
static void
collect(void *arg, jv msg)
{
	struct ds_buf *b = arg;

	if (b->len > 0)
		ds_buf_adds(b, "; ");
	put_msg(b, msg);
}

struct xf_jq *
xf_jq_new(const char *filter, struct ds_buf *err)
{
	struct xf_jq *q = ds_xcalloc(1, sizeof(*q));

	if ((q->jq = jq_init()) == NULL)
		ds_buf_adds(err, "cannot initialise libjq");
	else {
		jq_set_error_cb(q->jq, collect, err);
		if (jq_compile(q->jq, filter))
			return q;
		if (err->len == 0)
			ds_buf_adds(err, "compile error");
	}
	xf_jq_free(q);
	return NULL;
}

void
xf_jq_free(struct xf_jq *q)
{
	if (q == NULL)
		return;
	if (q->jq != NULL)
		jq_teardown(&q->jq);
	free(q);
}

int
xf_jq_start(struct xf_jq *q, const char *p, size_t n, struct ds_buf *err)
{
	jv v;

	ds_buf_reset(err);
	if (n > (size_t)0x7fffffff) {
		ds_buf_adds(err, "record too large for libjq");
		return -1;
	}
	v = jv_parse_sized(p, (int)n);
	if (!jv_is_valid(v)) {
		put_msg(err, jv_invalid_get_msg(v));
		return -1;
	}
	jq_start(q->jq, v, 0);
	q->running = 1;
	return 0;
}

int
xf_jq_next(struct xf_jq *q, struct ds_buf *out, struct ds_buf *err)
{
	jv v, s;
	int kind;

	ds_buf_reset(out);
	ds_buf_reset(err);
	if (!q->running)
		return XF_JQ_DONE;
	v = jq_next(q->jq);
	if (!jv_is_valid(v)) {
		q->running = 0;
		if (jv_invalid_has_msg(jv_copy(v))) {
			put_msg(err, jv_invalid_get_msg(v));
			return XF_JQ_ERROR;
		}
		jv_free(v);
		return XF_JQ_DONE;
	}
	kind = jv_get_kind(v) == JV_KIND_OBJECT ? XF_JQ_OBJECT : XF_JQ_OTHER;
	s = jv_dump_string(v, 0);
	ds_buf_adds(out, jv_string_value(s));
	jv_free(s);
	return kind;
}
