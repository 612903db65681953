/*
 * schema.h - schema drift: the top-level keys of each stream's records and
 * the JSON types each key has shown.
 *
 * A stream's schema is the union of what its records showed: every key
 * with the set of its types, and whether every record so far had it. A
 * record changes it when it brings a new key ("added"), a new type for a
 * key ("changed"), or lacks a key that every earlier record had
 * ("removed": the key is optional from then on). Each change gives one
 * schema line, so a stream gives at most a few lines per key, never one
 * per record.
 */
#ifndef XF_SCHEMA_H
#define XF_SCHEMA_H

#include <stddef.h>

struct ds_buf;
struct ds_json_member;
struct xf_schemas;

struct xf_schemas *xf_schema_new(void);
void	xf_schema_free(struct xf_schemas *s);

/*
 * A journal around one input line: changes made after xf_schema_begin()
 * are kept by xf_schema_commit() or undone by xf_schema_rollback() (when
 * the line turns out broken and its output is dropped).
 */
void	xf_schema_begin(struct xf_schemas *s);
void	xf_schema_commit(struct xf_schemas *s);
void	xf_schema_rollback(struct xf_schemas *s);

/*
 * Fold the record's members m[0..n) into the schema of stream (a JSON
 * string token); on a change append a schema line to out. Returns 1 when a
 * line was written. samekeys: the caller knows that m has the keys, in
 * their order, of the record checked before it (a CSV row's columns), so
 * when that one matched the schema only the types are compared.
 */
int	xf_schema_check(struct xf_schemas *s, const char *stream, size_t streamlen,
	    const struct ds_json_member *m, size_t n, int samekeys, struct ds_buf *out);

/*
 * Count a record of stream whose n members have the keys, in their order,
 * of the record checked before it, every value a string, without looking
 * at them: when that record matched the schema and each of its keys has
 * shown a string, nothing changes. Returns 1 when counted so; 0 when the
 * members must go through xf_schema_check().
 */
int	xf_schema_strings(struct xf_schemas *s, const char *stream, size_t streamlen,
	    size_t n);

/*
 * A schema the source declares for stream: props is the JSON text of a JSON
 * Schema "properties" object (a Singer SCHEMA's). Each property becomes a
 * field of the stream with the JSON types its schema allows (all when it
 * names none), and a schema line marked "declared":true is appended to
 * out: the declared fields with the types declared for them in this run.
 * Returns 0, or -1 (nothing written) when props is not an object.
 */
int	xf_schema_declare(struct xf_schemas *s, const char *stream, size_t streamlen,
	    const char *props, size_t propslen, struct ds_buf *out);

#endif
