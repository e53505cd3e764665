/* SPDX-License-Identifier: MIT */
/*
 * A write to where a PC has its local APIC, which Mica does not emulate
 * yet: no frame, no device, so the domain is crashed (hvm.h P4) and the
 * machine's own local APIC is never reached.
 */
#include "hvm.h"

const char test_title[] = "write to the local APIC page: domain crashed";

void test_main(void)
{
	volatile uint32_t *eoi = (volatile uint32_t *)0xfee000b0UL;

	printk("writing the local APIC EOI register\n");
	*eoi = 0;
	test_fail("write to %p returned", (void *)eoi);
}
