/* Unit tests of fetch/url.c: the events URL and the page query. */
#include <stdlib.h>

#include "buf.h"
#include "unit.h"
#include "../../fetch/url.h"

/* The events URL made from u, or the refusal text. */
static char *
events(const char *u)
{
	const char *why = NULL;
	char *e = fx_url_events(u, &why);

	return e != NULL ? e : ds_xstrdup(why);
}

#define CHECK_EVENTS(in, want) do {					\
	char *e_ = events(in);						\
	CHECK_STR(e_, want);						\
	free(e_);							\
} while (0)

UNIT_TEST(fetch_url_bare_host_gets_documented_path)
{
	CHECK_EVENTS("http://h:8080", "http://h:8080/api/v1/events");
	CHECK_EVENTS("http://h:8080/", "http://h:8080/api/v1/events");
	CHECK_EVENTS("https://h/?x=1", "https://h/api/v1/events?x=1");
}

UNIT_TEST(fetch_url_base_path_gets_events_appended)
{
	CHECK_EVENTS("http://h/api/v1", "http://h/api/v1/events");
	CHECK_EVENTS("http://h/api/v1/", "http://h/api/v1/events");
	CHECK_EVENTS("http://h/v2/eventsx", "http://h/v2/eventsx/events");
}

UNIT_TEST(fetch_url_events_path_is_kept)
{
	CHECK_EVENTS("http://h/api/v1/events", "http://h/api/v1/events");
	CHECK_EVENTS("http://h/x/events?tenant=a#frag", "http://h/x/events?tenant=a");
	CHECK_EVENTS("http://h/x/events/", "http://h/x/events");
	CHECK_EVENTS("http://h/x/events/?t=1", "http://h/x/events?t=1");
	CHECK_EVENTS("http://h#frag", "http://h/api/v1/events");
}

UNIT_TEST(fetch_url_refuses_api_key_and_other_schemes)
{
	const char *why = NULL;

	CHECK(fx_url_events("http://h/api/v1?API_KEY=s3cret", &why) == NULL);
	CHECK(why != NULL && strstr(why, "DS_API_KEY") != NULL);
	CHECK(strstr(why, "s3cret") == NULL);
	CHECK(fx_url_events("ftp://h/x", &why) == NULL);
	CHECK(fx_url_events("http:///x", &why) == NULL);
	CHECK(fx_url_has_api_key("a&Api_Key=1"));
	CHECK(!fx_url_has_api_key("apikey=1"));
	CHECK(fx_url_has_api_key("h/e?api%5Fkey=1"));
	CHECK(fx_url_has_api_key("h/e?API%5fKEY%3d1"));
	CHECK(!fx_url_has_api_key("h/e?api%5key=1"));
}

UNIT_TEST(fetch_url_page_encodes_cursor_and_times)
{
	struct ds_buf b = { 0 };
	const char c[] = "a+b/c=\x01 d";

	fx_url_page(&b, "http://h/events", 500, NULL, 0, NULL, NULL);
	CHECK_STR(b.p, "http://h/events?limit=500");
	fx_url_page(&b, "http://h/events?t=1", 5, c, sizeof(c) - 1,
	    "2026-01-01T00:00:00+05:30", "2026-01-02T00:00:00Z");
	CHECK_STR(b.p, "http://h/events?t=1&limit=5&cursor=a%2Bb%2Fc%3D%01%20d"
	    "&since=2026-01-01T00%3A00%3A00%2B05%3A30&until=2026-01-02T00%3A00%3A00Z");
	/* An empty cursor means the first page: never "cursor=". */
	fx_url_page(&b, "http://h/events", 1, "", 0, NULL, NULL);
	CHECK_STR(b.p, "http://h/events?limit=1");
	ds_buf_free(&b);
}
