/* lib_name.c - the one rule for stream names (lib/name.c). */
#include <string.h>

#include "name.h"
#include "unit.h"

UNIT_TEST(name_rule_table)
{
	static const struct {
		const char	*name;
		const char	*why;	/* NULL: valid */
	} t[] = {
		{ "events", NULL },
		{ "Audit-2024.v1_x", NULL },
		{ "0", NULL },
		{ "", "a stream name is empty" },
		{ "-x", "a stream name starts with a letter or a digit" },
		{ ".hidden", "a stream name starts with a letter or a digit" },
		{ "_x", "a stream name starts with a letter or a digit" },
		{ "x y", "a stream name holds only letters, digits, '.', '_' and '-'" },
		{ "x/y", "a stream name holds only letters, digits, '.', '_' and '-'" },
		{ "x\ny", "a stream name holds only letters, digits, '.', '_' and '-'" },
		{ "caf\xc3\xa9", "a stream name holds only letters, digits, '.', '_' and '-'" },
	};
	char longest[DS_NAME_MAX + 2];
	size_t i;
	const char *why;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why = ds_name_why(t[i].name, strlen(t[i].name));
		if (t[i].why == NULL)
			CHECK(why == NULL);
		else
			CHECK_STR(why, t[i].why);
	}
	memset(longest, 'a', sizeof(longest));
	CHECK(ds_name_why(longest, DS_NAME_MAX) == NULL);
	CHECK_STR(ds_name_why(longest, DS_NAME_MAX + 1), "a stream name is longer than 128 bytes");
	/* a NUL inside the bytes is no letter either */
	CHECK(ds_name_why("a\0b", 3) != NULL);
}
