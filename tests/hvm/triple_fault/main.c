/* SPDX-License-Identifier: MIT */
/*
 * An exception with no usable IDT becomes a triple fault; on a PC that
 * resets the machine.  Mica crashes just the domain (hvm.h P6).
 */
#include "hvm.h"

const char test_title[] = "triple fault: domain crashed, machine intact";

void test_main(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = { 0, 0 };

	printk("loading an empty IDT, then int3\n");
	asm volatile("lidt %0; int3" ::"m"(none));
	test_fail("int3 with an empty IDT returned");
}
