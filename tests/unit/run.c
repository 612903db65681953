/*
 * run.c - runs every registered unit test; prints TAP so tests/run can
 * count the results with the bats tests.
 *
 * usage: ds-unit [name-substring]
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "unit.h"

static struct unit_test *tests;
static int failed, skipped;
static const char *current;

void
unit_register(struct unit_test *t)
{
	t->next = tests;
	tests = t;
}

void
unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: %s: ", file, line, current);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failed = 1;
}

void
unit_skip(const char *why)
{
	printf("# skip %s: %s\n", current, why);
	skipped = 1;
}

const char *
unit_corpora(void)
{
	static const char *const cands[] = {
		"../shared/corpora", "../../shared/corpora", NULL
	};
	const char *env = getenv("DS_CORPORA");
	struct stat st;
	int i;

	if (env != NULL)
		return stat(env, &st) == 0 ? env : NULL;
	for (i = 0; cands[i] != NULL; i++)
		if (stat(cands[i], &st) == 0 && S_ISDIR(st.st_mode))
			return cands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	struct unit_test *t, *rev = NULL, *next;
	int n = 0, bad = 0;

	ds_log_init("ds-unit");
	/* Registration order is reversed by the constructors; restore file order. */
	for (t = tests; t != NULL; t = next) {
		next = t->next;
		t->next = rev;
		rev = t;
	}
	for (t = rev; t != NULL; t = t->next)
		if (argc < 2 || strstr(t->name, argv[1]) != NULL)
			n++;
	printf("1..%d\n", n);
	n = 0;
	for (t = rev; t != NULL; t = t->next) {
		if (argc >= 2 && strstr(t->name, argv[1]) == NULL)
			continue;
		current = t->name;
		failed = skipped = 0;
		fflush(stdout);
		t->fn();
		n++;
		if (failed) {
			bad++;
			printf("not ok %d unit: %s\n", n, t->name);
		} else if (skipped)
			printf("ok %d unit: %s # skip\n", n, t->name);
		else
			printf("ok %d unit: %s\n", n, t->name);
	}
	return bad ? 1 : 0;
}
