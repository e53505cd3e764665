/* SPDX-License-Identifier: MIT */
/*
 * Micro-benchmark of a vcpu context switch: two vcpus of one domain on one
 * CPU hand it back and forth with MICA_SCHEDOP_yield.  Printed as
 * "bench: metric value unit" (run with smp 1 and dom0_max_vcpus=2).
 */
#include "bench.h"
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
	struct bench_counters before, after;
	uint64_t best_cycles = UINT64_MAX, best_ns = 0;
	uint32_t i = 0;

	if (time_init(boot_mapping_end() - 4096) || vcpu_start(1, partner)) {
		test_error("cannot map shared info or start vcpu 1");
		return;
	}
	/* Batches of BENCH_BATCH switches; the fastest counts (bench.h). */
	bench_counters_read(&before);
	for (unsigned int b = 0; b < SWITCHES / BENCH_BATCH; b++) {
		uint64_t t0 = time_ns(), c0 = bench_rdtsc(), c;

		for (uint32_t end = i + BENCH_BATCH / 2; i < end; i++) {
			__atomic_store_n(&turn, 2 * i + 1, __ATOMIC_RELEASE);
			while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) !=
			       2 * i + 2)
				hypercall_sched_op(MICA_SCHEDOP_yield, 0);
		}
		c = bench_rdtsc() - c0;
		if (c < best_cycles) {
			best_cycles = c;
			best_ns = time_ns() - t0;
		}
	}
	bench_counters_read(&after);
	printk("bench: vcpu_switch_yield %lu ns\n", best_ns / BENCH_BATCH);
	printk("bench: vcpu_switch_yield_cycles %lu cycles\n",
	       best_cycles / BENCH_BATCH);
	bench_counters_report("vcpu_switch", &before, &after, SWITCHES);
	test_pass();
}
