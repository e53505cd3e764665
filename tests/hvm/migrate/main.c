/* SPDX-License-Identifier: MIT */
/*
 * An HVM vcpu moved between CPUs while it runs (run.sh boots this with the
 * PV "hvm_migrate" guest as dom0, which pins this vcpu alternately to CPU
 * 0 and CPU 1).  Under VMX each move clears the VMCS on the old CPU and
 * loads it on the new one (new host state, VPID, EPT flush); under SVM it
 * takes a new ASID.  The guest's registers, MSRs, control registers and
 * SSE state must survive every move.
 */
#include "hvm.h"

#include "public/sched.h"

const char test_title[] = "an HVM vcpu moved between CPUs keeps its state";

#define MSR_LSTAR 0xc0000082
#define MSR_FS_BASE 0xc0000100
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_PAT 0x277
#define CR4_OSFXSR 0x200
#define ROUNDS 3000

static const struct {
	uint32_t msr;
	uint64_t value;
} msrs[] = {
	{ MSR_LSTAR, 0xffff8000abcd0000UL },
	{ MSR_FS_BASE, 0x5555000 },
	{ MSR_KERNEL_GS_BASE, 0x6666000 },
	{ MSR_PAT, 0x0007010600070106UL },
};

static void set_xmm(uint64_t seed)
{
	uint64_t v[2] = { seed, ~seed };

	asm volatile("movdqu %0, %%xmm3" ::"m"(v));
}

static bool xmm_holds(uint64_t seed)
{
	uint64_t a[2];

	asm volatile("movdqu %%xmm3, %0" : "=m"(a));
	return a[0] == seed && a[1] == ~seed;
}

void test_main(void)
{
	uint64_t cr0, cr3, cr4, v;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %0, %%cr4" ::"r"(cr4 | CR4_OSFXSR));
	asm volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2"
		     : "=r"(cr0), "=r"(cr3), "=r"(cr4));
	for (unsigned int i = 0; i < ARRAY_SIZE(msrs); i++)
		if (probe_wrmsr(msrs[i].msr, msrs[i].value) >= 0)
			test_fail("wrmsr %x raised %lu", msrs[i].msr,
				  fault_vector);
	for (unsigned int round = 0; round < ROUNDS; round++) {
		uint64_t c0, c3, c4;

		set_xmm(0xfedcba9876543210UL + round);
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
		if (!xmm_holds(0xfedcba9876543210UL + round)) {
			test_fail("xmm3 changed across yield %u", round);
			break;
		}
		asm volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2"
			     : "=r"(c0), "=r"(c3), "=r"(c4));
		if (c0 != cr0 || c3 != cr3 || c4 != cr4) {
			test_fail("round %u: cr0/3/4 %lx %lx %lx, were %lx "
				  "%lx %lx",
				  round, c0, c3, c4, cr0, cr3, cr4);
			break;
		}
		if (round % 100)
			continue;
		for (unsigned int i = 0; i < ARRAY_SIZE(msrs); i++)
			if (probe_rdmsr(msrs[i].msr, &v) >= 0 ||
			    v != msrs[i].value) {
				test_fail("round %u: MSR %x reads %lx, wrote "
					  "%lx",
					  round, msrs[i].msr, v, msrs[i].value);
				return;
			}
	}
	test_pass();
}
