/* SPDX-License-Identifier: MIT */
/*
 * The emulated local APIC (hvm.h P7) through its xAPIC page and, switched
 * to x2APIC, its MSRs: identification registers, the timer in one-shot,
 * periodic and TSC-deadline mode delivering its vector, EOI clearing the
 * ISR, TPR masking a pending interrupt until lowered, hlt woken by the
 * timer.
 */
#include "hvm.h"

const char test_title[] = "local APIC: registers, timer modes, EOI, TPR";

#define VEC 0x40
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define X2APIC_MSR(reg) (0x800 + ((reg) >> 4))

static volatile unsigned int ticks;
static volatile bool in_service_seen;
static bool x2;

static void eoi(void)
{
	if (x2)
		wrmsr(X2APIC_MSR(LAPIC_EOI), 0);
	else
		lapic_eoi();
}

static void timer_irq(unsigned int vec)
{
	(void)vec;
	if (!x2 && lapic_bit(LAPIC_ISR, VEC))
		in_service_seen = true;
	ticks++;
	eoi();
}

/* Waits (with interrupts on, halting) until ticks reaches n or the TSC
 * says too much time passed; returns the ticks seen. */
static unsigned int wait_ticks(unsigned int n, uint64_t max_cycles)
{
	uint64_t end = rdtsc() + max_cycles;

	while (ticks < n && rdtsc() < end) {
		sti();
		asm volatile("pause");
	}
	cli();
	return ticks;
}

static void check_ids(void)
{
	uint32_t ver = lapic_read(LAPIC_VERSION);

	if (lapic_read(LAPIC_ID) >> 24 != 0)
		test_fail("APIC ID %x, expected 0", lapic_read(LAPIC_ID));
	if ((ver & 0xff) < 0x10 || ((ver >> 16) & 0xff) < 5)
		test_fail("APIC version %x", ver);
	if (!(lapic_read(LAPIC_SVR) & 0x100))
		test_fail("APIC software-disabled at boot (SVR %x)",
			  lapic_read(LAPIC_SVR));
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_TPR, 0x20);
	if (lapic_read(LAPIC_TPR) != 0x20 || lapic_read(LAPIC_PPR) != 0x20)
		test_fail("TPR/PPR %x/%x after TPR=20", lapic_read(LAPIC_TPR),
			  lapic_read(LAPIC_PPR));
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_ID, 0x5000000); /* read-only here */
	if (lapic_read(LAPIC_ID) != 0)
		test_fail("APIC ID writable");
}

static void check_oneshot(uint64_t second)
{
	uint32_t c1, c2;

	ticks = 0;
	lapic_write(LAPIC_TDCR, 0xb); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, VEC);
	lapic_write(LAPIC_TMICT, 2000000); /* 20 ms at 100 MHz */
	c1 = lapic_read(LAPIC_TMCCT);
	c2 = lapic_read(LAPIC_TMCCT);
	if (!c1 || c1 > 2000000 || c2 > c1)
		test_fail("one-shot current count %u then %u", c1, c2);
	if (wait_ticks(1, second) != 1)
		test_fail("one-shot timer: %u interrupts", ticks);
	if (!in_service_seen)
		test_fail("the vector was not in service in its handler");
	if (lapic_bit(LAPIC_ISR, VEC))
		test_fail("vector still in service after EOI");
	if (lapic_read(LAPIC_TMCCT) != 0)
		test_fail("expired one-shot count %u", lapic_read(LAPIC_TMCCT));
	wait_ticks(2, second / 10); /* no second interrupt */
	if (ticks != 1)
		test_fail("one-shot timer fired %u times", ticks);
}

static void check_periodic(uint64_t second)
{
	uint64_t t0, cycles;

	ticks = 0;
	t0 = rdtsc();
	lapic_write(LAPIC_LVT_TIMER, VEC | LVT_PERIODIC);
	lapic_write(LAPIC_TMICT, 200000); /* 2 ms */
	if (wait_ticks(20, second) < 20)
		test_fail("periodic timer: %u interrupts in a second", ticks);
	cycles = rdtsc() - t0;
	/* 20 periods of 2 ms: at least 30 ms must have passed. */
	if (cycles < second * 3 / 100)
		test_fail("20 periodic ticks after only %lu cycles", cycles);
	lapic_write(LAPIC_TMICT, 0); /* stops it */
	ticks = 0;
	wait_ticks(1, second / 20);
	if (ticks)
		test_fail("periodic timer still running after TMICT=0");
	printk("periodic: 20 ticks in %lu ms\n", cycles * 1000 / second);
}

static void check_tpr(uint64_t second)
{
	ticks = 0;
	lapic_write(LAPIC_TPR, 0x50); /* above the vector's class 4 */
	lapic_write(LAPIC_LVT_TIMER, VEC);
	lapic_write(LAPIC_TMICT, 100000);
	wait_ticks(1, second / 10);
	if (ticks)
		test_fail("interrupt delivered above the TPR");
	if (!lapic_bit(LAPIC_IRR, VEC))
		test_fail("masked timer interrupt not pending in the IRR");
	lapic_write(LAPIC_TPR, 0);
	if (wait_ticks(1, second / 10) != 1)
		test_fail("interrupt not delivered after lowering the TPR");
}

static void check_hlt_wakeup(void)
{
	ticks = 0;
	lapic_write(LAPIC_LVT_TIMER, VEC);
	lapic_write(LAPIC_TMICT, 1000000); /* 10 ms */
	sti_hlt();
	cli();
	if (ticks != 1)
		test_fail("hlt returned with %u timer interrupts", ticks);
}

static void check_x2apic(uint64_t second)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | (1u << 10));
	x2 = true;
	if (rdmsr(X2APIC_MSR(LAPIC_ID)) != 0)
		test_fail("x2APIC ID %lx", rdmsr(X2APIC_MSR(LAPIC_ID)));
	if (probe_wrmsr(X2APIC_MSR(LAPIC_EOI), 1) != 13)
		test_fail("x2APIC EOI with a value did not #GP");
	if (probe_wrmsr(X2APIC_MSR(LAPIC_VERSION), 0) != 13)
		test_fail("x2APIC version write did not #GP");
	/* TSC deadline, 10 ms ahead. */
	ticks = 0;
	wrmsr(X2APIC_MSR(LAPIC_LVT_TIMER), VEC | LVT_TSC_DEADLINE);
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + second / 100);
	if (wait_ticks(1, second) != 1)
		test_fail("TSC-deadline timer: %u interrupts", ticks);
	if (rdmsr(MSR_TSC_DEADLINE) != 0)
		test_fail("TSC deadline not cleared after firing");
	/* A deadline in the past fires at once; 0 disarms. */
	ticks = 0;
	wrmsr(MSR_TSC_DEADLINE, 1);
	if (wait_ticks(1, second / 10) != 1)
		test_fail("past TSC deadline: %u interrupts", ticks);
	ticks = 0;
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + second / 50);
	wrmsr(MSR_TSC_DEADLINE, 0);
	wait_ticks(1, second / 10);
	if (ticks)
		test_fail("disarmed TSC deadline fired");
	/* The page is gone in x2APIC mode: the MSRs are the way. */
	if (probe_rdmsr(X2APIC_MSR(LAPIC_TPR), &base) >= 0 && base != 0)
		test_fail("x2APIC TPR %lx", base);
}

/*
 * TSC ticks per second from the PM timer (3.579545 MHz, 24 bits): the
 * median of three 20 ms windows, each divided by the PM ticks actually
 * read, with each rdtsc right after its PM read.  (Reading the TSC before
 * the first PM exit counted that exit's wait for a busy host as part of
 * the window: once the rate came out twice too high.)
 */
static uint64_t tsc_per_second(void)
{
	uint64_t hz[3], tmp;

	for (unsigned int i = 0; i < 3; i++) {
		uint32_t p0 = inl(0xb008) & 0xffffff, p1, dp;
		uint64_t t0 = rdtsc(), t1;

		do {
			p1 = inl(0xb008) & 0xffffff;
			t1 = rdtsc();
			dp = (p1 - p0) & 0xffffff;
		} while (dp < 71590); /* 20 ms */
		hz[i] = (t1 - t0) * 3579545ULL / dp;
	}
	for (unsigned int i = 0; i < 2; i++)
		for (unsigned int j = 0; j + 1 < 3 - i; j++)
			if (hz[j] > hz[j + 1]) {
				tmp = hz[j];
				hz[j] = hz[j + 1];
				hz[j + 1] = tmp;
			}
	return hz[1];
}

void test_main(void)
{
	uint64_t second = tsc_per_second();

	printk("TSC about %lu MHz\n", second / 1000000);
	irq_handlers[VEC] = timer_irq;
	check_ids();
	check_oneshot(second);
	check_periodic(second);
	check_tpr(second);
	check_hlt_wakeup();
	check_x2apic(second);
	if (irq_unexpected)
		test_fail("%lu unexpected interrupts", irq_unexpected);
	test_pass();
}
