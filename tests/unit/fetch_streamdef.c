/*
 * Unit tests of the stream definition machinery: the stop rules and their
 * disagreements (fetch/stop.c), the templates (fetch/template.c), the URL
 * helpers that keep secrets out of stored state (fetch/url.c), the Link
 * header (fetch/http.c), the paths of a body (fetch/gbody.c), the styles.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "deffile.h"
#include "unit.h"
#include "../../fetch/def.h"
#include "../../fetch/gbody.h"
#include "../../fetch/http.h"
#include "../../fetch/link.h"
#include "../../fetch/stop.h"
#include "../../fetch/style.h"
#include "../../fetch/template.h"
#include "../../fetch/url.h"

/* A page of n records, asked for 10, a next state, no flags. */
static struct stop_in
page(size_t n)
{
	struct stop_in in;

	memset(&in, 0, sizeof(in));
	in.has_next = 1;
	in.records = n;
	in.limit = 10;
	in.has_more = -1;
	in.more = -1;
	in.total = -1;
	in.position = -1;
	in.stop_on_empty = 1;
	return in;
}

UNIT_TEST(stop_full_page_with_next_continues)
{
	struct stop_in in = page(10);
	const char *why;

	CHECK(fx_stop_decide(&in, &why) == STOP_MORE);
}

UNIT_TEST(stop_has_more_false_stops_even_with_a_next_link)
{
	struct stop_in in = page(10);
	const char *why;

	in.has_more = 0;
	CHECK(fx_stop_decide(&in, &why) == STOP_LAST);
	CHECK_STR(why, "has-more is false");
}

UNIT_TEST(stop_more_path_none_true_stops_absent_counts_as_false)
{
	struct stop_in in = page(10);
	const char *why;

	in.more = 0;
	CHECK(fx_stop_decide(&in, &why) == STOP_LAST);
	in.more = 1;
	CHECK(fx_stop_decide(&in, &why) == STOP_MORE);
}

UNIT_TEST(stop_no_next_state_stops)
{
	struct stop_in in = page(10);
	const char *why;

	in.has_next = 0;
	CHECK(fx_stop_decide(&in, &why) == STOP_LAST);
}

UNIT_TEST(stop_has_more_true_without_a_next_state_fails_not_loops)
{
	struct stop_in in = page(10);
	const char *why;

	in.has_next = 0;
	in.has_more = 1;
	CHECK(fx_stop_decide(&in, &why) == STOP_FAIL);
	in.has_more = -1;
	in.more = 1;
	CHECK(fx_stop_decide(&in, &why) == STOP_FAIL);
}

UNIT_TEST(stop_total_reached_stops_unless_a_flag_says_more)
{
	struct stop_in in = page(10);
	const char *why;

	in.total = 30;
	in.position = 20;
	CHECK(fx_stop_decide(&in, &why) == STOP_MORE);
	in.position = 30;
	CHECK(fx_stop_decide(&in, &why) == STOP_LAST);
	CHECK_STR(why, "total reached");
	in.has_more = 1;
	CHECK(fx_stop_decide(&in, &why) == STOP_MORE);
}

UNIT_TEST(stop_empty_page_with_a_next_link_stops_by_default)
{
	struct stop_in in = page(0);
	const char *why;

	CHECK(fx_stop_decide(&in, &why) == STOP_LAST);
	CHECK_STR(why, "empty page");
	in.stop_on_empty = 0;
	CHECK(fx_stop_decide(&in, &why) == STOP_MORE);
}

UNIT_TEST(stop_empty_pages_while_has_more_true_fail_after_the_bound)
{
	struct stop_in in = page(0);
	const char *why;

	in.has_more = 1;
	in.empty_run = STOP_EMPTY_MAX - 1;
	CHECK(fx_stop_decide(&in, &why) == STOP_MORE);
	in.empty_run = STOP_EMPTY_MAX;
	CHECK(fx_stop_decide(&in, &why) == STOP_FAIL);
}

UNIT_TEST(stop_short_page_only_when_opted_in_and_no_flag_says_more)
{
	struct stop_in in = page(7);
	const char *why;

	CHECK(fx_stop_decide(&in, &why) == STOP_MORE);
	in.stop_on_short = 1;
	CHECK(fx_stop_decide(&in, &why) == STOP_LAST);
	CHECK_STR(why, "short page");
	in.more = 1;
	CHECK(fx_stop_decide(&in, &why) == STOP_MORE);
}

/* fx_tmpl_fill into a fresh buffer; returns the text or the refusal. */
static char *
fill(const char *t, int64_t since, int64_t until)
{
	static struct ds_buf b;
	const struct tmpl_var vars[] = { { "limit", "100" }, { "page", NULL },
		{ NULL, NULL } };
	const char *why;

	ds_buf_reset(&b);
	if (fx_tmpl_fill(t, since, until, vars, &b, &why) < 0) {
		ds_buf_reset(&b);
		ds_buf_adds(&b, why);
	}
	ds_buf_terminate(&b);
	return b.p;
}

UNIT_TEST(template_since_forms)
{
	int64_t t = INT64_C(1767236645) * 1000000 + 250000;	/* 2026-01-01T03:04:05.25Z */

	CHECK_STR(fill("x>'{since}'", t, INT64_MIN), "x>'2026-01-01T03:04:05Z'");
	CHECK_STR(fill("created[gte]={since:epoch}", t, INT64_MIN),
	    "created[gte]=1767236645");
	CHECK_STR(fill("{since:epoch_ms}", t, INT64_MIN), "1767236645250");
	CHECK_STR(fill("EditDate >= timestamp '{since:%Y-%m-%d %H:%M:%S}'", t, INT64_MIN),
	    "EditDate >= timestamp '2026-01-01 03:04:05'");
	CHECK_STR(fill("{since}..{until:epoch}", t, t + 1000000),
	    "2026-01-01T03:04:05Z..1767236646");
	CHECK_STR(fill("{\"q\":{\"limit\": {limit}}}", INT64_MIN, INT64_MIN),
	    "{\"q\":{\"limit\": 100}}");
}

UNIT_TEST(template_refuses_what_it_cannot_fill)
{
	CHECK_STR(fill("{since}", INT64_MIN, INT64_MIN), "{since} needs --since");
	CHECK(strstr(fill("{since:bogus}", 0, INT64_MIN), "time form") != NULL);
	CHECK(strstr(fill("{nope}", 0, INT64_MIN), "unknown placeholder") != NULL);
	CHECK(strstr(fill("{page}", 0, INT64_MIN), "unknown placeholder") != NULL);
	CHECK_STR(fill("a{since", 0, INT64_MIN), "a{since");
	CHECK_STR(fill("{ \"a\": {\"b\":1} }", 0, INT64_MIN), "{ \"a\": {\"b\":1} }");
	CHECK(fx_tmpl_has("{\"o\":{offset}}", "offset"));
	CHECK(!fx_tmpl_has("{\"o\":{offsets}}", "offset"));
}

UNIT_TEST(url_strip_param_removes_a_secret_in_either_spelling)
{
	struct ds_buf b = { 0 };

	ds_buf_adds(&b, "http://h/q?a=1&token=SECRET&b=2");
	fx_url_strip_param(&b, "token");
	CHECK_STR(b.p, "http://h/q?a=1&b=2");
	ds_buf_reset(&b);
	ds_buf_adds(&b, "http://h/q?token=S&page%5Bn%5D=2&page[n]=3");
	fx_url_strip_param(&b, "page[n]");
	CHECK_STR(b.p, "http://h/q?token=S");
	fx_url_strip_param(&b, "token");
	CHECK_STR(b.p, "http://h/q");
	ds_buf_free(&b);
}

/* fx_url_resolve's result, or its refusal. */
static char *
resolve(const char *base, const char *ref)
{
	static struct ds_buf b;
	const char *why;

	if (fx_url_resolve(base, ref, strlen(ref), &b, &why) < 0) {
		ds_buf_reset(&b);
		ds_buf_adds(&b, why);
		ds_buf_terminate(&b);
	}
	return b.p;
}

UNIT_TEST(url_resolve_relative_and_absolute_next_links)
{
	const char *base = "http://h:8/api/3/action/datastore_search?resource_id=x";

	CHECK_STR(resolve(base, "/api/3/action/datastore_search?offset=100"),
	    "http://h:8/api/3/action/datastore_search?offset=100");
	CHECK_STR(resolve(base, "?offset=5"), "http://h:8/api/3/action/datastore_search?offset=5");
	CHECK_STR(resolve(base, "other?p=2"), "http://h:8/api/3/action/other?p=2");
	CHECK_STR(resolve(base, "http://H:8/x?p=2"), "http://H:8/x?p=2");
	CHECK_STR(resolve("http://h", "p?x=1"), "http://h/p?x=1");
}

UNIT_TEST(url_resolve_refuses_what_is_not_a_url_to_follow)
{
	const char *base = "https://api.example.com/v1/items";

	CHECK(strstr(resolve(base, "https://evil.example.com/v1/items"),
	    "another origin") != NULL);
	CHECK(strstr(resolve(base, "//evil.example.com/x"), "another origin") != NULL);
	CHECK(strstr(resolve(base, "http://api.example.com/v1"), "another origin") != NULL);
	CHECK(strstr(resolve(base, "javascript:alert(1)"), "not an http") != NULL);
	CHECK(strstr(resolve(base, "/a b"), "white space") != NULL);
	CHECK(strstr(resolve(base, ""), "empty") != NULL);
}

/* The rel="next" target of a Link value, or "". */
static char *
link_next(const char *v)
{
	static struct ds_buf b;

	if (!fx_link_next(v, strlen(v), &b)) {
		ds_buf_reset(&b);
		ds_buf_terminate(&b);
		ds_buf_adds(&b, "");
	}
	ds_buf_terminate(&b);
	return b.p;
}

UNIT_TEST(link_header_next_among_others)
{
	CHECK_STR(link_next("<https://api.github.com/repositories/1/issues?page=2>; "
	    "rel=\"prev\", <https://api.github.com/repositories/1/issues?page=4>; "
	    "rel=\"next\", <https://api.github.com/repositories/1/issues?page=515>; "
	    "rel=\"last\""), "https://api.github.com/repositories/1/issues?page=4");
	CHECK_STR(link_next("<a>; rel=\"first\", <b>; title=\"x, y\"; rel=next"), "b");
	CHECK_STR(link_next("<c>; rel=\"next last\""), "c");
	CHECK_STR(link_next("<d>; rel=\"nextish\", <e>; rel=\"prev\""), "");
	CHECK_STR(link_next("garbage"), "");
}

UNIT_TEST(link_header_follows_rfc8288_grammar)
{
	/* BWS around '=', a token at the line's end, case, tabs */
	CHECK_STR(link_next("<f>; rel = \"next\""), "f");
	CHECK_STR(link_next("<g>;rel=next\r\n"), "g");
	CHECK_STR(link_next("<h>; REL=\"NEXT\"\r\n"), "h");
	CHECK_STR(link_next("<i>;\trel=\"last\tnext\""), "i");
	CHECK_STR(link_next("<j>; rel=prev, <k>; rel=next"), "k");
	/* the word inside another parameter's value is not a rel */
	CHECK_STR(link_next("<l>; title=\"rel=next\"; rel=prev"), "");
	CHECK_STR(link_next("<m>; prerel=next"), "");
	CHECK_STR(link_next("<n>; rel"), "");
}

/* A definition with records at rec and the other paths given. */
static void
mkdef(struct def *d, const char *rec)
{
	fx_def_init(d);
	fx_def_layer(d);
	(void)fx_def_set(d, "paginate", "cursor", "t");
	(void)fx_def_set(d, "records", rec, "t");
	(void)fx_def_set(d, "cursor-path", "meta.next", "t");
	(void)fx_def_set(d, "cursor-param", "after", "t");
	(void)fx_def_set(d, "has-more-path", "meta.more", "t");
	(void)fx_def_set(d, "more-path", "exceeded", "t");
	(void)fx_def_set(d, "more-path", "properties.exceeded", "t");
	(void)fx_def_set(d, "total-path", "result.total", "t");
	(void)fx_def_set(d, "error-path", "error", "t");
}

UNIT_TEST(gbody_reads_every_path_in_one_walk)
{
	static const char body[] =
	    "{\"result\":{\"records\":[{\"id\":1}, {\"id\":2}],\"total\":7},"
	    "\"meta\":{\"more\":\"true\",\"next\":\"c\\u0032\"},"
	    "\"properties\":{\"exceeded\":true}}";
	struct ds_buf why = { 0 }, t = { 0 };
	struct gpage pg;
	struct def d;
	int nj;

	mkdef(&d, "result.records");
	CHECK(fx_gbody_page(&d, body, strlen(body), &pg, &why, &nj) == 0);
	CHECK(pg.records == 2);
	CHECK(pg.spaced);
	CHECK_MEM(pg.data, pg.datalen, "[{\"id\":1}, {\"id\":2}]", 20);
	CHECK(fx_gbody_bool(&pg.has_more) == 1);
	CHECK(pg.more[0].v == NULL);
	CHECK(fx_gbody_bool(&pg.more[1]) == 1);
	CHECK_MEM(pg.total.v, pg.total.n, "7", 1);
	CHECK(pg.error.v == NULL);
	CHECK(fx_gbody_text(&pg.cursor, &t) == 0);
	CHECK_STR(t.p, "c2");
	fx_def_free(&d);
	ds_buf_free(&why);
	ds_buf_free(&t);
}

UNIT_TEST(gbody_names_the_setting_path_and_offset_of_a_mismatch)
{
	static const char notarr[] = "{\"data\":{\"x\":1}}";
	static const char cut[] = "{\"data\":[1,2";
	static const char arr[] = " [1, 2,3]\n";
	struct ds_buf why = { 0 };
	struct gpage pg;
	struct def d;
	int nj;

	fx_def_init(&d);
	CHECK(fx_gbody_page(&d, notarr, strlen(notarr), &pg, &why, &nj) < 0);
	CHECK(nj == 0);
	CHECK_STR(why.p, "records data: an object at byte 8, not an array");
	CHECK(fx_gbody_page(&d, cut, strlen(cut), &pg, &why, &nj) < 0);
	CHECK(nj == 2);
	/* fuzz_gbody: white space alone was read past its end */
	CHECK(fx_gbody_page(&d, " ", 1, &pg, &why, &nj) < 0);
	CHECK(nj != 0);
	CHECK(fx_gbody_page(&d, "", 0, &pg, &why, &nj) < 0);
	/* fuzz_gbody: a key and its colon at the very end */
	CHECK(fx_gbody_page(&d, "{\"data\":", 8, &pg, &why, &nj) < 0);
	CHECK(nj == 2);
	CHECK(fx_gbody_page(&d, arr, strlen(arr), &pg, &why, &nj) < 0);
	CHECK(strstr(why.p, "not an object") != NULL);
	(void)fx_def_set(&d, "records", ".", "t");
	CHECK(fx_gbody_page(&d, arr, strlen(arr), &pg, &why, &nj) == 0);
	CHECK(pg.records == 3);
	CHECK_MEM(pg.data, pg.datalen, "[1, 2,3]", 8);
	fx_def_free(&d);
	ds_buf_free(&why);
}

/* The text of the last element fx_gbody_last() finds in arr, or "" for none. */
static char *
last_of(const char *arr)
{
	static char out[256];
	struct gval g;

	out[0] = '\0';
	if (fx_gbody_last(arr, strlen(arr), &g))
		snprintf(out, sizeof(out), "%.*s", (int)g.n, g.v);
	return out;
}

UNIT_TEST(gbody_last_finds_the_last_element_scanning_back)
{
	CHECK_STR(last_of("[]"), "");
	CHECK_STR(last_of(" [ \n ] \n"), "");
	CHECK_STR(last_of("[1]"), "1");
	CHECK_STR(last_of("[1, -2.5e3 ]\n"), "-2.5e3");
	CHECK_STR(last_of("[true,null]"), "null");
	CHECK_STR(last_of("[{\"a\":1},\"x\\\"]\"]"), "\"x\\\"]\"");
	CHECK_STR(last_of("[\"a\",\"b\\\\\"]"), "\"b\\\\\"");
	/* brackets, braces and escaped quotes inside strings do not count */
	CHECK_STR(last_of("[{\"a\":1}, {\"id\":\"}{[\\\"\",\"n\":[1,{\"b\":\"]\"}]}]"),
	    "{\"id\":\"}{[\\\"\",\"n\":[1,{\"b\":\"]\"}]}");
	CHECK_STR(last_of("[[1,[2]],\n\t[3,[\"[\"]] ]"), "[3,[\"[\"]]");
}

/* The text of the value fx_gbody_guess() finds at path in body, or "" for none. */
static char *
guess_of(const char *body, const char *path)
{
	static char out[256];
	struct gval g;

	out[0] = '\0';
	if (fx_gbody_guess(body, strlen(body), path, &g))
		snprintf(out, sizeof(out), "%.*s", (int)g.n, g.v);
	return out;
}

UNIT_TEST(gbody_guess_reads_the_last_member_of_the_key_off_the_end)
{
	struct ds_buf big = { 0 };
	size_t i;

	CHECK_STR(guess_of("{\"data\":[],\"links\":{\"next\":\"/p?n=2\"}}", "links.next"),
	    "\"/p?n=2\"");
	CHECK_STR(guess_of("{\"links\":{\"next\" : null}}", "links.next"), "null");
	/* a link object, whole; the last member wins over one in a record */
	CHECK_STR(guess_of("{\"data\":[{\"next\":\"a\"}],\"links\":{\"next\":{\"href\":"
	    "\"b\",\"meta\":{\"p\":2}}}}", "links.next"), "{\"href\":\"b\",\"meta\":{\"p\":2}}");
	CHECK_STR(guess_of("{\"cursor\":\"c1\",\"data\":[{\"cursor\":7}]}", "cursor"), "7");
	/* text in a string is no member; an escaped quote is no key's */
	CHECK_STR(guess_of("{\"next\":\"x\",\"t\":\"\\\"next\\\": 1\"}", "next"), "\"x\"");
	CHECK_STR(guess_of("{\"a\":\"next\",\"b\":1}", "next"), "");
	CHECK_STR(guess_of("{\"data\":[]}", "links.next"), "");
	/* a value that is not JSON by itself gives no guess */
	CHECK_STR(guess_of("{\"next\":\"cut", "next"), "");
	CHECK_STR(guess_of("{\"next\":tru}", "next"), "");
	/* only the body's last GBODY_GUESS_WINDOW bytes are read */
	ds_buf_adds(&big, "{\"next\":\"early\",\"data\":[");
	for (i = 0; i < GBODY_GUESS_WINDOW; i++)
		ds_buf_adds(&big, i > 0 ? ",1" : "1");
	ds_buf_adds(&big, "]}");
	ds_buf_terminate(&big);
	CHECK_STR(guess_of(big.p, "next"), "");
	ds_buf_free(&big);
}

UNIT_TEST(gbody_flags_accept_booleans_and_their_string_forms)
{
	struct gval g;

	g.v = "false";
	g.n = 5;
	CHECK(fx_gbody_bool(&g) == 0);
	g.v = "\"FALSE\"";
	g.n = 7;
	CHECK(fx_gbody_bool(&g) == 0);
	g.v = "\"True\"";
	g.n = 6;
	CHECK(fx_gbody_bool(&g) == 1);
	g.v = "1";
	g.n = 1;
	CHECK(fx_gbody_bool(&g) == 1);
	g.v = "null";
	g.n = 4;
	CHECK(fx_gbody_bool(&g) == -1);
}

/* The next state style s reads off body, from state st (or NULL). */
static char *
next_of(const char *style, const char *body, const char *st, int *rc)
{
	static struct ds_buf out;
	struct ds_buf why = { 0 };
	struct style_resp sr = { "http://h/x?y=1", NULL, st, st ? strlen(st) : 0, 10 };
	struct gpage pg;
	struct def d;
	int nj;

	fx_def_init(&d);
	fx_def_layer(&d);
	(void)fx_def_set(&d, "paginate", style, "t");
	(void)fx_def_set(&d, "next-path", "links.next", "t");
	(void)fx_def_set(&d, "after-field", "id", "t");
	CHECK(fx_gbody_page(&d, body, strlen(body), &pg, &why, &nj) == 0);
	*rc = d.style->next(&d, &pg, &sr, &out, &why);
	if (*rc < 0) {
		ds_buf_reset(&out);
		ds_buf_adds(&out, why.p);
	}
	ds_buf_terminate(&out);
	fx_def_free(&d);
	ds_buf_free(&why);
	return out.p;
}

UNIT_TEST(styles_read_the_next_state)
{
	int rc;

	CHECK_STR(next_of("offset", "{\"data\":[1,2,3]}", "40", &rc), "43");
	CHECK_STR(next_of("offset", "{\"data\":[1,2,3]}", NULL, &rc), "3");
	/* an empty page a flag says is not the last advances by the page size */
	CHECK_STR(next_of("offset", "{\"data\":[]}", "40", &rc), "50");
	CHECK_STR(next_of("page", "{\"data\":[1]}", "4", &rc), "5");
	CHECK_STR(next_of("after-id", "{\"data\":[{\"id\":\"a\"},{\"id\":\"b\"},"
	    "{\"x\":1}]}", NULL, &rc), "b");
	CHECK(next_of("after-id", "{\"data\":[]}", NULL, &rc) != NULL && rc == 0);
	/* the last record's own id, read without walking the page again */
	CHECK_STR(next_of("after-id", "{\"data\":[{\"id\":\"a\"}, {\"n\":{\"id\":0},"
	    "\"id\":\"z \\\"]\"} ] }", NULL, &rc), "z \"]");
	CHECK_STR(next_of("next-url", "{\"data\":[],\"links\":{\"next\":\"?y=2\"}}",
	    NULL, &rc), "http://h/x?y=2");
	CHECK(next_of("next-url", "{\"data\":[],\"links\":{\"next\":null}}", NULL,
	    &rc) != NULL && rc == 0);
	CHECK(strstr(next_of("next-url", "{\"data\":[],\"links\":{\"next\":7}}", NULL,
	    &rc), "next-path links.next: a number at byte 27, not a URL") != NULL);
	CHECK(rc < 0);
}

/* A Stripe-like after-id definition keeping created beside the id. */
static void
after_time_def(struct def *d)
{
	fx_def_init(d);
	fx_def_layer(d);
	(void)fx_def_set(d, "paginate", "after-id", "t");
	(void)fx_def_set(d, "after-param", "starting_after", "t");
	(void)fx_def_set(d, "after-field", "id", "t");
	(void)fx_def_set(d, "after-time-field", "created", "t");
	(void)fx_def_set(d, "after-time-param", "created[lte]", "t");
}

/* The URL style after-id asks for state st on top of "http://h/x?limit=2". */
static char *
after_url(const struct def *d, const char *st)
{
	static struct ds_buf url;

	ds_buf_reset(&url);
	ds_buf_adds(&url, "http://h/x?limit=2");
	d->style->request(d, st, strlen(st), &url);
	ds_buf_terminate(&url);
	return url.p;
}

UNIT_TEST(after_id_keeps_the_time_and_goes_on_from_it_when_the_object_is_gone)
{
	static const char body[] = "{\"data\":[{\"id\":\"cus_b\",\"created\":20},"
	    "{\"id\":\"cus_a\",\"created\":17}],\"has_more\":true}";
	struct ds_buf out = { 0 }, why = { 0 };
	struct style_resp sr = { "http://h/x", NULL, NULL, 0, 2 };
	struct gpage pg;
	struct def d;
	int nj;

	after_time_def(&d);
	CHECK(fx_gbody_page(&d, body, strlen(body), &pg, &why, &nj) == 0);
	CHECK(d.style->next(&d, &pg, &sr, &out, &why) == 1);
	ds_buf_terminate(&out);
	CHECK_STR(out.p, "cus_a 17");
	/* the id alone goes in the request; an id with a space splits at the last one */
	CHECK_STR(after_url(&d, "cus_a 17"), "http://h/x?limit=2&starting_after=cus_a");
	CHECK_STR(after_url(&d, "a b 17"), "http://h/x?limit=2&starting_after=a%20b");
	/* an older state, an id alone, resumes as it did */
	CHECK_STR(after_url(&d, "cus_a"), "http://h/x?limit=2&starting_after=cus_a");
	/* the object gone: the time alone, sent as after-time-param */
	CHECK(fx_style_after_gone(&d, "cus_a 17", 8, &out) == 1);
	CHECK_STR(out.p, " 17");
	CHECK_STR(after_url(&d, out.p), "http://h/x?limit=2&created%5Blte%5D=17");
	/* never twice, and not from an id alone */
	CHECK(fx_style_after_gone(&d, " 17", 3, &out) == 0);
	CHECK(fx_style_after_gone(&d, "cus_a", 5, &out) == 0);
	fx_def_free(&d);
	/* without after-time-field the state is the id, spaces and all */
	fx_def_init(&d);
	fx_def_layer(&d);
	(void)fx_def_set(&d, "paginate", "after-id", "t");
	(void)fx_def_set(&d, "after-param", "starting_after", "t");
	(void)fx_def_set(&d, "after-field", "id", "t");
	CHECK(d.style->next(&d, &pg, &sr, &out, &why) == 1);
	ds_buf_terminate(&out);
	CHECK_STR(out.p, "cus_a");
	CHECK_STR(after_url(&d, "a b 17"), "http://h/x?limit=2&starting_after=a%20b%2017");
	CHECK(fx_style_after_gone(&d, "cus_a 17", 8, &out) == 0);
	fx_def_free(&d);
	ds_buf_free(&out);
	ds_buf_free(&why);
}

UNIT_TEST(every_fetch_setting_is_in_the_shared_table)
{
	size_t i;

	for (i = 0; i < fx_def_count(); i++)
		CHECK(ds_def_stage(fx_def_name(i)) == 'f');
	CHECK(ds_def_stage("id-field") == 't');
	CHECK(ds_def_stage("column") == 'l');
	CHECK(ds_def_stage("geometry") == 'l');
	CHECK(ds_def_stage("nope") == 0);
}
