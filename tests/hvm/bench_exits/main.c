/* SPDX-License-Identifier: MIT */
/*
 * Exit costs of an HVM guest (`make bench`), each the best of short
 * batches, in TSC cycles per operation, printed as "bench: metric value
 * cycles":
 *   hvm_exit_cpuid         CPUID, handled by Mica
 *   hvm_exit_pio           IN of the UART's scratch register, emulated by Mica
 *   hvm_exit_mmio          read of the local APIC's TPR: nested page fault,
 *                          instruction emulator, device
 *   hvm_ioreq_pio          IN of a port served by dom0 (ioreq_dm): request,
 *                          event, model, answer, wake-up
 *   hvm_ioreq_mmio         the same for an MMIO read through the emulator
 *   hvm_ioreq_buffered_write  an MMIO write posted to the model's ring
 * Every operation's result is checked, so it is also a test (`make test`).
 */
#include "hvm.h"

#include "../../guests/ioreq_dm/ioreq_dev.h"

const char test_title[] = "bench: HVM exit and device-model round-trip costs";

#define BATCH 50
#define BATCHES 8
#define UART_SCR 0x3ff

static uint64_t best;
static unsigned int wrong;

static void keep(uint64_t t0)
{
	uint64_t t = rdtsc() - t0;

	if (t < best)
		best = t;
}

static void report(const char *metric)
{
	printk("bench: %s %lu cycles\n", metric, best / BATCH);
	best = ~0ULL;
}

static bool device_ready(void)
{
	for (unsigned long i = 0; i < 2000000UL; i++) {
		if (inl(DEV_PORT_ID) == DEV_MAGIC)
			return true;
		for (unsigned int j = 0; j < 2000; j++)
			asm volatile("pause");
	}
	return false;
}

void test_main(void)
{
	uint32_t r[4];
	uint64_t t0;

	best = ~0ULL;
	for (unsigned int b = 0; b < BATCHES; b++) {
		t0 = rdtsc();
		for (unsigned int i = 0; i < BATCH; i++) {
			cpuid(0, 0, r);
			wrong += r[0] == 0;
		}
		keep(t0);
	}
	report("hvm_exit_cpuid");

	outb(UART_SCR, 0x5a);
	for (unsigned int b = 0; b < BATCHES; b++) {
		t0 = rdtsc();
		for (unsigned int i = 0; i < BATCH; i++)
			wrong += inb(UART_SCR) != 0x5a;
		keep(t0);
	}
	report("hvm_exit_pio");

	lapic_write(LAPIC_TPR, 0x20);
	for (unsigned int b = 0; b < BATCHES; b++) {
		t0 = rdtsc();
		for (unsigned int i = 0; i < BATCH; i++)
			wrong += lapic_read(LAPIC_TPR) != 0x20;
		keep(t0);
	}
	report("hvm_exit_mmio");
	lapic_write(LAPIC_TPR, 0);

	if (!device_ready()) {
		test_fail("the device model never served the ID port");
		return;
	}
	for (unsigned int b = 0; b < BATCHES; b++) {
		t0 = rdtsc();
		for (unsigned int i = 0; i < BATCH; i++)
			wrong += inl(DEV_PORT_ID) != DEV_MAGIC;
		keep(t0);
	}
	report("hvm_ioreq_pio");

	*(volatile uint64_t *)(DEV_MMIO_BASE + 8) = 0x0123456789abcdefULL;
	for (unsigned int b = 0; b < BATCHES; b++) {
		t0 = rdtsc();
		for (unsigned int i = 0; i < BATCH; i++)
			wrong += *(volatile uint64_t *)(DEV_MMIO_BASE + 8) !=
				 0x0123456789abcdefULL;
		keep(t0);
	}
	report("hvm_ioreq_mmio");

	{
		volatile uint64_t *count =
			(volatile uint64_t *)(DEV_BUF_BASE + DEV_BUF_COUNT);
		uint64_t n0 = *count;

		for (unsigned int b = 0; b < BATCHES; b++) {
			t0 = rdtsc();
			for (unsigned int i = 0; i < BATCH; i++)
				*(volatile uint32_t *)DEV_BUF_BASE = i;
			keep(t0);
			wrong += *count - n0 != (b + 1) * BATCH; /* drained */
		}
		report("hvm_ioreq_buffered_write");
	}

	if (wrong)
		test_fail("%u operations returned the wrong value", wrong);
	else
		test_pass();
	outl(DEV_PORT_CMD, DEV_CMD_DONE);
}
