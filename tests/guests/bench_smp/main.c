/* SPDX-License-Identifier: MIT */
/*
 * Micro-benchmark of a vcpu context switch: two vcpus of one domain on one
 * CPU hand it back and forth with MICA_SCHEDOP_yield.  Printed as
 * "bench: metric value unit" (run with smp 1 and dom0_max_vcpus=2).
 */
#include "boot.h"
#include "hypercall.h"
#include "test.h"
#include "vcpu.h"
#include "public/sched.h"

const char test_title[] = "benchmark: vcpu switch through yield";

#define SWITCHES 20000

static volatile uint32_t turn;

static void partner(unsigned int id)
{
	for (uint32_t i = 0; i < SWITCHES / 2; i++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 2 * i + 1)
			hypercall_sched_op(MICA_SCHEDOP_yield, 0);
		__atomic_store_n(&turn, 2 * i + 2, __ATOMIC_RELEASE);
	}
	(void)id;
}

void test_main(void)
{
	uint64_t t0, ns, c0, cycles;

	if (time_init(boot_mapping_end() - 4096) || vcpu_start(1, partner)) {
		test_error("cannot map shared info or start vcpu 1");
		return;
	}
	t0 = time_ns();
	c0 = rdtsc();
	for (uint32_t i = 0; i < SWITCHES / 2; i++) {
		__atomic_store_n(&turn, 2 * i + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 2 * i + 2)
			hypercall_sched_op(MICA_SCHEDOP_yield, 0);
	}
	cycles = rdtsc() - c0;
	ns = time_ns() - t0;
	printk("bench: vcpu_switch_yield %lu ns\n", ns / SWITCHES);
	printk("bench: vcpu_switch_yield_cycles %lu cycles\n",
	       cycles / SWITCHES);
	test_pass();
}
