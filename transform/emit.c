#include <string.h>

#include "buf.h"
#include "emit.h"
#include "json.h"

void
xf_emit_reject(struct ds_buf *out, const struct xf_where *w, const char *reason,
    const char *raw, size_t rawlen)
{
	ds_buf_adds(out, "{\"$ds\":\"reject\",\"stream\":");
	ds_buf_add(out, w->stream, w->streamlen);
	ds_buf_adds(out, ",\"seq\":");
	ds_buf_add(out, w->seq, w->seqlen);
	ds_buf_adds(out, ",\"reason\":");
	ds_json_put_str(out, reason, strlen(reason));
	ds_buf_adds(out, ",\"raw\":");
	ds_json_put_str(out, raw, rawlen);
	ds_buf_adds(out, "}\n");
}
