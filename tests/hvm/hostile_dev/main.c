/* SPDX-License-Identifier: MIT */
/*
 * A hostile guest against the emulated platform: garbage written to every
 * register of the local APIC (xAPIC page and x2APIC MSRs), the I/O APIC,
 * the PICs, the PIT, the RTC/CMOS and the PM block, in every width and
 * alignment; an IPI storm to itself, to absent APICs and broadcast; INIT
 * and SIPI to itself.  Mica must survive and the platform still work: a
 * local APIC one-shot timer interrupt arrives afterwards.
 */
#include "hvm.h"

const char test_title[] = "hostile: garbage to every emulated device";

#define VEC 0x70

static volatile unsigned int hits;
static uint64_t seed = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (uint32_t)seed;
}

static void count_irq(unsigned int vec)
{
	(void)vec;
	hits++;
	lapic_eoi();
}

/* Whatever the garbage left pending: taken and acknowledged. */
static void eat_irq(unsigned int vec)
{
	(void)vec;
	lapic_eoi();
}

static void lapic_sane(void)
{
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_TMICT, 0);
	for (unsigned int i = 0; i < 256; i++) /* EOI whatever is in service */
		lapic_eoi();
	for (volatile unsigned int i = 0; i < 10000; i++)
		sti();
	cli();
}

static void garbage_lapic(void)
{
	static const uint32_t values[] = { 0, 0xffffffffu, 0x5a5a5a5a,
					   0x000400ff, 0x00020001 };

	for (uint32_t reg = 0; reg < 0x1000; reg += 0x10) {
		volatile uint8_t *p = (volatile uint8_t *)(LAPIC_BASE + reg);

		for (unsigned int i = 0; i < ARRAY_SIZE(values) + 2; i++) {
			uint32_t v = i < ARRAY_SIZE(values) ? values[i] : rnd();

			if (reg == LAPIC_ICR)
				v &= ~(7u << 8) | (2u << 8); /* no INIT/SIPI */
			*(volatile uint32_t *)p = v;
			(void)*(volatile uint32_t *)p;
		}
		*(volatile uint8_t *)(p + 1) = (uint8_t)rnd();
		*(volatile uint16_t *)(p + 2) = (uint16_t)rnd();
		*(volatile uint64_t *)p = ((uint64_t)rnd() << 32) | rnd();
		(void)*(volatile uint64_t *)(p + 4);
		(void)*(volatile uint16_t *)(p + 7);
	}
	lapic_sane();
	/* x2APIC MSRs while in xAPIC mode: all #GP. */
	for (uint32_t msr = 0x800; msr < 0x900; msr++) {
		uint64_t v;

		if (probe_rdmsr(msr, &v) != 13 || probe_wrmsr(msr, rnd()) != 13)
			test_fail("x2APIC MSR %x reachable in xAPIC mode", msr);
	}
}

static void garbage_x2apic(void)
{
	wrmsr(0x1b, 0xfee00000ULL | (1u << 11) | (1u << 10));
	for (uint32_t msr = 0x800; msr < 0x900; msr++) {
		uint64_t v = ((uint64_t)rnd() << 32) | rnd();

		if (msr == 0x830) /* ICR: no INIT/SIPI/NMI */
			v &= ~(7ULL << 8);
		probe_wrmsr(msr, v);
		probe_wrmsr(msr, v & 0xffffffffu);
		probe_rdmsr(msr, &v);
	}
	probe_wrmsr(0x6e0, ~0ULL); /* TSC deadline in the far future */
	probe_wrmsr(0x6e0, 0);
	/* Back to xAPIC: only through disabled. */
	if (probe_wrmsr(0x1b, 0xfee00000ULL | (1u << 11)) != 13)
		test_fail("x2APIC -> xAPIC directly was accepted");
	wrmsr(0x1b, 0xfee00000ULL);
	wrmsr(0x1b, 0xfee00000ULL | (1u << 11));
	lapic_sane();
}

static void garbage_ioapic(void)
{
	volatile uint32_t *io = (volatile uint32_t *)0xfec00000UL;

	for (unsigned int i = 0; i < 256; i++) {
		io[0] = i;
		io[4] = rnd();
		io[4] = 0xffffffffu;
		(void)io[4];
		*(volatile uint8_t *)&io[4] = (uint8_t)rnd();
		*(volatile uint64_t *)&io[0] = ((uint64_t)rnd() << 32) | rnd();
	}
	for (unsigned int off = 0; off < 0x1000; off += 4)
		*(volatile uint32_t *)((uint64_t)io + off) = rnd();
	for (unsigned int pin = 0; pin < 24; pin++) {
		io[0] = 0x10 + 2 * pin;
		io[4] = 1u << 16;
	}
}

static void garbage_ports(void)
{
	static const uint16_t ports[] = { 0x20,	  0x21,	 0xa0,	0xa1,	0x4d0,
					  0x4d1,  0x40,	 0x41,	0x42,	0x43,
					  0x61,	  0x70,	 0x71,	0xb000, 0xb00a,
					  0xb008, 0x3f9, 0x3fa, 0x3fc };

	for (unsigned int round = 0; round < 64; round++)
		for (unsigned int i = 0; i < ARRAY_SIZE(ports); i++) {
			uint32_t v = rnd();

			outb(ports[i], (uint8_t)v);
			outw(ports[i], (uint16_t)v);
			outl(ports[i], v);
			(void)inb(ports[i]);
			(void)inw(ports[i]);
			(void)inl(ports[i]);
		}
	for (unsigned int i = 0; i < 128; i++) {
		outb(0x70, (uint8_t)i);
		outb(0x71, (uint8_t)rnd());
	}
	/* PM1a_CNT (only here: wider writes above would reach it) and the
	 * reset port, but never S5 or a reset. */
	outw(0xb004, (uint16_t)(rnd() & ~(1u << 13)));
	outb(0xcf9, 0x02);
	/* Quiet everything again: PIT stopped, PICs masked. */
	outb(0x43, 0x30);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	outb(0x3f9, 0);
}

static void ipi_storm(void)
{
	cli();
	for (unsigned int i = 0; i < 20000; i++) {
		lapic_write(LAPIC_ICR2, (rnd() & 0xff) << 24);
		lapic_write(LAPIC_ICR, VEC); /* maybe nobody */
		lapic_write(LAPIC_ICR, VEC | (1u << 18)); /* self */
		lapic_write(LAPIC_ICR, VEC | (2u << 18)); /* all */
		lapic_write(LAPIC_ICR, VEC | (3u << 18)); /* all but self */
	}
	hits = 0;
	sti();
	for (volatile unsigned int i = 0; i < 100000; i++)
		;
	cli();
	/* The IRR holds one of each vector: one delivery. */
	if (hits != 1)
		test_fail("IPI storm: %u deliveries of one pending vector",
			  hits);
	/* INIT and SIPI to oneself, directly and by shorthand: ignored. */
	lapic_write(LAPIC_ICR2, 0);
	lapic_write(LAPIC_ICR, 0x4500);
	lapic_write(LAPIC_ICR, 0x4500 | (1u << 18));
	lapic_write(LAPIC_ICR, 0x4500 | (2u << 18));
	lapic_write(LAPIC_ICR, 0x0608 | (1u << 18));
	/* NMI by the Self shorthand: dropped (hvm.h P8; guest nmi). */
	lapic_write(LAPIC_ICR, 0x0400 | (1u << 18));
	printk("still running after INIT, SIPI and NMI to itself\n");
}

void test_main(void)
{
	for (unsigned int v = 32; v < 256; v++)
		irq_handlers[v] = eat_irq;
	garbage_lapic();
	garbage_x2apic();
	garbage_ioapic();
	garbage_ports();
	lapic_sane();
	irq_handlers[VEC] = count_irq;
	ipi_storm();
	/* The platform still works. */
	hits = 0;
	lapic_write(LAPIC_LVT_TIMER, VEC);
	lapic_write(LAPIC_TDCR, 0xb);
	lapic_write(LAPIC_TMICT, 100000);
	for (unsigned long i = 0; i < 100000000UL && !hits; i++)
		sti_hlt();
	cli();
	if (hits != 1)
		test_fail("timer after the garbage: %u interrupts", hits);
	test_pass();
}
