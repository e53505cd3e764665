/* SPDX-License-Identifier: MIT */
/*
 * The host unit-test harness for the hypervisor's common code.
 *
 * A test program lists its cases in a table and hands it to run_tests().
 * Every case runs in a child process of its own, so each starts from the
 * pristine static state of the code under test, and a crash (or a sanitizer
 * report) fails that case alone.  Each case prints exactly one line:
 *
 *	PASS: <suite>/<name>
 *	FAIL: <suite>/<name>: <file>:<line>: <what went wrong>
 *
 * The CHECK macros stop the case at the first failed check.
 */
#ifndef TEST_HARNESS_H
#define TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>

struct test_case {
	const char *name;
	void (*run)(void);
};

#define TEST_CASE(fn)   \
	{               \
#fn, fn \
	}

/* Runs every case; returns the process exit status (0: all passed). */
int run_tests(const char *suite, const struct test_case *cases, size_t nr);

/* Fails the current case with a printf-style reason and ends it. */
__attribute__((noreturn, format(printf, 3, 4))) void
test_fail(const char *file, int line, const char *fmt, ...);

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond))                                              \
			test_fail(__FILE__, __LINE__, "check failed: %s", \
				  #cond);                                 \
	} while (0)

/* Unsigned comparison; prints both values on failure. */
#define CHECK_EQ(actual, expected)                                             \
	do {                                                                   \
		unsigned long long a_ = (actual), e_ = (expected);             \
		if (a_ != e_)                                                  \
			test_fail(                                             \
				__FILE__, __LINE__,                            \
				"%s is %llu (0x%llx), expected %llu (0x%llx)", \
				#actual, a_, a_, e_, e_);                      \
	} while (0)

/* Signed comparison, for return codes. */
#define CHECK_INT(actual, expected)                                         \
	do {                                                                \
		long long a_ = (actual), e_ = (expected);                   \
		if (a_ != e_)                                               \
			test_fail(__FILE__, __LINE__,                       \
				  "%s is %lld, expected %lld", #actual, a_, \
				  e_);                                      \
	} while (0)

#define CHECK_STR(actual, expected)                                         \
	do {                                                                \
		const char *a_ = (actual), *e_ = (expected);                \
		if (strcmp(a_, e_))                                         \
			test_fail(__FILE__, __LINE__,                       \
				  "%s is \"%s\", expected \"%s\"", #actual, \
				  a_, e_);                                  \
	} while (0)

/* A fixed-seed xorshift64* generator: every run sees the same sequence. */
uint64_t test_random(void);
void test_random_seed(uint64_t seed);
/* A value in [0, n); n > 0. */
uint64_t test_random_below(uint64_t n);

/*
 * Machine memory for code that reaches frames through the direct map (see
 * stub/asm/page.h): test_memory_init() allocates 'nr_frames' page-aligned
 * frames; machine address 0 is test_memory[0].
 */
void test_memory_init(uint64_t nr_frames);

#endif
