/* SPDX-License-Identifier: MIT */
/*
 * FPU/SSE/AVX state (public/arch-x86/pv.h MICA_HC_fpu_taskswitch, #NM):
 * a new vcpu starts with a clean FPU, its registers survive hypercalls,
 * traps and yields, and the virtual CR0.TS raises #NM once, cleared
 * before delivery.  (One domain only: a switch to another domain's vcpu
 * is not exercised until multi-domain boot exists.)
 */
#include "cpu.h"
#include "fpu.h"
#include "hypercall.h"
#include "test.h"
#include "public/sched.h"

const char test_title[] = "FPU, SSE and AVX state; fpu_taskswitch and #NM";

static uint8_t xmm_in[16][16] __attribute__((aligned(16)));
static uint8_t xmm_out[16][16] __attribute__((aligned(16)));
static uint8_t ymm_in[16][32] __attribute__((aligned(32)));
static uint8_t ymm_out[16][32] __attribute__((aligned(32)));

/* clang-format off */
#define YMM_ALL(a, b)							\
	__asm__ __volatile__(						\
		a "0(%0), %%ymm0" b a "32(%0), %%ymm1" b		\
		a "64(%0), %%ymm2" b a "96(%0), %%ymm3" b		\
		a "128(%0), %%ymm4" b a "160(%0), %%ymm5" b		\
		a "192(%0), %%ymm6" b a "224(%0), %%ymm7" b		\
		a "256(%0), %%ymm8" b a "288(%0), %%ymm9" b		\
		a "320(%0), %%ymm10" b a "352(%0), %%ymm11" b		\
		a "384(%0), %%ymm12" b a "416(%0), %%ymm13" b		\
		a "448(%0), %%ymm14" b a "480(%0), %%ymm15" b		\
		::"r"(ymm_in) : "memory")
#define YMM_STORE_ALL()							\
	__asm__ __volatile__(						\
		"vmovdqu %%ymm0, 0(%0)\n vmovdqu %%ymm1, 32(%0)\n"	\
		"vmovdqu %%ymm2, 64(%0)\n vmovdqu %%ymm3, 96(%0)\n"	\
		"vmovdqu %%ymm4, 128(%0)\n vmovdqu %%ymm5, 160(%0)\n"	\
		"vmovdqu %%ymm6, 192(%0)\n vmovdqu %%ymm7, 224(%0)\n"	\
		"vmovdqu %%ymm8, 256(%0)\n vmovdqu %%ymm9, 288(%0)\n"	\
		"vmovdqu %%ymm10, 320(%0)\n vmovdqu %%ymm11, 352(%0)\n"	\
		"vmovdqu %%ymm12, 384(%0)\n vmovdqu %%ymm13, 416(%0)\n"	\
		"vmovdqu %%ymm14, 448(%0)\n vmovdqu %%ymm15, 480(%0)\n"	\
		::"r"(ymm_out) : "memory")
/* clang-format on */

static bool has_avx;

static void check_initial_state(void)
{
	uint32_t mxcsr = 0;
	uint16_t fcw = 0, fsw = 0xffff;

	printk("initial state\n");
	fpu_xmm_store(xmm_out);
	for (unsigned int r = 0; r < 16; r++)
		for (unsigned int i = 0; i < 16; i++)
			if (xmm_out[r][i])
				test_fail("xmm%u not zero at start", r);
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	__asm__ __volatile__("fnstcw %0" : "=m"(fcw));
	__asm__ __volatile__("fnstsw %0" : "=m"(fsw));
	if (mxcsr != 0x1f80)
		test_fail("initial MXCSR %#x, expected 0x1f80", mxcsr);
	if (fcw != 0x37f || fsw != 0)
		test_fail("initial FCW %#x FSW %#x, expected 0x37f, 0", fcw,
			  fsw);
}

static void load_patterns(unsigned int seed)
{
	for (unsigned int r = 0; r < 16; r++)
		for (unsigned int i = 0; i < 32; i++) {
			if (i < 16)
				xmm_in[r][i] = (uint8_t)(seed + r * 16 + i);
			ymm_in[r][i] = (uint8_t)(seed * 3 + r * 32 + i + 1);
		}
	if (has_avx)
		YMM_ALL("vmovdqu ", "\n");
	else
		fpu_xmm_load(xmm_in);
	__asm__ __volatile__("fninit; fld1; fldpi");
	__asm__ __volatile__("ldmxcsr %0" ::"m"((uint32_t){ 0x1fc0 }));
}

static void check_patterns(const char *after)
{
	uint64_t pi_bits = 0, one_bits = 0;
	uint32_t mxcsr = 0;

	if (has_avx) {
		YMM_STORE_ALL();
		for (unsigned int r = 0; r < 16; r++)
			for (unsigned int i = 0; i < 32; i++)
				if (ymm_out[r][i] != ymm_in[r][i]) {
					test_fail("%s: ymm%u byte %u changed",
						  after, r, i);
					r = 16;
					break;
				}
	} else {
		fpu_xmm_store(xmm_out);
		for (unsigned int r = 0; r < 16; r++)
			for (unsigned int i = 0; i < 16; i++)
				if (xmm_out[r][i] != xmm_in[r][i]) {
					test_fail("%s: xmm%u byte %u changed",
						  after, r, i);
					r = 16;
					break;
				}
	}
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	/* fstpl pops pi, then 1.0 (as doubles). */
	__asm__ __volatile__("fstpl %0; fstpl %1"
			     : "=m"(pi_bits), "=m"(one_bits));
	if (mxcsr != 0x1fc0)
		test_fail("%s: MXCSR %#x", after, mxcsr);
	if (one_bits != 0x3ff0000000000000ULL ||
	    pi_bits != 0x400921fb54442d18ULL)
		test_fail("%s: x87 stack %#lx %#lx", after, pi_bits, one_bits);
}

static void check_survival(void)
{
	printk("state across hypercalls, traps and yields (%s)\n",
	       has_avx ? "AVX" : "SSE");
	load_patterns(1);
	for (unsigned int i = 0; i < 100; i++)
		hypercall_version(0, 0);
	check_patterns("100 hypercalls");

	load_patterns(2);
	for (unsigned int i = 0; i < 50; i++)
		__asm__ __volatile__("int3");
	check_patterns("50 int3 traps");

	load_patterns(3);
	for (unsigned int i = 0; i < 50; i++)
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
	check_patterns("50 yields");
}

static void check_taskswitch(void)
{
	uint64_t n;
	uint32_t mxcsr = 0;

	printk("fpu_taskswitch and #NM\n");
	cpu_trap_skip = 0;
	test_expect_rc(HYPERCALL5(MICA_HC_fpu_taskswitch, 1, 0, 0, 0, 0), 0,
		       "fpu_taskswitch(1)");
	/* No FPU use in between: hypercalls and traps do not raise #NM. */
	hypercall_version(0, 0);
	n = cpu_last_trap.count;
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	if (cpu_traps_since(n) != 1 || cpu_last_trap.vector != 7)
		test_fail("SSE with TS set: %lu traps, last vector %lu",
			  cpu_traps_since(n), cpu_last_trap.vector);
	if (mxcsr != 0x1fc0)
		test_fail("stmxcsr after #NM returned %#x", mxcsr);
	/* TS was cleared before delivery: no second #NM. */
	n = cpu_last_trap.count;
	__asm__ __volatile__("fld1; fstp %%st(0)" ::: "memory");
	if (cpu_traps_since(n))
		test_fail("a second #NM after the first");

	test_expect_rc(HYPERCALL5(MICA_HC_fpu_taskswitch, 1, 0, 0, 0, 0), 0,
		       "fpu_taskswitch(1)");
	test_expect_rc(HYPERCALL5(MICA_HC_fpu_taskswitch, 0, 0, 0, 0, 0), 0,
		       "fpu_taskswitch(0)");
	n = cpu_last_trap.count;
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	if (cpu_traps_since(n))
		test_fail("#NM after fpu_taskswitch(0)");
	/* Only the low 32 bits count. */
	test_expect_rc(HYPERCALL5(MICA_HC_fpu_taskswitch, 1ULL << 32, 0, 0, 0,
				  0),
		       0, "fpu_taskswitch(1 << 32)");
	n = cpu_last_trap.count;
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	if (cpu_traps_since(n))
		test_fail("#NM after fpu_taskswitch(1 << 32)");
}

void test_main(void)
{
	uint32_t r[4];
	long rc;

	/* Before anything touches the FPU. */
	check_initial_state();
	rc = cpu_traps_install();
	if (rc) {
		test_error("installing the trap table: %ld", rc);
		return;
	}
	cpu_cpuid_forced(1, 0, r);
	has_avx = (r[2] & (1u << 28)) && (r[2] & (1u << 27));
	if (!has_avx)
		printk("no AVX on this CPU: SSE and x87 only\n");
	check_survival();
	check_taskswitch();
	test_pass();
}
