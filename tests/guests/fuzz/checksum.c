/* SPDX-License-Identifier: MIT */
/*
 * The checksum domain: fills its free memory (start_info.h L9, about 3.5
 * MiB) with a pattern, keeps a checksum of it and verifies it again and
 * again while the fuzzer runs, until dom0 sets `stop` in its status page.
 * Any change, by the fuzzer through a hypervisor bug, fails the test.
 */
#include "fuzz.h"
#include "test.h"

#include "public/sched.h"

/* Verify at most this long without dom0 ever saying stop. */
#define CHECKSUM_MAX_NS (20ULL * 60 * 1000000000)

static uint64_t pattern(uint64_t va)
{
	uint64_t x = va * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

static uint64_t checksum(const volatile uint64_t *p, uint64_t words)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < words; i++)
		sum = ((sum << 7) | (sum >> 57)) ^ p[i];
	return sum;
}

/* The first word that differs from the pattern, for the report. */
static void report_change(const volatile uint64_t *p, uint64_t words)
{
	for (uint64_t i = 0; i < words; i++) {
		if (p[i] != pattern((uint64_t)&p[i])) {
			test_fail("memory changed at %p: %#lx, expected %#lx",
				  (void *)&p[i], p[i],
				  pattern((uint64_t)&p[i]));
			return;
		}
	}
	test_fail("checksum changed, but every word matches the pattern");
}

void checksum_main(void)
{
	/* L9 from the top of the boot stack; the last page maps shared info. */
	uint64_t end = boot_mapping_end() - 4096;
	volatile uint64_t *mem =
		(volatile uint64_t *)ROUND_UP(boot_regs.rsp, 4096);
	uint64_t words = (end - (uint64_t)mem) / 8, sum, start;

	if (fuzz_time_init(end)) {
		test_error("cannot map the shared-info page");
		return;
	}
	for (uint64_t i = 0; i < words; i++)
		mem[i] = pattern((uint64_t)&mem[i]);
	sum = checksum(mem, words);
	printk("fuzz: checksum %#lx over %lu KiB at %p\n", sum, words / 128,
	       (void *)mem);
	fuzz_announce(FUZZ_ROLE_CHECKSUM);
	start = fuzz_now();
	while (!fuzz_status.stop) {
		if (checksum(mem, words) != sum) {
			fuzz_status.failed = 1;
			report_change(mem, words);
			return;
		}
		fuzz_status.progress++;
		if (fuzz_now() - start > CHECKSUM_MAX_NS) {
			test_error("dom0 never said stop (%lu rounds)",
				   fuzz_status.progress);
			return;
		}
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	}
	if (checksum(mem, words) != sum) {
		report_change(mem, words);
		return;
	}
	printk("fuzz: memory unchanged after %lu rounds\n",
	       fuzz_status.progress);
	test_pass();
}
