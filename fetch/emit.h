/*
 * emit.h - the NDJSON line written for each page.
 */
#ifndef DS_FETCH_EMIT_H
#define DS_FETCH_EMIT_H

#include <stddef.h>

struct ds_buf;

/*
 * Reset b to one page line, '\n' included:
 * {"stream":..,"seq":..,"cursor":..,"next":..,"has_more":..,"fetched_at":..,"records":..}
 * cursor and next are decoded bytes (NULL for null); records is the data
 * array's validated text, minified when spaced (it holds whitespace
 * outside strings), else copied as it is.
 */
void	fx_emit_page(struct ds_buf *b, const char *stream, unsigned long long seq,
	    const char *cursor, size_t cursorlen, const char *next, size_t nextlen,
	    int has_more, const char *fetched_at, const char *records, size_t recordslen,
	    int spaced);

#endif
