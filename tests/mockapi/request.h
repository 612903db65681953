/*
 * request.h - the request line as the client sent it.
 *
 * The query is decoded here, from the raw URI, as a form would be ('+' is
 * a space, %XX a byte), so a client that forgets to URL-encode "+05:30" or
 * a cursor holding '+' gets the 400 a real server would give.
 */
#ifndef MOCK_REQUEST_H
#define MOCK_REQUEST_H

#include <stddef.h>

struct ds_buf;

/* A decoded query parameter: set is 0 when absent. v is owned by the request. */
struct param {
	int	 set;
	char	*v;
	size_t	 n;
};

struct request {
	char		*path;		/* decoded path, owned */
	struct param	 limit, cursor, since, until, api_key;
	int		 bad_escape;	/* some %XX was malformed */
};

/* Split and decode uri into r (zeroed first). */
void	request_parse(struct request *r, const char *uri);
void	request_free(struct request *r);
/* Append uri to b with the value of api_key replaced by "REDACTED". */
void	request_redact(struct ds_buf *b, const char *uri);

#endif
