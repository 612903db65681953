/*
 * styles.h - --style: the mock answers as a well-known API would, from the
 * same deterministic events, following that API's public documentation
 * (paths, parameters, record path, pagination, errors, auth and rate
 * limits in its own form). See ds-connectors(5) for what each one does.
 */
#ifndef MOCK_STYLES_H
#define MOCK_STYLES_H

#include <time.h>

#include "api.h"
#include "config.h"

/* What a styled answer needs from the request besides its URI. */
struct style_req {
	const char	*method;
	const char	*uri;		/* raw request target */
	const char	*authorization;	/* header values, or NULL */
	const char	*app_token;	/* X-App-Token */
	const char	*host;
	const char	*body;		/* a POST's body, or "" */
	const char	*accept;	/* Accept, Content-Type, or NULL */
	const char	*content_type;
};

/* Parse a --style name; returns 0 or -1. */
int	styles_parse(const char *name, enum mock_style *s);

/* Answer rq at time now into out (zeroed by the caller). */
void	styles_answer(const struct style_req *rq, time_t now, struct reply *out);

#endif
