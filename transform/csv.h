/*
 * csv.h - CSV input (RFC 4180): each row after the header one record of
 * string fields, each bad row one reject line, checkpoint lines with the
 * byte offset and row number to resume at.
 */
#ifndef XF_CSV_H
#define XF_CSV_H

struct xf_file;

struct xf_csvopts {
	char		 delim;		/* --csv-delimiter */
	const char	*header;	/* --csv-header a,b,c, or NULL: the first row */
	const char	*null;		/* --csv-null, or NULL */
	const char	*encoding;	/* --encoding, or NULL for UTF-8 */
	const char	*resume;	/* --resume "offset=N row=R", or NULL */
	unsigned long long maxrow;	/* --max-line-bytes: the longest row */
};

/* Read the whole input of f as CSV; exits DS_EX_PERM on bad input. */
void	xf_csv(struct xf_file *f, const struct xf_csvopts *o);

#endif
