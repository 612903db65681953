/*
 * jsonwalk.c - walking JSON that was validated already (ds_json_vend,
 * ds_json_vnext in json.h): ends of values and members found without
 * checking anything again.
 */
#include <stddef.h>
#include <string.h>

#include "json.h"

/* Past the closing quote of the string whose text starts at p (validated). */
static const char *
vstr_end(const char *p, const char *end)
{
	/* a byte loop: record strings are short, a call to memchr() costs more */
	while (p < end && *p != '"')
		p += *p == '\\' ? 2 : 1;
	return p < end ? p + 1 : end;
}

const char *
ds_json_vend(const char *p, const char *end)
{
	int depth = 0;

	while (p < end) {
		switch (*p) {
		case '"':
			p = vstr_end(p + 1, end);
			break;
		case '{':
		case '[':
			depth++;
			p++;
			continue;
		case '}':
		case ']':
			depth--;
			p++;
			break;
		default:
			if (depth > 0) {
				p++;
				continue;
			}
			/* a number or a literal */
			while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
			    *p != '\t' && *p != '\r' && *p != '\n')
				p++;
			return p;
		}
		if (depth == 0)
			return p;
	}
	return p;
}

int
ds_json_vnext(const char **pp, const char *end, struct ds_json_member *m,
    const char **v, size_t *vn)
{
	const char *p = ds_json_ws(*pp, end), *k;

	if (p < end && *p == ',')
		p = ds_json_ws(p + 1, end);
	if (p >= end || *p == ']' || *p == '}')
		return 0;
	if (m != NULL) {
		k = vstr_end(p + 1, end);
		m->key = p + 1;
		m->keylen = (size_t)(k - 1 - m->key);
		p = ds_json_ws(ds_json_ws(k, end) + 1, end);
	}
	*v = p;
	*pp = ds_json_vend(p, end);
	*vn = (size_t)(*pp - p);
	if (m != NULL) {
		m->val = *v;
		m->vallen = *vn;
	}
	return 1;
}
