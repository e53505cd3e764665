/* SPDX-License-Identifier: MIT */
/*
 * The credit scheduler on one CPU shared by two vcpus of equal weight
 * (run.conf: smp=1, dom0_max_vcpus=2): both get their turn and roughly the
 * same CPU time while both spin, and a yield hands the CPU to the other.
 */
#include "boot.h"
#include "hypercall.h"
#include "test.h"
#include "vcpu.h"
#include "public/sched.h"

const char test_title[] = "credit scheduler: fair shares on one CPU, yield";

#define SPIN_MS 900
#define YIELDS 200

static volatile uint64_t spins[2];
static volatile uint64_t deadline;
static volatile uint32_t turn, started;

static void spin(unsigned int id)
{
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	while (!deadline)
		;
	while (time_ns() < deadline)
		spins[id]++;
}

static void yielder(unsigned int id)
{
	for (uint32_t i = 0; i < YIELDS; i++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 2 * i + 1)
			hypercall_sched_op(MICA_SCHEDOP_yield, 0);
		__atomic_store_n(&turn, 2 * i + 2, __ATOMIC_RELEASE);
	}
	(void)id;
}

void test_main(void)
{
	uint64_t ratio;

	if (time_init(boot_mapping_end() - 4096)) {
		test_error("cannot map shared info");
		return;
	}
	printk("two spinning vcpus on one CPU for %u ms\n", SPIN_MS);
	test_expect_rc(vcpu_start(1, spin), 0, "start vcpu 1");
	while (!started)
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
	deadline = time_ns() + SPIN_MS * 1000000ULL;
	spin(0);
	while (vcpu_op(MICA_VCPUOP_is_up, 1, 0) == 1)
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
	printk("  vcpu 0: %lu spins, vcpu 1: %lu spins\n", spins[0], spins[1]);
	if (!spins[0] || !spins[1]) {
		test_fail("a vcpu never ran");
	} else {
		ratio = spins[0] * 100 / spins[1];
		/* Equal weights: each about half; allow a slice or two. */
		if (ratio < 60 || ratio > 166)
			test_fail("unfair: vcpu 0 got %lu%% of vcpu 1's work",
				  ratio);
	}

	printk("%u yields back and forth\n", YIELDS);
	vcpu_context_init(&(struct mica_vcpu_guest_context){ 0 }, 1, yielder);
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 1, 0), 0, "up(1)");
	for (uint32_t i = 0; i < YIELDS; i++) {
		__atomic_store_n(&turn, 2 * i + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 2 * i + 2)
			hypercall_sched_op(MICA_SCHEDOP_yield, 0);
	}
	test_pass();
}
