/* SPDX-License-Identifier: MIT */
/*
 * The test-guest API.  A test is a directory with a main.c that defines
 *
 *     const char test_title[] = "one line saying what is tested";
 *     void test_main(void) { ... }
 *
 * and reports through test_pass(), test_skip(), test_fail() and
 * test_error().  When test_main() returns, the guest prints exactly one
 * line "Test result: SUCCESS", "Test result: SKIP: why",
 * "Test result: FAILURE: why" or "Test result: ERROR: why" and shuts down
 * (poweroff after SUCCESS or SKIP, crash otherwise).  A log without that
 * line means the guest died on the way.
 *
 * Verdicts only ever get worse: SUCCESS < SKIP < ERROR < FAILURE.  Every
 * call prints its reason at once; the result line carries the first reason
 * of the worst verdict.  FAILURE means what is under test is broken; ERROR
 * means the test could not do its job (its environment is not what it
 * needs); SKIP means the test does not apply here.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include "boot.h"
#include "hypercall.h"
#include "lib.h"
#include "public/mica.h"
#include "public/start_info.h"

/* Defined by each test. */
extern const char test_title[];
void test_main(void);

/* The start-info page (set before test_main runs; its magic checked). */
extern const struct mica_start_info *start_info;

void test_pass(void);
void test_skip(const char *fmt, ...) __printf(1, 2);
void test_fail(const char *fmt, ...) __printf(1, 2);
void test_error(const char *fmt, ...) __printf(1, 2);

/*
 * Checks that a hypercall returned `want`; otherwise fails the test with
 * "<what>: returned <got>, expected <want>" (errors shown by name).
 * Returns whether it matched.
 */
bool test_expect_rc(long got, long want, const char *what_fmt, ...)
	__printf(3, 4);

/* verdict.c: prints the one result line unless test_print_result_now()
 * did (an ERROR if no verdict was given), and returns the shutdown reason
 * that goes with the verdict. */
uint32_t test_print_result(void);

/* "-MICA_EFAULT" for -MICA_EFAULT, the number itself if it is no error. */
const char *errno_name(long rc, char buf[24]);

/* console.c: formatted output through MICA_CONSOLEIO_write. */
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap) __printf(1, 0);

/*
 * Prints the result line now, for a domain whose test ends in a way it
 * cannot report itself (it is crashed on purpose, and another domain checks
 * that); later verdicts are no longer printed.
 */
void test_print_result_now(void);

/* Stops the domain (MICA_SCHEDOP_shutdown); never returns. */
void __noreturn guest_shutdown(uint32_t reason);

/* The value of the word "key=value" of the command line, or NULL (the
 * pointer runs to the end of the line; the value ends at a space). */
const char *cmdline_value(const char *key);
/* A decimal "key=N"; false if absent or malformed. */
bool cmdline_ulong(const char *key, unsigned long *value);

#endif /* GUEST_TEST_H */
