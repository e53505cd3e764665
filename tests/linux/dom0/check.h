/* SPDX-License-Identifier: MIT */
/*
 * Checks for the dom0 device tests: each prints "PASS: NAME" or
 * "FAIL: NAME: why" on its own line (tests/linux/dom0.sh counts them),
 * and the program's last line is "PROG: N passed, N failed".
 */
#ifndef DOM0_CHECK_H
#define DOM0_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int checks_passed, checks_failed;

#define CHECK(name, cond, ...)                      \
	do {                                        \
		if (cond) {                         \
			printf("PASS: %s\n", name); \
			checks_passed++;            \
		} else {                            \
			printf("FAIL: %s: ", name); \
			printf(__VA_ARGS__);        \
			printf("\n");               \
			checks_failed++;            \
		}                                   \
		fflush(stdout);                     \
	} while (0)

/* A call expected to fail with errno E (rc == -1). */
#define CHECK_ERRNO(name, rc, e)                                          \
	do {                                                              \
		long r_ = (long)(rc);                                     \
		int e_ = errno;                                           \
		CHECK(name, r_ == -1 && e_ == (e),                        \
		      "got %ld (%s), want -1 (%s)", r_,                   \
		      r_ == -1 ? strerror(e_) : "no error", strerror(e)); \
	} while (0)

static inline int checks_done(const char *prog)
{
	printf("%s: %d passed, %d failed\n", prog, checks_passed,
	       checks_failed);
	return checks_failed ? 1 : 0;
}

#endif
