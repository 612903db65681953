#include <string.h>

#include "buf.h"
#include "exits.h"
#include "log.h"
#include "name.h"

const char *
ds_name_why(const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	if (n == 0)
		return "a stream name is empty";
	if (n > DS_NAME_MAX)
		return "a stream name is longer than 128 bytes";
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (i == 0)
			return "a stream name starts with a letter or a digit";
		if (c != '.' && c != '_' && c != '-')
			return "a stream name holds only letters, digits, '.', '_' and '-'";
	}
	return NULL;
}

void
ds_name_arg(const char *what, const char *s)
{
	struct ds_buf q = { 0 };
	const char *why;
	size_t n = strlen(s);

	if ((why = ds_name_why(s, n)) == NULL)
		return;
	ds_log_quote(&q, s, n > 200 ? 200 : n);
	ds_buf_terminate(&q);
	ds_diex(DS_EX_USAGE, "%s %s%s: %s", what, q.p, n > 200 ? "..." : "", why);
}
