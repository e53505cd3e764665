/* SPDX-License-Identifier: MIT */
/*
 * An instruction the emulator does not do (inc on the local APIC's TPR)
 * crashes the domain with its bytes (hvm.h P4) instead of guessing.
 */
#include "hvm.h"

const char test_title[] = "unknown instruction on MMIO: domain crashed";

void test_main(void)
{
	printk("incl on the local APIC TPR\n");
	asm volatile("incl (%0)" ::"r"(LAPIC_BASE + LAPIC_TPR) : "memory");
	test_fail("incl on MMIO returned");
}
