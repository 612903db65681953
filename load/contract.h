/*
 * contract.h - a stream's schema contract, enforced by ds-load on each
 * record against the schema the database knows (ds_catalog.fields).
 *
 *   evolve   every record loads; drift is journaled (ds_schema_changes)
 *   freeze   a record with a top-level field the schema lacks, or a field
 *            of a JSON type the schema does not list for it, is a reject
 *            naming each such field, its type and the contract
 *   discard  such fields are dropped from the record before it is stored;
 *            each (field, type) dropped is journaled once
 *
 * The schema is a JSON object {"field":"type|type",...} with the JSON type
 * names of ds-stream(5). It is known when the catalog held one at start,
 * or once a declared schema line (a Singer SCHEMA) names one; until then
 * freeze and discard load as evolve and the records define the schema.
 */
#ifndef DS_LOAD_CONTRACT_H
#define DS_LOAD_CONTRACT_H

#include <stddef.h>

struct ds_buf;
struct ds_line;
struct ds_contract;

enum { DS_CONTRACT_EVOLVE, DS_CONTRACT_FREEZE, DS_CONTRACT_DISCARD };

/* What ld_contract_record() did with a record. */
enum { DS_CONTRACT_OK, DS_CONTRACT_REJECT, DS_CONTRACT_DROPPED };

/* A contract of mode DS_CONTRACT_*, no schema known; free with ld_contract_free(). */
struct ds_contract *ld_contract_new(int mode);
void	ld_contract_free(struct ds_contract *c);

/*
 * Merge a fields object (JSON text [p, p+n), such as ds_catalog.fields or
 * a schema line's "fields") into the known schema: a field's types are
 * the union. Returns 0, or -1 when the text is not such an object.
 */
int	ld_contract_merge(struct ds_contract *c, const char *p, size_t n);

/* Non-zero when records are checked: freeze or discard, and a schema known. */
int	ld_contract_enforced(const struct ds_contract *c);

/*
 * Check the record line ln against the schema. DS_CONTRACT_OK: nothing
 * to do. DS_CONTRACT_REJECT: why holds the reason. DS_CONTRACT_DROPPED:
 * ln's data, hash (SHA-256 of the RFC 8785 form of the data stored) and,
 * when it was the content hash, id now point into c (valid until the next
 * call), and journal holds a JSON object {"field":"type",...} of the
 * fields and types dropped for the first time (empty when none is new).
 */
int	ld_contract_record(struct ds_contract *c, struct ds_line *ln,
	    struct ds_buf *why, struct ds_buf *journal);

#endif
