/*
 * json.h - a validating JSON scanner that never builds a tree.
 *
 * Values are handed out as spans of the input text, so numbers of any width,
 * escapes and unicode survive byte for byte. Every function that can fail
 * records the failure in the ds_json context: a byte offset (relative to
 * j->base) and what was expected there.
 *
 * Strictness, beyond RFC 8259: strings must be valid UTF-8 (PostgreSQL's
 * jsonb demands it). A string holding \u0000, or a \u escape of a surrogate
 * that is not in a pair, is valid JSON that jsonb refuses: the scanner
 * accepts it and sets DS_JSON_NUL or DS_JSON_SURR, for the caller to decide.
 * Nesting deeper than j->maxdepth is refused, so no input can exhaust the stack.
 */
#ifndef DS_JSON_H
#define DS_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ds_buf;

#define DS_JSON_MAXDEPTH	256
/*
 * The deepest a record may be and still be passed along whole, so the stage
 * that bounds nesting at DS_JSON_MAXDEPTH rejects it alone: ds-fetch scans
 * bodies, and ds-transform finds the end of a record nested too deep, to it.
 */
#define DS_JSON_PASSDEPTH	1024

/* Flags set (never cleared) in j->flags while scanning. */
#define DS_JSON_NUL	0x01	/* some string held \u0000 */
#define DS_JSON_ESC	0x02	/* some string held a backslash escape */
#define DS_JSON_DEEP	0x04	/* the error is nesting deeper than maxdepth */
#define DS_JSON_SURR	0x10	/* some string held a \u escape of a surrogate
				   not in a pair (valid JSON; jsonb refuses it) */
#define DS_JSON_WS	0x08	/* whitespace inside an array or object (cleared by
				   the caller to learn it of one value) */

struct ds_json {
	const char	*base;		/* offsets in errors are relative to this */
	int		 maxdepth;	/* 0 means DS_JSON_MAXDEPTH */
	unsigned	 flags;
	size_t		 erroff;	/* offset of the first error */
	const char	*errmsg;	/* static text: what was expected/found */
	size_t		 arrlen;	/* elements of the array scanned last */
};

/* A member of an object: key is the raw text between the quotes (escapes undecoded). */
struct ds_json_member {
	const char	*key;
	size_t		 keylen;
	const char	*val;		/* first byte of the value */
	size_t		 vallen;	/* its length, without surrounding whitespace */
};

/* Start a context over text starting at base. */
void	ds_json_init(struct ds_json *j, const char *base);

/* First non-whitespace byte at or after p (end if none). Inline: every scan calls it. */
static inline const char *
ds_json_ws(const char *p, const char *end)
{
	if (p < end && (unsigned char)*p > ' ')
		return p;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/*
 * The first byte from s on that is a quote, backslash, control or non-ASCII
 * byte, or the start of the word holding it, or of the last < 8 bytes
 * before e: every byte before the result is plain string text. Eight bytes
 * at a time: a borrow only runs upwards from a byte that is such a byte, so
 * the lowest flagged byte is the first one, and on a little-endian machine
 * its index is the flag's bit count / 8.
 */
static inline const unsigned char *
ds_json_skip_plain(const unsigned char *s, const unsigned char *e)
{
	uint64_t v, t;

	while (e - s >= 8) {
		memcpy(&v, s, 8);
		t = ((v - 0x2020202020202020ULL) | v |
		    ((v ^ 0x2222222222222222ULL) - 0x0101010101010101ULL) |
		    ((v ^ 0x5c5c5c5c5c5c5c5cULL) - 0x0101010101010101ULL)) &
		    0x8080808080808080ULL;
		if (t != 0) {
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			s += __builtin_ctzll(t) >> 3;
#endif
			break;
		}
		s += 8;
	}
	return s;
}

/*
 * Validate one value starting at p (leading whitespace allowed) and return
 * the byte just past it, or NULL on error (see j->erroff, j->errmsg).
 * *start, when not NULL, receives the value's first byte.
 */
const char *ds_json_skip(struct ds_json *j, const char *p, const char *end,
	    const char **start);

/*
 * Validate that [p, end) is exactly one value with optional whitespace
 * around it. Returns 0 or -1.
 */
int	ds_json_validate(struct ds_json *j, const char *p, const char *end);

/*
 * Object iteration: *pp points at (whitespace before) '{'. ds_json_obj_begin
 * returns 0, or -1 when it is not an object. ds_json_obj_next returns 1 with
 * the next member (validated), 0 after the closing '}' (with *pp just past
 * it), or -1 on error.
 */
int	ds_json_obj_begin(struct ds_json *j, const char **pp, const char *end);
int	ds_json_obj_next(struct ds_json *j, const char **pp, const char *end,
	    struct ds_json_member *m);

/*
 * Object iteration that leaves each value to the caller, so a value is
 * scanned once whether it is skipped (ds_json_skip()) or descended into:
 * ds_json_obj_key returns 1 with the next key in m (m->val its first byte,
 * which is inside the text, m->vallen 0) and *pp at the value, or 0 after
 * the closing '}' (with *pp
 * just past it), or -1. Once *pp is past the value, ds_json_obj_after
 * takes the ',' or sees the '}'; it returns 0 or -1.
 */
int	ds_json_obj_key(struct ds_json *j, const char **pp, const char *end,
	    struct ds_json_member *m);
int	ds_json_obj_after(struct ds_json *j, const char **pp, const char *end);

/* Array iteration, likewise: *val and *vallen receive each validated element. */
int	ds_json_arr_begin(struct ds_json *j, const char **pp, const char *end);
int	ds_json_arr_next(struct ds_json *j, const char **pp, const char *end,
	    const char **val, size_t *vallen);

/* JSON type name of the value whose first byte is *v: "object", "array",
 * "string", "number", "boolean" or "null". */
const char *ds_json_type(const char *v);

/*
 * JSON types as bits: bit i is ds_json_typenames[i] (array, boolean, null,
 * number, object, string: the order schema lines list them in).
 */
#define DS_JSON_NTYPES	6
extern const char *const ds_json_typenames[DS_JSON_NTYPES];

/*
 * The bit of the JSON type of the value whose first byte is *v. Inline:
 * schema drift calls it for every member of every record.
 */
static inline unsigned
ds_json_typebit(const char *v)
{
	switch (*v) {
	case '[': return 1u << 0;
	case 't': case 'f': return 1u << 1;
	case 'n': return 1u << 2;
	case '{': return 1u << 4;
	case '"': return 1u << 5;
	default: return 1u << 3;
	}
}

/* Append the names of the type bits to out, joined by '|' ("number|string"). */
void	ds_json_put_types(struct ds_buf *out, unsigned bits);

/* Non-zero when the raw key/string text (between quotes) equals name. */
int	ds_json_str_eq(const char *raw, size_t n, const char *name);

/*
 * Decode the raw text between a string's quotes into UTF-8, appended to
 * out. The text must have been validated. Returns 0, or -1 when it holds
 * \u0000 (out then holds the text up to it). A lone surrogate becomes U+FFFD.
 */
int	ds_json_str_decode(const char *raw, size_t n, struct ds_buf *out);

/*
 * Append s (n bytes, any content) to out as a JSON string with its quotes:
 * quote, backslash and control characters escaped; NUL and bytes that are
 * not valid UTF-8 become U+FFFD, so the result is always valid JSON.
 */
void	ds_json_put_str(struct ds_buf *out, const char *s, size_t n);

/*
 * The code point of the validated \u escape at p (its backslash), a
 * surrogate pair read as one and a surrogate not in a pair as U+FFFD, in
 * *cp. Returns the bytes it spans: 6, or 12 for a pair.
 */
size_t	ds_json_uescape(const char *p, const char *end, unsigned *cp);

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80, p < end), or 0. */
size_t	ds_utf8_seq(const unsigned char *p, const unsigned char *end);
/* Append code point cp to out as UTF-8. */
void	ds_utf8_put(struct ds_buf *out, unsigned cp);

/*
 * Scanning JSON validated already (a stage that validated a line reads it
 * again without checking anything twice). ds_json_vend returns the byte
 * just past the value starting at p. ds_json_vnext steps through the
 * elements of an array or the members of an object: *pp first points just
 * past its '[' or '{'; it returns 1 with the next element in *v, *vn (for
 * an object, the member, its key's text between the quotes in m->key), or
 * 0 at the closing bracket. m may be NULL for an array.
 */
const char *ds_json_vend(const char *p, const char *end);
int	ds_json_vnext(const char **pp, const char *end, struct ds_json_member *m,
	    const char **v, size_t *vn);

/*
 * Copy validated JSON text without insignificant whitespace into dst
 * (room for n bytes); returns the length written.
 */
size_t	ds_json_minify(const char *src, size_t n, char *dst);

#endif
