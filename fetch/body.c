#include <ctype.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "body.h"

/* Non-zero when [p, p+n) holds word (lower case) in any case. */
static int
has_word(const char *p, size_t n, const char *word)
{
	size_t w = strlen(word), i, k;

	for (i = 0; i + w <= n; i++) {
		for (k = 0; k < w; k++)
			if (tolower((unsigned char)p[i + k]) != word[k])
				break;
		if (k == w)
			return 1;
	}
	return 0;
}

/* The value after the quoted key (kn bytes) at k and its colon, or NULL. */
static const char *
value_after(const char *k, size_t kn, const char *end)
{
	const char *p = ds_json_ws(k + kn, end);

	if (p >= end || *p != ':')
		return NULL;
	p = ds_json_ws(p + 1, end);
	return p < end ? p : NULL;
}

/* The string value after the "nextCursor" key at k, as fx_body_next_guess(). */
static int
guess_at(const char *k, const char *end, const char **cur, size_t *len)
{
	const char *p = value_after(k, sizeof("\"nextCursor\"") - 1, end), *q;
	struct ds_json j;

	if (p == NULL || *p != '"')
		return 0;
	for (q = p + 1; q < end && *q != '"'; q++)
		if (*q == '\\' && ++q == end)
			return 0;
	if (q >= end)
		return 0;
	ds_json_init(&j, p);
	if (ds_json_validate(&j, p, q + 1) != 0)
		return 0;
	*cur = p + 1;
	*len = (size_t)(q - p - 1);
	return 1;
}

/* The last (last != 0) or first occurrence of the quoted key in [w, e), or NULL. */
static const char *
key_in(const char *w, const char *e, const char *key, int last)
{
	size_t kn = strlen(key);
	const char *k, *found = NULL;

	for (; (k = memchr(w, '"', (size_t)(e - w))) != NULL; w = k + 1)
		if ((size_t)(e - k) >= kn && memcmp(k, key, kn) == 0) {
			found = k;
			if (!last)
				break;
		}
	return found;
}

/* Non-zero when [w, e) holds "hasMore" with the value false. */
static int
no_more_in(const char *w, const char *e)
{
	const char *k = key_in(w, e, "\"hasMore\"", 1), *p;

	p = k != NULL ? value_after(k, sizeof("\"hasMore\"") - 1, e) : NULL;
	return p != NULL && *p == 'f';
}

int
fx_body_next_guess(const char *p, size_t n, const char **cur, size_t *len)
{
	const char *end = p + n, *w, *we, *k;

	/* the last one near the end: the observed shape puts pagination last */
	w = n > GUESS_WINDOW ? end - GUESS_WINDOW : p;
	we = end;
	if ((k = key_in(w, we, "\"nextCursor\"", 1)) == NULL) {
		/* else the first one near the start */
		w = p;
		we = p + (n < GUESS_WINDOW ? n : GUESS_WINDOW);
		k = key_in(w, we, "\"nextCursor\"", 0);
	}
	/* a last page that names a cursor anyway asks for nothing more */
	if (k == NULL || no_more_in(w, we))
		return 0;
	return guess_at(k, end, cur, len);
}

/* Fill pg from the pagination fields of an object member m (either level). */
static int
pagination_member(const struct ds_json_member *m, struct page *pg, int *seen_more,
    struct ds_buf *why, const char *base)
{
	if (ds_json_str_eq(m->key, m->keylen, "hasMore")) {
		if (*m->val != 't' && *m->val != 'f') {
			ds_buf_printf(why, "hasMore at byte %zu is a %s, not a boolean",
			    (size_t)(m->val - base), ds_json_type(m->val));
			return -1;
		}
		pg->has_more = *m->val == 't';
		*seen_more = 1;
	} else if (ds_json_str_eq(m->key, m->keylen, "nextCursor")) {
		if (*m->val == 'n') {
			pg->next = NULL;
			pg->nextlen = 0;
		} else if (*m->val == '"') {
			pg->next = m->val + 1;
			pg->nextlen = m->vallen - 2;
		} else {
			ds_buf_printf(why, "nextCursor at byte %zu is a %s, not a string",
			    (size_t)(m->val - base), ds_json_type(m->val));
			return -1;
		}
	}
	return 0;
}

int
fx_body_page(const char *p, size_t n, struct page *pg, struct ds_buf *why, int *not_json)
{
	struct ds_json j;
	struct ds_json_member m, pm;
	const char *q = p, *end = p + n, *r;
	int rc, seen_more = 0, seen_data = 0;

	memset(pg, 0, sizeof(*pg));
	ds_buf_reset(why);
	*not_json = 0;
	ds_json_init(&j, p);
	j.maxdepth = DS_JSON_PASSDEPTH + 2;	/* the body and its data array */
	if (ds_json_obj_begin(&j, &q, end) < 0) {
		if (ds_json_validate(&j, p, end) < 0)
			goto bad_json;
		ds_buf_printf(why, "body is a %s, not an object",
		    ds_json_type(ds_json_ws(p, end)));
		return -1;
	}
	for (;;) {
		j.flags &= ~DS_JSON_WS;
		if ((rc = ds_json_obj_next(&j, &q, end, &m)) != 1)
			break;
		if (ds_json_str_eq(m.key, m.keylen, "data")) {
			if (*m.val != '[') {
				ds_buf_printf(why, "data at byte %zu is a %s, not an array",
				    (size_t)(m.val - p), ds_json_type(m.val));
				return -1;
			}
			pg->data = m.val;
			pg->datalen = m.vallen;
			pg->records = j.arrlen;		/* data closed last */
			pg->spaced = (j.flags & DS_JSON_WS) != 0;
			seen_data = 1;
		} else if (ds_json_str_eq(m.key, m.keylen, "pagination") && *m.val == '{') {
			pg->nested = 1;
			r = m.val;
			if (ds_json_obj_begin(&j, &r, end) < 0)
				goto bad_json;
			while ((rc = ds_json_obj_next(&j, &r, end, &pm)) == 1)
				if (pagination_member(&pm, pg, &seen_more, why, p) < 0)
					return -1;
			if (rc < 0)
				goto bad_json;
		} else if (ds_json_str_eq(m.key, m.keylen, "meta") && *m.val == '{') {
			r = m.val;
			if (ds_json_obj_begin(&j, &r, end) < 0)
				goto bad_json;
			while ((rc = ds_json_obj_next(&j, &r, end, &pm)) == 1)
				if (ds_json_str_eq(pm.key, pm.keylen, "total") &&
				    strcmp(ds_json_type(pm.val), "number") == 0) {
					pg->total = pm.val;
					pg->totallen = pm.vallen;
				}
			if (rc < 0)
				goto bad_json;
		} else if (pagination_member(&m, pg, &seen_more, why, p) < 0)
			return -1;
	}
	if (rc < 0)
		goto bad_json;
	if (ds_json_ws(q, end) != end) {
		ds_buf_printf(why, "text after the body's object at byte %zu",
		    (size_t)(ds_json_ws(q, end) - p));
		*not_json = 1;
		return -1;
	}
	if (!seen_data) {
		ds_buf_adds(why, "body has no data array");
		return -1;
	}
	if (!seen_more) {
		ds_buf_adds(why, "body has no hasMore (neither pagination.hasMore nor hasMore)");
		return -1;
	}
	if (pg->has_more && pg->next == NULL) {
		ds_buf_adds(why, "hasMore is true but nextCursor is null or absent");
		return -1;
	}
	return 0;

bad_json:
	*not_json = j.erroff >= n ? 2 : 1;
	ds_buf_printf(why, "not JSON at byte %zu: %s", j.erroff,
	    j.errmsg ? j.errmsg : "invalid");
	return -1;
}

/* Decode the string value v (with its quotes) into out, at most max bytes. */
static void
take_string(const char *v, size_t vlen, struct ds_buf *out, size_t max)
{
	ds_buf_reset(out);
	(void)ds_json_str_decode(v + 1, vlen - 2, out);
	if (out->len > max)
		out->len = max;
	ds_buf_terminate(out);
}

/*
 * The string members of the object at v (up to end) named first (rank 3)
 * or second (rank 2) into out when they outrank *best. Returns 0, or -1
 * when v is no object.
 */
static int
inner_words(struct ds_json *j, const char *v, const char *end, const char *first,
    const char *second, struct ds_buf *out, size_t max, int *best)
{
	struct ds_json_member em;
	int rank;

	if (ds_json_obj_begin(j, &v, end) < 0)
		return -1;
	while (ds_json_obj_next(j, &v, end, &em) == 1) {
		if (*em.val != '"')
			continue;
		rank = ds_json_str_eq(em.key, em.keylen, first) ? 3 :
		    ds_json_str_eq(em.key, em.keylen, second) ? 2 : 0;
		if (rank > *best) {
			take_string(em.val, em.vallen, out, max);
			*best = rank;
		}
	}
	return 0;
}

int
fx_body_error(const char *p, size_t n, struct ds_buf *out, size_t max)
{
	struct ds_json j, ej;
	struct ds_json_member m;
	const char *q = p, *end = p + n, *r, *ev;
	size_t evn;
	int rc, rank, best = 0;

	ds_buf_reset(out);
	ds_buf_terminate(out);
	ds_json_init(&j, p);
	if (ds_json_obj_begin(&j, &q, end) < 0)
		return has_word(p, n, "expired");
	/*
	 * Ranked: message, error.message or errors[0].detail, detail,
	 * error.detail or errors[0].title, error (a string).
	 */
	while ((rc = ds_json_obj_next(&j, &q, end, &m)) == 1) {
		rank = 0;
		if (*m.val == '"') {
			if (ds_json_str_eq(m.key, m.keylen, "message"))
				rank = 4;
			else if (ds_json_str_eq(m.key, m.keylen, "detail"))
				rank = 2;
			else if (ds_json_str_eq(m.key, m.keylen, "error"))
				rank = 1;
			if (rank > best) {
				take_string(m.val, m.vallen, out, max);
				best = rank;
			}
		} else if (*m.val == '[' && ds_json_str_eq(m.key, m.keylen, "errors")) {
			/* JSON:API: an array of error objects; the first one's words */
			r = m.val;
			ds_json_init(&ej, p);
			if (ds_json_arr_begin(&ej, &r, end) < 0 ||
			    ds_json_arr_next(&ej, &r, end, &ev, &evn) != 1 || *ev != '{')
				continue;
			(void)inner_words(&ej, ev, ev + evn, "detail", "title", out, max, &best);
		} else if (*m.val == '{' && ds_json_str_eq(m.key, m.keylen, "error")) {
			if (inner_words(&j, m.val, end, "message", "detail", out, max,
			    &best) < 0)
				break;
		}
	}
	return has_word(p, n, "expired");
}
