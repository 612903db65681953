#include <stdint.h>
#include <string.h>

#include "config.h"
#include "events.h"
#include "hash.h"
#include "rfc3339.h"

/* Salts separating the independent draws made for one event. */
#define SALT_FORM	1
#define SALT_BAD	2
#define SALT_FIELDS	3
#define SALT_GONE	7	/* and 8: per generation, salt + (generation << 8) */
#define SALT_REV	8

/* The timestamp forms of the contract, drawn per event. */
enum form {
	F_ISO_Z, F_ISO_Z_FRAC, F_ISO_OFF, F_ISO_OFF_FRAC, F_ISO_NEG_FRAC,
	F_EPOCH_S, F_EPOCH_S_FRAC, F_EPOCH_MS,
	F_STR_S, F_STR_S_FRAC, F_STR_MS,
	F_NFORMS
};

static const char *const types[] = {
	"order.created", "order.paid", "user.signup", "page.view", "cart.updated",
	"order.refunded", "user.login"
};
static const char *const regions[] = {
	"eu-west-1", "us-east-2", "ap-south-1", "sa-east-1"
};
static const char *const badtimes[] = {
	"\"yesterday\"", "\"2026-13-45T25:61:00Z\"", "\"1767225600x\"", "\"\"", "false"
};
static const char lorem[] =
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
    "tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, "
    "quis nostrud exercitation.";

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define PUT(p, lit)	(memcpy((p), (lit), sizeof(lit) - 1), (p) += sizeof(lit) - 1)

static char *
puts_(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* Write v in decimal. */
static char *
putu(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* Write v as exactly n decimal digits. */
static char *
putz(char *p, unsigned v, int n)
{
	int k;

	for (k = n - 1; k >= 0; k--, v /= 10)
		p[k] = (char)('0' + v % 10);
	return p + n;
}

static enum form
form_of(uint64_t i)
{
	return (enum form)(mock_hash3(mock_cfg.seed, i, SALT_FORM) % F_NFORMS);
}

static int
has_frac(enum form f)
{
	return f == F_ISO_Z_FRAC || f == F_ISO_OFF_FRAC || f == F_ISO_NEG_FRAC ||
	    f == F_EPOCH_S_FRAC || f == F_EPOCH_MS || f == F_STR_S_FRAC ||
	    f == F_STR_MS;
}

enum event_bad
event_bad(uint64_t i)
{
	enum event_bad b;
	uint64_t h;

	if (mock_cfg.bad_rate <= 0)
		return EVENT_OK;
	h = mock_hash3(mock_cfg.seed, i, SALT_BAD);
	if (mock_unit(h) >= mock_cfg.bad_rate)
		return EVENT_OK;
	b = (enum event_bad)(EVENT_MISSING_ID + (h & 3));
	/* where the API's ids are numbers (the presets say id-numbers = yes), a
	 * number id is no fault: the event is served as a good one */
	if (b == EVENT_ID_NOT_STRING && (mock_cfg.style == STYLE_ARCGIS ||
	    mock_cfg.style == STYLE_CKAN || mock_cfg.style == STYLE_GITHUB))
		return EVENT_OK;
	return b;
}

const char *
event_bad_reason(enum event_bad b)
{
	switch (b) {
	case EVENT_MISSING_ID:
		return "missing-id";
	case EVENT_ID_NOT_STRING:
		return "id-not-string";
	case EVENT_BAD_TIMESTAMP:
		return "bad-timestamp";
	case EVENT_NUL_IN_STRING:
		return "nul-in-string";
	default:
		return "ok";
	}
}

int
event_gone(uint64_t i)
{
	uint64_t g = mock_cfg.generation;

	return g > 0 && mock_cfg.churn > 0 &&
	    mock_unit(mock_hash3(mock_cfg.seed, i, SALT_GONE + (g << 8))) < mock_cfg.churn;
}

unsigned
event_rev(uint64_t i)
{
	unsigned g, rev = 0;

	if (mock_cfg.churn <= 0)
		return 0;
	for (g = 1; g <= mock_cfg.generation; g++)
		rev += mock_unit(mock_hash3(mock_cfg.seed, i, SALT_REV + ((uint64_t)g << 8))) <
		    mock_cfg.churn;
	return rev;
}

int64_t
event_ms(uint64_t i)
{
	int64_t ms = (EVENT_T0 + (int64_t)i + 3600 * (int64_t)event_rev(i)) * 1000;
	uint64_t h = mock_hash3(mock_cfg.seed, i, SALT_FORM);

	if (has_frac((enum form)(h % F_NFORMS)))
		ms += (int64_t)((h >> 16) % 1000);
	return ms;
}

uint64_t
event_first_at(int64_t ms)
{
	int64_t c;

	if (ms <= EVENT_T0 * 1000)
		return 0;
	c = (ms - EVENT_T0 * 1000) / 1000;
	if ((uint64_t)c >= mock_cfg.events)
		return mock_cfg.events;
	return event_ms((uint64_t)c) >= ms ? (uint64_t)c : (uint64_t)c + 1;
}

size_t
event_id(uint64_t i, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t v = mock_mix(i ^ mock_mix(mock_cfg.seed));
	int k;

	memcpy(out, "evt_", 4);
	for (k = 15; k >= 0; k--, v >>= 4)
		out[4 + k] = hex[v & 15];
	return 20;
}

/* Write the timestamp of event i in its form, JSON-encoded. */
static char *
put_time(char *p, uint64_t i)
{
	int64_t ms = event_ms(i);
	enum form f = form_of(i);

	switch (f) {
	case F_ISO_Z:
	case F_ISO_Z_FRAC:
	case F_ISO_OFF:
	case F_ISO_OFF_FRAC:
	case F_ISO_NEG_FRAC:
		*p++ = '"';
		p += rfc3339_format(p, ms, has_frac(f),
		    f == F_ISO_OFF || f == F_ISO_OFF_FRAC ? 330 :
		    f == F_ISO_NEG_FRAC ? -480 : 0);
		*p++ = '"';
		return p;
	case F_STR_S:
	case F_STR_S_FRAC:
	case F_STR_MS:
		*p++ = '"';
		break;
	default:
		break;
	}
	if (f == F_EPOCH_MS || f == F_STR_MS)
		p = putu(p, (uint64_t)ms);
	else {
		p = putu(p, (uint64_t)(ms / 1000));
		if (f == F_EPOCH_S_FRAC || f == F_STR_S_FRAC) {
			*p++ = '.';
			p = putz(p, (unsigned)(ms % 1000), 3);
		}
	}
	if (f >= F_STR_S)
		*p++ = '"';
	return p;
}

size_t
event_write(uint64_t i, char *out)
{
	enum event_bad bad = event_bad(i);
	uint64_t h = mock_hash3(mock_cfg.seed, i, SALT_FIELDS);
	unsigned notelen = 8 + (unsigned)(h % 64), rev;
	char *p = out;

	*p++ = '{';
	if (bad == EVENT_ID_NOT_STRING) {
		PUT(p, "\"id\":");
		p = putu(p, i);
		*p++ = ',';
	} else if (bad != EVENT_MISSING_ID) {
		PUT(p, "\"id\":\"");
		p += event_id(i, p);
		PUT(p, "\",");
	}
	if (bad != EVENT_OK) {
		PUT(p, "\"marker\":\"bad-");
		p = putu(p, i);
		PUT(p, "\",");
	}
	PUT(p, "\"type\":\"");
	p = puts_(p, types[h % N(types)]);
	PUT(p, "\",\"timestamp\":");
	if (bad == EVENT_BAD_TIMESTAMP)
		p = puts_(p, badtimes[(h >> 8) % N(badtimes)]);
	else
		p = put_time(p, i);
	PUT(p, ",\"seq\":");
	p = putu(p, i);
	if ((rev = event_rev(i)) > 0) {
		PUT(p, ",\"rev\":");
		p = putu(p, rev);
	}
	PUT(p, ",\"source\":{\"region\":\"");
	p = puts_(p, regions[(h >> 12) % N(regions)]);
	PUT(p, "\",\"host\":\"node-");
	p = putu(p, (h >> 16) % 64);
	PUT(p, "\"},\"amount\":{\"value\":");
	p = putu(p, (h >> 26) % 100000);
	*p++ = '.';
	p = putz(p, (unsigned)((h >> 44) % 100), 2);
	PUT(p, ",\"raw\":123456789012345678901234567890},\"user\":{\"id\":");
	p = putu(p, (h >> 32) % 1000000);
	PUT(p, ",\"name\":\"Zo\xc3\xab \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80\","
	    "\"bio\":\"caf\\u00e9 \\ud83d\\ude80 \\\"q\\\" a\\\\b\\t\"},"
	    "\"items\":[{\"sku\":\"SKU-");
	p = putz(p, (unsigned)((h >> 40) % 100000), 5);
	PUT(p, "\",\"qty\":");
	p = putu(p, 1 + (h >> 50) % 9);
	PUT(p, "}],\"note\":\"");
	if (bad == EVENT_NUL_IN_STRING)
		PUT(p, "nul\\u0000here ");
	memcpy(p, lorem, notelen);
	p += notelen;
	PUT(p, "\"}");
	return (size_t)(p - out);
}
