#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "exits.h"
#include "csv.h"
#include "encoding.h"
#include "file.h"
#include "hashq.h"
#include "jcs.h"
#include "json.h"
#include "log.h"
#include "reader.h"
#include "record.h"

enum { ROW = 1, MORE = 0, UNTERMINATED = -1 };

/*
 * A field of the current row: its text in the input (p), or in the csv's
 * vals buffer from off when it had to be unquoted into a copy. A quoted
 * field's text in the input is what lies between its quotes: with dq set
 * it holds doubled quotes, each one quote of the value (unquote()).
 */
struct field {
	const char	*p;
	size_t		 off, len;
	int		 quoted, copied, dq;
};

struct csv {
	struct xf_file		*f;
	const struct xf_csvopts	*o;
	iconv_t			 cd;		/* (iconv_t)-1 without --encoding */
	struct ds_buf		 vals, obj, conv, reason, name, what;
	size_t			 bad;		/* value(): the first bad byte of the field */
	int			 bf;		/* value(): the field holds a \b or \f */
	int			 optheader;	/* the fields are --csv-header's */
	int			 nots, notype;	/* no column is the --ts-field, --type-field */
	struct field		*fld;
	size_t			 nfld, capfld;
	char			**keys;		/* JSON tokens of the column names, with ':' */
	size_t			*keylen;
	size_t			 ncol;
	size_t			 keystotal;	/* bytes of all the name tokens */
	size_t			 nulllen;
	uint64_t		 row;		/* rows read, the header included */
	size_t			 rowlen;	/* bytes of the row parsed last */
	const char		*quote_at;	/* the opening quote of an unterminated field */
	/* The RFC 8785 form of a row is its members with the names sorted as
	   RFC 8785 sorts them (its values written as ds_json_put_str writes
	   them, unless one holds a \b or \f): order[] lists the columns so
	   (NULL when some name needs an escape); vspan[] each value's token
	   in obj. */
	size_t			*order;
	size_t			*vspan;
	struct ds_buf		 canon;
	struct xf_shape		 shape;		/* the columns, for the record path */
};

/* Make room for more fields in the row's. */
static void
morefields(struct csv *c)
{
	c->capfld = c->capfld ? c->capfld * 2 : 64;
	c->fld = ds_xrealloc(c->fld, c->capfld * sizeof(*c->fld));
}

/* A new field at the end of the row's fields. */
static inline struct field *
newfield(struct csv *c)
{
	struct field *fd;

	if (c->nfld == c->capfld)
		morefields(c);
	fd = &c->fld[c->nfld++];
	fd->p = NULL;
	fd->off = fd->len = 0;
	fd->quoted = fd->copied = fd->dq = 0;
	return fd;
}

/*
 * Copy field d's text into vals with each doubled quote made one, so that
 * more text can be appended there (its len then counts the copy's bytes).
 */
static void
unquote(struct csv *c, struct field *d)
{
	const char *s = d->p, *e = s + d->len, *q;

	if (d->copied)
		return;
	d->off = c->vals.len;
	while (d->dq && (q = memchr(s, '"', (size_t)(e - s))) != NULL) {
		ds_buf_add(&c->vals, s, (size_t)(q + 1 - s));
		s = q + 2;
	}
	ds_buf_add(&c->vals, s, (size_t)(e - s));
	d->len = c->vals.len - d->off;
	d->copied = 1;
	d->dq = 0;
}

/* The first delimiter d, line feed or carriage return from u on, or e. */
static inline const char *
field_end(const char *u, const char *e, char d)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t dd = ones * (unsigned char)d, nl = ones * '\n', cr = ones * '\r';
	uint64_t v, t;

#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* eight bytes at a time: the lowest byte flagged is the first match */
	while (e - u >= 8) {
		memcpy(&v, u, 8);
		t = (((v ^ dd) - ones) & ~(v ^ dd)) | (((v ^ nl) - ones) & ~(v ^ nl)) |
		    (((v ^ cr) - ones) & ~(v ^ cr));
		if ((t &= ones * 0x80) != 0)
			return u + (__builtin_ctzll(t) >> 3);
		u += 8;
	}
#else
	(void)ones; (void)dd; (void)nl; (void)cr; (void)v; (void)t;
#endif
	while (u < e && *u != d && *u != '\n' && *u != '\r')
		u++;
	return u;
}

/*
 * Parse the row at [p, e) into c->fld: ROW (c->rowlen its bytes with the
 * line end), MORE when the input held does not end it, UNTERMINATED when
 * the input ends inside a quoted field (c->quote_at its quote). A field's
 * text after its closing quote is kept as it is. Outside quotes, a line
 * ends at LF, CRLF or a lone CR.
 */
static int
parse_row(struct csv *c, const char *p, const char *e, int eof)
{
	const char *start = p, *q, *u;
	const char d = c->o->delim;
	struct field *fd;

	c->nfld = 0;
	ds_buf_reset(&c->vals);
	for (;;) {
		fd = newfield(c);
		fd->p = p;
		if (p < e && *p == '"') {
			fd->quoted = 1;
			c->quote_at = p;
			p++;
			fd->p = p;
			for (;;) {
				if ((q = memchr(p, '"', (size_t)(e - p))) == NULL)
					return eof ? UNTERMINATED : MORE;
				if (q + 1 == e && !eof)
					return MORE;
				if (q + 1 < e && q[1] == '"') {
					fd->dq = 1;
					p = q + 2;
					continue;
				}
				fd->len = (size_t)(q - fd->p);
				p = q + 1;
				break;
			}
		}
		u = field_end(p, e, d);
		/* a CR ends the line, with the LF after it if there is one */
		if ((u == e || (*u == '\r' && *u != d && u + 1 == e)) && !eof)
			return MORE;
		if (!fd->quoted) {
			fd->p = p;
			fd->len = (size_t)(u - p);
		} else if (u > p && !fd->dq && fd->len == 0) {
			/* "" then text: the text alone, still the input's */
			fd->p = p;
			fd->len = (size_t)(u - p);
		} else if (u > p) {
			unquote(c, fd);
			ds_buf_add(&c->vals, p, (size_t)(u - p));
			fd->len += (size_t)(u - p);
		}
		p = u;
		if (p < e && *p == d) {
			p++;
			continue;
		}
		c->rowlen = (size_t)(p - start) + (p < e) +
		    (p + 1 < e && p[0] == '\r' && p[1] == '\n');
		return ROW;
	}
}

/* The raw text of field i. */
static const char *
text(const struct csv *c, size_t i)
{
	return c->fld[i].copied ? c->vals.p + c->fld[i].off : c->fld[i].p;
}

/*
 * The value of field i as UTF-8 in *v, *n (converted with --encoding into
 * c->conv); -1 when its bytes are invalid in the encoding, -2 when it holds
 * a NUL byte. Sets c->bf when it holds a \b or \f.
 */
static int
value(struct csv *c, size_t i, const char **v, size_t *n)
{
	const unsigned char *s, *e, *t;
	size_t l;

	if (c->fld[i].dq)
		unquote(c, &c->fld[i]);
	s = (const unsigned char *)text(c, i);
	e = s + c->fld[i].len;

	if (c->cd != (iconv_t)-1 && !c->optheader) {
		char *in = (char *)s, *outp;
		size_t inleft = c->fld[i].len, outleft;

		ds_buf_reset(&c->conv);
		iconv(c->cd, NULL, NULL, NULL, NULL);
		while (inleft > 0) {
			ds_buf_reserve(&c->conv, inleft * 4 + 16);
			outp = c->conv.p + c->conv.len;
			outleft = c->conv.cap - c->conv.len - 1;
			if (iconv(c->cd, &in, &inleft, &outp, &outleft) == (size_t)-1 &&
			    errno != E2BIG) {
				c->bad = (size_t)(in - text(c, i));
				return -1;
			}
			c->conv.len = (size_t)(outp - c->conv.p);
		}
		ds_buf_reserve(&c->conv, 16);
		outp = c->conv.p + c->conv.len;
		outleft = c->conv.cap - c->conv.len - 1;
		if (iconv(c->cd, NULL, NULL, &outp, &outleft) == (size_t)-1) {
			c->bad = c->fld[i].len;
			return -1;
		}
		c->conv.len = (size_t)(outp - c->conv.p);
		s = (const unsigned char *)c->conv.p;
		e = s + c->conv.len;
	}
	*v = (const char *)s;
	*n = (size_t)(e - s);
	c->bf = 0;
	for (t = s; t < e; t++) {
		if (*t < 0x20) {
			if (*t == 0) {
				c->bad = (size_t)(t - s);
				return -2;
			}
			if (*t == '\b' || *t == '\f')
				c->bf = 1;
		} else if (*t >= 0x80) {
			if ((l = ds_utf8_seq(t, e)) == 0) {
				c->bad = (size_t)(t - s);
				return -1;
			}
			t += l - 1;
		}
	}
	return 0;
}

/*
 * What is wrong with field i, for which value() returned rc: its bytes, and
 * where the first bad one is in the input when its text is the input's (not
 * a copy without the doubled quotes, nor --csv-header). The text is
 * c->what's.
 */
static const char *
badfield(struct csv *c, size_t i, int rc)
{
	ds_buf_reset(&c->what);
	ds_buf_adds(&c->what, rc == -2 ? "holds a NUL byte" : c->optheader ?
	    "is not valid UTF-8" : c->o->encoding != NULL ?
	    "has bytes invalid in the --encoding" : c->f->cd == NULL ?
	    "is not valid UTF-8" : c->f->width == 4 ? "is not valid UTF-32" :
	    "is not valid UTF-16");
	if (!c->fld[i].copied && !c->optheader)
		ds_buf_printf(&c->what, " at byte %llu", (unsigned long long)XF_OFF(c->f,
		    c->fld[i].p + c->bad));
	return c->what.p;
}

/* Start c->reason with "row N at byte B: " for the row at raw. */
static struct ds_buf *
rowhead(struct csv *c, const char *raw)
{
	ds_buf_reset(&c->reason);
	ds_buf_printf(&c->reason, "row %llu at byte %llu: ", (unsigned long long)c->row,
	    (unsigned long long)XF_OFF(c->f, raw));
	return &c->reason;
}

/* Reject the row at raw (its line end excluded from the raw text) for c->reason. */
static void
reject_row(struct csv *c, const char *raw)
{
	size_t n = c->rowlen;

	while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\r'))
		n--;
	xf_file_reject(c->f, c->reason.p, raw, n);
}

/* Non-zero when the JSON string token [p, p + n) holds no escape. */
static int
unescaped(const char *p, size_t n)
{
	return memchr(p, '\\', n) == NULL;
}

/*
 * c->order: the columns in the order RFC 8785 sorts their names, found by
 * canonicalising an object of the names; left NULL when a name needs an
 * escape (such rows are canonicalised by the record path).
 */
static void
canon_order(struct csv *c)
{
	struct ds_buf obj = { 0 }, out = { 0 };
	struct ds_jcs jcs = { 0 };
	struct ds_json_member m;
	struct ds_json j;
	const char *p, *end;
	size_t i, n = 0;

	for (i = 0; i < c->ncol; i++)
		if (!unescaped(c->keys[i], c->keylen[i]))
			return;
	ds_buf_addc(&obj, '{');
	for (i = 0; i < c->ncol; i++) {
		ds_buf_add(&obj, c->keys[i], c->keylen[i]);
		ds_buf_adds(&obj, i + 1 < c->ncol ? "0," : "0");
	}
	ds_buf_addc(&obj, '}');
	ds_jcs(&jcs, obj.p, obj.len, &out);
	c->order = ds_xcalloc(c->ncol, sizeof(*c->order));
	p = out.p;
	end = out.p + out.len;
	ds_json_init(&j, p);
	ds_json_obj_begin(&j, &p, end);
	while (n < c->ncol && ds_json_obj_next(&j, &p, end, &m) == 1) {
		for (i = 0; i < c->ncol; i++)
			if (c->keylen[i] == m.keylen + 3 &&
			    memcmp(c->keys[i] + 1, m.key, m.keylen) == 0)
				break;
		if (i == c->ncol)
			break;
		c->order[n++] = i;
	}
	if (n != c->ncol) {
		free(c->order);
		c->order = NULL;
	}
	ds_jcs_free(&jcs);
	ds_buf_free(&obj);
	ds_buf_free(&out);
}

/*
 * Whether path can name a value of a row: a column of that name (a path
 * of more components would need an object there, and values are strings).
 */
static int
names_column(const struct csv *c, const struct xf_path *path)
{
	size_t i;

	if (path->n != 1)
		return 0;
	for (i = 0; i < c->ncol; i++)
		if (ds_json_str_eq(c->keys[i] + 1, c->keylen[i] - 3, path->comp[0]))
			return 1;
	return 0;
}

/*
 * Column i of the header is bad for what (printf of the rest): exit
 * DS_EX_USAGE naming --csv-header's column, or fail the input naming the
 * header row and its byte offset (raw).
 */
static void __attribute__((noreturn, format(printf, 4, 5)))
badheader(struct csv *c, const char *raw, size_t i, const char *fmt, ...)
{
	struct ds_buf *m = &c->reason;
	va_list ap;
	int n;

	ds_buf_reset(m);
	if (c->optheader)
		ds_buf_printf(m, "--csv-header: column %zu ", i + 1);
	else
		ds_buf_printf(m, "csv header (row %llu at byte %llu): column %zu ",
		    (unsigned long long)c->row, (unsigned long long)XF_OFF(c->f, raw), i + 1);
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vsnprintf(ds_buf_reserve(m, (size_t)n + 1), (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (c->optheader)
		ds_diex(DS_EX_USAGE, "%s", m->p);
	xf_file_fail(c->f, "%s", m->p);
}

/*
 * The column names: from the row just parsed (header, at raw) or from
 * --csv-header (UTF-8 whatever the --encoding: it is command-line text).
 */
static void
set_header(struct csv *c, const char *raw)
{
	struct ds_buf *k = &c->name;
	const char *v;
	size_t i, j, n;
	int rc;

	c->ncol = c->nfld;
	c->keys = ds_xcalloc(c->ncol, sizeof(*c->keys));
	c->vspan = ds_xcalloc(c->ncol, sizeof(*c->vspan));
	c->keylen = ds_xcalloc(c->ncol, sizeof(*c->keylen));
	for (i = 0; i < c->ncol; i++) {
		if ((rc = value(c, i, &v, &n)) < 0)
			badheader(c, raw, i, "%s", badfield(c, i, rc));
		ds_buf_reset(k);
		ds_json_put_str(k, v, n);
		for (j = 0; j < i; j++)
			if (c->keylen[j] == k->len + 1 && memcmp(c->keys[j], k->p, k->len) == 0)
				badheader(c, raw, i, "repeats the name of column %zu: %s", j + 1,
				    k->p);
		ds_buf_addc(k, ':');
		c->keys[i] = ds_xstrndup(k->p, k->len);
		c->keylen[i] = k->len;
		c->keystotal += k->len;
	}
	canon_order(c);
	c->shape.n = c->ncol;
	c->shape.key = c->keys;
	c->shape.keylen = c->keylen;
	c->shape.order = c->order;
	c->f->r->shape = &c->shape;
	if (c->f->hashq != NULL && c->order != NULL)
		xf_hashq_shape(c->f->hashq, &c->shape);
	c->nots = !names_column(c, &c->f->r->ts);
	c->notype = !names_column(c, &c->f->r->type);
}

/* --csv-header a,b,c: the column names as a parsed row. */
static void
header_option(struct csv *c)
{
	const char *s = c->o->header, *comma;
	struct field *fd;

	c->nfld = 0;
	for (;;) {
		comma = strchr(s, ',');
		fd = newfield(c);
		fd->p = s;
		fd->len = comma ? (size_t)(comma - s) : strlen(s);
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	c->optheader = 1;
	set_header(c, c->o->header);
	c->optheader = 0;
}

/* Non-zero for the bytes a JSON string cannot hold as they are: controls,
   '"', '\\', and non-ASCII (for value() to check). Filled by xf_csv(). */
static unsigned char notplain[256];

/*
 * Write field fd's value as a JSON string token at w, as ds_json_put_str()
 * writes it (room for 6 bytes a byte is the caller's), validating it as
 * value() does on the way; the byte after the token, or NULL (nothing
 * meant) when the value holds a NUL byte or is not valid UTF-8 (value()
 * then tells which and where). Sets c->bf when it holds a \b or \f.
 */
static char *
put_field(struct csv *c, char *w, const struct field *fd)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)(fd->copied ? c->vals.p + fd->off :
	    fd->p), *e = s + fd->len, *r;
	size_t l;

	c->bf = 0;
	*w++ = '"';
	for (;;) {
		for (r = ds_json_skip_plain(s, e); r < e && !notplain[*r]; r++)
			;
		w = ds_copy_short(w, (const char *)s, (size_t)(r - s));
		if ((s = r) == e)
			break;
		switch (*s) {
		case '"':
			/* doubled in the input's text, single in a copy */
			*w++ = '\\'; *w++ = '"'; s += fd->dq ? 2 : 1; continue;
		case '\\': *w++ = '\\'; *w++ = '\\'; s++; continue;
		case '\n': *w++ = '\\'; *w++ = 'n'; s++; continue;
		case '\r': *w++ = '\\'; *w++ = 'r'; s++; continue;
		case '\t': *w++ = '\\'; *w++ = 't'; s++; continue;
		case '\0': return NULL;
		}
		if (*s >= 0x80) {
			if ((l = ds_utf8_seq(s, e)) == 0)
				return NULL;
			while (l-- > 0)
				*w++ = (char)*s++;
			continue;
		}
		if (*s == '\b' || *s == '\f')
			c->bf = 1;
		memcpy(w, "\\u00", 4);
		w[4] = hex[*s >> 4];
		w[5] = hex[*s & 15];
		w += 6;
		s++;
	}
	*w++ = '"';
	return w;
}

/* One data row (parsed into c->fld) at raw: a record or a reject line. */
static void
data_row(struct csv *c, const char *raw)
{
	struct ds_buf *o = &c->obj;
	const char *v;
	size_t i, n;
	int rc, canon = 1, strings = 1;
	char *w, *x;

	if (c->nfld != c->ncol) {
		ds_buf_printf(rowhead(c, raw), "%zu fields, the header has %zu", c->nfld,
		    c->ncol);
		reject_row(c, raw);
		return;
	}
	/* room for the names and every value escaped at its longest (\u00XX) */
	ds_buf_reset(o);
	w = ds_buf_reserve(o, c->keystotal + 6 * c->rowlen + 4 * c->ncol + 2);
	*w++ = '{';
	for (i = 0; i < c->ncol; i++) {
		if (i > 0)
			*w++ = ',';
		w = ds_copy_short(w, c->keys[i], c->keylen[i]);
		c->vspan[i] = (size_t)(w - o->p);
		/* (an unquoted field's text is the input's) */
		if (c->o->null != NULL && !c->fld[i].quoted && c->fld[i].len == c->nulllen &&
		    memcmp(c->fld[i].p, c->o->null, c->nulllen) == 0) {
			memcpy(w, "null", 4);
			w += 4;
			strings = 0;
			continue;
		}
		if (c->cd == (iconv_t)-1 && (x = put_field(c, w, &c->fld[i])) != NULL) {
			/* its escapes are RFC 8785's, but for \b and \f (\u00XX) */
			if (c->bf)
				canon = 0;
			w = x;
			continue;
		}
		if ((rc = value(c, i, &v, &n)) < 0) {
			ds_buf_printf(rowhead(c, raw), "field %zu %s", i + 1, badfield(c, i, rc));
			reject_row(c, raw);
			return;
		}
		/* its escapes are RFC 8785's, but for \b and \f (written \u00XX) */
		if (c->bf)
			canon = 0;
		o->len = (size_t)(w - o->p);
		ds_buf_reserve(o, 6 * n + c->keystotal + 6 * c->rowlen + 4 * c->ncol + 2);
		ds_json_put_str(o, v, n);
		w = o->p + o->len;
	}
	*w++ = '}';
	o->len = (size_t)(w - o->p);
	if (c->f->r->jq == NULL) {
		c->f->r->vals = c->vspan;
		c->f->r->valsasis = canon;
		c->f->r->valsstrings = strings;
		if (c->f->hashq == NULL && c->order != NULL && canon) {
			ds_buf_reset(&c->canon);
			xf_shape_canon(&c->shape, o->p, o->len, c->vspan, &c->canon);
			c->f->r->canonv = c->canon.p;
			c->f->r->canonvlen = c->canon.len;
		}
	}
	if (c->nots && c->f->r->jq == NULL) {
		c->f->r->tsval = "null";
		c->f->r->tsvallen = 4;
	}
	if (c->notype && c->f->r->jq == NULL) {
		c->f->r->typetok = "null";
		c->f->r->typetoklen = 4;
	}
	rc = xf_file_record(c->f, o->p, o->len);
	c->f->r->canonv = NULL;
	c->f->r->vals = NULL;
	c->f->r->valsasis = c->f->r->valsstrings = 0;
	c->f->r->tsval = c->f->r->typetok = NULL;
	if (rc == XF_BROKEN)
		xf_file_fail(c->f, "row %llu at byte %llu: %s", (unsigned long long)c->row,
		    (unsigned long long)XF_OFF(c->f, raw), c->f->r->reason.p);
}

/* --resume "offset=N row=R": skip the input up to byte N. */
static void
resume(struct csv *c)
{
	struct xf_file *f = c->f;
	unsigned long long off, row;
	int used = 0;

	if (sscanf(c->o->resume, "offset=%llu row=%llu%n", &off, &row, &used) != 2 ||
	    c->o->resume[used] != '\0')
		ds_diex(DS_EX_USAGE, "--resume \"%s\": want \"offset=N row=R\" as a csv"
		    " checkpoint's cursor", c->o->resume);
	if (off < XF_OFF(f, f->in.p + f->pos))
		ds_diex(DS_EX_USAGE, "--resume: offset %llu is inside the header (it ends"
		    " at byte %llu)", off, (unsigned long long)XF_OFF(f, f->in.p + f->pos));
	xf_file_seek(f, off);
	c->row = row;
	xf_file_done(f, off, "row", row);
}

/* Release the csv state and what it holds. */
static void
csv_free(void *arg)
{
	struct csv *c = arg;
	size_t i;

	if (c->cd != (iconv_t)-1)
		iconv_close(c->cd);
	if (c->f->r->shape == &c->shape)
		c->f->r->shape = NULL;
	for (i = 0; i < c->ncol; i++)
		free(c->keys[i]);
	free(c->keys);
	free(c->keylen);
	free(c->fld);
	ds_buf_free(&c->vals);
	ds_buf_free(&c->obj);
	ds_buf_free(&c->conv);
	ds_buf_free(&c->reason);
	ds_buf_free(&c->name);
	ds_buf_free(&c->what);
	ds_buf_free(&c->canon);
	free(c->order);
	free(c->vspan);
	free(c);
}

void
xf_csv(struct xf_file *f, const struct xf_csvopts *o)
{
	struct csv *c = ds_xcalloc(1, sizeof(*c));
	const char *p, *u16 = NULL;
	int rc;

	for (rc = 0; rc < 256; rc++)
		notplain[rc] = rc < 0x20 || rc >= 0x80 || rc == '"' || rc == '\\';
	c->f = f;
	c->o = o;
	c->cd = (iconv_t)-1;
	c->nulllen = o->null ? strlen(o->null) : 0;
	f->cleanup = csv_free;
	f->cleanup_arg = c;
	if ((u16 = xf_enc_wide(f, o->encoding)) != NULL)
		xf_file_utf16(f, u16);
	else if (o->encoding != NULL && strcasecmp(o->encoding, "UTF-8") != 0 &&
	    strcasecmp(o->encoding, "UTF8") != 0 &&
	    (c->cd = iconv_open("UTF-8", o->encoding)) == (iconv_t)-1)
		ds_diex(DS_EX_USAGE, "--encoding %s: iconv cannot convert it to UTF-8: %s",
		    o->encoding, strerror(errno));
	if (c->cd != (iconv_t)-1 && !xf_enc_ascii_bytes(c->cd, o->delim))
		ds_diex(DS_EX_USAGE, "--encoding %s: its delimiter, quote and line ends are"
		    " not the ASCII bytes (name UTF-16 or UTF-32 as such, or an encoding"
		    " of bytes)", o->encoding);
	while (f->in.len < 3 && xf_file_more(f))
		;
	if (f->in.len >= 3 && memcmp(f->in.p, "\xef\xbb\xbf", 3) == 0)
		f->pos = 3;
	if (o->header != NULL) {
		header_option(c);
		if (o->resume != NULL)
			resume(c);
	}
	for (;;) {
		p = f->in.p + f->pos;
		if (p == f->in.p + f->in.len && (f->eof || !xf_file_more(f)))
			break;
		p = f->in.p + f->pos;
		rc = parse_row(c, p, f->in.p + f->in.len, f->eof);
		if (rc == MORE) {
			if (f->in.len - f->pos > o->maxrow)
				xf_file_fail(f, "row %llu at byte %llu exceeds --max-line-bytes"
				    " (%llu)", (unsigned long long)c->row + 1,
				    (unsigned long long)XF_OFF(f, p), o->maxrow);
			xf_file_more(f);
			continue;
		}
		if (rc == UNTERMINATED)
			xf_file_fail(f, "row %llu at byte %llu: the input ends inside the quoted"
			    " field opened at byte %llu", (unsigned long long)c->row + 1,
			    (unsigned long long)XF_OFF(f, p),
			    (unsigned long long)XF_OFF(f, c->quote_at));
		c->row++;
		if (c->nfld == 1 && c->fld[0].len == 0 && !c->fld[0].quoted && c->rowlen <= 2)
			;	/* an empty line */
		else if (c->keys == NULL) {
			set_header(c, p);
			f->pos += c->rowlen;
			if (o->resume != NULL)
				resume(c);
			continue;
		} else
			data_row(c, p);
		f->pos += c->rowlen;
		xf_file_done(f, XF_OFF(f, p + c->rowlen), "row", c->row);
	}
	if (c->keys == NULL && o->resume != NULL)
		ds_diex(DS_EX_USAGE, "--resume: the input has no header row");
	xf_file_checkpoint(f, 0, NULL, 0);
	xf_file_flush(f);
	f->cleanup = NULL;
	csv_free(c);
}
