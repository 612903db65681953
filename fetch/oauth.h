/*
 * oauth.h - OAuth 2.0 client credentials (RFC 6749 section 4.4): a token
 * fetched from the token URL, kept in memory only, renewed before it
 * expires and when the API refuses it once.
 */
#ifndef DS_FETCH_OAUTH_H
#define DS_FETCH_OAUTH_H

struct ds_buf;
struct oauth;

/*
 * A token source. cred is "client_id:client_secret" (from the secret file
 * or DS_API_KEY), sent to url with HTTP Basic as the RFC recommends;
 * scope may be NULL. Everything is copied.
 */
struct oauth *fx_oauth_new(const char *url, const char *cred, const char *scope,
	    long timeout_ms, int insecure);

/*
 * The access token in *tok (owned by o), fetched when there is none, when
 * it expires within a tenth of its life (at most 60 s), or when force is
 * set. Returns 0, or -1 on a transient failure (why says what). Exits
 * DS_EX_AUTH when the token endpoint refuses the client, DS_EX_PERM when
 * its answer is not a token.
 */
int	fx_oauth_token(struct oauth *o, int force, const char **tok, struct ds_buf *why);

/* Wipe and free. */
void	fx_oauth_free(struct oauth *o);

#endif
