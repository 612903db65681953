/* Unit tests of lib/log.c: logfmt quoting. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "unit.h"

static const struct {
	const char *in, *out;
} rows[] = {
	{ "plain", "plain" },
	{ "", "\"\"" },
	{ "two words", "\"two words\"" },
	{ "a=b", "\"a=b\"" },
	{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
	{ "line\nbreak", "\"line\\nbreak\"" },
	{ "tab\there", "\"tab\\x09here\"" },
	{ "back\\slash", "\"back\\\\slash\"" },
};

UNIT_TEST(log_quote_rows)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ds_buf b = { 0 };

		ds_log_quote(&b, rows[i].in, strlen(rows[i].in));
		ds_buf_terminate(&b);
		CHECK_STR(b.p, rows[i].out);
		ds_buf_free(&b);
	}
}

UNIT_TEST(buf_printf_grows)
{
	struct ds_buf b = { 0 };
	int i;

	for (i = 0; i < 1000; i++)
		ds_buf_printf(&b, "%04d,", i);
	CHECK(b.len == 5000);
	CHECK(memcmp(b.p + 4995, "0999,", 5) == 0);
	ds_buf_free(&b);
}

/* Log one line with the secret set to secret; the line as written to stderr. */
static void
logged(const char *secret, const char *msg, const char *kv, char *out, size_t outsz)
{
	FILE *f = tmpfile();
	size_t n;
	int saved = dup(STDERR_FILENO);

	CHECK(f != NULL && saved >= 0);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	ds_log_secret(secret);
	ds_logkv(DS_LOG_ERROR, msg, "%s", kv);
	ds_log_secret(NULL);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
}

UNIT_TEST(log_secret_is_redacted_as_is_and_quoted)
{
	char line[512];

	logged("k3y", "HTTP 403: key k3y is not valid (k3yk3y)", "detail=k3y",
	    line, sizeof(line));
	CHECK(strstr(line, "k3y") == NULL);
	CHECK(strstr(line, "msg=\"HTTP 403: key [redacted] is not valid "
	    "([redacted][redacted])\" detail=[redacted]\n") != NULL);
	/* a key with a quote in it, as ds_log_quote() escapes it */
	logged("a\"b", "server said a\"b", "", line, sizeof(line));
	CHECK(strstr(line, "a\\\"b") == NULL && strstr(line, "a\"b") == NULL);
	CHECK(strstr(line, "msg=\"server said [redacted]\"") != NULL);
	/* once forgotten, nothing is redacted */
	logged(NULL, "k3y", "", line, sizeof(line));
	CHECK(strstr(line, "msg=k3y") != NULL);
}

/* Log msg to a temporary stderr with the secrets as they are; the line written. */
static void
logline(const char *msg, char *out, size_t outsz)
{
	FILE *f = tmpfile();
	size_t n;
	int saved = dup(STDERR_FILENO);

	CHECK(f != NULL && saved >= 0);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	ds_logkv(DS_LOG_ERROR, msg, "%s", "");
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
}

UNIT_TEST(log_secret_add_redacts_tokens_beside_the_key)
{
	static const char *const toks[] = { "tok-1", "tok-2", "tok-3", "tok-4", "tok-5",
	    "tok-6", "tok-7", "tok-8" };
	char line[512];
	size_t i;

	ds_log_secret("client-s3cret");
	ds_log_secret_add("tok-0");
	ds_log_secret_add("tok-0");
	logline("echo client-s3cret tok-0", line, sizeof(line));
	CHECK(strstr(line, "msg=\"echo [redacted] [redacted]\"") != NULL);
	/* renewed tokens: the key and the last seven stay redacted */
	for (i = 0; i < sizeof(toks) / sizeof(toks[0]); i++)
		ds_log_secret_add(toks[i]);
	logline("client-s3cret tok-2 tok-8", line, sizeof(line));
	CHECK(strstr(line, "msg=\"[redacted] [redacted] [redacted]\"") != NULL);
	logline("tok-1", line, sizeof(line));
	CHECK(strstr(line, "msg=tok-1") != NULL);
	/* ds_log_secret() forgets the added ones too */
	ds_log_secret(NULL);
	logline("tok-8", line, sizeof(line));
	CHECK(strstr(line, "msg=tok-8") != NULL);
}
