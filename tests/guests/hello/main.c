/* SPDX-License-Identifier: MIT */
/*
 * The smallest guest: if its result line reaches the log, the builder loaded
 * and entered it, the hypercall page works, MICA_CONSOLEIO_write prints, and
 * MICA_SCHEDOP_shutdown ends the domain.
 */
#include "test.h"

const char test_title[] = "boot, console output and shutdown";

void test_main(void)
{
	printk("Hello from a Mica PV guest: %.32s, %lu pages\n",
	       start_info->magic, start_info->nr_pages);
	test_pass();
}
