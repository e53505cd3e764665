/* SPDX-License-Identifier: MIT */
/*
 * Shutting down an HVM domain while another of its vcpus spins in guest
 * mode (on `pause`, interrupts off, never exiting by itself): Mica must
 * take the spinning vcpu off its CPU (an IPI that makes it leave guest
 * mode) for the shutdown to finish.  The run ends only if it does.
 */
#include "hvm.h"

const char test_title[] = "Shutdown while another vcpu spins in guest mode";

static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static volatile unsigned int spinning;

static void ap_main(unsigned int id)
{
	(void)id;
	cli();
	spinning = 1;
	for (;;)
		asm volatile("pause");
}

void test_main(void)
{
	if (hvm_start_info->nr_vcpus != 2) {
		test_fail("%u vcpus, expected 2", hvm_start_info->nr_vcpus);
		return;
	}
	ap_main_fn = ap_main;
	ap_stack_top = (uint64_t)&ap_stack[sizeof(ap_stack)];
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_ICR2, 1u << 24);
	lapic_write(LAPIC_ICR, 0x4500); /* INIT */
	lapic_write(LAPIC_ICR2, 1u << 24);
	lapic_write(LAPIC_ICR, 0x0600 | 0x08); /* SIPI: start at 0x8000 */
	for (unsigned long i = 0; i < 200000000UL && !spinning; i++)
		asm volatile("pause");
	if (!spinning) {
		test_fail("vcpu 1 did not start");
		return;
	}
	/* Let vcpu 1 settle in guest mode on the other CPU. */
	for (volatile unsigned long i = 0; i < 2000000; i++)
		;
	printk("vcpu 1 spins; shutting the domain down\n");
	test_pass();
}
