/* Unit tests of load/copy.c (COPY text fields) and load/keyset.c (the key set). */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "unit.h"
#include "../../load/copy.h"
#include "../../load/keyset.h"

/* The COPY text escaping, byte by byte, for comparison. */
static void
slow_field(struct ds_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		switch (s[i]) {
		case '\\': ds_buf_adds(b, "\\\\"); break;
		case '\t': ds_buf_adds(b, "\\t"); break;
		case '\n': ds_buf_adds(b, "\\n"); break;
		case '\r': ds_buf_adds(b, "\\r"); break;
		default: ds_buf_addc(b, s[i]); break;
		}
	ds_buf_terminate(b);
}

UNIT_TEST(load_copy_field_escapes_what_copy_text_needs)
{
	static const struct {
		const char	*in, *out;
	} rows[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "a\\b", "a\\\\b" },
		{ "tab\there", "tab\\there" },
		{ "nl\ncr\r", "nl\\ncr\\r" },
		{ "\x0b\x0c\x01 kept", "\x0b\x0c\x01 kept" },
		{ "{\"k\":\"caf\\u00e9\"}", "{\"k\":\"caf\\\\u00e9\"}" },
		{ "0123456789abcdef\\0123456789abcdef", "0123456789abcdef\\\\0123456789abcdef" },
	};
	struct ds_buf b = { 0 };
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		ds_buf_reset(&b);
		ds_buf_adds(&b, "x\t");
		ld_copy_field(&b, rows[i].in, strlen(rows[i].in));
		CHECK(b.len == 2 + strlen(rows[i].out));
		CHECK_STR(b.p + 2, rows[i].out);
	}
	ds_buf_free(&b);
}

/* Eight bytes are looked at a time: a byte to escape at every offset, in
 * every length, non-ASCII bytes around it, matches the byte-wise rule. */
UNIT_TEST(load_copy_field_matches_bytewise_rule_at_every_offset)
{
	static const char special[] = { '\\', '\t', '\n', '\r', '\x0d', '\x0e', '\x5b', '\x5d', '\x80', '\xff' };
	char in[40];
	struct ds_buf got = { 0 }, want = { 0 };
	size_t len, at, k;

	for (len = 1; len <= sizeof(in); len++)
		for (at = 0; at < len; at++)
			for (k = 0; k < sizeof(special); k++) {
				memset(in, 'a', sizeof(in));
				if (at > 0)
					in[at - 1] = '\xc3';	/* a high byte before it */
				in[at] = special[k];
				if (at + 3 < len)
					in[at + 3] = '\\';
				ds_buf_reset(&got);
				ds_buf_reset(&want);
				ld_copy_field(&got, in, len);
				slow_field(&want, in, len);
				CHECK_MEM(got.p, got.len, want.p, want.len);
			}
	ds_buf_free(&got);
	ds_buf_free(&want);
}

UNIT_TEST(load_keyset_tells_repeats_changes_and_forgets_old_batches)
{
	struct ds_keyset *s = ld_keyset_new(2);
	char key[32];
	int i;

	CHECK(ld_keyset_add(s, "a", 1, "h1", 2) == 0);
	CHECK(ld_keyset_add(s, "a", 1, "h1", 2) == 1);	/* same key, same value */
	CHECK(ld_keyset_add(s, "b", 1, "", 0) == 0);
	ld_keyset_rotate(s);
	CHECK(ld_keyset_add(s, "a", 1, "h2", 2) == 2);	/* the last batch had another value */
	CHECK(ld_keyset_add(s, "a", 1, "h2", 2) == 1);	/* this batch's value decides now */
	CHECK(ld_keyset_add(s, "b", 1, "", 0) == 1);
	ld_keyset_rotate(s);
	ld_keyset_rotate(s);
	CHECK(ld_keyset_add(s, "a", 1, "h2", 2) == 0);	/* two batches on: forgotten */
	/* many keys (the table grows), each found again with its value */
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "evt-%09d", i);
		CHECK(ld_keyset_add(s, key, strlen(key), key, 4) == 0);
	}
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "evt-%09d", i);
		CHECK(ld_keyset_add(s, key, strlen(key), key, 4) == 1);
	}
	CHECK(ld_keyset_add(s, "evt-", 4, "", 0) == 0);	/* a prefix is another key */
	ld_keyset_drop(s);
	CHECK(ld_keyset_add(s, "evt-000000001", 13, "evt-", 4) == 0);
	ld_keyset_free(s);
}
