/*
 * encoding.c - what a CSV input is read as: UTF-16 or UTF-32 (converted
 * whole, xf_file_utf16()) or an encoding of bytes (each field converted).
 */
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "encoding.h"
#include "file.h"

/*
 * The bits of the UTF-16 or UTF-32 an encoding name spells (UTF-16,
 * utf16le, UTF-32BE: 16 or 32, with *order what follows, "" or "LE" or
 * "BE"), or 0 for another encoding.
 */
static int
wide_bits(const char *enc, const char **order)
{
	int bits;

	if (strncasecmp(enc, "UTF", 3) != 0)
		return 0;
	enc += 3 + (enc[3] == '-');
	bits = strncmp(enc, "16", 2) == 0 ? 16 : strncmp(enc, "32", 2) == 0 ? 32 : 0;
	if (bits != 0)
		*order = enc + 2;
	return bits;
}

/*
 * What the input is read as when it is UTF-16 or UTF-32 (whose delimiters
 * and line ends are not single bytes, so the whole input is converted
 * before it is split: xf_file_utf16()), as an iconv name; NULL for an
 * encoding of bytes. Without --encoding, a byte order mark decides; UTF-16
 * and UTF-32 alone follow the mark, and are big-endian without one (RFC
 * 2781, Unicode's UTF-32). The mark is converted as U+FEFF and dropped as
 * UTF-8's is, so input offsets count its bytes. A mark that --encoding
 * does not read fails, naming the --encoding that does.
 */
const char *
xf_enc_wide(struct xf_file *f, const char *enc)
{
	const char *mark = xf_file_bom(f), *order = "", *morder = "";
	int bits = enc != NULL ? wide_bits(enc, &order) : 0;

	if (enc == NULL)
		return mark;
	if (mark != NULL) {
		if (bits == wide_bits(mark, &morder) &&
		    (*order == '\0' || strcasecmp(order, morder) == 0))
			return *order == '\0' ? mark : enc;
		xf_file_fail(f, "the input starts with a %s byte order mark, which --encoding"
		    " %s does not read: pass --encoding %s (or none)", mark, enc, mark);
	}
	if (bits == 0)
		return NULL;
	if (*order == '\0')
		return bits == 16 ? "UTF-16BE" : "UTF-32BE";
	return enc;
}

/*
 * Whether the encoding cd converts from writes the delimiter d (an ASCII
 * one; another byte is the user's to choose), the quote, CR and LF as
 * those ASCII bytes alone, as the row parser reads them before converting
 * each field (not so in UCS-2, UCS-4 or EBCDIC).
 */
int
xf_enc_ascii_bytes(iconv_t cd, char d)
{
	char probe[5] = { (unsigned char)d < 0x80 ? d : ',', '"', '\r', '\n', '\0' };
	char out[16], *in = probe, *o = out;
	size_t inleft = 4, outleft = sizeof(out);

	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1 ||
	    iconv(cd, NULL, NULL, &o, &outleft) == (size_t)-1)
		return 0;
	return o - out == 4 && memcmp(out, probe, 4) == 0;
}

