#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "clock.h"
#include "exits.h"
#include "log.h"
#include "gbody.h"
#include "oauth.h"
#include "url.h"

#define TOKEN_BODY_MAX	(1 << 20)	/* a token answer is small */
#define RENEW_MAX	60.0		/* renew at most this long before expiry */

struct oauth {
	CURL		*c;
	char		*url, *cred, *scope;
	struct ds_buf	 token;
	int		 have;
	double		 renew_at;	/* mono */
	struct ds_buf	 body;
};

/* libcurl write callback: keep the answer, up to TOKEN_BODY_MAX bytes. */
static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct ds_buf *b = arg;
	size_t n = size * nmemb;

	if (b->len + n > TOKEN_BODY_MAX)
		return 0;
	ds_buf_add(b, p, n);
	return n;
}

struct oauth *
fx_oauth_new(const char *url, const char *cred, const char *scope, long timeout_ms,
    int insecure)
{
	struct oauth *o = ds_xcalloc(1, sizeof(*o));

	if ((o->c = curl_easy_init()) == NULL)
		ds_diex(DS_EX_TEMP, "libcurl could not make a handle");
	o->url = ds_xstrdup(url);
	o->cred = ds_xstrdup(cred);
	o->scope = scope != NULL ? ds_xstrdup(scope) : NULL;
	if (curl_easy_setopt(o->c, CURLOPT_URL, o->url) != CURLE_OK ||
	    curl_easy_setopt(o->c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK ||
	    curl_easy_setopt(o->c, CURLOPT_USERPWD, o->cred) != CURLE_OK ||
	    curl_easy_setopt(o->c, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(o->c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(o->c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(o->c, CURLOPT_USERAGENT, "ds-fetch/1") != CURLE_OK ||
	    curl_easy_setopt(o->c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(o->c, CURLOPT_WRITEDATA, &o->body) != CURLE_OK ||
	    (insecure && (curl_easy_setopt(o->c, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK ||
	    curl_easy_setopt(o->c, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK)))
		ds_diex(DS_EX_PERM, "libcurl refused an option of the token request");
	return o;
}

int
fx_oauth_token(struct oauth *o, int force, const char **tok, struct ds_buf *why)
{
	struct ds_buf form = { 0 }, msg = { 0 };
	struct gval v;
	long status = 0;
	double life = 3600, now = ds_mono();
	CURLcode rc;

	if (o->have && !force && now < o->renew_at) {
		*tok = o->token.p;
		return 0;
	}
	ds_buf_adds(&form, "grant_type=client_credentials");
	if (o->scope != NULL) {
		ds_buf_adds(&form, "&scope=");
		fx_url_encode(&form, o->scope, strlen(o->scope));
	}
	ds_buf_terminate(&form);
	ds_buf_reset(&o->body);
	(void)curl_easy_setopt(o->c, CURLOPT_POSTFIELDS, form.p);
	rc = curl_easy_perform(o->c);
	ds_buf_free(&form);
	ds_buf_terminate(&o->body);
	if (rc != CURLE_OK) {
		ds_buf_reset(why);
		ds_buf_printf(why, "token request to %s failed: %s", o->url,
		    curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(o->c, CURLINFO_RESPONSE_CODE, &status);
	if (status == 429 || status >= 500) {
		ds_buf_reset(why);
		ds_buf_printf(why, "token request to %s: HTTP %ld", o->url, status);
		return -1;
	}
	if (status != 200) {
		/* RFC 6749 5.2: {"error":"invalid_client", "error_description":...} */
		if (o->body.len > 0 && fx_gbody_find(o->body.p, o->body.len, "error", &v))
			(void)fx_gbody_text(&v, &msg);
		ds_diex(status == 400 || status == 401 || status == 403 ? DS_EX_AUTH :
		    DS_EX_PERM, "credentials refused by the token URL %s: HTTP %ld%s%s",
		    o->url, status, msg.len ? ": " : "", msg.len ? msg.p : "");
	}
	if (!fx_gbody_find(o->body.p, o->body.len, "access_token", &v) || *v.v != '"' ||
	    fx_gbody_text(&v, &o->token) < 0 || o->token.len == 0)
		ds_diex(DS_EX_PERM, "the token URL %s answered without an access_token "
		    "string", o->url);
	ds_log_secret_add(o->token.p);	/* a server may echo the token back */
	if (fx_gbody_find(o->body.p, o->body.len, "expires_in", &v) && fx_gbody_text(&v, &msg) == 0)
		life = strtod(msg.p, NULL);
	if (!(life > 0))
		life = 3600;
	o->renew_at = now + life - (life / 10 < RENEW_MAX ? life / 10 : RENEW_MAX);
	o->have = 1;
	if (msg.p != NULL)
		explicit_bzero(msg.p, msg.len);
	ds_buf_free(&msg);
	explicit_bzero(o->body.p, o->body.len);
	*tok = o->token.p;
	return 0;
}

void
fx_oauth_free(struct oauth *o)
{
	if (o == NULL)
		return;
	curl_easy_cleanup(o->c);
	explicit_bzero(o->cred, strlen(o->cred));
	if (o->token.p != NULL)
		explicit_bzero(o->token.p, o->token.len);
	ds_buf_free(&o->token);
	ds_buf_free(&o->body);
	free(o->url);
	free(o->cred);
	free(o->scope);
	free(o);
}
