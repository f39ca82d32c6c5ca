/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The check macros and the runner of the host unit tests (unit.c,
 * csv_unit.c). Define before including: CHECK_SUITE, the name in front of
 * each test's; CHECK_EQ_TYPE and CHECK_EQ_FMT, what CHECK_EQ compares its
 * arguments as and how it prints them. run() prints one "PASS: SUITE/NAME"
 * or "FAIL: SUITE/NAME: N check(s)" line per test, check_done() the
 * "SUITE: N passed, N failed" line and returns the exit code.
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int failed_checks;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__,	\
		       #cond);						\
		failed_checks++;					\
	}								\
} while (0)

/* a == b, both cast to CHECK_EQ_TYPE and printed with CHECK_EQ_FMT. */
#define CHECK_EQ(a, b) do {						\
	CHECK_EQ_TYPE _a = (CHECK_EQ_TYPE)(a);				\
	CHECK_EQ_TYPE _b = (CHECK_EQ_TYPE)(b);				\
	if (_a != _b) {							\
		printf("  %s:%d: %s == " CHECK_EQ_FMT			\
		       ", expected %s == " CHECK_EQ_FMT "\n",		\
		       __FILE__, __LINE__, #a, _a, #b, _b);		\
		failed_checks++;					\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (!_a || strcmp(_a, _b)) {					\
		printf("  %s:%d: %s == \"%s\", expected \"%s\"\n",	\
		       __FILE__, __LINE__, #a, _a ? _a : "(null)", _b);	\
		failed_checks++;					\
	}								\
} while (0)

static int npass, nfail;

static void run(const char *name, void (*fn)(void))
{
	failed_checks = 0;
	fn();
	if (failed_checks) {
		printf("FAIL: " CHECK_SUITE "/%s: %d check(s)\n", name,
		       failed_checks);
		nfail++;
	} else {
		printf("PASS: " CHECK_SUITE "/%s\n", name);
		npass++;
	}
}

/* The summary line; main()'s exit code. */
static int check_done(void)
{
	printf(CHECK_SUITE ": %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}

#endif /* TESTS_CHECK_H */
