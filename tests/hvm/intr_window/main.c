/* SPDX-License-Identifier: MIT */
/*
 * When the back end may inject an interrupt: never with rflags.IF clear
 * (a self-IPI stays in the IRR across hundreds of exits), exactly at the
 * end of an STI shadow that ends in an exiting instruction (sti; out:
 * the interrupt arrives after the out, before the next instruction, as
 * on the bare CPU: Mica completed the out, so no shadow is left), after
 * a MOV SS shadow likewise, and at once when the window opens (sti; nop
 * with the interrupt already pending: an interrupt-window exit).
 */
#include "hvm.h"

const char test_title[] = "interrupt windows and STI/MOV SS shadows";

#define VEC 0x48
#define ICR_SELF (1u << 18)

static volatile unsigned int taken;

static void irq(unsigned int vector)
{
	(void)vector;
	taken++;
	lapic_eoi();
}

static void self_ipi(void)
{
	lapic_write(LAPIC_ICR, ICR_SELF | VEC);
}

/* cli; a pending self-IPI survives exits without delivery. */
static void pending_with_if_clear(void)
{
	uint32_t r[4];

	cli();
	self_ipi();
	for (unsigned int i = 0; i < 300; i++) {
		outb(0x80, 0);
		cpuid(0, 0, r);
	}
	if (taken)
		test_fail("an interrupt delivered with IF clear");
	if (!lapic_bit(LAPIC_IRR, VEC))
		test_fail("the self-IPI is not in the IRR");
}

void test_main(void)
{
	unsigned int seen;
	uint16_t ss;

	lapic_write(LAPIC_SVR, 0x1ff);
	irq_handlers[VEC] = irq;

	/* sti; out (exits in the shadow): taken after the out. */
	pending_with_if_clear();
	asm volatile("sti\n\t"
		     "outb %%al, $0x80\n\t"
		     "movl %1, %0\n\t"
		     "cli"
		     : "=r"(seen)
		     : "m"(taken)
		     : "memory");
	if (seen != 1 || taken != 1)
		test_fail("sti; out: %u taken before the next instruction, "
			  "%u in all (expected 1, 1)",
			  seen, taken);

	/* mov ss; out: the same with a MOV SS shadow, IF already set (the
	 * interrupt must wait for the shadow, then come). */
	taken = 0;
	asm volatile("mov %%ss, %0" : "=r"(ss));
	self_ipi();
	asm volatile("sti\n\t"
		     "mov %2, %%ss\n\t"
		     "outb %%al, $0x80\n\t"
		     "movl %1, %0\n\t"
		     "cli"
		     : "=&r"(seen)
		     : "m"(taken), "r"(ss)
		     : "memory");
	if (taken != 1)
		test_fail("mov ss; out: %u interrupts taken, expected 1",
			  taken);

	/* Pending with IF clear, then sti; nop; nop: the window opens. */
	taken = 0;
	pending_with_if_clear();
	asm volatile("sti; nop; nop; cli" ::: "memory");
	if (taken != 1)
		test_fail("sti; nop; nop: %u interrupts taken, expected 1",
			  taken);
	if (lapic_bit(LAPIC_IRR, VEC) || lapic_bit(LAPIC_ISR, VEC))
		test_fail("vector still in the IRR or ISR after its EOI");
	if (irq_unexpected)
		test_fail("%lu unexpected interrupts", irq_unexpected);
	test_pass();
}
