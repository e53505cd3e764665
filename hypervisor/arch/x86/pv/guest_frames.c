/* SPDX-License-Identifier: MIT */
/*
 * Guest frames the hypervisor keeps mapped and writes (event control
 * blocks and array pages, moved vcpu_info), and the vcpu_info pointer:
 * the x86 PV side of the hooks in mica/event.h.  A PV gfn is the mfn; the
 * frame is reached through the direct map and held with a writable type
 * reference, so it can never become a page table meanwhile.  An HVM
 * domain's gfns are its RAM (hvm/evtchn.c).
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/event.h>
#include <mica/page_alloc.h>
#include <asm/hvm.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/smp.h>

int arch_guest_frame_get(struct domain *d, uint64_t gfn, void **va)
{
	unsigned long flags;
	int rc;

	if (is_hvm_domain(d)) /* a gfn of its RAM (hvm/evtchn.c) */
		return hvm_guest_frame_get(d, gfn, va);
	if (gfn >= page_alloc_table_frames())
		return -EINVAL;
	flags = spin_lock_irqsave(&d->arch.mm_lock);
	rc = pv_get_page_and_type(gfn, d, PGT_WRITABLE);
	spin_unlock_irqrestore(&d->arch.mm_lock, flags);
	if (!rc)
		*va = mfn_to_virt(gfn);
	return rc;
}

void arch_guest_frame_put(struct domain *d, uint64_t gfn)
{
	unsigned long flags;

	if (is_hvm_domain(d))
		return; /* no reference taken (hvm/evtchn.c) */
	flags = spin_lock_irqsave(&d->arch.mm_lock);
	pv_put_page_and_type(gfn, d);
	spin_unlock_irqrestore(&d->arch.mm_lock, flags);
}

struct mica_vcpu_info *arch_vcpu_info(struct vcpu *v)
{
	return v->arch.vcpu_info;
}

void arch_vcpu_set_info(struct vcpu *v, struct mica_vcpu_info *info)
{
	v->arch.vcpu_info = info;
}

bool arch_vcpu_kernel_tables_loaded(struct vcpu *v)
{
	return (v->arch.kernel_mode || !v->arch.cr3_user) &&
	       read_cr3() == v->arch.cr3_kernel;
}
