/* SPDX-License-Identifier: MIT */
/*
 * Page types, reference counts and entry validation for PV direct paging
 * (asm/mm.h, public/mmu.h).  The hypercalls that use them are in
 * pv/mmu_ops.c.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <asm/cpu.h>
#include <asm/flushtlb.h>
#include <asm/iomem.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/pv_desc.h>
#include <asm/smp.h>
#include <public/arch-x86/layout.h>

static unsigned int type_of(const struct page_info *pg)
{
	return (unsigned int)((pg->type_info & PGT_TYPE_MASK) >>
			      PGT_TYPE_SHIFT);
}

static uint64_t type_count(const struct page_info *pg)
{
	return pg->type_info & PGT_COUNT_MASK;
}

/* Physical-address bits the CPU has (CPUID 0x80000008). */
static uint64_t addr_mask(void)
{
	static uint64_t mask;

	if (!mask) {
		uint32_t a, b, c, d;

		cpuid_count(0x80000008, 0, &a, &b, &c, &d);
		mask = ((1ULL << (a & 0xff)) - 1) & PTE_ADDR_MASK;
	}
	return mask;
}

/*
 * A general reference on a frame that d may map: d's own, or (fd != NULL,
 * L1 entries of a privileged caller) one of fd's.  Counts are atomic: a
 * frame of one domain may be referenced under another's mm_lock (foreign
 * mappings).  A count of 0 means the frame is on its way out (released or
 * its dying owner let go): no new references.
 */
static int get_page_foreign(mfn_t mfn, struct domain *d, struct domain *fd)
{
	struct page_info *pg;
	uint32_t c;

	if (mfn >= page_alloc_table_frames())
		return -EINVAL;
	pg = mfn_to_page(mfn);
	if (pg->owner != d->id && (!fd || pg->owner != fd->id))
		return -EPERM;
	c = __atomic_load_n(&pg->count, __ATOMIC_ACQUIRE);
	do {
		if (!c)
			return -EINVAL;
		if (c >= 0xfffffff0u)
			return -EBUSY; /* would overflow */
	} while (!__atomic_compare_exchange_n(&pg->count, &c, c + 1, false,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	return 0;
}

static int get_page(mfn_t mfn, struct domain *d)
{
	return get_page_foreign(mfn, d, NULL);
}

int pv_get_page(mfn_t mfn, struct domain *d)
{
	return get_page(mfn, d);
}

static void put_page(mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	/* 0: the owner is dying and this was the last outside reference. */
	if (__atomic_sub_fetch(&pg->count, 1, __ATOMIC_ACQ_REL) == 0)
		domain_page_last_put(pg);
}

void pv_put_page(mfn_t mfn)
{
	put_page(mfn);
}

static int validate_table(mfn_t mfn, struct domain *d, unsigned int level);
static void devalidate_table(mfn_t mfn, struct domain *d, unsigned int level);
static int undo_partial(mfn_t mfn, struct domain *d);

/* --- PARTIAL tables (asm/mm.h): preemptible pin and unpin --- */

/* Entries handled between preemption checks, at least per call part. */
#define PT_WORK_CHUNK 256

static unsigned int partial_done(const struct page_info *pg)
{
	return (unsigned int)((pg->type_info & PGT_DONE_MASK) >>
			      PGT_DONE_SHIFT);
}

/* The vcpu running a preemptible pin or unpin here, or NULL. */
static struct vcpu *pt_owner(void)
{
	struct vcpu *v = current_vcpu();

	return v && v->arch.pt_preemptible ? v : NULL;
}

/* A PARTIAL frame of the operation under way on this CPU. */
static bool partial_ours(const struct page_info *pg, const struct domain *d)
{
	const struct vcpu *v = pt_owner();

	return (pg->type_info & PGT_PARTIAL) && v && pg->owner == d->id &&
	       ((pg->type_info & PGT_OWNER_MASK) >> PGT_OWNER_SHIFT) == v->id;
}

/* Entries 0..done-1 hold references; type count 1; this op's. */
static void set_partial(struct page_info *pg, unsigned int done, bool undoing,
			bool child)
{
	const struct vcpu *v = pt_owner();

	pg->type_info = (pg->type_info & (PGT_TYPE_MASK | PGT_NEED_FLUSH)) |
			PGT_PARTIAL | (undoing ? PGT_UNDOING : 0) |
			(child ? PGT_CHILD : 0) |
			((uint64_t)v->id << PGT_OWNER_SHIFT) |
			((uint64_t)done << PGT_DONE_SHIFT) | 1;
}

/*
 * Called before each entry a (de)validation handles: true if the running
 * op may stop and should (it has done a chunk and other work waits).
 * Interrupts come in for an instant with the mm_lock held: their handlers
 * never take it.
 */
static bool pt_preempt(void)
{
	struct vcpu *v = pt_owner();

	if (!v)
		return false;
	if (v->arch.pt_work < PT_WORK_CHUNK) {
		v->arch.pt_work++;
		return false;
	}
	return hypercall_preempt_check();
}

unsigned long pv_mm_lock(struct domain *d)
{
	/* Waiting, it answers TLB shootdowns (cpu_relax): the holder may be
	 * shooting this CPU down. */
	return spin_lock_irqsave(&d->arch.mm_lock);
}

void pv_mm_unlock(struct domain *d, unsigned long flags)
{
	spin_unlock_irqrestore(&d->arch.mm_lock, flags);
}

/*
 * A vcpu that is not loaded on a CPU has no TLB entries: switching CR3
 * away from it flushed them.  So only the CPUs it is loaded on count.
 */
void pv_flush_domain_tlbs(struct domain *d)
{
	tlb_flush_cpus(tlb_dirty_cpus(d, ~0ULL));
}

static int get_type(mfn_t mfn, struct domain *d, unsigned int type)
{
	struct page_info *pg = mfn_to_page(mfn);
	int rc;

	if (pg->type_info & PGT_PARTIAL) {
		/*
		 * Another vcpu's operation (or none is under way): busy, as
		 * mmu.h T3 says.  Not a wait for it: that vcpu may be down
		 * or never repeat its operation, and this pin was retried
		 * for as long (tests/guests/pin_cross).
		 */
		if (!partial_ours(pg, d))
			return -EBUSY;
		if ((pg->type_info & PGT_UNDOING) || type_of(pg) != type) {
			rc = undo_partial(mfn, d);
			if (rc)
				return rc;
		} else {
			/* Carry on; the finished table is the caller's. */
			return validate_table(mfn, d, type - PGT_L1 + 1);
		}
	}
	if (type_count(pg)) {
		if (type_of(pg) != type)
			return -EBUSY;
		if (type_count(pg) == PGT_COUNT_MASK)
			return -EBUSY;
		pg->type_info++;
		return 0;
	}
	/*
	 * Count 0: the frame takes the new type, validated if a table.  If it
	 * last had another type, TLBs may still hold what that type allowed:
	 * writable mappings of it (before it becomes a table), or paging-
	 * structure cache entries that walk through it as a table (before it
	 * becomes writable or a table of another level).  Flush those first.
	 */
	if ((pg->type_info & PGT_NEED_FLUSH) && type_of(pg) != type) {
		pv_flush_domain_tlbs(d);
		pg->type_info &= ~PGT_NEED_FLUSH;
	}
	pg->type_info = ((uint64_t)type << PGT_TYPE_SHIFT) | 1 |
			(pg->type_info & PGT_NEED_FLUSH);
	if (type == PGT_SEG_DESC) {
		rc = pv_validate_desc_page(mfn); /* pv.h descriptor rules */
		if (rc) {
			pg->type_info = 0;
			return rc;
		}
	}
	if (type >= PGT_L1 && type <= PGT_L4) {
		rc = validate_table(mfn, d, type - PGT_L1 + 1);
		if (rc == HYPERCALL_PREEMPTED)
			return rc; /* left PARTIAL */
		if (rc) {
			pg->type_info = 0;
			return rc;
		}
	}
	return 0;
}

void pv_put_type(mfn_t mfn, struct domain *d)
{
	struct page_info *pg = mfn_to_page(mfn);
	unsigned int type = type_of(pg);

	if (!type_count(pg))
		return; /* a bug elsewhere; never underflow */
	if (type_count(pg) > 1) {
		pg->type_info--;
		return;
	}
	if (type >= PGT_L1 && type <= PGT_L4)
		devalidate_table(mfn, d, type - PGT_L1 + 1);
	/* Count 0 keeps the last type, for get_type's flush decision. */
	pg->type_info = ((uint64_t)type << PGT_TYPE_SHIFT) |
			(type >= PGT_WRITABLE && type <= PGT_L4 ?
				 PGT_NEED_FLUSH :
				 pg->type_info & PGT_NEED_FLUSH);
}

int pv_get_page_and_type(mfn_t mfn, struct domain *d, unsigned int type)
{
	int rc = get_page(mfn, d);

	if (rc)
		return rc;
	rc = get_type(mfn, d, type);
	if (rc)
		put_page(mfn);
	return rc;
}

void pv_put_page_and_type(mfn_t mfn, struct domain *d)
{
	pv_put_type(mfn, d);
	put_page(mfn);
}

unsigned int pv_page_type(mfn_t mfn)
{
	const struct page_info *pg = mfn_to_page(mfn);

	return type_count(pg) && !(pg->type_info & PGT_PARTIAL) ? type_of(pg) :
								  PGT_NONE;
}

bool pv_page_pinned(mfn_t mfn)
{
	return mfn_to_page(mfn)->type_info & PGT_PINNED;
}

void pv_page_set_pinned(mfn_t mfn, bool pinned)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (pinned)
		pg->type_info |= PGT_PINNED;
	else
		pg->type_info &= ~PGT_PINNED;
}

/*
 * Checks a present entry of a level-'level' table and takes the references
 * it implies (T4).  *e may be adjusted (U set, G cleared) for storing.
 */
int pv_get_entry(uint64_t *e, unsigned int level, struct domain *d)
{
	return pv_get_entry_foreign(e, level, d, NULL);
}

int pv_get_entry_foreign(uint64_t *e, unsigned int level, struct domain *d,
			 struct domain *fd)
{
	uint64_t v = *e;
	mfn_t mfn = (v & PTE_ADDR_MASK) >> PAGE_SHIFT;

	if (v & PTE_ADDR_MASK & ~addr_mask())
		return -EINVAL; /* beyond MAXPHYADDR */
	if (level > 1 && (v & PTE_PS))
		return -EINVAL; /* no superpages, no PS in L4 */
	v |= PTE_U;
	if (level == 1)
		v &= ~PTE_G;
	*e = v;
	/* MMIO (T4a): by permission, without references. */
	if (level == 1 && iomem_frame(mfn))
		return iomem_access_ok(d, mfn) ? 0 : -EPERM;
	if (level == 1 && !(v & PTE_W))
		return get_page_foreign(mfn, d, fd); /* any type may stay */
	if (level == 1) {
		int rc = get_page_foreign(mfn, d, fd);

		if (rc)
			return rc;
		rc = get_type(mfn, d, PGT_WRITABLE);
		if (rc)
			put_page(mfn);
		return rc;
	}
	return pv_get_page_and_type(mfn, d, PGT_L1 + level - 2);
}

void pv_put_entry(uint64_t e, unsigned int level, struct domain *d)
{
	mfn_t mfn = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;

	if (level == 1 && iomem_frame(mfn))
		return; /* MMIO: no reference was taken */
	if (level == 1 && !(e & PTE_W))
		put_page(mfn);
	else
		pv_put_page_and_type(mfn, d);
}

/* Entries of an L4 that the guest owns (T5). */
static bool guest_slot(unsigned int level, unsigned int i)
{
	return level != 4 || i < MICA_L4_FIRST_HYPERVISOR_SLOT ||
	       i >= MICA_L4_FIRST_HYPERVISOR_SLOT + MICA_L4_NR_HYPERVISOR_SLOTS;
}

/* Drops the references of entries first..last-1 of a level-'level' table. */
static void devalidate_range(uint64_t *t, struct domain *d, unsigned int level,
			     unsigned int first, unsigned int last)
{
	for (unsigned int i = first; i < last; i++)
		if (guest_slot(level, i) && (t[i] & PTE_P))
			pv_put_entry(t[i], level, d);
}

/*
 * Validates the table from its first entry, or (PARTIAL) from where the
 * interrupted validation stopped; its type count is 1 meanwhile.
 * HYPERCALL_PREEMPTED leaves it PARTIAL (CHILD if the entry it stopped at
 * names a frame this op left PARTIAL too); an error undoes every entry's
 * references and leaves the count 0.
 */
static int validate_table(mfn_t mfn, struct domain *d, unsigned int level)
{
	struct page_info *pg = mfn_to_page(mfn);
	uint64_t *t = mfn_to_virt(mfn);
	unsigned int i = pg->type_info & PGT_PARTIAL ? partial_done(pg) : 0;
	int rc = 0;

	/* Not PARTIAL while we work on it: busy for anything we call. */
	pg->type_info &= ~PGT_PARTIAL_BITS;
	for (; i < 512; i++) {
		if (!guest_slot(level, i)) {
			if (t[i]) {
				rc = -EINVAL; /* T5: must be left 0 */
				break;
			}
			continue;
		}
		if (!(t[i] & PTE_P))
			continue;
		if (pt_preempt()) {
			set_partial(pg, i, false, false);
			return HYPERCALL_PREEMPTED;
		}
		rc = pv_get_entry(&t[i], level, d);
		if (rc == HYPERCALL_PREEMPTED) {
			mfn_t m = (t[i] & PTE_ADDR_MASK) >> PAGE_SHIFT;

			set_partial(pg, i, false,
				    m < page_alloc_table_frames() &&
					    partial_ours(mfn_to_page(m), d));
			return rc;
		}
		if (rc)
			break;
	}
	if (rc) {
		devalidate_range(t, d, level, 0, i);
		pg->type_info &= ~PGT_COUNT_MASK;
		return rc;
	}
	if (level == 4)
		paging_copy_hypervisor_slots(t);
	return 0;
}

static void devalidate_table(mfn_t mfn, struct domain *d, unsigned int level)
{
	uint64_t *t = mfn_to_virt(mfn);

	for (unsigned int i = 0; i < 512; i++)
		if (!guest_slot(level, i))
			t[i] = 0; /* the guest may own this frame again */
	devalidate_range(t, d, level, 0, 512);
}

/*
 * Undoes a PARTIAL table of this op from its last held entry down,
 * preemptibly (an interrupted validation first undoes the frame it was
 * at, if CHILD).  A lower table whose last reference goes becomes PARTIAL
 * (UNDOING) and is undone in turn.  Done: no type in force (count 0, the
 * last type kept for the flush decision, as pv_put_type leaves it).
 */
static int undo_partial(mfn_t mfn, struct domain *d)
{
	struct page_info *pg = mfn_to_page(mfn);
	unsigned int type = type_of(pg), level = type - PGT_L1 + 1;
	unsigned int n = partial_done(pg);
	bool child = pg->type_info & PGT_CHILD;
	uint64_t *t = mfn_to_virt(mfn);
	int rc;

	if (child && !(pg->type_info & PGT_UNDOING))
		n++; /* the entry it was validating comes first */
	pg->type_info &= ~PGT_PARTIAL_BITS; /* busy while we work */
	for (; n > 0; n--) {
		uint64_t e = t[n - 1];
		mfn_t m = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
		struct page_info *cpg;

		if (!guest_slot(level, n - 1) || !(e & PTE_P))
			continue;
		if (child) {
			/* No reference of ours: just finish it. */
			child = false;
			rc = undo_partial(m, d);
			if (rc) {
				set_partial(pg, n, true, true);
				return rc;
			}
			continue;
		}
		if (pt_preempt()) {
			set_partial(pg, n, true, false);
			return HYPERCALL_PREEMPTED;
		}
		if (level == 1) {
			pv_put_entry(e, 1, d);
			continue;
		}
		cpg = mfn_to_page(m);
		if (type_count(cpg) > 1) {
			cpg->type_info--;
			put_page(m);
			continue;
		}
		/* The last reference: the child's own entries go next. */
		put_page(m);
		set_partial(cpg, 512, true, false);
		rc = undo_partial(m, d);
		if (rc) {
			set_partial(pg, n, true, true);
			return rc;
		}
	}
	pg->type_info = ((uint64_t)type << PGT_TYPE_SHIFT) | PGT_NEED_FLUSH;
	return 0;
}

/*
 * Starts (or, the same op again, resumes) a pin or unpin on v: an op of
 * v's that was abandoned part-way is undone first.
 */
static int pt_op_start(struct vcpu *v, struct domain *d, uint32_t cmd,
		       mfn_t mfn)
{
	mfn_t top = v->arch.pt_top;

	v->arch.pt_preemptible = true;
	v->arch.pt_work = 0;
	if (top && (top != mfn || v->arch.pt_cmd != cmd)) {
		struct page_info *pg = mfn_to_page(top);

		if (partial_ours(pg, d)) {
			int rc = undo_partial(top, d);

			if (rc)
				return rc;
		}
	}
	v->arch.pt_top = mfn;
	v->arch.pt_cmd = cmd;
	return 0;
}

static int pt_op_end(struct vcpu *v, int rc)
{
	if (rc != HYPERCALL_PREEMPTED)
		v->arch.pt_top = 0;
	v->arch.pt_preemptible = false;
	return rc;
}

int pv_pin_table(struct vcpu *v, mfn_t mfn, unsigned int type)
{
	struct domain *d = v->domain;
	int rc = pt_op_start(v, d, type, mfn);

	if (!rc)
		rc = pv_get_page_and_type(mfn, d, type);
	if (!rc)
		pv_page_set_pinned(mfn, true);
	return pt_op_end(v, rc);
}

int pv_unpin_table(struct vcpu *v, mfn_t mfn)
{
	struct domain *d = v->domain;
	struct page_info *pg = mfn_to_page(mfn);
	int rc = pt_op_start(v, d, 0, mfn);

	if (rc)
		return pt_op_end(v, rc);
	if (partial_ours(pg, d)) {
		/* Ours, interrupted: carry on. */
		rc = undo_partial(mfn, d);
	} else if (pg->type_info & PGT_PARTIAL) {
		rc = -EBUSY; /* another vcpu's half-done table (T3) */
	} else if (!(pg->type_info & PGT_PINNED)) {
		rc = -EINVAL;
	} else if (type_count(pg) == 1) {
		/* The last reference: undo the tree preemptibly. */
		pv_page_set_pinned(mfn, false);
		if (type_of(pg) == PGT_L4)
			for (unsigned int i = 0; i < 512; i++)
				if (!guest_slot(4, i))
					((uint64_t *)mfn_to_virt(mfn))[i] = 0;
		put_page(mfn);
		set_partial(pg, 512, true, false);
		rc = undo_partial(mfn, d);
	} else {
		pv_page_set_pinned(mfn, false);
		pv_put_page_and_type(mfn, d);
	}
	return pt_op_end(v, rc);
}

void pv_flush_all_tlbs(void)
{
	tlb_flush_cpus(arch_online_cpus());
}

int pv_page_release(struct domain *d, struct page_info *pg)
{
	uint32_t one = 1;

	if (pg->owner != d->id)
		return -EINVAL;
	if (pg == d->arch.shared_info || (pg->type_info & PGT_PARTIAL))
		return -EBUSY;
	/* Only the allocation's reference left: no mapping, type or pin
	 * (each of those holds a general reference too). */
	if (!__atomic_compare_exchange_n(&pg->count, &one, 0, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EBUSY;
	return 0;
}

void pv_page_unrelease(struct page_info *pg)
{
	__atomic_store_n(&pg->count, 1, __ATOMIC_RELEASE);
}

/*
 * Destruction of a dying domain, in steps (no vcpu of d runs, and nothing
 * new can take a reference on its frames).  Unpinning an L4 would
 * devalidate the whole tree below it at once, which for a large domain
 * keeps a CPU busy for as long as the domain has memory.  Instead every
 * table frame gives back its own entries' references when the walk over
 * the page list reaches it: a reference an entry holds on a lower table
 * only lowers that table's type count, never below 1, so the table stays
 * validated (type in force, entries holding their references) until the
 * walk has released it and cleared its type.  Only the domain's own
 * tables hold table-type references on its frames, so no other domain
 * ever sees such a frame.  (A table devalidated earlier has count 0 and
 * only keeps its last type for the flush decision: the walk skips it.)
 */
static void put_type_dying(mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (type_count(pg) > 1)
		pg->type_info--;
}

void pv_dying_put_base(mfn_t mfn)
{
	put_type_dying(mfn);
	put_page(mfn);
}

void pv_dying_release_frame(struct domain *d, mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);
	unsigned int type = type_of(pg), level;
	uint64_t *t;

	unsigned int last;

	if (!type_count(pg) || type < PGT_L1 || type > PGT_L4)
		return;
	level = type - PGT_L1 + 1;
	/* PARTIAL: only entries below 'done' hold references (an UNDOING
	 * one's CHILD entry, the last of them, does not). */
	last = 512;
	if (pg->type_info & PGT_PARTIAL)
		last = partial_done(pg) -
		       ((pg->type_info & PGT_UNDOING) &&
					(pg->type_info & PGT_CHILD) ?
				1 :
				0);
	t = mfn_to_virt(mfn);
	for (unsigned int i = 0; i < 512; i++) {
		if (i >= last && guest_slot(level, i))
			continue;
		mfn_t child;

		if (!guest_slot(level, i)) {
			t[i] = 0; /* the frame may be any type again */
			continue;
		}
		if (!(t[i] & PTE_P))
			continue;
		if (level == 1) {
			pv_put_entry(t[i], 1, d);
			continue;
		}
		child = (t[i] & PTE_ADDR_MASK) >> PAGE_SHIFT;
		put_type_dying(child);
		put_page(child);
	}
	if (pg->type_info & PGT_PINNED)
		put_page(mfn); /* the pin's general reference */
	pg->type_info = 0; /* with its type references: gone for good */
}
