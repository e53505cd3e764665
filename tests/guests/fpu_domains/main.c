/* SPDX-License-Identifier: MIT */
/*
 * FPU/SSE state across domains (arch-x86/pv.h, asm/fpu.h eager switching):
 * dom0 and two domUs share one CPU (run.conf smp=1) and keep yielding it to
 * each other.  Each puts its own XMM values and MXCSR (rounding mode,
 * flush-to-zero) in the registers, checks after every yield that they are
 * still its own, and changes them before the next one, so each switch
 * carries different state.  Each also checks that it really waited for the
 * CPU (runstate time in RUNNABLE), i.e. that the others ran in between.
 */
#include "fpu.h"
#include "hypercall.h"
#include "test.h"
#include "public/sched.h"
#include "public/start_info.h"
#include "public/vcpu.h"

const char test_title[] = "FPU/SSE state of three domains on one CPU";

#define ROUNDS 20000

/* MXCSR per domain: all exceptions masked, and a distinct rounding mode
 * and flush-to-zero setting (no DAZ, which old CPUs reserve). */
static const uint32_t mxcsr_of[3] = { 0x9f80, 0x5f80, 0x7f80 };

static long runnable_ns(uint64_t *ns)
{
	struct mica_vcpu_runstate_info r;
	long rc = HYPERCALL5(MICA_HC_vcpu_op, MICA_VCPUOP_get_runstate, 0, &r,
			     0, 0);

	*ns = r.time[MICA_RUNSTATE_runnable];
	return rc;
}

void test_main(void)
{
	uint8_t want[16][16], seen[16][16];
	unsigned long seed = 0;
	uint64_t waited0, waited1;
	uint32_t mxcsr;
	int bad;

	if (!(start_info->flags & MICA_START_INFO_INITDOMAIN) &&
	    (!cmdline_ulong("seed", &seed) || seed < 1 || seed > 2)) {
		test_error("domU without seed=1 or seed=2");
		return;
	}
	if (runnable_ns(&waited0)) {
		test_error("get_runstate failed");
		return;
	}
	printk("domain %lu: %u yields with its own SSE state\n", seed, ROUNDS);
	fpu_set_mxcsr(mxcsr_of[seed]);
	for (unsigned int i = 0; i < ROUNDS; i++) {
		fpu_xmm_pattern(want, (unsigned int)(seed * ROUNDS + i));
		fpu_xmm_load(want);
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
		fpu_xmm_store(seen);
		mxcsr = fpu_mxcsr();
		bad = fpu_xmm_diff((const uint8_t(*)[16])seen,
				   (const uint8_t(*)[16])want);
		if (bad >= 0 || mxcsr != mxcsr_of[seed]) {
			test_fail("round %u: xmm%d byte 0 %#x (want %#x), "
				  "MXCSR %#x (want %#x)",
				  i, bad, bad >= 0 ? seen[bad][0] : 0,
				  bad >= 0 ? want[bad][0] : 0, mxcsr,
				  mxcsr_of[seed]);
			return;
		}
	}
	runnable_ns(&waited1);
	if (waited1 == waited0)
		test_fail("never waited for the CPU: no other domain ran");
	test_pass();
}
