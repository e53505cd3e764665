/* SPDX-License-Identifier: MIT */
/*
 * sti; hlt racing the local APIC timer: thousands of one-shot counts from
 * a few hundred nanoseconds to tens of microseconds, each followed at once
 * by hlt, so the timer often fires while Mica is between the hlt exit and
 * descheduling the vcpu.  Every hlt must be woken by its interrupt; a lost
 * wake-up leaves the vcpu blocked for good and run.sh reports a timeout.
 */
#include "hvm.h"

const char test_title[] = "hlt racing the APIC timer: no lost wake-up";

#define VEC 0x50
/* The race was QEMU's (SVM); VMX saves the STI shadow with the guest's
 * interruptibility state, and Bochs is slow: fewer rounds there. */
#define ROUNDS_AMD 4000
#define ROUNDS_INTEL 1000

static volatile unsigned int hits;
static uint64_t seed = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (uint32_t)seed;
}

static void timer_irq(unsigned int vec)
{
	(void)vec;
	hits++;
	lapic_eoi();
}

void test_main(void)
{
	uint32_t r[4];
	unsigned int rounds;

	cpuid(0, 0, r);
	rounds = r[1] == 0x756e6547 ? ROUNDS_INTEL : ROUNDS_AMD; /* "Genu" */
	irq_handlers[VEC] = timer_irq;
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_TDCR, 0xb); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, VEC);
	for (unsigned int i = 0; i < rounds; i++) {
		unsigned int want = hits + 1;

		cli();
		lapic_write(LAPIC_TMICT, 200 + rnd() % 40000);
		while (hits < want)
			sti_hlt();
		cli();
		if (hits != want)
			test_fail("round %u: %u interrupts, expected %u", i,
				  hits, want);
	}
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	printk("%u one-shot timers woke hlt\n", rounds);
	test_pass();
}
