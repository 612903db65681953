#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "events.h"
#include "faults.h"
#include "hash.h"
#include "rfc3339.h"
#include "styles.h"

#define SALT_SHORT	7	/* ArcGIS: which pages come back short */

static const struct {
	const char	*name;
	enum mock_style	 style;
} names[] = {
	{ "datasync", STYLE_DATASYNC }, { "socrata", STYLE_SOCRATA },
	{ "arcgis", STYLE_ARCGIS }, { "ckan", STYLE_CKAN }, { "github", STYLE_GITHUB },
	{ "stripe", STYLE_STRIPE }, { "jsonapi", STYLE_JSONAPI }
};

/* The request as the styles read it. */
struct sq {
	const struct style_req	*rq;
	char			*path;	/* decoded */
	const char		*query;	/* raw, after '?', or "" */
	struct reply		*out;
	int64_t			 since;	/* ms, INT64_MIN when not given */
	time_t			 now;
	uint64_t		 lo, hi;	/* the range as event indices */
};

int
styles_parse(const char *name, enum mock_style *s)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, name) == 0) {
			*s = names[i].style;
			return 0;
		}
	return -1;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append s (n bytes) form-decoded ('+' a space, %XX a byte) to b. */
static void
decode(struct ds_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '%' && i + 2 < n + 0 && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			ds_buf_addc(b, (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2])));
			i += 2;
		} else
			ds_buf_addc(b, s[i] == '+' ? ' ' : s[i]);
	ds_buf_terminate(b);
}

/* The decoded value of query parameter name (decoded too) into v; 1 when present. */
static int
param(const struct sq *q, const char *name, struct ds_buf *v)
{
	struct ds_buf k = { 0 };
	const char *p, *e, *eq;
	int found = 0;

	ds_buf_reset(v);
	for (p = q->query; *p != '\0' && !found; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(e - p));
		ds_buf_reset(&k);
		decode(&k, p, (size_t)((eq ? eq : e) - p));
		if (k.p != NULL && strcmp(k.p, name) == 0) {
			if (eq != NULL)
				decode(v, eq + 1, (size_t)(e - eq - 1));
			found = 1;
		}
	}
	ds_buf_terminate(v);
	ds_buf_free(&k);
	return found;
}

/* Append s as the inside of a JSON string. */
static void
jtext(struct ds_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			ds_buf_addc(b, '\\');
			ds_buf_addc(b, (char)c);
		} else if (c < 0x20 || c >= 0x7f)
			ds_buf_printf(b, "\\u%04x", c);
		else
			ds_buf_addc(b, (char)c);
	}
}

/* Make the answer status + the body fmt (printf; %s arguments are not escaped). */
static void __attribute__((format(printf, 3, 4)))
answer(struct reply *out, int status, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ds_buf_reset(&out->body);
	ds_buf_reserve(&out->body, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(out->body.p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	out->body.len = (size_t)n;
	out->status = status;
}

/* Each style's error body for status and a message (escaped here). */
static void
error(struct sq *q, int status, const char *code, const char *msg)
{
	struct ds_buf m = { 0 };

	jtext(&m, msg);
	ds_buf_terminate(&m);
	switch (mock_cfg.style) {
	case STYLE_SOCRATA:
		answer(q->out, status, "{\"code\":\"%s\",\"error\":true,\"message\":\"%s\","
		    "\"data\":{}}", code, m.p);
		break;
	case STYLE_ARCGIS:
		/* ArcGIS answers 200 with the error in the body */
		answer(q->out, 200, "{\"error\":{\"code\":%d,\"message\":\"%s\","
		    "\"details\":[]}}", status, m.p);
		break;
	case STYLE_CKAN:
		/* --errors-200: the status only in the body, success false */
		answer(q->out, mock_cfg.errors_200 && status >= 400 && status <= 499 &&
		    status != 429 ? 200 :
		    status, "{\"help\":\"http://%s/api/3/action/help_show?name="
		    "datastore_search\",\"success\":false,\"error\":{\"__type\":\"%s\","
		    "\"message\":\"%s\"}}", q->rq->host ? q->rq->host : "localhost", code, m.p);
		break;
	case STYLE_GITHUB:
		answer(q->out, status, "{\"message\":\"%s\",\"documentation_url\":"
		    "\"https://docs.github.com/rest\",\"status\":\"%d\"}", m.p, status);
		break;
	case STYLE_STRIPE:
		answer(q->out, status, "{\"error\":{\"type\":\"%s\",\"message\":\"%s\"}}",
		    code, m.p);
		break;
	default:
		answer(q->out, status, "{\"errors\":[{\"status\":\"%d\",\"title\":\"%s\","
		    "\"detail\":\"%s\"}]}", status, code, m.p);
		q->out->ctype = "application/vnd.api+json";
		break;
	}
	ds_buf_free(&m);
}

/* Parse digits [min, max]; -1 when not. */
static long long
digits(const struct ds_buf *v, long long min, long long max)
{
	long long n = 0;
	size_t i;

	if (v->len == 0 || v->len > 15)
		return -1;
	for (i = 0; i < v->len; i++) {
		if (v->p[i] < '0' || v->p[i] > '9')
			return -1;
		n = n * 10 + (v->p[i] - '0');
	}
	return n < min || n > max ? -1 : n;
}

/* A time in a filter: RFC 3339, or a floating "YYYY-MM-DD[T ]HH:MM:SS" taken as UTC. */
static int
parse_time(const char *s, size_t n, int64_t *ms)
{
	char t[64];

	if (rfc3339_parse(s, n, ms) == 0)
		return 0;
	if (n != 19 || n + 2 > sizeof(t))
		return -1;
	memcpy(t, s, n);
	t[10] = 'T';
	t[19] = 'Z';
	return rfc3339_parse(t, 20, ms);
}

/* The time quoted after op ('>' or ">=") in a where clause w; -1 when none. */
static int
where_time(const char *w, int64_t *ms)
{
	const char *q = strchr(w, '\''), *e;

	if (q == NULL || strchr(w, '>') == NULL || strchr(w, '>') > q ||
	    (e = strchr(q + 1, '\'')) == NULL)
		return -1;
	return parse_time(q + 1, (size_t)(e - q - 1), ms);
}

/* Inverse of mock_mix (the splitmix64 finaliser). */
static uint64_t
unmix(uint64_t x)
{
	x = x ^ (x >> 31) ^ (x >> 62);
	x *= 0x319642b2d24d8ec3ULL;	/* inverse of 0x94d049bb133111eb */
	x = x ^ (x >> 27) ^ (x >> 54);
	x *= 0x96de1b173f119089ULL;	/* inverse of 0xbf58476d1ce4e5b9 */
	x = x ^ (x >> 30) ^ (x >> 60);
	return x - 0x9e3779b97f4a7c15ULL;
}

/* The index of the event whose id is s, or -1. */
static int64_t
id_index(const char *s)
{
	uint64_t v = 0, i;
	char id[32];
	size_t k;

	if (strlen(s) != 20 || strncmp(s, "evt_", 4) != 0)
		return -1;
	for (k = 4; k < 20; k++) {
		if (hexval(s[k]) < 0 || (s[k] >= 'A' && s[k] <= 'F'))
			return -1;
		v = v << 4 | (uint64_t)hexval(s[k]);
	}
	i = unmix(v) ^ mock_mix(mock_cfg.seed);
	if (i >= mock_cfg.events)
		return -1;
	id[event_id(i, id)] = '\0';
	return strcmp(id, s) == 0 ? (int64_t)i : -1;
}

/* Append event i to b, as the style wraps a record (JSON:API: a resource object). */
static void
add_record(struct ds_buf *b, uint64_t i)
{
	enum event_bad bad = event_bad(i);
	char id[32], *p;

	if (mock_cfg.style == STYLE_JSONAPI) {
		/* type, id (when the event has a string one), attributes */
		ds_buf_adds(b, "{\"type\":\"events\",");
		if (bad != EVENT_MISSING_ID && bad != EVENT_ID_NOT_STRING) {
			id[event_id(i, id)] = '\0';
			ds_buf_printf(b, "\"id\":\"%s\",", id);
		}
		ds_buf_adds(b, "\"attributes\":");
	}
	p = ds_buf_reserve(b, EVENT_MAX);
	b->len += event_write(i, p);
	if (mock_cfg.style == STYLE_JSONAPI)
		ds_buf_addc(b, '}');
	if (mock_cfg.style == STYLE_STRIPE && *p == '{' && b->p[b->len - 1] == '}') {
		/* every Stripe object has created, in Unix seconds */
		b->len--;
		long long sec = (long long)(event_ms(i) / 1000);

		ds_buf_printf(b, ",\"created\":%lld}", sec - sec % (long long)mock_cfg.created_step);
	}
	if (mock_cfg.style == STYLE_SOCRATA && *p == '{' && b->p[b->len - 1] == '}') {
		/*
		 * a dataset column of Socrata's floating_timestamp type: the
		 * event's time in the publisher's zone (-06:00), no zone written
		 */
		char t[32];
		size_t n = rfc3339_format(t, event_ms(i), 1, -360);

		b->len--;
		ds_buf_adds(b, ",\"inspected_at\":\"");
		ds_buf_add(b, t, n - 6);
		ds_buf_adds(b, "\"}");
	}
}

/* A 429 (or GitHub's 403) in the style's form, for a spent budget or an injected burst. */
static void
throttled(struct sq *q, int burst)
{
	struct reply *out = q->out;

	switch (mock_cfg.style) {
	case STYLE_GITHUB:
		if (burst) {
			/* a secondary rate limit: 403 with retry-after */
			error(q, 403, "forbidden", "You have exceeded a secondary rate "
			    "limit. Please wait a few minutes before you try again.");
			out->retry_set = 1;
			out->retry = RETRY_DELTA;
			out->retry_secs = 1;
		} else
			error(q, out->rate.retry == RETRY_DELTA ? 429 : 403, "forbidden",
			    "API rate limit exceeded for user ID 1.");
		break;
	case STYLE_STRIPE:
		error(q, 429, "rate_limit_error", "Too many requests hit the API too "
		    "quickly.");
		break;
	case STYLE_SOCRATA:
	case STYLE_CKAN:
		error(q, 429, "too_many_requests", "Too many requests");
		break;
	default:
		error(q, 429, "Too Many Requests", "Rate limit exceeded");
		if (mock_cfg.style == STYLE_ARCGIS)
			out->status = 429;
		out->retry_set = 1;
		out->retry = burst ? RETRY_DELTA : out->rate.retry;
		out->retry_secs = burst ? 1 : (unsigned)out->rate.wait;
		out->retry_at = out->rate.reset_at;
		if (!burst && out->retry == RETRY_NONE)
			out->retry_set = 0;
		break;
	}
}

/* An injected fault in the style's form; 1 when it answered. */
static int
fault(struct sq *q, uint64_t off)
{
	static const char html[] =
	    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
	    "<body><h1>Bad Gateway</h1></body></html>\n";
	enum mock_fault f = faults_draw(off, mock_hash3(q->since, mock_cfg.style, 0));

	q->out->fault = f;
	switch (f) {
	case FAULT_500:
	case FAULT_502:
	case FAULT_503:
	case FAULT_504:
		error(q, f == FAULT_500 ? 500 : f == FAULT_502 ? 502 : f == FAULT_503 ?
		    503 : 504, "server_error", "the server had a problem, try again");
		return 1;
	case FAULT_HTML:
		answer(q->out, 200, "%s", html);
		q->out->html = 1;
		return 1;
	case FAULT_429:
		throttled(q, 1);
		return 1;
	case FAULT_202:
		/* Socrata: "202 Request Processing: retry, you get a 200 when done" */
		answer(q->out, 202, "{\"message\":\"Request processing, retry later\"}");
		return 1;
	case FAULT_BARE429:
		/*
		 * no Retry-After, no X-RateLimit-Remaining 0: GitHub's secondary
		 * limit may come as a 403 whose message alone says so
		 */
		if (mock_cfg.style == STYLE_GITHUB)
			error(q, 403, "forbidden", "You have exceeded a secondary rate "
			    "limit. Please wait a few minutes before you try again.");
		else
			error(q, 429, "too_many_requests", "Too many requests");
		return 1;
	default:
		return 0;
	}
}

/* Append the base64 (RFC 4648, padded) of in to out. */
static void
base64(struct ds_buf *out, const struct ds_buf *in)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	size_t i;

	for (i = 0; i < in->len; i += 3) {
		unsigned x = (unsigned)(unsigned char)in->p[i] << 16;

		if (i + 1 < in->len)
			x |= (unsigned)(unsigned char)in->p[i + 1] << 8;
		if (i + 2 < in->len)
			x |= (unsigned char)in->p[i + 2];
		ds_buf_addc(out, b64[x >> 18 & 63]);
		ds_buf_addc(out, b64[x >> 12 & 63]);
		ds_buf_addc(out, i + 1 < in->len ? b64[x >> 6 & 63] : '=');
		ds_buf_addc(out, i + 2 < in->len ? b64[x & 63] : '=');
	}
	ds_buf_terminate(out);
}

static atomic_uint tokens;	/* tokens issued */
static atomic_uint revoked;	/* tokens up to this number are revoked */
static atomic_uint uses;	/* requests made with a valid token */

/* The OAuth 2.0 token endpoint (--oauth2): client credentials by HTTP Basic. */
static void
token_endpoint(struct sq *q)
{
	struct ds_buf want = { 0 }, plain = { 0 };
	const char *a = q->rq->authorization;

	if (strcmp(q->rq->method, "POST") != 0) {
		answer(q->out, 405, "{\"error\":\"invalid_request\"}");
		return;
	}
	ds_buf_adds(&plain, mock_cfg.api_key);
	base64(&want, &plain);
	if (a == NULL || strncasecmp(a, "Basic ", 6) != 0 || strcmp(a + 6, want.p) != 0)
		answer(q->out, 401, "{\"error\":\"invalid_client\",\"error_description\":"
		    "\"Client authentication failed\"}");
	else
		answer(q->out, 200, "{\"access_token\":\"tok-%u-%lld\",\"token_type\":"
		    "\"Bearer\",\"expires_in\":%u}", atomic_fetch_add(&tokens, 1) + 1,
		    (long long)q->now, mock_cfg.token_ttl);
	ds_buf_free(&want);
	ds_buf_free(&plain);
}

/* Non-zero when t is a token this mock issued that has not expired. */
static int
token_valid(const struct sq *q, const char *t)
{
	unsigned n;
	long long at;
	char end;

	if (sscanf(t, "tok-%u-%lld%c", &n, &at, &end) != 2 || n == 0 ||
	    n > atomic_load(&tokens) || n <= atomic_load(&revoked))
		return 0;
	/* issued at a whole second: it lives until that second plus the ttl, at least */
	if ((long long)q->now > at + (long long)mock_cfg.token_ttl)
		return 0;
	if (mock_cfg.revoke_every > 0 &&
	    (atomic_fetch_add(&uses, 1) + 1) % mock_cfg.revoke_every == 0) {
		atomic_store(&revoked, n);
		return 0;
	}
	return 1;
}

/* Check the credential in the style's form; 0 when it passes, else answered. */
static int
auth(struct sq *q)
{
	const char *a = q->rq->authorization, *key = NULL;
	struct ds_buf v = { 0 };
	int rc = 0;

	if (mock_cfg.api_key == NULL)
		return 0;
	if (mock_cfg.oauth2) {
		if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0 || !token_valid(q, a + 7)) {
			error(q, 401, "invalid_token", "The access token is missing, "
			    "invalid or expired");
			return 1;
		}
		return 0;
	}
	switch (mock_cfg.style) {
	case STYLE_SOCRATA:
		key = q->rq->app_token;
		break;
	case STYLE_ARCGIS:
		if (param(q, "token", &v))
			key = v.p;
		break;
	case STYLE_CKAN:
		key = a;
		break;
	case STYLE_GITHUB:
		if (a != NULL && strncasecmp(a, "Bearer ", 7) == 0)
			key = a + 7;
		else if (a != NULL && strncasecmp(a, "token ", 6) == 0)
			key = a + 6;
		break;
	case STYLE_STRIPE:
		if (a != NULL && strncasecmp(a, "Bearer ", 7) == 0)
			key = a + 7;
		else if (a != NULL && strncasecmp(a, "Basic ", 6) == 0) {
			/* the key as the user name, no password: base64("KEY:") */
			struct ds_buf want = { 0 }, plain = { 0 };

			ds_buf_printf(&plain, "%s:", mock_cfg.api_key);
			base64(&want, &plain);
			key = strcmp(a + 6, want.p) == 0 ? mock_cfg.api_key : "wrong";
			ds_buf_free(&want);
			ds_buf_free(&plain);
		}
		break;
	default:
		if (a != NULL && strncasecmp(a, "Bearer ", 7) == 0)
			key = a + 7;
		break;
	}
	if (key == NULL || *key == '\0') {
		rc = 1;
		switch (mock_cfg.style) {
		case STYLE_ARCGIS:
			error(q, 499, "", "Token Required");
			break;
		case STYLE_CKAN:
			error(q, 403, "Authorization Error", "Access denied: no API token");
			break;
		case STYLE_STRIPE:
			error(q, 401, "invalid_request_error", "You did not provide an "
			    "API key. You need to provide your API key in the "
			    "Authorization header, using Bearer auth.");
			break;
		default:
			error(q, 401, "unauthorized", "Requires authentication");
		}
	} else if (strcmp(key, mock_cfg.api_key) != 0) {
		struct ds_buf m = { 0 };
		size_t n = strlen(key);

		rc = 1;
		switch (mock_cfg.style) {
		case STYLE_ARCGIS:
			error(q, 498, "", "Invalid Token");
			break;
		case STYLE_SOCRATA:
			error(q, 403, "permission_denied", "Invalid app_token specified");
			break;
		case STYLE_CKAN:
			error(q, 403, "Authorization Error", "Access denied");
			break;
		case STYLE_STRIPE:
			/* Stripe quotes the key masked: its last four characters */
			ds_buf_printf(&m, "Invalid API Key provided: sk_****%s",
			    n > 4 ? key + n - 4 : "");
			error(q, 401, "invalid_request_error", m.p);
			break;
		default:
			error(q, 401, "unauthorized", "Bad credentials");
		}
		ds_buf_free(&m);
	}
	ds_buf_free(&v);
	return rc;
}

/* Set q->lo, q->hi from q->since. */
static void
range(struct sq *q)
{
	q->lo = q->since == INT64_MIN ? 0 : event_first_at(q->since);
	q->hi = mock_cfg.events;
}

/*
 * Append feature j's geometry to b, as Esri JSON (esri) or GeoJSON, on a
 * grid of 0.01 degree cells from (-122.5, 37.7): features 4k and 4k+1 are
 * points at their cell's centre, 4k+2 squares with a square hole around
 * the centre, 4k+3 squares; feature 6 (OBJECTID 7) is a square whose ring
 * crosses itself (a bow tie), which PostGIS finds invalid. Esri rings run
 * clockwise around the area, holes counter-clockwise; GeoJSON's the other
 * way (RFC 7946).
 */
static void
add_geometry(struct ds_buf *b, uint64_t j, int esri)
{
	const unsigned cx = (unsigned)(j % 10), cy = (unsigned)(j / 10 % 1000);
	const double x0 = -122.5 + 0.01 * cx, y0 = 37.7 + 0.01 * cy;
	/* corners of the outer square (x[0], y[0]) .. (x[1], y[1]) and the hole */
	const double x[2] = { x0 + 0.001, x0 + 0.009 }, y[2] = { y0 + 0.001, y0 + 0.009 };
	const double hx[2] = { x0 + 0.004, x0 + 0.006 }, hy[2] = { y0 + 0.004, y0 + 0.006 };
	/* clockwise: up the left side first; counter-clockwise: along the bottom */
	static const int cw[5][2] = { { 0, 0 }, { 0, 1 }, { 1, 1 }, { 1, 0 }, { 0, 0 } };
	static const int ccw[5][2] = { { 0, 0 }, { 1, 0 }, { 1, 1 }, { 0, 1 }, { 0, 0 } };
	static const int bowtie[5][2] = { { 0, 0 }, { 1, 1 }, { 1, 0 }, { 0, 1 }, { 0, 0 } };
	const int (*outer)[2] = j == 6 ? bowtie : esri ? cw : ccw;
	const int (*hole)[2] = esri ? ccw : cw;
	int k;

	if (j % 4 < 2) {
		if (esri)
			ds_buf_printf(b, "{\"x\":%.4f,\"y\":%.4f}", x0 + 0.005, y0 + 0.005);
		else
			ds_buf_printf(b, "{\"type\":\"Point\",\"coordinates\":[%.4f,%.4f]}",
			    x0 + 0.005, y0 + 0.005);
		return;
	}
	ds_buf_adds(b, esri ? "{\"rings\":[[" : "{\"type\":\"Polygon\",\"coordinates\":[[");
	for (k = 0; k < 5; k++)
		ds_buf_printf(b, "%s[%.3f,%.3f]", k ? "," : "", x[outer[k][0]], y[outer[k][1]]);
	if (j % 4 == 2 && j != 6) {
		ds_buf_adds(b, "],[");
		for (k = 0; k < 5; k++)
			ds_buf_printf(b, "%s[%.3f,%.3f]", k ? "," : "", hx[hole[k][0]],
			    hy[hole[k][1]]);
	}
	ds_buf_adds(b, "]]}");
}

/* Append events [from, to) as the style's record array elements to b. */
static void
records(struct ds_buf *b, uint64_t from, uint64_t to)
{
	uint64_t j;

	for (j = from; j < to; j++) {
		if (j > from)
			ds_buf_addc(b, ',');
		if (mock_cfg.style == STYLE_ARCGIS) {
			ds_buf_adds(b, "{\"attributes\":");
			add_record(b, j);
			ds_buf_adds(b, ",\"geometry\":");
			add_geometry(b, j, 1);
			ds_buf_addc(b, '}');
		} else
			add_record(b, j);
	}
}

/* Socrata SODA 2: /resource/ID.json, $limit/$offset/$where, the body is the array. */
static void
socrata(struct sq *q)
{
	struct ds_buf v = { 0 };
	long long limit = 1000, off = 0;
	size_t n = strlen(q->path);

	if (strncmp(q->path, "/resource/", 10) != 0 || n < 15 ||
	    strcmp(q->path + n - 5, ".json") != 0) {
		error(q, 404, "not_found", "no such resource");
		goto out;
	}
	if (auth(q))
		goto out;
	if (param(q, "$limit", &v) && (limit = digits(&v, 0, 50000)) < 0) {
		error(q, 400, "query.soql.invalid", "$limit must be a whole number up "
		    "to 50000");
		goto out;
	}
	if (param(q, "$offset", &v) && (off = digits(&v, 0, INT64_MAX / 2)) < 0) {
		error(q, 400, "query.soql.invalid", "$offset must be a whole number");
		goto out;
	}
	if (param(q, "$where", &v) && where_time(v.p, &q->since) < 0) {
		error(q, 400, "query.soql.no-such-column", "$where: expected "
		    ":updated_at >= 'floating timestamp'");
		goto out;
	}
	if (limit > mock_cfg.page_max)
		limit = mock_cfg.page_max;
	range(q);
	off += (long long)q->lo;
	if (fault(q, (uint64_t)off))
		goto out;
	q->out->status = 200;
	ds_buf_addc(&q->out->body, '[');
	records(&q->out->body, (uint64_t)off < q->hi ? (uint64_t)off : q->hi,
	    (uint64_t)(off + limit) < q->hi ? (uint64_t)(off + limit) : q->hi);
	ds_buf_addc(&q->out->body, ']');
out:
	ds_buf_free(&v);
}

/* ArcGIS feature layer query: resultOffset/resultRecordCount, exceededTransferLimit. */
static void
arcgis(struct sq *q)
{
	struct ds_buf v = { 0 };
	long long limit = mock_cfg.page_max, off = 0, take;
	uint64_t from, to;
	size_t n = strlen(q->path);
	int geojson = 0, more;

	if (n < 22 || strcmp(q->path + n - 22, "/FeatureServer/0/query") != 0) {
		answer(q->out, 404, "{\"error\":{\"code\":404,\"message\":\"Service not "
		    "found\",\"details\":[]}}");
		goto out;
	}
	if (auth(q))
		goto out;
	if (!param(q, "f", &v) || (strcmp(v.p, "json") != 0 && strcmp(v.p, "pjson") != 0 &&
	    strcmp(v.p, "geojson") != 0 && strcmp(v.p, "pgeojson") != 0)) {
		error(q, 400, "", "Invalid or missing input parameters: f must be json, "
		    "pjson, geojson or pgeojson");
		goto out;
	}
	/* pgeojson: GeoJSON pretty-printed, a feature a line */
	geojson = strcmp(v.p, "geojson") == 0 ? 1 : strcmp(v.p, "pgeojson") == 0 ? 2 : 0;
	if (param(q, "resultRecordCount", &v) && (limit = digits(&v, 1, INT64_MAX / 2)) < 0) {
		error(q, 400, "", "Invalid or missing input parameters: resultRecordCount");
		goto out;
	}
	if (param(q, "resultOffset", &v) && (off = digits(&v, 0, INT64_MAX / 2)) < 0) {
		error(q, 400, "", "Invalid or missing input parameters: resultOffset");
		goto out;
	}
	/* a layer without supportsPagination: resultOffset is not looked at */
	if (strstr(q->path, "/NoPaging/") != NULL)
		off = 0;
	if (!param(q, "where", &v)) {
		error(q, 400, "", "Invalid or missing input parameters: where");
		goto out;
	}
	if (strcmp(v.p, "1=1") != 0 && where_time(v.p, &q->since) < 0) {
		error(q, 400, "", "Unable to perform query. Please check your parameters.");
		goto out;
	}
	/* maxRecordCount clamps the page */
	if (limit > mock_cfg.page_max)
		limit = mock_cfg.page_max;
	range(q);
	from = q->lo + (uint64_t)off;
	if (from > q->hi)
		from = q->hi;
	if (fault(q, from))
		goto out;
	/* some pages come back short while there is more, as the documentation warns */
	take = limit;
	if (limit > 10 && mock_unit(mock_hash3(mock_cfg.seed, from, SALT_SHORT)) < 0.3)
		take = limit - 7;
	to = from + (uint64_t)take < q->hi ? from + (uint64_t)take : q->hi;
	more = to < q->hi;
	q->out->status = 200;
	if (geojson) {
		uint64_t j;

		ds_buf_adds(&q->out->body, "{\"type\":\"FeatureCollection\",\"features\":[");
		for (j = from; j < to; j++) {
			if (j > from)
				ds_buf_addc(&q->out->body, ',');
			if (geojson == 2)
				ds_buf_adds(&q->out->body, "\n  ");
			ds_buf_printf(&q->out->body, "{\"type\":\"Feature\",\"id\":%llu,"
			    "\"geometry\":", (unsigned long long)j + 1);
			add_geometry(&q->out->body, j, 0);
			ds_buf_adds(&q->out->body, ",\"properties\":");
			add_record(&q->out->body, j);
			ds_buf_addc(&q->out->body, '}');
		}
		ds_buf_adds(&q->out->body, geojson == 2 ? "\n]" : "]");
		if (more)
			ds_buf_adds(&q->out->body, geojson == 2 ? ",\n\"properties\" : "
			    "{ \"exceededTransferLimit\" : true }" :
			    ",\"properties\":{\"exceededTransferLimit\":true}");
		ds_buf_addc(&q->out->body, '}');
		q->out->ctype = "application/geo+json";
	} else {
		ds_buf_adds(&q->out->body, "{\"objectIdFieldName\":\"OBJECTID\","
		    "\"globalIdFieldName\":\"\",\"fields\":[{\"name\":\"OBJECTID\","
		    "\"type\":\"esriFieldTypeOID\"}],\"spatialReference\":{\"wkid\":4326,"
		    "\"latestWkid\":4326},\"features\":[");
		records(&q->out->body, from, to);
		ds_buf_addc(&q->out->body, ']');
		if (more)
			ds_buf_adds(&q->out->body, ",\"exceededTransferLimit\":true");
		ds_buf_addc(&q->out->body, '}');
	}
out:
	ds_buf_free(&v);
}

/* CKAN datastore_search: result.records, result.total, result._links.next always. */
static void
ckan(struct sq *q)
{
	struct ds_buf v = { 0 }, id = { 0 };
	long long limit = 100, off = 0, threshold = -1;
	uint64_t from, to, total;
	int est;

	if (strcmp(q->path, "/api/3/action/datastore_search") != 0) {
		error(q, 404, "Not Found Error", "Not found");
		goto out;
	}
	if (auth(q))
		goto out;
	if (!param(q, "resource_id", &id) || id.len == 0) {
		answer(q->out, 409, "{\"help\":\"\",\"success\":false,\"error\":{\"__type\":"
		    "\"Validation Error\",\"resource_id\":[\"Missing value\"]}}");
		goto out;
	}
	if ((param(q, "limit", &v) && (limit = digits(&v, 0, 32000)) < 0) ||
	    (param(q, "offset", &v) && (off = digits(&v, 0, INT64_MAX / 2)) < 0)) {
		answer(q->out, 409, "{\"help\":\"\",\"success\":false,\"error\":{\"__type\":"
		    "\"Validation Error\",\"limit\":[\"Invalid integer\"]}}");
		goto out;
	}
	/* rows are kept in _id order here: the one sort this mock knows */
	if (param(q, "sort", &v) && strcmp(v.p, "_id") != 0 && strcmp(v.p, "_id asc") != 0) {
		answer(q->out, 409, "{\"help\":\"\",\"success\":false,\"error\":{\"__type\":"
		    "\"Validation Error\",\"sort\":[\"field not found\"]}}");
		goto out;
	}
	/* total_estimation_threshold: a total above it is estimated (here 10% low) */
	if (param(q, "total_estimation_threshold", &v) &&
	    (threshold = digits(&v, 0, INT64_MAX / 2)) < 0) {
		answer(q->out, 409, "{\"help\":\"\",\"success\":false,\"error\":{\"__type\":"
		    "\"Validation Error\",\"total_estimation_threshold\":[\"Invalid "
		    "integer\"]}}");
		goto out;
	}
	if (limit > mock_cfg.page_max)
		limit = mock_cfg.page_max;
	range(q);
	est = threshold >= 0 && q->hi > (uint64_t)threshold;
	total = est ? q->hi - q->hi / 10 : q->hi;
	from = (uint64_t)off < q->hi ? (uint64_t)off : q->hi;
	if (fault(q, from))
		goto out;
	to = from + (uint64_t)limit < q->hi ? from + (uint64_t)limit : q->hi;
	q->out->status = 200;
	ds_buf_printf(&q->out->body, "{\"help\":\"http://%s/api/3/action/help_show?name="
	    "datastore_search\",\"success\":true,\"result\":{\"include_total\":true,"
	    "\"resource_id\":\"", q->rq->host ? q->rq->host : "localhost");
	jtext(&q->out->body, id.p);
	ds_buf_adds(&q->out->body, "\",\"fields\":[{\"type\":\"int\",\"id\":\"_id\"}],"
	    "\"records_format\":\"objects\",\"records\":[");
	records(&q->out->body, from, to);
	ds_buf_adds(&q->out->body, "],\"_links\":{\"start\":\"/api/3/action/datastore_search"
	    "?resource_id=");
	jtext(&q->out->body, id.p);
	/* next is there on the last page too, as CKAN does */
	ds_buf_printf(&q->out->body, "\",\"next\":\"/api/3/action/datastore_search?offset="
	    "%llu&resource_id=", (unsigned long long)(off + limit));
	jtext(&q->out->body, id.p);
	ds_buf_printf(&q->out->body, "\"},\"limit\":%lld,\"offset\":%lld,\"total\":%llu,"
	    "\"total_was_estimated\":%s}}", limit, off, (unsigned long long)total,
	    est ? "true" : "false");
out:
	ds_buf_free(&v);
	ds_buf_free(&id);
}

/* The URL of page p for GitHub's and JSON:API's links (absolute or path only). */
static void
page_url(struct sq *q, struct ds_buf *b, int absolute, const char *sizename,
    long long size, const char *pagename, long long p, const char *extra)
{
	if (absolute)
		ds_buf_printf(b, "http://%s", q->rq->host ? q->rq->host : "localhost");
	ds_buf_printf(b, "%s?%s=%lld&%s=%lld%s", q->path, sizename, size, pagename, p,
	    extra);
}

/* GitHub REST: per_page/page, the Link header, since, 403 rate limits. */
static void
github(struct sq *q)
{
	struct ds_buf v = { 0 }, extra = { 0 };
	long long per = 30, page = 1, last;
	uint64_t from, to;

	/*
	 * "any request may result in a redirection": a renamed repository
	 * answers 301 to its new home, /repositories/ID/...; one moved to
	 * another host answers with that host
	 */
	if (strncmp(q->path, "/repos/octo/renamed/", 20) == 0 ||
	    strncmp(q->path, "/repos/octo/elsewhere/", 22) == 0) {
		ds_buf_printf(&q->out->location, "http://%s/repositories/42/%s%s%s",
		    q->path[12] == 'r' ? (q->rq->host ? q->rq->host : "localhost") :
		    "elsewhere.invalid", q->path + (q->path[12] == 'r' ? 20 : 22),
		    *q->query ? "?" : "", q->query);
		ds_buf_terminate(&q->out->location);
		error(q, 301, "moved", "Moved Permanently");
		goto out;
	}
	if (strncmp(q->path, "/repos/", 7) != 0 && strncmp(q->path, "/repositories/", 14) != 0) {
		error(q, 404, "not_found", "Not Found");
		goto out;
	}
	if (auth(q))
		goto out;
	/*
	 * an empty repository's lists: "204 No Content", no body; its commits
	 * a 409 "Git Repository is empty."
	 */
	if (strncmp(q->path, "/repos/octo/empty/", 18) == 0) {
		if (strcmp(q->path + 18, "commits") == 0)
			error(q, 409, "conflict", "Git Repository is empty.");
		else
			q->out->status = 204;
		goto out;
	}
	if (q->out->rate.over) {
		throttled(q, 0);
		goto out;
	}
	if ((param(q, "per_page", &v) && (per = digits(&v, 1, 1000000)) < 0) ||
	    (param(q, "page", &v) && (page = digits(&v, 1, INT64_MAX / 2)) < 0)) {
		error(q, 422, "validation", "Validation Failed");
		goto out;
	}
	if (per > 100)
		per = 100;
	if (per > mock_cfg.page_max)
		per = mock_cfg.page_max;
	if (param(q, "since", &v)) {
		if (rfc3339_parse(v.p, v.len, &q->since) != 0) {
			error(q, 422, "validation", "Validation Failed: since");
			goto out;
		}
		ds_buf_adds(&extra, "&since=");
		ds_buf_adds(&extra, v.p);
	}
	ds_buf_terminate(&extra);
	range(q);
	from = q->lo + (uint64_t)(page - 1) * (uint64_t)per;
	if (from > q->hi)
		from = q->hi;
	if (fault(q, from))
		goto out;
	to = from + (uint64_t)per < q->hi ? from + (uint64_t)per : q->hi;
	last = (long long)((q->hi - q->lo + (uint64_t)per - 1) / (uint64_t)per);
	q->out->status = 200;
	ds_buf_addc(&q->out->body, '[');
	records(&q->out->body, from, to);
	ds_buf_addc(&q->out->body, ']');
	/* Link: prev, next, last, first, as GitHub orders them; absent on a single page */
	if (last > 1) {
		struct ds_buf *l = &q->out->link;

		if (page > 1) {
			ds_buf_addc(l, '<');
			page_url(q, l, 1, "per_page", per, "page", page - 1, extra.p);
			ds_buf_adds(l, ">; rel=\"prev\", ");
		}
		if (page < last) {
			ds_buf_addc(l, '<');
			page_url(q, l, 1, "per_page", per, "page", page + 1, extra.p);
			ds_buf_adds(l, ">; rel=\"next\", <");
			page_url(q, l, 1, "per_page", per, "page", last, extra.p);
			ds_buf_adds(l, ">; rel=\"last\", ");
		}
		ds_buf_addc(l, '<');
		page_url(q, l, 1, "per_page", per, "page", 1, extra.p);
		ds_buf_adds(l, ">; rel=\"first\"");
		ds_buf_terminate(l);
	}
out:
	ds_buf_free(&v);
	ds_buf_free(&extra);
}

/*
 * A created[...] bound of a Stripe list: gte, gt, lte or lt, in epoch
 * seconds, narrowing [*lo, *hi) (event indices). 0, or -1 after a 400.
 */
static int
stripe_created(struct sq *q, const char *op, uint64_t *lo, uint64_t *hi)
{
	struct ds_buf v = { 0 }, name = { 0 };
	long long secs;
	uint64_t at;
	int rc = 0;

	ds_buf_printf(&name, "created[%s]", op);
	if (param(q, name.p, &v)) {
		if ((secs = digits(&v, 0, INT64_MAX / 2000)) < 0) {
			ds_buf_reset(&name);
			ds_buf_printf(&name, "Invalid integer: created[%s]", op);
			error(q, 400, "invalid_request_error", name.p);
			rc = -1;
		} else {
			/*
			 * event i's created is its second floored to --created-step:
			 * index order is time order; the bound as a first second
			 * (gte, gt) or the second after the last (lte, lt)
			 */
			long long st = (long long)mock_cfg.created_step;

			if (strcmp(op, "gt") == 0 || strcmp(op, "lt") == 0)
				secs += op[0] == 'g' ? 1 : -1;
			secs = op[0] == 'g' ? (secs + st - 1) / st * st : secs / st * st + st;
			at = event_first_at(secs * 1000);
			if (op[0] == 'g' && at > *lo)
				*lo = at;
			else if (op[0] == 'l' && at < *hi)
				*hi = at;
		}
	}
	ds_buf_free(&v);
	ds_buf_free(&name);
	return rc;
}

/* The index of the object --deleted names, or -1. */
static int64_t
stripe_deleted(void)
{
	return mock_cfg.deleted != NULL ? id_index(mock_cfg.deleted) : -1;
}

/*
 * Stripe list: limit 1..100, newest first ("objects in reverse chronological
 * order"), starting_after = an object id (the page goes on below it; a
 * deleted or unknown one is a 400 resource_missing naming the param),
 * has_more, created[gte|gt|lte|lt] in epoch seconds, each object's created.
 * The search variant (/search) pages by an opaque next_page sent back as page.
 */
static void
stripe(struct sq *q)
{
	struct ds_buf v = { 0 }, m = { 0 };
	long long limit = 10;
	int64_t after = -1, gone = stripe_deleted();
	uint64_t from, to, lo = 0, hi = mock_cfg.events, j, k;
	size_t n = strlen(q->path);
	int search = 0;

	if (strncmp(q->path, "/v1/", 4) != 0) {
		error(q, 404, "invalid_request_error", "Unrecognized request URL");
		goto out;
	}
	if (auth(q))
		goto out;
	if (param(q, "limit", &v) && (limit = digits(&v, 1, 100)) < 0) {
		error(q, 400, "invalid_request_error", "Invalid limit: must be at most 100");
		goto out;
	}
	if (stripe_created(q, "gte", &lo, &hi) < 0 || stripe_created(q, "gt", &lo, &hi) < 0 ||
	    stripe_created(q, "lte", &lo, &hi) < 0 || stripe_created(q, "lt", &lo, &hi) < 0)
		goto out;
	if (n > 7 && strcmp(q->path + n - 7, "/search") == 0) {
		/* the search variant: query required, page = the last next_page */
		if (!param(q, "query", &v) || v.len == 0) {
			error(q, 400, "invalid_request_error", "Missing required param: query.");
			goto out;
		}
		if (param(q, "page", &v) && (v.len < 6 || strncmp(v.p, "page_", 5) != 0 ||
		    (after = id_index(v.p + 5)) < 0)) {
			error(q, 400, "invalid_request_error", "Invalid page: not a "
			    "next_page of this search");
			goto out;
		}
		search = 1;
	} else if (param(q, "starting_after", &v) && ((after = id_index(v.p)) < 0 ||
	    after == gone)) {
		jtext(&m, v.p);
		ds_buf_terminate(&m);
		answer(q->out, 400, "{\"error\":{\"code\":\"resource_missing\",\"doc_url\":"
		    "\"https://stripe.com/docs/error-codes/resource-missing\",\"message\":"
		    "\"No such event: '%s'\",\"param\":\"starting_after\",\"type\":"
		    "\"invalid_request_error\"}}", m.p);
		goto out;
	}
	if (limit > mock_cfg.page_max)
		limit = mock_cfg.page_max;
	if (search) {
		/* oldest first, as this mock's search always was */
		from = after >= 0 ? (uint64_t)after + 1 : lo;
		from = from < lo ? lo : from > hi ? hi : from;
		if (fault(q, from))
			goto out;
		to = from + (uint64_t)limit < hi ? from + (uint64_t)limit : hi;
		q->out->status = 200;
		ds_buf_adds(&q->out->body, "{\"object\":\"search_result\",\"data\":[");
		records(&q->out->body, from, to);
		ds_buf_printf(&q->out->body, "],\"has_more\":%s,\"url\":\"%s\"",
		    to < hi ? "true" : "false", q->path);
		if (to < hi) {
			/* an opaque token: here "page_" and the id of the page's last object */
			char id[32];

			id[event_id(to - 1, id)] = '\0';
			ds_buf_printf(&q->out->body, ",\"next_page\":\"page_%s\"", id);
		} else
			ds_buf_adds(&q->out->body, ",\"next_page\":null");
		ds_buf_addc(&q->out->body, '}');
		goto out;
	}
	/* newest first: the page is the limit objects below top, none deleted */
	to = after >= 0 && (uint64_t)after < hi ? (uint64_t)after : hi;
	if (to < lo)
		to = lo;
	if (fault(q, to))
		goto out;
	q->out->status = 200;
	ds_buf_adds(&q->out->body, "{\"object\":\"list\",\"data\":[");
	for (j = to, k = 0; j > lo && k < (uint64_t)limit; j--) {
		if ((int64_t)(j - 1) == gone)
			continue;
		if (k++ > 0)
			ds_buf_addc(&q->out->body, ',');
		add_record(&q->out->body, j - 1);
	}
	/* more: an object not deleted below the last one given */
	from = j;
	if (from > lo && (int64_t)(from - 1) == gone)
		from--;
	ds_buf_printf(&q->out->body, "],\"has_more\":%s,\"url\":\"%s\"}",
	    from > lo ? "true" : "false", q->path);
out:
	ds_buf_free(&v);
	ds_buf_free(&m);
}

/* The whole number after "key": in a JSON body, or -1. */
static long long
body_number(const char *body, const char *key)
{
	const char *p = strstr(body, key);
	long long n = 0;

	if (p == NULL)
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == ':' || *p == '"')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9' && n < INT64_MAX / 20; p++)
		n = n * 10 + (*p - '0');
	return n;
}

/*
 * One media type of an Accept or Content-Type value, [s, e): 1 when it is
 * JSON:API's with no parameter but ext and profile, 2 when it is JSON:API's
 * with another, 3 for any other (*wild: it is * / * or application/ *).
 */
static int
media(const char *s, const char *e, int *wild)
{
	static const char jt[] = "application/vnd.api+json";
	const char *p;
	size_t n;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	n = strcspn(s, ";, \t");
	if (s + n > e)
		n = (size_t)(e - s);
	*wild = (n == 3 && strncmp(s, "*/*", 3) == 0) ||
	    (n == 13 && strncasecmp(s, "application/*", 13) == 0);
	if (n != sizeof(jt) - 1 || strncasecmp(s, jt, n) != 0)
		return 3;
	for (p = s + n; p < e && (p = memchr(p, ';', (size_t)(e - p))) != NULL; p++) {
		p++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		/* q (a weight) is Accept's, not a media type parameter */
		if (strncasecmp(p, "ext=", 4) != 0 && strncasecmp(p, "profile=", 8) != 0 &&
		    strncasecmp(p, "q=", 2) != 0)
			return 2;
	}
	return 1;
}

/*
 * JSON:API's content negotiation (jsonapi.org/format, "Content Negotiation"):
 * a request body must come as application/vnd.api+json with no parameter
 * but ext and profile, else 415 Unsupported Media Type; an Accept whose
 * JSON:API media types all carry another parameter is 406 Not Acceptable,
 * and so is one that admits neither it nor a wildcard. 1 when it answered.
 */
static int
jsonapi_negotiate(struct sq *q)
{
	const char *a = q->rq->accept, *e;
	int kind, wild, ok = 0, bad = 0, any = 0;

	if (strcmp(q->rq->method, "POST") == 0 && (q->rq->content_type == NULL ||
	    media(q->rq->content_type, q->rq->content_type + strlen(q->rq->content_type),
	    &wild) != 1)) {
		error(q, 415, "Unsupported Media Type", "a request document must be sent "
		    "as Content-Type: application/vnd.api+json");
		return 1;
	}
	if (a == NULL)
		return 0;
	for (; *a != '\0'; a = *e ? e + 1 : e) {
		e = a + strcspn(a, ",");
		kind = media(a, e, &wild);
		ok |= kind == 1;
		bad |= kind == 2;
		any |= wild;
	}
	if (ok || (!bad && any))
		return 0;
	error(q, 406, "Not Acceptable", bad ? "every application/vnd.api+json in Accept "
	    "carries a media type parameter other than ext or profile" :
	    "Accept admits no application/vnd.api+json");
	return 1;
}

/*
 * A search that pages through its POST body (JSON:API style):
 * POST /api/search {"page":{"number":N,"size":S}} gives page N.
 */
static void
jsonapi_search(struct sq *q)
{
	long long size = body_number(q->rq->body, "\"size\""),
	    page = body_number(q->rq->body, "\"number\"");
	uint64_t from, to;

	q->out->ctype = "application/vnd.api+json";
	if (jsonapi_negotiate(q) || auth(q))
		return;
	if (size < 1 || page < 1) {
		error(q, 400, "Bad Request", "the body needs page.number and page.size, "
		    "whole numbers from 1");
		return;
	}
	if (size > mock_cfg.page_max)
		size = mock_cfg.page_max;
	range(q);
	from = q->lo + (uint64_t)(page - 1) * (uint64_t)size;
	if (from > q->hi)
		from = q->hi;
	if (fault(q, from))
		return;
	to = from + (uint64_t)size < q->hi ? from + (uint64_t)size : q->hi;
	q->out->status = 200;
	ds_buf_adds(&q->out->body, "{\"data\":[");
	records(&q->out->body, from, to);
	ds_buf_printf(&q->out->body, "],\"meta\":{\"total\":%llu}}",
	    (unsigned long long)(q->hi - q->lo));
}

/* JSON:API: page[size]/page[number], links.next (relative or absolute, null at the end). */
static void
jsonapi(struct sq *q)
{
	struct ds_buf v = { 0 }, extra = { 0 };
	long long size = 20, page = 1, last;
	uint64_t from, to;

	q->out->ctype = "application/vnd.api+json";
	if (strncmp(q->path, "/api/", 5) != 0) {
		error(q, 404, "Not Found", "no such collection");
		goto out;
	}
	if (jsonapi_negotiate(q) || auth(q))
		goto out;
	if ((param(q, "page[size]", &v) && (size = digits(&v, 1, 1000000)) < 0) ||
	    (param(q, "page[number]", &v) && (page = digits(&v, 1, INT64_MAX / 2)) < 0)) {
		error(q, 400, "Bad Request", "page[size] and page[number] are whole numbers");
		goto out;
	}
	if (size > mock_cfg.page_max)
		size = mock_cfg.page_max;
	if (param(q, "filter[since]", &v)) {
		if (rfc3339_parse(v.p, v.len, &q->since) != 0) {
			error(q, 400, "Bad Request", "filter[since] is not an RFC 3339 time");
			goto out;
		}
		ds_buf_adds(&extra, "&filter%5Bsince%5D=");
		ds_buf_adds(&extra, v.p);
	}
	ds_buf_terminate(&extra);
	range(q);
	from = q->lo + (uint64_t)(page - 1) * (uint64_t)size;
	if (from > q->hi)
		from = q->hi;
	if (fault(q, from))
		goto out;
	to = from + (uint64_t)size < q->hi ? from + (uint64_t)size : q->hi;
	last = (long long)((q->hi - q->lo + (uint64_t)size - 1) / (uint64_t)size);
	q->out->status = 200;
	ds_buf_adds(&q->out->body, "{\"data\":[");
	records(&q->out->body, from, to);
	ds_buf_adds(&q->out->body, "],\"links\":{\"self\":\"");
	page_url(q, &q->out->body, 1, "page%5Bsize%5D", size, "page%5Bnumber%5D", page,
	    extra.p);
	ds_buf_adds(&q->out->body, "\",\"next\":");
	if (page < last) {
		/*
		 * relative after odd pages, absolute after even ones; after
		 * every third a link object, as JSON:API allows for any link
		 */
		if (page % 3 == 0)
			ds_buf_adds(&q->out->body, "{\"href\":");
		ds_buf_addc(&q->out->body, '"');
		page_url(q, &q->out->body, page % 2 == 0, "page%5Bsize%5D", size,
		    "page%5Bnumber%5D", page + 1, extra.p);
		ds_buf_addc(&q->out->body, '"');
		if (page % 3 == 0)
			ds_buf_printf(&q->out->body, ",\"meta\":{\"page\":%lld}}", page + 1);
	} else if (page % 2 == 0)
		ds_buf_adds(&q->out->body, "null");
	else
		/* "omitted or null": no next member at all after odd last pages */
		q->out->body.len -= strlen(",\"next\":");
	ds_buf_printf(&q->out->body, "},\"meta\":{\"total\":%llu}}",
	    (unsigned long long)(q->hi - q->lo));
out:
	ds_buf_free(&v);
	ds_buf_free(&extra);
}

void
styles_answer(const struct style_req *rq, time_t now, struct reply *out)
{
	struct ds_buf path = { 0 };
	struct sq q;
	const char *qm = strchr(rq->uri, '?');

	memset(&q, 0, sizeof(q));
	q.rq = rq;
	q.out = out;
	q.since = INT64_MIN;
	q.now = now;
	q.query = qm != NULL ? qm + 1 : "";
	decode(&path, rq->uri, qm != NULL ? (size_t)(qm - rq->uri) : strlen(rq->uri));
	q.path = path.p != NULL ? path.p : "";
	rate_take(now, &out->rate);
	out->rate_form = mock_cfg.style == STYLE_GITHUB ? 1 :
	    mock_cfg.style == STYLE_SOCRATA || mock_cfg.style == STYLE_CKAN ||
	    mock_cfg.style == STYLE_STRIPE ? 2 : 0;
	if (mock_cfg.oauth2 && strcmp(q.path, "/oauth/token") == 0) {
		token_endpoint(&q);
		goto out;
	}
	if (mock_cfg.style == STYLE_JSONAPI && strcmp(q.path, "/api/search") == 0 &&
	    strcmp(rq->method, "POST") == 0 && !out->rate.over) {
		jsonapi_search(&q);
		goto out;
	}
	if (strcmp(rq->method, "GET") != 0) {
		error(&q, 405, "method_not_allowed", "only GET is allowed");
		goto out;
	}
	if (out->rate.over && mock_cfg.style != STYLE_GITHUB) {
		throttled(&q, 0);
		goto out;
	}
	switch (mock_cfg.style) {
	case STYLE_SOCRATA:
		socrata(&q);
		break;
	case STYLE_ARCGIS:
		arcgis(&q);
		break;
	case STYLE_CKAN:
		ckan(&q);
		break;
	case STYLE_GITHUB:
		github(&q);
		break;
	case STYLE_STRIPE:
		stripe(&q);
		break;
	default:
		jsonapi(&q);
		break;
	}
out:
	ds_buf_free(&path);
}
