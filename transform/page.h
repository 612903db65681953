/*
 * page.h - one input line: a ds-fetch page, a plain record, or a line of
 * ds-transform's own output (passed through unchanged).
 */
#ifndef XF_PAGE_H
#define XF_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "emit.h"

struct ds_buf;
struct xf_rec;

struct xf_lines {
	struct xf_rec	*r;
	struct xf_where	 plain;		/* --stream and a null seq: plain and rejected lines */
	char		*streamtok;	/* owned JSON token of --stream */
	uint64_t	 pages, passed;
};

/* Start with the record path r and the --stream name; free with xf_lines_free(). */
void	xf_lines_init(struct xf_lines *x, struct xf_rec *r, const char *stream);
void	xf_lines_free(struct xf_lines *x);

/* Process one line (without its newline), appending the output lines to out. */
void	xf_line(struct xf_lines *x, const char *line, size_t len, struct ds_buf *out);

/* A line longer than max, of which the first len bytes were read: a reject line. */
void	xf_line_long(struct xf_lines *x, const char *line, size_t len, size_t max,
	    struct ds_buf *out);

#endif
