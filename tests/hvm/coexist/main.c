/* SPDX-License-Identifier: MIT */
/*
 * PV and HVM vcpus on one CPU (run.sh boots this with one CPU and the PV
 * "fpu" guest as dom0, which checks its own FPU state across yields).
 * This guest owns the syscall and segment-base MSRs that Mica's PV entry
 * also uses (vmload/vmsave swap them), and SSE registers; it yields to
 * dom0 many times and checks that all of it survived.  dom0 passing
 * proves the converse: its system calls still reach Mica.
 */
#include "hvm.h"

#include "public/sched.h"

const char test_title[] = "PV and HVM vcpus share a CPU: MSRs, FPU, yields";

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define CR4_OSFXSR 0x200

static const struct {
	uint32_t msr;
	uint64_t value;
} msrs[] = {
	{ MSR_STAR, 0x0023001000000000UL },
	{ MSR_LSTAR, 0xffff8000deadbee0UL },
	{ MSR_CSTAR, 0xffff8000cafef000UL },
	{ MSR_SFMASK, 0x4700 },
	{ MSR_FS_BASE, 0x1111000 },
	{ MSR_GS_BASE, 0x2222000 },
	{ MSR_KERNEL_GS_BASE, 0x3333000 },
};

static void set_xmm(uint64_t seed)
{
	uint64_t v[2] = { seed, ~seed };

	asm volatile("movdqu %0, %%xmm0; movdqu %0, %%xmm7" ::"m"(v));
}

static bool xmm_holds(uint64_t seed)
{
	uint64_t a[2], b[2];

	asm volatile("movdqu %%xmm0, %0; movdqu %%xmm7, %1" : "=m"(a), "=m"(b));
	return a[0] == seed && a[1] == ~seed && b[0] == seed && b[1] == ~seed;
}

void test_main(void)
{
	uint64_t cr4, v;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %0, %%cr4" ::"r"(cr4 | CR4_OSFXSR));
	for (unsigned int i = 0; i < ARRAY_SIZE(msrs); i++)
		if (probe_wrmsr(msrs[i].msr, msrs[i].value) >= 0)
			test_fail("wrmsr %x raised %lu", msrs[i].msr,
				  fault_vector);
	for (unsigned int round = 0; round < 200; round++) {
		set_xmm(0x0123456789abcdefUL + round);
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
		if (!xmm_holds(0x0123456789abcdefUL + round)) {
			test_fail("xmm0/xmm7 changed across yield %u", round);
			break;
		}
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(msrs); i++) {
		if (probe_rdmsr(msrs[i].msr, &v) >= 0 || v != msrs[i].value)
			test_fail("MSR %x reads %lx after the yields, wrote "
				  "%lx",
				  msrs[i].msr, v, msrs[i].value);
	}
	test_pass();
}
