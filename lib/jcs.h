/*
 * jcs.h - RFC 8785 JSON Canonicalization Scheme from JSON text.
 *
 * The input must be valid JSON (checked by ds_json first): the walker here
 * does not validate. Objects' members are sorted by the UTF-16 code units
 * of their keys, whitespace goes, strings are written with the minimal
 * escapes of RFC 8785, and numbers as ECMAScript's Number.prototype.toString
 * writes the nearest IEEE 754 double (shortest round-trip digits).
 *
 * Deviation: a number beyond the double range (1e400), which RFC 8785
 * refuses, is written as its original text, so such a record still has a
 * stable hash. So is an integer below 1e21, written without fraction or
 * exponent, that a double cannot hold exactly (12345678901234567890, not
 * 12345678901234567000): two records that differ only in it never share a
 * hash or a composite id.
 *
 * Text that is already canonical (sorted keys, no whitespace, integers of at
 * most 15 digits, strings without escapes) is copied in runs.
 */
#ifndef DS_JCS_H
#define DS_JCS_H

#include <stddef.h>

#include "buf.h"

/* Scratch space reused across calls; zero-initialise, release with ds_jcs_free(). */
struct ds_jcs {
	struct jcs_member	*m;
	size_t			 n, cap;
	struct ds_buf		 tmp;
	/* ds_jcs_members(): the keys of the object it sorted last (each
	   after its length) and their order, kept for the next object with
	   the same keys */
	struct ds_buf		 keys;
	size_t			*order;		/* n members' order, then where */
	size_t			 norder;	/* each one's ",key:" starts in ktext */
	struct ds_buf		 ktext;
};

/* Set up the tables every call reads; call once before using it from several threads. */
void	ds_jcs_setup(void);

/* Append the canonical form of the valid JSON text [p, p+n) to out. */
void	ds_jcs(struct ds_jcs *c, const char *p, size_t n, struct ds_buf *out);

/*
 * Append the canonical form of the object whose n members (validated, as
 * ds_json_obj_next() gives them, keys in input order) are mm to out.
 * asis, when not NULL, tells for each member whether its value's text is
 * already canonical (a string without escapes), to copy as it is.
 */
struct ds_json_member;
void	ds_jcs_members(struct ds_jcs *c, const struct ds_json_member *mm, size_t n,
	    const unsigned char *asis, struct ds_buf *out);
void	ds_jcs_free(struct ds_jcs *c);

/*
 * Write the ECMAScript form of the JSON number token [p, p+n) into out
 * (room for DS_JCS_NUMMAX bytes); returns its length, or 0 when the value
 * is not a finite double.
 */
#define DS_JCS_NUMMAX	32
size_t	ds_jcs_number(const char *p, size_t n, char *out);

#endif
