/*
 * jqfilter.h - a jq program (libjq) run on each record before normalisation.
 */
#ifndef XF_JQFILTER_H
#define XF_JQFILTER_H

#include <stddef.h>

struct ds_buf;
struct xf_jq;

/* Compile filter; NULL on a compile error, with jq's message in err. Free with xf_jq_free(). */
struct xf_jq *xf_jq_new(const char *filter, struct ds_buf *err);
void	xf_jq_free(struct xf_jq *q);

/* Start the program on the JSON text [p, p+n); 0, or -1 with jq's message in err. */
int	xf_jq_start(struct xf_jq *q, const char *p, size_t n, struct ds_buf *err);

#define XF_JQ_DONE	0	/* no more outputs */
#define XF_JQ_OBJECT	1	/* out holds an object's compact JSON text */
#define XF_JQ_OTHER	2	/* out holds a non-object output's JSON text */
#define XF_JQ_ERROR	(-1)	/* err holds jq's message; the record's run is over */

/* Next output of the running program, replacing out's or err's contents. */
int	xf_jq_next(struct xf_jq *q, struct ds_buf *out, struct ds_buf *err);

#endif
