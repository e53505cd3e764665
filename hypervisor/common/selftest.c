/* SPDX-License-Identifier: MIT */
/* The self-test runner; see mica/selftest.h. */
#include <mica/cmdline.h>
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/selftest.h>
#include <mica/shutdown.h>

extern const struct selftest __selftests_start[], __selftests_end[];

static char selftest_mode[32];
param_string("selftest", selftest_mode);
static char fail_reason[160];

void selftest_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fail_reason, sizeof(fail_reason), fmt, ap);
	va_end(ap);
}

/* Deliberate crashes, to prove the crash path works. */
static void __noreturn crash_by_page_fault(void)
{
	volatile uint64_t *bad = (volatile uint64_t *)0xffff8000dead0000UL;

	pr_info("selftest: writing to unmapped address %p\n", (void *)bad);
	*bad = 0x6d696361;
	panic("selftest: the page fault did not happen\n");
}

static unsigned int recurse(unsigned int depth)
{
	volatile char pad[512];

	pad[0] = (char)depth;
	if (depth > (1u << 30)) /* never: the guard page stops us first */
		return 0;
	return recurse(depth + 1) + pad[0];
}

static void __noreturn crash_by_stack_overflow(void)
{
	pr_info("selftest: recursing into the stack guard page\n");
	recurse(0);
	panic("selftest: the stack overflow did not fault\n");
}

static void run_all(void)
{
	unsigned int passed = 0, failed = 0, skipped = 0;

	pr_info("selftest: running %u tests\n",
		(unsigned int)(__selftests_end - __selftests_start));
	for (const struct selftest *t = __selftests_start; t < __selftests_end;
	     t++) {
		int rc;

		fail_reason[0] = '\0';
		rc = t->fn();
		if (rc == 0) {
			passed++;
			pr_info("PASS: %s\n", t->name);
		} else if (rc == SELFTEST_SKIP) {
			skipped++;
			pr_info("SKIP: %s: %s\n", t->name, fail_reason);
		} else {
			failed++;
			pr_err("FAIL: %s: %s (rc %d)\n", t->name,
			       fail_reason[0] ? fail_reason : "failed", rc);
		}
	}
	pr_info("selftest: %u passed, %u failed, %u skipped\n", passed, failed,
		skipped);
	machine_exit(failed ? EXIT_TESTS_FAILED : EXIT_POWEROFF);
}

void selftest_run(void)
{
	if (!strcmp(selftest_mode, "all"))
		run_all();
	else if (!strcmp(selftest_mode, "fault"))
		crash_by_page_fault();
	else if (!strcmp(selftest_mode, "stack-overflow"))
		crash_by_stack_overflow();
	else if (selftest_mode[0])
		pr_err("selftest: unknown mode '%s' (all, fault, "
		       "stack-overflow)\n",
		       selftest_mode);
}
