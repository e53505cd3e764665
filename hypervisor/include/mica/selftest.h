/* SPDX-License-Identifier: MIT */
/*
 * In-hypervisor self-tests, run at boot with "selftest" on the command line
 * (XTF style: each prints one PASS/FAIL/SKIP line; the run ends with a
 * "selftest: N passed, N failed, N skipped" line and the machine exits).
 *
 *	static int test_heap_reuse(void) { ... return 0 or -errno ... }
 *	SELFTEST(heap_reuse, test_heap_reuse);
 *
 * A test returns 0 for pass, SELFTEST_SKIP to skip, anything else fails;
 * it explains a failure with selftest_fail(...) first.
 */
#ifndef MICA_SELFTEST_H
#define MICA_SELFTEST_H

#include <mica/compiler.h>

#define SELFTEST_SKIP 1

struct selftest {
	const char *name;
	int (*fn)(void);
};

#define SELFTEST(n, f)                                                \
	static const struct selftest __selftest_##n __used __section( \
		".selftests") __aligned(8) = { #n, f }

/* Records why the running test fails (printed on its FAIL line). */
void selftest_fail(const char *fmt, ...) __printf(1, 2);

/*
 * Runs the self-tests named by "selftest=": "all" (every test, then exit),
 * "fault" (boot, then take a deliberate page fault) or "stack-overflow"
 * (overflow the stack into its guard page).  Returns if none is asked for.
 */
void selftest_run(void);

#endif
