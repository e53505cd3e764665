/* SPDX-License-Identifier: MIT */
/*
 * Time (public/time.h): the guest maps its shared-info page and reads system
 * time with the version protocol and rdtsc extrapolation; it must move
 * forward, agree with the TSC's rate, and the wall clock must be plausible.
 */
#include "boot.h"
#include "hypercall.h"
#include "test.h"
#include "timeinfo.h"
#include "public/mmu.h"
#include "public/shared_info.h"

const char test_title[] = "system time and wall clock from shared info";

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define Y2020 1577836800ULL /* 2020-01-01T00:00:00Z */

void test_main(void)
{
	uint64_t va = boot_mapping_end() - 4096, t0, t1, prev, now;
	volatile struct mica_shared_info *si = (void *)va;
	volatile struct mica_vcpu_time_info *t;

	if (HYPERCALL5(MICA_HC_update_va_mapping, va,
		       (start_info->shared_info_mfn << 12) | PTE_P | PTE_W,
		       MICA_UVMF_INVLPG, 0, 0))
		test_error("cannot map the shared-info page");
	t = &si->vcpu_info[0].time;
	printk("version %u, mul %u, shift %d, flags %#x, system time %lu ns\n",
	       t->version, t->tsc_to_system_mul, t->tsc_shift, t->flags,
	       t->system_time);
	if (!t->version || (t->version & 1))
		test_fail("time info version %u: never written or torn",
			  t->version);
	if (!t->tsc_to_system_mul)
		test_fail("tsc_to_system_mul is 0");

	/* Monotonic over many reads, across slice boundaries. */
	prev = time_info_ns(t);
	t0 = prev;
	for (unsigned int i = 0; i < 200000; i++) {
		now = time_info_ns(t);
		if (now < prev) {
			test_fail("time went back from %lu to %lu", prev, now);
			break;
		}
		prev = now;
	}
	t1 = time_info_ns(t);
	printk("200000 reads took %lu us\n", (t1 - t0) / 1000);
	if (t1 <= t0)
		test_fail("system time did not advance");

	printk("wall clock at boot: %lu s since 1970\n", si->wallclock.sec);
	if (si->wallclock.sec < Y2020 || si->wallclock.sec > Y2020 * 2)
		test_fail("wall clock %lu is not plausible", si->wallclock.sec);
	test_pass();
}
