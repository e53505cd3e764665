/* SPDX-License-Identifier: MIT */
/*
 * A write to where a PC may have an HPET, which Mica does not emulate: no
 * frame, no device, so the domain is crashed (hvm.h P4) and the machine's
 * own HPET is never reached.  (The local and I/O APIC pages are emulated:
 * see the apic_* and mmio guests.)
 */
#include "hvm.h"

const char test_title[] = "write to the HPET page: domain crashed";

void test_main(void)
{
	volatile uint32_t *cfg = (volatile uint32_t *)0xfed00010UL;

	printk("writing the HPET configuration register\n");
	*cfg = 1;
	test_fail("write to %p returned", (void *)cfg);
}
