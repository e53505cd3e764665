/* SPDX-License-Identifier: MIT */
/*
 * The test runner inside every guest: guest_main() checks the start-info
 * page, runs test_main(), prints the one "Test result:" line and shuts the
 * domain down.  See test.h for the contract a test follows.
 */
#include "test.h"

#include "public/errno.h"
#include "public/sched.h"

const struct mica_start_info *start_info;

void guest_shutdown(uint32_t reason_code)
{
	struct mica_sched_shutdown arg = { .reason = reason_code };
	long rc = hypercall_sched_op(MICA_SCHEDOP_shutdown, &arg);

	/* Only a suspend returns.  Say so, and wait for the run's time
	 * limit: there is no other way to stop. */
	printk("shutdown(%u) returned %ld; spinning\n", reason_code, rc);
	for (;;)
		asm volatile("pause");
}

/* "mica-<major>." : a start-info page of the ABI major we were built for. */
#define MAGIC_PREFIX "mica-" STRINGIFY(MICA_ABI_VERSION_MAJOR) "."

void guest_main(struct mica_start_info *si)
{
	printk("Mica test guest: %s\n", test_title);

	if (!si || !IS_ALIGNED((uintptr_t)si, MICA_PAGE_SIZE))
		test_error("start info at %p: not a page address", (void *)si);
	else if (memcmp(si->magic, MAGIC_PREFIX, strlen(MAGIC_PREFIX)))
		test_error("start info magic '%.32s', expected '%s...'",
			   si->magic, MAGIC_PREFIX);
	else {
		start_info = si;
		test_main();
	}
	guest_shutdown(test_print_result());
}
