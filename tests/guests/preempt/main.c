/* SPDX-License-Identifier: MIT */
/*
 * Preemptible hypercalls (public/mica.h calling convention note 6): a very
 * long mmu_update batch, alone and inside a multicall, is preempted by the
 * timer (the hypervisor rewinds the guest to the hypercall with the
 * arguments advanced) and still completes exactly: every request applied
 * once, the right count done, and the first error stops it at the right
 * place across continuations.
 */
#include "boot.h"
#include "hypercall.h"
#include "test.h"
#include "vcpu.h"
#include "public/errno.h"
#include "public/mmu.h"
#include "public/multicall.h"

const char test_title[] = "preemptible hypercalls: long mmu_update batches";

#define N 131072 /* requests: far longer than a time slice */

static struct mica_mmu_update reqs[N];
static const uint64_t *const m2p = (const uint64_t *)MICA_M2P_VIRT_START;

/* mmu_update with the argument registers visible afterwards. */
static long mmu_update_regs(uint64_t *rdi_out, uint32_t *done)
{
	register uint64_t rdi asm("rdi") = (uint64_t)reqs;
	register uint64_t rsi asm("rsi") = N;
	register uint64_t rdx asm("rdx") = (uint64_t)done;
	register uint64_t r10 asm("r10") = MICA_DOMID_SELF;
	register uint64_t r8 asm("r8") = 0;
	long ret;

	asm volatile(
		"call hypercall_page + %c[offset]"
		: "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10),
		  "+r"(r8)
		: [offset] "i"(MICA_HC_mmu_update * MICA_HYPERCALL_SLOT_SIZE)
		: "rcx", "r11", "memory");
	*rdi_out = rdi;
	return ret;
}

/*
 * Fills the batch: the spare page's L1 entry toggles between read-only and
 * writable (ending writable), and every fourth request sets the frame's
 * M2P entry to its index (the last one back to the real pfn).
 */
static void fill(uint64_t l1e, uint64_t mfn, uint64_t pfn)
{
	for (uint64_t i = 0; i < N; i++) {
		if (i % 4 == 3) {
			reqs[i].ptr = (mfn << 12) | MICA_MMU_MACHPHYS_UPDATE;
			reqs[i].val = i == N - 1 ? pfn : i;
		} else {
			reqs[i].ptr = l1e;
			reqs[i].val = (mfn << 12) | PTE_P | (i & 1 ? 0 : PTE_W);
		}
	}
	reqs[N - 2].val |= PTE_W;
}

void test_main(void)
{
	uint64_t va = boot_mapping_end() - 4096, mfn = guest_va_to_mfn(va);
	uint64_t l1e = guest_l1e_maddr(va), pfn = m2p[mfn], rdi;
	static struct mica_multicall_entry mc[2];
	uint32_t done = 0;
	long rc;

	printk("one batch of %u requests\n", N);
	fill(l1e, mfn, pfn);
	rc = mmu_update_regs(&rdi, &done);
	test_expect_rc(rc, 0, "long mmu_update");
	if (done != N)
		test_fail("%u of %u reported done", done, N);
	if (rdi == (uint64_t)reqs)
		test_fail("the batch was never preempted (rdi unchanged)");
	else
		printk("  preempted; last continuation at request %lu\n",
		       (rdi - (uint64_t)reqs) / sizeof(reqs[0]));
	if (m2p[mfn] != pfn)
		test_fail("M2P entry %lu, expected %lu", m2p[mfn], pfn);
	*(volatile uint64_t *)va = 42; /* writable, as the last request */

	printk("an error after preemption\n");
	reqs[N - 1000].ptr = l1e | 3; /* unknown request type */
	done = 0;
	rc = mmu_update_regs(&rdi, &done);
	test_expect_rc(rc, -MICA_ENOSYS, "batch failing at %u", N - 1000);
	if (done != N - 1000)
		test_fail("%u reported done, expected %u", done, N - 1000);
	if (rdi == (uint64_t)reqs)
		test_fail("the failing batch was never preempted");
	reqs[N - 1000].ptr = l1e;

	printk("the batch inside a multicall\n");
	done = 0;
	mc[0].op = MICA_HC_mmu_update;
	mc[0].args[0] = (uint64_t)reqs;
	mc[0].args[1] = N;
	mc[0].args[2] = (uint64_t)&done;
	mc[0].args[3] = MICA_DOMID_SELF;
	mc[1].op = MICA_HC_mmu_update;
	mc[1].args[0] = (uint64_t)reqs;
	mc[1].args[1] = 1;
	mc[1].args[3] = MICA_DOMID_SELF;
	mc[0].result = mc[1].result = 99;
	test_expect_rc(HYPERCALL5(MICA_HC_multicall, mc, 2, 0, 0, 0), 0,
		       "multicall");
	test_expect_rc((long)mc[0].result, 0, "long entry");
	test_expect_rc((long)mc[1].result, 0, "entry after it");
	if (done != N)
		test_fail("%u of %u reported done in the multicall", done, N);
	if (mc[0].args[0] == (uint64_t)reqs)
		test_fail("the multicall entry was never preempted");
	if (m2p[mfn] != pfn)
		test_fail("M2P entry %lu after the multicall", m2p[mfn]);
	test_pass();
}
