/* SPDX-License-Identifier: MIT */
/*
 * The PV paging hypercalls: mmu_update, mmuext_op, update_va_mapping
 * (public/mmu.h).  Everything runs under the caller's mm_lock; the rules
 * live in pv/mm.c.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/grant_table.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/memory.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <asm/hvm.h>
#include <asm/cpu.h>
#include <asm/flushtlb.h>
#include <asm/m2p.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/smp.h>
#include <asm/pv_desc.h>
#include <public/mmu.h>

#define BATCH_CHUNK 64 /* items between preemption checks */

_Static_assert(sizeof(struct mica_mmuext_op) <= 3 * sizeof(uint64_t) &&
		       sizeof(struct mica_mmu_update) <= 3 * sizeof(uint64_t),
	       "run_batch item buffer");

static bool owned_by(mfn_t mfn, const struct domain *d)
{
	return mfn < page_alloc_table_frames() &&
	       mfn_to_page(mfn)->owner == d->id;
}

/*
 * Replaces entry 'idx' of the table in frame 'mfn' (typed as a level-'level'
 * table) with 'val': the new entry's references are taken first, then it
 * is written, then the old entry's are dropped.
 */
static int update_entry(struct domain *d, struct domain *fd, mfn_t mfn,
			unsigned int level, unsigned int idx, uint64_t val,
			bool preserve_ad)
{
	uint64_t *entry = (uint64_t *)mfn_to_virt(mfn) + idx;
	uint64_t old = *entry;
	int rc;

	if (level == 4 &&
	    (idx >= MICA_L4_FIRST_HYPERVISOR_SLOT &&
	     idx < MICA_L4_FIRST_HYPERVISOR_SLOT + MICA_L4_NR_HYPERVISOR_SLOTS))
		return -EPERM; /* T5 */
	if (level == 1 && grant_pte_in_use(d, (mfn << PAGE_SHIFT) + idx * 8))
		return -EBUSY; /* T9: the grant's; unmap_grant_ref removes it */
	if (val & PTE_P) {
		rc = pv_get_entry_foreign(&val, level, d, fd);
		if (rc)
			return rc;
	}
	if (preserve_ad) {
		/* The CPU may set A/D meanwhile: keep what it set. */
		while (!__atomic_compare_exchange_n(
			entry, &old, val | (old & (PTE_A | PTE_D)), false,
			__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			;
	} else {
		old = __atomic_exchange_n(entry, val, __ATOMIC_SEQ_CST);
	}
	if (old & PTE_P)
		pv_put_entry(old, level, d);
	return 0;
}

static int mmu_update_one(struct domain *d, struct domain *fd,
			  const struct mica_mmu_update *r)
{
	uint64_t ptr = r->ptr & ~MICA_MMU_REQUEST_MASK;
	mfn_t mfn = ptr >> PAGE_SHIFT;
	unsigned int type;

	switch (r->ptr & MICA_MMU_REQUEST_MASK) {
	case MICA_MMU_NORMAL_PT_UPDATE:
	case MICA_MMU_PT_UPDATE_PRESERVE_AD:
		if (ptr & 7)
			return -EINVAL;
		if (mfn >= page_alloc_table_frames())
			return -EINVAL;
		if (!owned_by(mfn, d))
			return -EPERM;
		type = pv_page_type(mfn);
		if (type < PGT_L1 || type > PGT_L4)
			return -EINVAL;
		return update_entry(d, fd, mfn, type - PGT_L1 + 1,
				    (ptr & (PAGE_SIZE - 1)) / 8, r->val,
				    (r->ptr & MICA_MMU_REQUEST_MASK) ==
					    MICA_MMU_PT_UPDATE_PRESERVE_AD);
	case MICA_MMU_MACHPHYS_UPDATE:
		if (!owned_by(mfn, d))
			return -EPERM;
		m2p_set(mfn, r->val);
		return 0;
	default:
		return -ENOSYS;
	}
}

/*
 * Runs a batch of items of 'size' bytes from guest memory through 'one',
 * under the domain's mm_lock, stopping at the first failure, and writes the
 * number done to done_gaddr (if not 0).  Preemptible: every BATCH_CHUNK
 * items it may stop and continue as hypercall 'nr' with items and count
 * advanced; bits 32-63 of the count argument carry the number already done
 * by earlier parts (a guest passes count zero-extended, mica.h note 8).
 * An item may itself stop part-way (HYPERCALL_PREEMPTED): the call then
 * continues at that item.
 */
static long run_batch(struct vcpu *v, unsigned int nr, uint64_t items,
		      uint64_t count_arg, size_t size, uint64_t done_gaddr,
		      uint64_t foreign,
		      int (*one)(struct vcpu *v, void *ctx, const void *item),
		      void *ctx)
{
	struct domain *d = v->domain;
	uint64_t item[3]; /* the larger of the two request structs */
	uint32_t count = (uint32_t)count_arg, earlier = count_arg >> 32;
	uint32_t done = 0;
	unsigned long flags;
	long rc = 0;

	while (done < count && !rc) {
		if (done && hypercall_preempt_check())
			return hypercall_create_continuation(
				nr, items + done * size,
				((uint64_t)(earlier + done) << 32) |
					(count - done),
				done_gaddr, foreign, 0);
		flags = pv_mm_lock(d);
		for (uint32_t n = 0; n < BATCH_CHUNK && done < count;
		     n++, done++) {
			if (copy_from_guest(item, items + done * size, size)) {
				rc = -EFAULT;
				break;
			}
			rc = one(v, ctx, item);
			if (rc)
				break;
		}
		pv_mm_unlock(d, flags);
		/* An item that stopped part-way (pin/unpin of a big tree) is
		 * issued again and carries on. */
		if (rc == HYPERCALL_PREEMPTED)
			return hypercall_create_continuation(
				nr, items + done * size,
				((uint64_t)(earlier + done) << 32) |
					(count - done),
				done_gaddr, foreign, 0);
	}
	done += earlier;
	if (done_gaddr && copy_to_guest(done_gaddr, &done, sizeof(done)))
		return -EFAULT;
	return rc;
}

static int mmu_update_item(struct vcpu *v, void *fd, const void *item)
{
	return mmu_update_one(v->domain, fd, item);
}

long do_mmu_update(uint64_t reqs, uint64_t count, uint64_t done_gaddr,
		   uint64_t foreign, uint64_t a5)
{
	struct vcpu *v = current_vcpu();
	struct domain *fd = NULL;
	long rc;

	(void)a5;
	/* MMIO frames (owned by DOMID_IO) need only permission (T4a). */
	if (foreign != MICA_DOMID_SELF && foreign != v->domain->id &&
	    foreign != MICA_DOMID_IO) {
		/* Only the privileged domain maps another's frames (T4a). */
		if (!v->domain->privileged)
			return -EPERM;
		fd = foreign < MICA_DOMID_FIRST_RESERVED ?
			     domain_get((uint16_t)foreign) :
			     NULL;
		if (!fd)
			return -ESRCH;
	}
	rc = run_batch(v, MICA_HC_mmu_update, reqs, count,
		       sizeof(struct mica_mmu_update), done_gaddr, foreign,
		       mmu_update_item, fd);
	if (fd)
		domain_put(fd);
	return rc;
}

static int set_base(struct vcpu *v, mfn_t mfn, bool user)
{
	struct domain *d = v->domain;
	paddr_t *base = user ? &v->arch.cr3_user : &v->arch.cr3_kernel;
	paddr_t old;
	int rc;

	if (user && mfn == 0) {
		rc = 0;
	} else {
		rc = pv_get_page_and_type(mfn, d, PGT_L4);
		if (rc)
			return rc;
	}
	old = *base;
	*base = mfn << PAGE_SHIFT;
	/* The caller is in kernel mode.  Off the old L4 before its last
	 * reference may go (devalidation clears Mica's slots in it). */
	if (!user)
		write_cr3(*base);
	if (old)
		pv_put_page_and_type(old >> PAGE_SHIFT, d);
	return 0;
}

/*
 * Reads a vcpu bitmap (mmu.h (c)): ceil(max_vcpus / 64) words, no bit at
 * or above max_vcpus.  0, -EFAULT or -ENOENT.
 */
static int read_vcpu_mask(const struct domain *d, uint64_t gaddr,
			  uint64_t *mask)
{
	_Static_assert(MAX_VCPUS_PER_DOMAIN <= 64, "one mask word");
	if (copy_from_guest(mask, gaddr, sizeof(*mask)))
		return -EFAULT;
	if (d->max_vcpus < 64 && (*mask >> d->max_vcpus))
		return -ENOENT;
	return 0;
}

/* The vcpus a flush scope names (MICA_UVMF_LOCAL, _MULTI with the bitmap
 * at mask_gaddr, _ALL).  0, -EFAULT or -ENOENT. */
static int scope_vcpus(const struct vcpu *v, unsigned int scope,
		       uint64_t mask_gaddr, uint64_t *vcpus)
{
	if (scope == MICA_UVMF_MULTI)
		return read_vcpu_mask(v->domain, mask_gaddr, vcpus);
	*vcpus = scope == MICA_UVMF_ALL ? ~0ULL : 1ULL << v->id;
	return 0;
}

/*
 * Flushes the TLBs of 'vcpus' (bit per vcpu): whole, or just va for
 * MICA_UVMF_INVLPG.  Remote vcpus are flushed on the CPUs where they are
 * loaded (wholly there); vcpus not loaded anywhere have nothing cached.
 */
static void flush_vcpus(const struct vcpu *v, uint64_t vcpus, unsigned int kind,
			uint64_t va)
{
	uint64_t self = 1ULL << v->id;

	if (vcpus & self) {
		if (kind == MICA_UVMF_INVLPG)
			invlpg((void *)va);
		else
			tlb_flush_local();
	}
	if (vcpus & ~self)
		tlb_flush_cpus(tlb_dirty_cpus(v->domain, vcpus & ~self) &
			       ~(1ULL << smp_processor_id()));
}

/* An mmuext flush op: its scope, then the flush. */
static int mmuext_flush(const struct vcpu *v, unsigned int scope,
			uint64_t mask_gaddr, unsigned int kind, uint64_t va)
{
	uint64_t vcpus;
	int rc = scope_vcpus(v, scope, mask_gaddr, &vcpus);

	if (!rc)
		flush_vcpus(v, vcpus, kind, va);
	return rc;
}

static int mmuext_one(struct vcpu *v, const struct mica_mmuext_op *op)
{
	struct domain *d = v->domain;
	mfn_t mfn = op->arg1;

	if (op->pad0)
		return -EINVAL;
	switch (op->cmd) {
	case MICA_MMUEXT_PIN_L1_TABLE:
	case MICA_MMUEXT_PIN_L2_TABLE:
	case MICA_MMUEXT_PIN_L3_TABLE:
	case MICA_MMUEXT_PIN_L4_TABLE:
		if (op->arg2)
			return -EINVAL;
		if (!owned_by(mfn, d))
			return mfn < page_alloc_table_frames() ? -EPERM :
								 -EINVAL;
		if (pv_page_pinned(mfn))
			return -EEXIST;
		return pv_pin_table(
			v, mfn, PGT_L1 + op->cmd - MICA_MMUEXT_PIN_L1_TABLE);
	case MICA_MMUEXT_UNPIN_TABLE:
		if (op->arg2)
			return -EINVAL;
		if (!owned_by(mfn, d))
			return mfn < page_alloc_table_frames() ? -EPERM :
								 -EINVAL;
		return pv_unpin_table(v, mfn);
	case MICA_MMUEXT_NEW_BASEPTR:
	case MICA_MMUEXT_NEW_USER_BASEPTR:
		if (op->arg2)
			return -EINVAL;
		return set_base(v, mfn,
				op->cmd == MICA_MMUEXT_NEW_USER_BASEPTR);
	case MICA_MMUEXT_TLB_FLUSH_LOCAL:
	case MICA_MMUEXT_TLB_FLUSH_ALL:
		if (op->arg1 || op->arg2)
			return -EINVAL;
		return mmuext_flush(v,
				    op->cmd == MICA_MMUEXT_TLB_FLUSH_LOCAL ?
					    MICA_UVMF_LOCAL :
					    MICA_UVMF_ALL,
				    0, MICA_UVMF_TLB_FLUSH, 0);
	case MICA_MMUEXT_INVLPG_LOCAL:
	case MICA_MMUEXT_INVLPG_ALL:
		if (op->arg2 || !guest_range_ok(op->arg1, 1))
			return -EINVAL;
		return mmuext_flush(v,
				    op->cmd == MICA_MMUEXT_INVLPG_LOCAL ?
					    MICA_UVMF_LOCAL :
					    MICA_UVMF_ALL,
				    0, MICA_UVMF_INVLPG, op->arg1);
	case MICA_MMUEXT_TLB_FLUSH_MULTI:
		if (op->arg1)
			return -EINVAL;
		return mmuext_flush(v, MICA_UVMF_MULTI, op->arg2,
				    MICA_UVMF_TLB_FLUSH, 0);
	case MICA_MMUEXT_INVLPG_MULTI:
		if (!guest_range_ok(op->arg1, 1))
			return -EINVAL;
		return mmuext_flush(v, MICA_UVMF_MULTI, op->arg2,
				    MICA_UVMF_INVLPG, op->arg1);
	case MICA_MMUEXT_SET_LDT:
		return pv_set_ldt(v, op->arg1, op->arg2);
	default:
		/* Page copy is still to come. */
		return -ENOSYS;
	}
}

static int mmuext_item(struct vcpu *v, void *ctx, const void *item)
{
	(void)ctx;
	return mmuext_one(v, item);
}

long do_mmuext_op(uint64_t ops, uint64_t count, uint64_t done_gaddr,
		  uint64_t foreign, uint64_t a5)
{
	(void)a5;
	if (foreign != MICA_DOMID_SELF)
		return -EINVAL; /* ABI 1.0 */
	return run_batch(current_vcpu(), MICA_HC_mmuext_op, ops, count,
			 sizeof(struct mica_mmuext_op), done_gaddr, foreign,
			 mmuext_item, NULL);
}

/* The L1 frame mapping va in the tables whose L4 is at l4, or 0. */
static mfn_t l1_in(paddr_t l4, uint64_t va)
{
	uint64_t e = l4;

	for (unsigned int level = 4; level > 1; level--) {
		const uint64_t *t =
			mfn_to_virt((e & PTE_ADDR_MASK) >> PAGE_SHIFT);

		e = t[(va >> (12 + 9 * (level - 1))) & 511];
		if (!(e & PTE_P) || (e & PTE_PS))
			return 0;
	}
	return (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

mfn_t pv_l1_of(const struct vcpu *v, uint64_t va)
{
	return l1_in(v->arch.cr3_kernel, va);
}

mfn_t pv_l4_va_to_mfn(paddr_t l4, uint64_t va)
{
	mfn_t l1 = l1_in(l4, va);
	uint64_t e;

	if (!l1)
		return MFN_NONE;
	e = ((const uint64_t *)mfn_to_virt(l1))[(va >> 12) & 511];
	return (e & PTE_P) ? (e & PTE_ADDR_MASK) >> PAGE_SHIFT : MFN_NONE;
}

long do_update_va_mapping(uint64_t va, uint64_t pte, uint64_t flags,
			  uint64_t mask, uint64_t a5)
{
	struct vcpu *v = current_vcpu();
	struct domain *d = v->domain;
	unsigned long irqf;
	uint64_t vcpus;
	mfn_t l1;
	long rc;

	(void)a5;
	if ((flags &
	     ~(uint64_t)(MICA_UVMF_FLUSH_MASK | MICA_UVMF_SCOPE_MASK)) ||
	    (flags & MICA_UVMF_FLUSH_MASK) == 3 ||
	    (flags & MICA_UVMF_SCOPE_MASK) == (3u << 2) ||
	    ((flags & MICA_UVMF_SCOPE_MASK) != MICA_UVMF_MULTI && mask))
		return -EINVAL;
	if ((va & (PAGE_SIZE - 1)) || !guest_range_ok(va, PAGE_SIZE))
		return -EINVAL;
	/* The mask is read (and checked) before anything changes. */
	rc = scope_vcpus(v, flags & MICA_UVMF_SCOPE_MASK, mask, &vcpus);
	if (rc)
		return rc;
	irqf = pv_mm_lock(d);
	l1 = pv_l1_of(v, va);
	rc = l1 && pv_page_type(l1) == PGT_L1 ?
		     update_entry(d, NULL, l1, 1, (va >> 12) & 511, pte,
				  false) :
		     -EINVAL;
	pv_mm_unlock(d, irqf);
	if (rc || !(flags & MICA_UVMF_FLUSH_MASK))
		return rc;
	flush_vcpus(v, vcpus, flags & MICA_UVMF_FLUSH_MASK, va);
	return 0;
}

int arch_map_foreign(struct vcpu *v, struct domain *fd, uint64_t va,
		     uint64_t gfn, bool readonly)
{
	struct domain *d = v->domain;
	uint64_t pte = (gfn << PAGE_SHIFT) | PTE_P | PTE_A | PTE_D |
		       (readonly ? 0 : PTE_W);
	unsigned long irqf;
	mfn_t l1;
	int rc;

	/* HVM: the frame its nested page tables map at gfn. */
	if (is_hvm_domain(fd)) {
		gfn = p2m_lookup(fd, gfn);
		if (!gfn)
			return -EINVAL;
		pte = (gfn << PAGE_SHIFT) | PTE_P | PTE_A | PTE_D |
		      (readonly ? 0 : PTE_W);
	}
	/* PV: the gfn is the mfn; it must be fd's and allocated. */
	if (!owned_by(gfn, fd) || gfn > (PTE_ADDR_MASK >> PAGE_SHIFT))
		return -EINVAL;
	if (!guest_range_ok(va, PAGE_SIZE))
		return -EFAULT;
	irqf = pv_mm_lock(d);
	l1 = pv_l1_of(v, va);
	rc = l1 && pv_page_type(l1) == PGT_L1 ?
		     update_entry(d, fd, l1, 1, (va >> 12) & 511, pte, false) :
		     -EFAULT;
	pv_mm_unlock(d, irqf);
	if (rc == -EPERM)
		rc = -EINVAL; /* released meanwhile */
	if (!rc && d->max_vcpus > 1)
		pv_flush_all_tlbs(); /* the old entry may be cached elsewhere */
	else if (!rc)
		invlpg((void *)va);
	return rc;
}
