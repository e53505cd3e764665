/* SPDX-License-Identifier: MIT */
/* x86 parts of MICA_HC_memory_op (public/memory.h) for PV guests. */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/memory.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <asm/m2p.h>
#include <asm/mm.h>
#include <asm/hvm.h>
#include <asm/page.h>
#include <public/arch-x86/layout.h>
#include <public/memory.h>

#define M2P_CHUNK (2ULL << 20) /* machphys_mfn_list unit */

int arch_page_release(struct domain *d, struct page_info *pg)
{
	return pv_page_release(d, pg);
}

void arch_page_unrelease(struct page_info *pg)
{
	pv_page_unrelease(pg);
}

void arch_flush_released(void)
{
	pv_flush_all_tlbs();
}

void arch_set_page_gfn(mfn_t mfn, uint64_t gfn)
{
	m2p_set(mfn, gfn);
}

int arch_memory_populated(struct domain *d, uint64_t gfn, mfn_t mfn,
			  unsigned int order)
{
	return is_hvm_domain(d) ? hvm_populated(d, gfn, mfn, order) : 0;
}

static long machphys_mapping(uint64_t arg)
{
	struct mica_machphys_mapping m = {
		.virt_start = MICA_M2P_VIRT_START,
		.virt_end = MICA_M2P_VIRT_END,
		.max_mfn = m2p_nr_entries() - 1,
	};

	return copy_to_guest(arg, &m, sizeof(m)) ? -EFAULT : 0;
}

static long machphys_mfn_list(uint64_t arg)
{
	struct mica_machphys_mfn_list l;
	uint64_t chunks = (m2p_table_bytes() + M2P_CHUNK - 1) / M2P_CHUNK;

	if (!current_vcpu()->domain->privileged)
		return -EPERM;
	if (copy_from_guest(&l, arg, sizeof(l)))
		return -EFAULT;
	if (l.max_extents < chunks) {
		l.nr_extents = (uint32_t)chunks;
		return copy_to_guest(arg, &l, sizeof(l)) ? -EFAULT : -ENOSPC;
	}
	for (uint64_t i = 0; i < chunks; i++) {
		uint64_t mfn = m2p_table_mfn() + i * (M2P_CHUNK / PAGE_SIZE);

		if (copy_to_guest(l.list_gaddr + i * sizeof(mfn), &mfn,
				  sizeof(mfn)))
			return -EFAULT;
	}
	l.nr_extents = (uint32_t)chunks;
	return copy_to_guest(arg, &l, sizeof(l)) ? -EFAULT : 0;
}

long arch_memory_op(unsigned int cmd, uint64_t arg)
{
	switch (cmd) {
	case MICA_MEMOP_machphys_mapping:
		return machphys_mapping(arg);
	case MICA_MEMOP_machphys_mfn_list:
		return machphys_mfn_list(arg);
	case MICA_MEMOP_add_to_physmap:
	case MICA_MEMOP_remove_from_physmap:
		return -EOPNOTSUPP; /* translated guests only */
	default:
		return -ENOSYS;
	}
}
