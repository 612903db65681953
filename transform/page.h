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
	struct xf_where	 plain;		/* the run's stream and a null seq: plain and rejected lines */
	char		*streamtok;	/* owned JSON token of the run's stream */
	int		 bound;		/* the run's stream is known: --stream, or a line named it */
	struct ds_buf	 why;		/* why xf_line() refused a line */
	uint64_t	 pages, passed;
};

/*
 * Start with the record path r and the --stream name (NULL: none given, the
 * first line that names a stream decides, plain records are "events"); free
 * with xf_lines_free().
 */
void	xf_lines_init(struct xf_lines *x, struct xf_rec *r, const char *stream);
void	xf_lines_free(struct xf_lines *x);

/*
 * Process one line (without its newline), appending the output lines to
 * out. -1, with nothing appended and the reason in x->why, for a line that
 * names another stream than the run's (a page, or a checkpoint or other
 * line of our own output): its checkpoint would move that stream's.
 */
int	xf_line(struct xf_lines *x, const char *line, size_t len, struct ds_buf *out);

/* A line longer than max, of which the first len bytes were read: a reject line. */
void	xf_line_long(struct xf_lines *x, const char *line, size_t len, size_t max,
	    struct ds_buf *out);

#endif
