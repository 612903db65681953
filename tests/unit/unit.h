/*
 * unit.h - the smallest test runner that reads well.
 *
 * A test file defines functions with UNIT_TEST(name) { ... } and checks with
 * CHECK(cond) / CHECK_STR(got, want) / CHECK_MEM(got, glen, want, wlen).
 * Each UNIT_TEST registers itself (constructor), so run.c needs no list.
 */
#ifndef DS_UNIT_H
#define DS_UNIT_H

#include <stddef.h>
#include <string.h>

struct unit_test {
	const char		*name;
	void			(*fn)(void);
	struct unit_test	*next;
};

void	unit_register(struct unit_test *t);
void	unit_fail(const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Directory of ../shared/corpora, or NULL when absent (tests then skip). */
const char *unit_corpora(void);
void	unit_skip(const char *why);

#define UNIT_TEST(name)							\
	static void name(void);						\
	static struct unit_test unit_##name = { #name, name, NULL };	\
	__attribute__((constructor)) static void reg_##name(void)	\
	{ unit_register(&unit_##name); }				\
	static void name(void)

#define CHECK(c) do { if (!(c))						\
	unit_fail(__FILE__, __LINE__, "CHECK(%s)", #c); } while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ == NULL || strcmp(g_, w_) != 0)				\
		unit_fail(__FILE__, __LINE__, "got \"%s\", want \"%s\"",	\
		    g_ ? g_ : "(null)", w_);				\
} while (0)

#define CHECK_MEM(got, glen, want, wlen) do {				\
	size_t gl_ = (glen), wl_ = (wlen);				\
	if (gl_ != wl_ || memcmp((got), (want), gl_) != 0)		\
		unit_fail(__FILE__, __LINE__, "got \"%.*s\", want \"%.*s\"",	\
		    (int)gl_, (const char *)(got), (int)wl_, (const char *)(want)); \
} while (0)

#endif
