/* SPDX-License-Identifier: MIT */
/*
 * The PV side of grant mappings (mica/grant_table.h arch hooks): frame
 * references with the page-type rules of pv/mm.c, grant PTEs in the
 * mapper's L1 tables, and TLB flushes aimed at the CPUs where the
 * mapper's vcpus are loaded.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/grant_table.h>
#include <mica/page_alloc.h>
#include <asm/cpu.h>
#include <asm/flushtlb.h>
#include <asm/m2p.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/smp.h>
#include <public/mica.h>

int arch_grant_frame_get(mfn_t frame, struct domain *d, bool write)
{
	return write ? pv_get_page_and_type(frame, d, PGT_WRITABLE) :
		       pv_get_page(frame, d);
}

void arch_grant_frame_put_type(mfn_t frame, struct domain *d)
{
	pv_put_type(frame, d);
}

void arch_grant_frame_put(mfn_t frame)
{
	pv_put_page(frame);
}

int arch_grant_pte_get(struct vcpu *v, uint64_t host_addr, bool contains_pte,
		       uint64_t *pte_maddr)
{
	struct domain *d = v->domain;
	mfn_t l1;

	if (contains_pte) {
		if (host_addr & 7)
			return -EFAULT;
		l1 = host_addr >> PAGE_SHIFT;
		*pte_maddr = host_addr;
	} else {
		l1 = pv_l1_of(v, host_addr);
		*pte_maddr = (l1 << PAGE_SHIFT) +
			     ((host_addr >> PAGE_SHIFT) & 511) * 8;
	}
	if (!l1 || l1 >= page_alloc_table_frames() ||
	    mfn_to_page(l1)->owner != d->id || pv_page_type(l1) != PGT_L1)
		return -EFAULT;
	/* Typed L1 already: this only counts, it cannot fail to validate. */
	return pv_get_page_and_type(l1, d, PGT_L1) ? -EFAULT : 0;
}

void arch_grant_pte_put(struct domain *d, uint64_t pte_maddr)
{
	pv_put_page_and_type(pte_maddr >> PAGE_SHIFT, d);
}

static uint64_t *pte_at(uint64_t pte_maddr)
{
	return maddr_to_virt(pte_maddr);
}

void arch_grant_pte_install(struct domain *d, uint64_t pte_maddr, mfn_t frame,
			    bool write)
{
	/* As T4e stores entries: U set, G clear; never executable. */
	uint64_t e = (frame << PAGE_SHIFT) | PTE_P | PTE_U | PTE_A | PTE_NX;
	uint64_t old;

	if (write)
		e |= PTE_W | PTE_D;
	old = __atomic_exchange_n(pte_at(pte_maddr), e, __ATOMIC_SEQ_CST);
	if (old & PTE_P)
		pv_put_entry(old, 1, d);
}

void arch_grant_pte_clear(struct domain *d, uint64_t pte_maddr)
{
	(void)d;
	/* Its references belong to the maptrack entry, released later. */
	__atomic_store_n(pte_at(pte_maddr), 0, __ATOMIC_SEQ_CST);
}

/*
 * The PTEs were changed before this: flush the CPUs where d's vcpus are
 * loaded (asm/flushtlb.h).  When that is only this CPU, the usual case of
 * a backend unmapping on its own vcpu, the addresses are invalidated one
 * by one, which is much cheaper than a full flush.
 */
void arch_grant_flush(struct domain *d, const uint64_t *va, unsigned int nr_va)
{
	uint64_t cpus = tlb_dirty_cpus(d, ~0ULL);

	if (nr_va && cpus == 1ULL << smp_processor_id()) {
		for (unsigned int i = 0; i < nr_va; i++)
			invlpg((void *)va[i]);
		return;
	}
	if (cpus)
		tlb_flush_cpus(cpus);
}

int arch_grant_transfer_take(struct domain *d, mfn_t frame)
{
	if (frame >= page_alloc_table_frames())
		return -EINVAL;
	/* Grant-table frames hold a type reference: refused too. */
	return pv_page_release(d, mfn_to_page(frame));
}

void arch_grant_transfer_done(mfn_t frame)
{
	m2p_set(frame, MICA_INVALID_FRAME);
	pv_page_unrelease(mfn_to_page(frame));
}

void arch_grant_transfer_undo(mfn_t frame)
{
	pv_page_unrelease(mfn_to_page(frame));
}
