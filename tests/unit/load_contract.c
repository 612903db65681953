/*
 * Unit tests of load/contract.c (the schema contract ds-load enforces)
 * and of xf_schema_declare() in transform/schema.c (a Singer SCHEMA's
 * properties as a declared schema line).
 */
#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "deffile.h"
#include "unit.h"
#include "../../load/contract.h"
#include "../../load/stream.h"
#include "../../transform/schema.h"

#define SCHEMA	"{\"id\": \"string\", \"n\": \"number|null\", \"s\": \"string\"}"

/* A record line whose id is "r1", with hash h and data d. */
static void
line(struct ds_line *ln, const char *h, const char *d)
{
	memset(ln, 0, sizeof(*ln));
	ln->id.p = "r1";
	ln->id.n = 2;
	ln->hash.p = h;
	ln->hash.n = strlen(h);
	ln->data.p = d;
	ln->data.n = strlen(d);
}

UNIT_TEST(load_contract_freeze_names_each_new_or_retyped_field)
{
	struct ds_contract *c = ld_contract_new(DS_CONTRACT_FREEZE);
	struct ds_buf why = { 0 }, j = { 0 };
	struct ds_line ln;

	line(&ln, "h", "{\"id\":\"1\",\"n\":null}");
	CHECK(!ld_contract_enforced(c));	/* no schema yet: records define it */
	CHECK(ld_contract_record(c, &ln, &why, &j) == DS_CONTRACT_OK);
	CHECK(ld_contract_merge(c, SCHEMA, strlen(SCHEMA)) == 0);
	CHECK(ld_contract_enforced(c));
	CHECK(ld_contract_record(c, &ln, &why, &j) == DS_CONTRACT_OK);
	line(&ln, "h", "{\"s\":\"x\",\"n\":\"2\",\"new\":[1],\"caf\\u00e9\":1}");
	CHECK(ld_contract_record(c, &ln, &why, &j) == DS_CONTRACT_REJECT);
	CHECK_STR(why.p, "schema contract freeze: field \"n\" is string, the schema has"
	    " null|number; new field \"new\" (array); new field \"caf\xc3\xa9\" (number)");
	/* an escaped key is the field it spells */
	CHECK(ld_contract_merge(c, "{\"caf\xc3\xa9\":\"number\"}", 18) == 0);
	line(&ln, "h", "{\"caf\\u00e9\":1, \"id\" : \"2\"}");
	CHECK(ld_contract_record(c, &ln, &why, &j) == DS_CONTRACT_OK);
	CHECK(ld_contract_merge(c, "[1]", 3) == -1);
	ds_buf_free(&why);
	ds_buf_free(&j);
	ld_contract_free(c);
}

UNIT_TEST(load_contract_discard_drops_rehashes_and_journals_once)
{
	static const char hash[] =
	    "0123456789012345678901234567890123456789012345678901234567890123";
	struct ds_contract *c = ld_contract_new(DS_CONTRACT_DISCARD);
	struct ds_buf why = { 0 }, j = { 0 };
	struct ds_line ln;

	CHECK(ld_contract_merge(c, SCHEMA, strlen(SCHEMA)) == 0);
	line(&ln, hash, "{\"s\":\"x\",\"new\":true,\"n\":\"2\"}");
	CHECK(ld_contract_record(c, &ln, &why, &j) == DS_CONTRACT_DROPPED);
	CHECK_MEM(ln.data.p, ln.data.n, "{\"s\":\"x\"}", 9);
	/* SHA-256 of {"s":"x"} (already RFC 8785) */
	CHECK_MEM(ln.hash.p, ln.hash.n,
	    "abbaed02c5a8f4bac58c61a7042b61dcd69cb534c68e54d184ceef9184d3d351", 64);
	CHECK_MEM(ln.id.p, ln.id.n, "r1", 2);	/* an id of its own is kept */
	CHECK_STR(j.p, "{\"new\":\"boolean\",\"n\":\"string\"}");
	/* the same drops again: nothing new to journal; a new type is */
	line(&ln, hash, "{\"new\":false,\"n\":\"3\",\"s\":\"y\"}");
	CHECK(ld_contract_record(c, &ln, &why, &j) == DS_CONTRACT_DROPPED);
	CHECK(j.len == 0);
	line(&ln, hash, "{\"new\":1}");
	CHECK(ld_contract_record(c, &ln, &why, &j) == DS_CONTRACT_DROPPED);
	CHECK_STR(j.p, "{\"new\":\"number\"}");
	CHECK_MEM(ln.data.p, ln.data.n, "{}", 2);
	/* an id that was the content hash is the new hash */
	line(&ln, hash, "{\"s\":\"x\",\"new\":true}");
	ln.id = ln.hash;
	CHECK(ld_contract_record(c, &ln, &why, &j) == DS_CONTRACT_DROPPED);
	CHECK_MEM(ln.id.p, ln.id.n, ln.hash.p, 64);
	CHECK(memcmp(ln.id.p, hash, 64) != 0);
	ds_buf_free(&why);
	ds_buf_free(&j);
	ld_contract_free(c);
}

UNIT_TEST(transform_schema_declare_maps_json_schema_types)
{
	static const char props[] = "{\"id\":{\"type\":\"integer\"},"
	    "\"name\":{\"type\":[\"string\",\"null\"]},"
	    "\"m\":{\"anyOf\":[{\"type\":\"object\"},{\"type\":[\"null\"]}]},\"x\":{}}";
	struct xf_schemas *s = xf_schema_new();
	struct ds_buf out = { 0 };

	CHECK(xf_schema_declare(s, "\"st\"", 4, props, strlen(props), &out) == 0);
	ds_buf_terminate(&out);
	CHECK_STR(out.p, "{\"$ds\":\"schema\",\"stream\":\"st\",\"fields\":{\"id\":\"number\","
	    "\"name\":\"null|string\",\"m\":\"null|object\","
	    "\"x\":\"array|boolean|null|number|object|string\"},"
	    "\"added\":[\"id\",\"name\",\"m\",\"x\"],\"removed\":[],\"changed\":[],"
	    "\"declared\":true}\n");
	/* a later declaration: a new type for id is a change, m stays as declared */
	ds_buf_reset(&out);
	CHECK(xf_schema_declare(s, "\"st\"", 4, "{\"id\":{\"type\":\"string\"},\"e\":{\"type\":\"string\"}}",
	    46, &out) == 0);
	ds_buf_terminate(&out);
	CHECK_STR(out.p, "{\"$ds\":\"schema\",\"stream\":\"st\",\"fields\":{\"id\":\"number|string\","
	    "\"e\":\"string\"},\"added\":[\"e\"],\"removed\":[],\"changed\":[\"id\"],"
	    "\"declared\":true}\n");
	CHECK(xf_schema_declare(s, "\"st\"", 4, "[]", 2, &out) == -1);
	ds_buf_free(&out);
	xf_schema_free(s);
}

UNIT_TEST(load_schema_contract_is_a_load_setting_of_definitions)
{
	CHECK(ds_def_stage("schema-contract") == 'l');
	CHECK(ds_def_stage("key") == 't');
}
