/*
 * stream.h - parse one line of ds-transform's stream format.
 *
 *   record:     {"stream":..,"id":..,"type":..|null,"ts":..|null,"hash":..,"data":<json>}
 *   checkpoint: {"$ds":"checkpoint","stream":..,"seq":N,"cursor":..|null,"has_more":B,"records":n
 *                [,"state":<json>]}  (state: a Singer tap's, which ds-load echoes)
 *   reject:     {"$ds":"reject","stream":..,"seq":N|null,"reason":..,"raw":..}
 *   schema:     {"$ds":"schema","stream":..,"fields":{..},"added":[..],"removed":[..],"changed":[..]
 *                [,"declared":true]}  (declared: a source's own schema, a Singer SCHEMA)
 *
 * Spans point into the line: strings as their raw text between the quotes
 * (escapes undecoded), other values as their JSON text.
 *
 * This is the wire format between ds-transform and ds-load, described here
 * once (ds-transform writes it: transform/record.c, emit.c, page.c, schema.c).
 * It is not the table: a record line's members are what a record is, the
 * columns (load/columns.c, the one list of them) are how it is stored; each
 * column names the struct ds_line span that fills it, and a column may come
 * from no member (ingested_at) or from inside data (--column).
 */
#ifndef DS_LOAD_STREAM_H
#define DS_LOAD_STREAM_H

#include <stddef.h>

struct ds_buf;

enum ds_line_kind {
	DS_LINE_RECORD,
	DS_LINE_CHECKPOINT,
	DS_LINE_REJECT,
	DS_LINE_SCHEMA
};

struct ds_span {
	const char	*p;	/* NULL when absent or JSON null */
	size_t		 n;
};

struct ds_line {
	enum ds_line_kind kind;
	struct ds_span	 stream;
	/* record */
	struct ds_span	 id, type, ts, hash, data;
	/* checkpoint, reject */
	long long	 seq;		/* -1 when null */
	struct ds_span	 cursor;
	int		 has_more;
	long long	 records;
	struct ds_span	 state;		/* JSON text of a Singer state, or absent */
	struct ds_span	 reason, raw;
	/* schema: JSON text of each value */
	struct ds_span	 fields, added, removed, changed;
	int		 declared;	/* the source declared it (not drift seen) */
};

/*
 * Parse line (len bytes). Returns 0, or -1 with a description in err
 * (what is wrong and at which byte offset of the line).
 */
int	ld_stream_parse(const char *line, size_t len, struct ds_line *out,
	    struct ds_buf *err);

#endif
