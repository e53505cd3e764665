/* SPDX-License-Identifier: MIT */
#ifndef MICA_TEST_HARNESS_H
#define MICA_TEST_HARNESS_H

/*
 * A minimal test harness.  Each test is a function run by RUN(); CHECK()
 * stops the test at the first failed condition.  Every test prints exactly
 * one line, "PASS: name" or "FAIL: name: where: why", and test_exit_code()
 * gives the program's status.
 */

#include <stdbool.h>

void test_begin(const char *name);
void test_end(void);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool test_failed(void);
int test_exit_code(void);

/* A fresh empty directory for this test, under $TMPDIR. */
const char *test_tmpdir(void);

/* Path of a golden file: $MICA_TEST_GOLDEN/@name. */
const char *test_golden_path(const char *name);

/*
 * Compares @text with the golden file @name.  With MICA_TEST_UPDATE_GOLDEN=1
 * in the environment the file is rewritten instead.
 */
bool test_matches_golden(const char *name, const char *text);

#define CHECK_MSG(cond, ...)                                        \
	do {                                                        \
		if (!(cond)) {                                      \
			test_fail(__FILE__, __LINE__, __VA_ARGS__); \
			return;                                     \
		}                                                   \
	} while (0)

#define CHECK(cond) CHECK_MSG(cond, "%s", #cond)

#define CHECK_INT(actual, expected)                                           \
	do {                                                                  \
		long long a_ = (actual), e_ = (expected);                     \
		CHECK_MSG(a_ == e_, "%s is %lld, expected %lld", #actual, a_, \
			  e_);                                                \
	} while (0)

#define CHECK_STR(actual, expected)                                           \
	do {                                                                  \
		const char *a_ = (actual), *e_ = (expected);                  \
		CHECK_MSG(a_ && !strcmp(a_, e_), "%s is '%s', expected '%s'", \
			  #actual, a_ ? a_ : "(null)", e_);                   \
	} while (0)

#define RUN(fn)                  \
	do {                     \
		test_begin(#fn); \
		fn();            \
		test_end();      \
	} while (0)

#endif
