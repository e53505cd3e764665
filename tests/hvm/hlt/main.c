/* SPDX-License-Identifier: MIT */
/*
 * HLT exits to Mica.  With interrupts off nothing can wake the vcpu, so it
 * goes down and, being the last, powers the domain off (hvm.h P5): the
 * test prints its verdict first and stops with cli; hlt instead of the
 * shutdown hypercall.  run.sh checks the power-off in the log (expect).
 */
#include "hvm.h"

const char test_title[] = "cli; hlt: the vcpu goes down, the domain powers off";

void test_main(void)
{
	test_pass();
	test_print_result_now();
	asm volatile("cli; hlt");
	printk("hlt with interrupts off returned\n");
	for (;;)
		;
}
