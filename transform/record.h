/*
 * record.h - the record path: one record in, one record or reject line out
 * (or, with --jq, one line per output of the jq program).
 */
#ifndef XF_RECORD_H
#define XF_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "jcs.h"

struct ds_json_member;
struct xf_hashq;
struct xf_jq;
struct xf_schemas;
struct xf_where;

struct xf_opts {
	int		 key_hash;	/* --key hash: the id is the content hash */
	const char	*id_field;	/* dotted paths */
	const char	*ts_field;
	const char	*type_field;
	size_t		 max_record;	/* --max-record-bytes */
	int		 files;		/* a file format: a missing timestamp is null,
					   a number id is taken as its text */
	int		 id_or_hash;	/* a record without the id field gets the hash */
	int		 ts_form;	/* --ts-form: DS_TSF_* of timeparse.h */
	long		 ts_zone;	/* --ts-zone: seconds east of UTC (iso-local) */
	int		 id_numbers;	/* --id-numbers yes: a number id is taken as its text */
};

/* A dotted field path split into its components (pointers into one owned copy). */
struct xf_path {
	char		*text;
	const char	**comp;
	size_t		*len;
	size_t		 n;
};

/*
 * The keys of a format's records when every record has the same ones in
 * the same order (a CSV file's columns; the format owns the arrays): key[i]
 * the JSON string token of the i-th name followed by ':' (keylen[i] bytes),
 * order the names' indexes in RFC 8785's order (NULL when a name needs an
 * escape, which that order does not take as it is).
 */
struct xf_shape {
	size_t		 n;
	char		**key;
	size_t		*keylen;
	size_t		*order;
};

struct xf_rec {
	const struct xf_opts	*o;
	struct xf_path		 id, ts, type;
	struct xf_path		*ids;		/* a composite id's paths (id-field a,b) */
	size_t			 nids;
	struct xf_jq		*jq;		/* NULL without --jq; not owned */
	struct xf_schemas	*schemas;
	struct ds_jcs		 jcs;
	struct ds_buf		 canon, tmp, reason, jqout, jqerr, idnum;
	struct ds_json_member	*m;		/* the current record's top-level members */
	unsigned char		*asis;		/* each one's value already RFC 8785's */
	size_t			 nm, capm;
	struct xf_hashq		*hashq;		/* NULL: hash in line; else the
						   hashes go to that thread (hashq.h) */
	uint64_t		 nrecords, nrejects;
	/* Set by a format for the next record only (NULL: from the fields):
	   JSON tokens of its id (a string) and type, and its time's value. */
	const char		*idtok, *typetok, *tsval;
	size_t			 idtoklen, typetoklen, tsvallen;
	/* Also for the next record only: its RFC 8785 form, when the format
	   could write it directly (not used with --jq). */
	const char		*canonv;
	size_t			 canonvlen;
	/* Also for the next record only: m[0..nm) already hold the members
	   of the valid object the format built (xf_record_members()), and
	   asis[0..nm) says which values are canonical as they are (zero: not
	   known). */
	int			 premembers;
	/* Also for the next record only: its members have the keys, in
	   their order, that every record the format gives has (a CSV row's
	   columns): xf_schema_check()'s samekeys. */
	int			 samekeys;
	/* The format's records have shape's keys (set once; NULL: not so).
	   For the next record only, vals (when set) says that the object is
	   '{', then each key's token followed by its value, which starts at
	   byte vals[i] of the object, ',' between: the record path takes the
	   members from there only when it needs them, and the hashing thread
	   writes the RFC 8785 form from the offsets. valsasis: every value is
	   RFC 8785's as it is; valsstrings: every value is a string. The
	   format clears the three after the record. */
	const struct xf_shape	*shape;
	const size_t		*vals;
	int			 valsasis, valsstrings;
};

#define XF_RECORD	1	/* a record line (and maybe a schema line) was written */
#define XF_REJECT	0	/* a reject line was written */
#define XF_BROKEN	(-1)	/* the text is not JSON: r->reason says where; nothing written */

void	xf_rec_init(struct xf_rec *r, const struct xf_opts *o, struct xf_jq *jq);
struct ds_json_member *xf_record_members(struct xf_rec *r, size_t n);
void	xf_rec_free(struct xf_rec *r);

/*
 * Process the record whose text starts at (whitespace before) p and ends
 * at or before end; byte offsets in reasons are relative to base. Appends
 * the lines to out and sets *recend just past the record, except on
 * XF_BROKEN.
 */
int	xf_record(struct xf_rec *r, const struct xf_where *w, const char *p,
	    const char *end, const char *base, const char **recend, struct ds_buf *out);

/*
 * Append the RFC 8785 form of the object obj (n bytes) with shape's keys and
 * value offsets vals (as xf_rec's vals), each value canonical as it is, to
 * out; shape->order must not be NULL.
 */
void	xf_shape_canon(const struct xf_shape *shape, const char *obj, size_t n,
	    const size_t *vals, struct ds_buf *out);

/* Append the reject line for reason and count it. */
void	xf_reject(struct xf_rec *r, const struct xf_where *w, const char *reason,
	    const char *raw, size_t rawlen, struct ds_buf *out);


#endif
