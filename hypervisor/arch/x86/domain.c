/* SPDX-License-Identifier: MIT */
/* x86 domain and vcpu state, and the context switch. */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <asm/cpu.h>
#include <asm/m2p.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/smp.h>
#include <public/mica.h>
#include <public/shared_info.h>

int arch_domain_create(struct domain *d)
{
	(void)d;
	return 0;
}

void arch_domain_destroy(struct domain *d)
{
	/* Its frames go back to the allocator: forget their pfns. */
	for (uint32_t mfn = d->page_list_head; mfn != PFN_NONE;
	     mfn = mfn_to_page(mfn)->next)
		m2p_set(mfn, MICA_INVALID_FRAME);
	/* The shared-info frame is on the page list and freed with it. */
	d->arch.shared_info = NULL;
}

int arch_vcpu_create(struct vcpu *v)
{
	v->arch.kernel_mode = true;
	return 0;
}

/*
 * Switches the CPU's guest frame and page tables from prev to next (either
 * may be NULL: the idle loop).  Mica's own mappings are global and shared
 * by every address space, so the CR3 write costs only guest TLB entries.
 */
void arch_context_switch(struct vcpu *prev, struct vcpu *next)
{
	struct cpu_regs *frame = guest_frame();

	if (prev)
		prev->arch.regs = *frame;
	if (next) {
		*frame = next->arch.regs;
		write_cr3(next->arch.kernel_mode || !next->arch.cr3_user ?
				  next->arch.cr3_kernel :
				  next->arch.cr3_user);
	} else {
		write_cr3(paging_idle_cr3());
	}
}
