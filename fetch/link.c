/*
 * link.c - the next page's URL in an RFC 8288 Link header.
 */
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "link.h"

/* Non-zero at optional white space (OWS, BWS) or the header line's end. */
static int
ows(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Non-zero when the link-params [q, pe) hold a rel whose relation types
 * (one token, or a quoted space-separated list) include "next": RFC 8288,
 * section 3: link-param = token BWS [ "=" BWS ( token / quoted-string ) ].
 */
static int
rel_next(const char *q, const char *pe)
{
	const char *name, *w;
	size_t nn;
	int quoted, found = 0;

	while (q < pe) {
		while (q < pe && (*q == ';' || ows(*q)))
			q++;
		for (name = q; q < pe && *q != '=' && *q != ';' && !ows(*q); q++)
			;
		nn = (size_t)(q - name);
		while (q < pe && ows(*q))
			q++;
		if (q >= pe || *q != '=')
			continue;	/* a parameter without a value */
		for (q++; q < pe && ows(*q); q++)
			;
		if ((quoted = q < pe && *q == '"'))
			q++;
		/* the value: relation types separated by white space */
		while (q < pe && (quoted ? *q != '"' : *q != ';')) {
			while (q < pe && ows(*q))
				q++;
			for (w = q; q < pe && !ows(*q) && *q != (quoted ? '"' : ';'); q++)
				;
			if (nn == 3 && strncasecmp(name, "rel", 3) == 0 && q - w == 4 &&
			    strncasecmp(w, "next", 4) == 0)
				found = 1;
			if (!quoted)
				break;
		}
		if (quoted && q < pe)
			q++;
		while (q < pe && *q != ';')
			q++;
	}
	return found;
}

int
fx_link_next(const char *v, size_t n, struct ds_buf *out)
{
	const char *p = v, *e = v + n, *u, *ue, *pe;

	ds_buf_reset(out);
	while (p < e) {
		while (p < e && (ows(*p) || *p == ','))
			p++;
		if (p >= e)
			return 0;
		if (*p != '<')
			return 0;
		u = p + 1;
		if ((ue = memchr(u, '>', (size_t)(e - u))) == NULL)
			return 0;
		/* the parameters up to the next link (a ',' outside quotes) */
		for (pe = ue + 1; pe < e && *pe != ','; pe++)
			if (*pe == '"' && (pe = memchr(pe + 1, '"', (size_t)(e - pe - 1))) == NULL)
				return 0;
		if (rel_next(ue + 1, pe)) {
			ds_buf_add(out, u, (size_t)(ue - u));
			ds_buf_terminate(out);
			return 1;
		}
		p = pe;
	}
	return 0;
}
