/* SPDX-License-Identifier: MIT */
/* x86 domain and vcpu state, and the context switch. */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/perfc.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <mica/time.h>
#include <asm/iomem.h>
#include <asm/cpu.h>
#include <asm/flushtlb.h>
#include <asm/debugreg.h>
#include <asm/hvm.h>
#include <asm/pv.h>
#include <asm/pv_desc.h>
#include <asm/m2p.h>
#include <asm/mm.h>
#include <asm/msr-index.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <public/mica.h>
#include <public/shared_info.h>

int arch_domain_create(struct domain *d)
{
	struct page_info *pg;
	struct mica_shared_info *shared;

	spin_lock_init(&d->arch.mm_lock);
	spin_lock_init(&d->arch.io_lock);
	pg = domain_alloc_pages_unlimited(d, 0);
	if (!pg)
		return -ENOMEM;
	/*
	 * Mica writes this page whenever it likes (time, events): it holds a
	 * writable type reference for the domain's life, so the page can
	 * never become a page table or descriptor page (public/mmu.h T1).
	 */
	if (pv_get_page_and_type(page_to_mfn(pg), d, PGT_WRITABLE)) {
		domain_free_page(d, pg);
		return -ENOMEM;
	}
	shared = page_to_virt(pg);
	for (unsigned int i = 0; i < MICA_SHARED_INFO_VCPUS; i++)
		shared->vcpu_info[i].evtchn_upcall_mask = 1;
	d->arch.shared_info = pg;
	arch_domain_set_wallclock(d);
	return 0;
}

/* Frames released between two looks at the clock. */
#define RELINQUISH_CHECK_EVERY 8

bool arch_domain_relinquish(struct domain *d, uint64_t deadline)
{
	struct arch_domain *a = &d->arch;
	unsigned long flags;
	unsigned int n = 0;
	uint32_t mfn;

	if (a->relinquish_stage == 0) {
		hvm_ioreq_relinquish(d); /* its device models, or as one */
		if (is_hvm_domain(d))
			hvm_domain_destroy(d);
		else
			pv_desc_relinquish(d);
		flags = pv_mm_lock(d);
		for (unsigned int i = 0; i < d->max_vcpus; i++) {
			struct vcpu *v = d->vcpus[i];

			if (!v || is_hvm_domain(d))
				continue;
			if (v->arch.cr3_user)
				pv_dying_put_base(v->arch.cr3_user >>
						  PAGE_SHIFT);
			if (v->arch.cr3_kernel)
				pv_dying_put_base(v->arch.cr3_kernel >>
						  PAGE_SHIFT);
			v->arch.cr3_user = v->arch.cr3_kernel = 0;
		}
		/* Both types: arch_domain_create typed the shared-info page. */
		if (d->arch.shared_info) /* its writable type reference */
			pv_put_page_and_type(page_to_mfn(d->arch.shared_info),
					     d);
		/* Every frame keeps its allocation reference until the
		 * tables are gone, so the page list does not change. */
		a->relinquish_next = d->page_list_head;
		a->relinquish_stage = 1;
		pv_mm_unlock(d, flags);
	}
	if (a->relinquish_stage == 1) {
		flags = pv_mm_lock(d);
		for (mfn = a->relinquish_next; mfn != PFN_NONE;
		     mfn = mfn_to_page(mfn)->next) {
			if (++n % RELINQUISH_CHECK_EVERY == 0 &&
			    system_time_ns() >= deadline)
				break;
			pv_dying_release_frame(d, mfn);
			/* Its frames go back to the allocator: forget their
			 * pfns. */
			m2p_set(mfn, MICA_INVALID_FRAME);
		}
		a->relinquish_next = mfn;
		pv_mm_unlock(d, flags);
		if (mfn != PFN_NONE)
			return false;
		/* The shared-info frame is on the page list and freed with
		 * it. */
		d->arch.shared_info = NULL;
		iomem_domain_teardown(d);
		a->relinquish_stage = 2;
	}
	return true;
}

void arch_domain_destroy(struct domain *d)
{
	while (!arch_domain_relinquish(d, ~0ULL))
		;
}

uint64_t arch_domain_shared_info_mfn(const struct domain *d)
{
	return d->arch.shared_info ? page_to_mfn(d->arch.shared_info) : 0;
}

bool arch_domain_is_hvm(const struct domain *d)
{
	return is_hvm_domain(d);
}

int arch_vcpu_create(struct vcpu *v)
{
	struct mica_shared_info *shared =
		page_to_virt(v->domain->arch.shared_info);

	if (v->id < MICA_SHARED_INFO_VCPUS)
		v->arch.vcpu_info = &shared->vcpu_info[v->id];
	v->arch.kernel_mode = true;
	v->arch.ds = v->arch.es = GUEST_DS; /* public/start_info.h */
	if ((uintptr_t)&v->arch.fpu & 63)
		return -ENOMEM; /* xsave needs 64-byte alignment */
	pv_fpu_vcpu_init(v);
	v->arch.debugreg[6] = DR6_RESERVED_ONES;
	v->arch.debugreg[7] = DR7_RESERVED_ONES;
	v->arch.dirty_cpu = -1;
	if (is_hvm_domain(v->domain))
		return hvm_vcpu_create(v);
	return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
	if (is_hvm_vcpu(v))
		hvm_vcpu_destroy(v);
}

/*
 * Switches the CPU's guest frame and page tables from prev to next (either
 * may be NULL: the idle loop).  Mica's own mappings are global and shared
 * by every address space, so the CR3 write costs only guest TLB entries.
 */
static void save_segments(struct arch_vcpu *a)
{
	__asm__ __volatile__("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; "
			     "mov %%gs, %3"
			     : "=m"(a->ds), "=m"(a->es), "=m"(a->fs),
			       "=m"(a->gs));
	a->fs_base = rdmsr(MSR_FS_BASE);
	a->gs_base = rdmsr(MSR_GS_BASE);
	a->gs_base_other = rdmsr(MSR_KERNEL_GS_BASE);
}

/*
 * Mica itself never uses DS, ES, FS or GS, so a guest's values stay loaded
 * while Mica runs and change only here.  A selector of the guest's own
 * GDT or LDT may no longer load (the guest changed the descriptor): it
 * becomes null and the guest's failsafe callback runs (pv.h).
 */
static void load_segments(const struct arch_vcpu *prev, struct vcpu *v)
{
	const struct arch_vcpu *a = &v->arch;
	unsigned int loaded = pv_load_data_selectors(v, prev);

	/* Loading a selector clears the 64-bit bases: set them after.  prev
	 * (NULL: unknown) holds the bases in the MSRs now. */
	if (!prev || (loaded & PV_SEL_FS) || prev->fs_base != a->fs_base)
		wrmsr(MSR_FS_BASE, a->fs_base);
	if (!prev || (loaded & PV_SEL_GS) || prev->gs_base != a->gs_base)
		wrmsr(MSR_GS_BASE, a->gs_base);
	if (!prev || prev->gs_base_other != a->gs_base_other)
		wrmsr(MSR_KERNEL_GS_BASE, a->gs_base_other);
}

/* Refreshes the vcpu's time info (public/time.h version protocol). */
void arch_vcpu_update_time(struct vcpu *v)
{
	struct mica_vcpu_time_info *t = &v->arch.vcpu_info->time;
	uint64_t tsc, ns;
	uint32_t mul;
	int8_t shift;

	time_scale(&mul, &shift, &tsc, &ns);
	t->version++; /* odd: being updated */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t->tsc_timestamp = tsc;
	t->system_time = ns;
	t->tsc_to_system_mul = mul;
	t->tsc_shift = shift;
	t->flags = time_info.tsc_invariant ? MICA_TIME_TSC_STABLE : 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t->version++;
}

/*
 * PV and HVM vcpus share the CPU.  A PV vcpu's registers are the CPU
 * frame and its segments are live in the CPU; an HVM vcpu's are in its
 * hvm_vcpu and VMCB, and the back end swaps the rest around each guest
 * entry (hvm/svm/entry.S), so only PV state is saved and loaded here.
 * FPU, debug registers and descriptor windows are switched for both (an
 * HVM vcpu has no breakpoints or descriptor frames of Mica's kind, so it
 * gets cleared ones).  While an HVM vcpu runs, CR3 is Mica's own.
 */
void arch_context_switch(struct vcpu *prev, struct vcpu *next)
{
	struct cpu_regs *frame = guest_frame();
	uint64_t flushes, cr3;

	perfc_incr(context_switches);
	this_cpu()->exit_cr3 = 0; /* next's tables are loaded below */
	if (prev && !is_hvm_vcpu(prev)) {
		prev->arch.regs = *frame;
		save_segments(&prev->arch);
	}
	pv_fpu_switch(prev, next);
	debugreg_switch(prev, next);
	pv_desc_switch(next); /* before next's selectors are loaded */
	flushes = tlb_switch_begin(next ? &next->arch.dirty_cpu : NULL);
	if (is_hvm_vcpu(next)) {
		arch_vcpu_update_time(next);
		write_cr3(paging_idle_cr3());
	} else if (next) {
		*frame = next->arch.regs;
		load_segments(prev && !is_hvm_vcpu(prev) ? &prev->arch : NULL,
			      next);
		arch_vcpu_update_time(next);
		cr3 = next->arch.kernel_mode || !next->arch.cr3_user ?
			      next->arch.cr3_kernel :
			      next->arch.cr3_user;
		/*
		 * Vcpus on the same tables (a domain's vcpus on its kernel
		 * L4) share their translations: no CR3 write, no TLB lost.
		 * What stays cached is of tables next runs on, and a flush
		 * of every vcpu of the domain finds next here; the requests
		 * seen above get their flush all the same.
		 */
		if (cr3 != read_cr3())
			write_cr3(cr3);
		else if (flushes)
			tlb_flush_local();
	} else {
		write_cr3(paging_idle_cr3());
	}
	tlb_switch_end(prev ? &prev->arch.dirty_cpu : NULL, flushes);
}

/* The way back into the current vcpu, by its type. */
void arch_return_to_guest(void)
{
	if (is_hvm_vcpu(current_vcpu()))
		hvm_return_to_guest();
	pv_return_to_guest();
}
