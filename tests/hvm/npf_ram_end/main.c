/* SPDX-License-Identifier: MIT */
/*
 * A read of the first byte past the guest's RAM reaches no frame in its
 * nested page tables: Mica crashes the domain (hvm.h P4) and the run
 * goes on (tests/hvm/run.sh: expect-crash).
 */
#include "hvm.h"

const char test_title[] = "read past the end of RAM: domain crashed";

void test_main(void)
{
	volatile uint8_t *p =
		(volatile uint8_t *)(hvm_start_info->nr_pages * MICA_PAGE_SIZE);

	printk("reading %p, past RAM\n", (void *)p);
	(void)*p;
	test_fail("read %p past RAM returned", (void *)p);
}
