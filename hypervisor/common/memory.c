/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_memory_op (public/memory.h): the balloon interface (increase,
 * decrease, populate, exchange), reservation queries and memory maps.
 * Reservations act on the caller; domctl populates other domains through
 * memory_populate().  A frame leaves a domain only when nothing but its
 * allocation references it (arch_page_release), and no TLB may map it by
 * the time it is reused (arch_flush_released).
 */
#include <mica/boot.h>
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/memory.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <asm/page.h>
#include <public/domctl.h>
#include <public/memory.h>

#define MAX_GFN (1ULL << 40) /* pfns a PV guest may name (52-bit space) */

enum reservation_op { OP_INCREASE, OP_DECREASE, OP_POPULATE };

static int get_extent(const struct mica_memory_reservation *r, uint64_t i,
		      uint64_t *v)
{
	return copy_from_guest(v, r->extent_list_gaddr + i * sizeof(*v),
			       sizeof(*v)) ?
		       -EFAULT :
		       0;
}

static int put_extent(const struct mica_memory_reservation *r, uint64_t i,
		      uint64_t v)
{
	return copy_to_guest(r->extent_list_gaddr + i * sizeof(v), &v,
			     sizeof(v)) ?
		       -EFAULT :
		       0;
}

/* Checks the fields every reservation shares. */
static int check_reservation(const struct mica_memory_reservation *r,
			     bool privileged)
{
	unsigned int bits = r->flags & MICA_MEMF_ADDRESS_BITS_MASK;
	unsigned int max_order = privileged ? MICA_MEMOP_MAX_ORDER_PRIVILEGED :
					      MICA_MEMOP_MAX_ORDER;

	if ((r->flags & ~MICA_MEMF_ADDRESS_BITS_MASK) || (bits && bits < 20) ||
	    r->extent_order > max_order || r->nr_done > r->nr_extents)
		return -EINVAL;
	/* The list must not wrap around the address space. */
	if (r->nr_extents > (~0ULL >> 3) ||
	    r->extent_list_gaddr + r->nr_extents * 8 < r->extent_list_gaddr)
		return -EINVAL;
	return 0;
}

/* Gives back a block that was allocated but not handed over. */
static void drop_block(struct domain *d, struct page_info *pg,
		       unsigned int order)
{
	for (uint64_t j = 0; j < (1ULL << order); j++) {
		arch_page_release(d, &pg[j]); /* nobody saw it: count 1 */
		arch_set_page_gfn(page_to_mfn(&pg[j]), MICA_INVALID_FRAME);
		domain_free_page(d, &pg[j]);
	}
}

/* Takes extent [mfn, mfn + 2^order) away from d, all or nothing. */
static int release_extent(struct domain *d, uint64_t mfn, unsigned int order)
{
	uint64_t n = 1ULL << order;

	if ((mfn & (n - 1)) || mfn + n > page_alloc_table_frames() ||
	    mfn + n < mfn)
		return -EINVAL;
	for (uint64_t j = 0; j < n; j++) {
		int rc = arch_page_release(d, mfn_to_page(mfn + j));

		if (rc) {
			while (j--)
				arch_page_unrelease(mfn_to_page(mfn + j));
			return rc;
		}
	}
	return 0;
}

/* Frees a released extent (TLBs flushed by the caller first). */
static void free_extent(struct domain *d, uint64_t mfn, unsigned int order)
{
	for (uint64_t j = 0; j < (1ULL << order); j++) {
		arch_set_page_gfn(mfn + j, MICA_INVALID_FRAME);
		domain_free_page(d, mfn_to_page(mfn + j));
	}
}

static void pending_drop(struct memory_pending *p)
{
	if (p->pg)
		free_pages(p->pg, p->order);
	p->pg = NULL;
}

void memory_pending_free(struct domain *d)
{
	if (!d->mem_pending)
		return;
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		pending_drop(&d->mem_pending[i]);
	xfree(d->mem_pending);
	d->mem_pending = NULL;
}

/* The calling vcpu's slot, allocated at its domain's first use. */
static struct memory_pending *pending_slot(void)
{
	struct vcpu *v = current_vcpu();
	struct domain *d = v->domain;
	struct memory_pending *a, *none = NULL;

	if (!__atomic_load_n(&d->mem_pending, __ATOMIC_ACQUIRE)) {
		a = xzalloc(d->max_vcpus * sizeof(*a));
		if (!a)
			return NULL;
		if (!__atomic_compare_exchange_n(&d->mem_pending, &none, a,
						 false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			xfree(a); /* another vcpu was first */
	}
	return &d->mem_pending[v->id];
}

/*
 * A zeroed block of 2^order frames for d, still the hypervisor's, for the
 * extent 'key' names (mica/memory_pending.h): 0 with *out set, 1 (d at its
 * limit if 'limited', no memory, address width) or HYPERCALL_PREEMPTED
 * (other work waits; the block stays with the calling vcpu for the
 * restart).  Every call zeroes at least one step.
 */
static int zero_block(struct domain *d, unsigned int order, uint32_t flags,
		      bool limited, const uint64_t key[4],
		      struct page_info **out)
{
	struct memory_pending *p = pending_slot();
	unsigned int bits = flags & MICA_MEMF_ADDRESS_BITS_MASK;
	uint64_t size = PAGE_SIZE << order;
	bool stepped = false;

	if (!p)
		return 1; /* no memory */
	if (p->pg && (p->order != order || memcmp(p->key, key, sizeof(p->key))))
		pending_drop(p); /* not the call it was for */
	if (!p->pg) {
		p->pg = domain_block_alloc(d, order, limited);
		if (!p->pg)
			return 1;
		p->order = order;
		p->zeroed = 0;
		memcpy(p->key, key, sizeof(p->key));
	}
	/* Checked on every restart: the caller may have changed the flags. */
	if (bits && bits < 64 &&
	    ((page_to_mfn(p->pg) + (1ULL << order)) << PAGE_SHIFT) >
		    (1ULL << bits)) {
		pending_drop(p);
		return 1; /* the allocator takes no address limit */
	}
	while (p->zeroed < size) {
		uint64_t n = MIN(size - p->zeroed, (uint64_t)MEMORY_ZERO_STEP);

		if (stepped && hypercall_preempt_check())
			return HYPERCALL_PREEMPTED;
		/* Never hand a guest another domain's old data. */
		memset((char *)page_to_virt(p->pg) + p->zeroed, 0, n);
		p->zeroed += n;
		stepped = true;
	}
	*out = p->pg;
	p->pg = NULL;
	return 0;
}

/* zero_block, then the block goes to d (limited by max_pages). */
static int alloc_block_preemptible(struct domain *d, unsigned int order,
				   uint32_t flags, const uint64_t key[4],
				   struct page_info **out)
{
	int rc = zero_block(d, order, flags, true, key, out);

	if (rc)
		return rc;
	if (domain_block_give(d, *out, order, true)) {
		free_pages(*out, order);
		return 1;
	}
	return 0;
}

/*
 * One extent of a reservation op.  Returns 0 (done), 1 (stop here: limit,
 * no memory, or extent not releasable), -EFAULT, or HYPERCALL_PREEMPTED
 * (in the middle of zeroing the extent's block).
 */
static int reservation_one(struct domain *d, enum reservation_op op,
			   const struct mica_memory_reservation *r, uint64_t i,
			   const uint64_t key[4])
{
	unsigned int order = r->extent_order;
	struct page_info *pg;
	uint64_t v = 0, mfn;
	int rc;

	if (op != OP_INCREASE && get_extent(r, i, &v))
		return -EFAULT;
	if (op == OP_DECREASE) {
		if (release_extent(d, v, order))
			return 1;
		arch_flush_released();
		free_extent(d, v, order);
		return 0;
	}
	if (op == OP_POPULATE && ((v & ((1ULL << order) - 1)) || v >= MAX_GFN))
		return 1;
	rc = alloc_block_preemptible(d, order, r->flags, key, &pg);
	if (rc)
		return rc;
	mfn = page_to_mfn(pg);
	if (put_extent(r, i, mfn)) {
		drop_block(d, pg, order);
		return -EFAULT;
	}
	if (op == OP_POPULATE && arch_memory_populated(d, v, mfn, order)) {
		drop_block(d, pg, order);
		return 1;
	}
	for (uint64_t j = 0; j < (1ULL << order); j++)
		arch_set_page_gfn(mfn + j, op == OP_POPULATE ?
						   v + j :
						   MICA_INVALID_FRAME);
	return 0;
}

/*
 * Preemptible (memory.h note 1): between extents, if other work waits,
 * returns HYPERCALL_PREEMPTED with r->nr_done recorded; the caller writes
 * it back and continues the call.  A restart is checked like a new call.
 */
/*
 * Preemptible (memory.h note 1): between extents, and while a new
 * extent's block is zeroed, if other work waits, returns
 * HYPERCALL_PREEMPTED with r->nr_done recorded; the caller writes it back
 * and continues the call.  A restart is checked like a new call.  'call'
 * names the call (cmd, argument) for a block kept across a restart.
 */
static long reservation_run(struct domain *d, enum reservation_op op,
			    struct mica_memory_reservation *r, bool privileged,
			    uint64_t cmd, uint64_t arg)
{
	uint64_t start = r->nr_done;
	int rc = check_reservation(r, privileged);

	if (rc)
		return rc;
	while (r->nr_done < r->nr_extents) {
		const uint64_t key[4] = { d->id, cmd, arg, r->nr_done };

		if (r->nr_done != start && hypercall_preempt_check())
			return HYPERCALL_PREEMPTED;
		rc = reservation_one(d, op, r, r->nr_done, key);
		if (rc == HYPERCALL_PREEMPTED)
			return rc;
		if (rc)
			break;
		r->nr_done++;
	}
	return rc < 0 ? rc : (long)r->nr_done;
}

long memory_populate(struct domain *d, struct mica_memory_reservation *r,
		     bool privileged, uint64_t arg)
{
	return reservation_run(d, OP_POPULATE, r, privileged,
			       0x100 | MICA_MEMOP_populate_physmap, arg);
}

static long reservation(unsigned int cmd, uint64_t arg)
{
	struct domain *d = current_vcpu()->domain;
	struct mica_memory_reservation r;
	long rc;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	rc = reservation_run(
		d,
		cmd == MICA_MEMOP_increase_reservation ? OP_INCREASE :
		cmd == MICA_MEMOP_decrease_reservation ? OP_DECREASE :
							 OP_POPULATE,
		&r, d->privileged, cmd, arg);
	if (copy_to_guest(arg + offsetof(struct mica_memory_reservation,
					 nr_done),
			  &r.nr_done, sizeof(r.nr_done)))
		return -EFAULT;
	if (rc == HYPERCALL_PREEMPTED)
		return hypercall_create_continuation(MICA_HC_memory_op, cmd,
						     arg, 0, 0, 0);
	return rc;
}

/*
 * One exchange unit: the input extents covering 2^unit frames from
 * in_idx, the output extents from out_idx.  All or nothing.  The outputs'
 * frames come first, as one block of the unit's order zeroed with
 * preemption points (HYPERCALL_PREEMPTED before anything changed), then
 * cut into the output extents.  The input frames are kept in in_mfn[],
 * never re-read from the guest.
 */
static int exchange_unit(struct domain *d, struct mica_memory_exchange *x,
			 unsigned int unit, uint64_t in_idx, uint64_t out_idx,
			 uint64_t *in_mfn, const uint64_t key[4])
{
	unsigned int in_order = x->in.extent_order;
	unsigned int out_order = x->out.extent_order;
	uint64_t nr_in = 1ULL << (unit - in_order);
	uint64_t nr_out = 1ULL << (unit - out_order);
	uint64_t i, given = 0, pfn, base;
	struct page_info *blk;
	int rc;

	/* What the inputs give back pays for the outputs: not limited. */
	rc = zero_block(d, unit, x->out.flags, false, key, &blk);
	if (rc)
		return rc == HYPERCALL_PREEMPTED ? rc : -ENOMEM;
	base = page_to_mfn(blk);
	for (i = 0; i < nr_in; i++) {
		rc = get_extent(&x->in, in_idx + i, &in_mfn[i]);
		if (!rc && release_extent(d, in_mfn[i], in_order))
			rc = -EBUSY;
		if (rc)
			goto undo_in;
	}
	for (; given < nr_out; given++) {
		uint64_t mfn = base + (given << out_order);

		rc = get_extent(&x->out, out_idx + given, &pfn);
		if (rc)
			goto undo_out;
		if ((pfn & ((1ULL << out_order) - 1)) || pfn >= MAX_GFN) {
			rc = -EINVAL;
			goto undo_out;
		}
		if (domain_block_give(d, mfn_to_page(mfn), out_order, false)) {
			rc = -ENOMEM; /* d is dying */
			goto undo_out;
		}
		for (uint64_t j = 0; j < (1ULL << out_order); j++)
			arch_set_page_gfn(mfn + j, pfn + j);
		if (put_extent(&x->out, out_idx + given, mfn)) {
			given++;
			rc = -EFAULT;
			goto undo_out;
		}
	}
	arch_flush_released();
	for (i = 0; i < nr_in; i++)
		free_extent(d, in_mfn[i], in_order);
	return 0;

undo_out:
	for (uint64_t o = 0; o < given; o++) {
		drop_block(d, mfn_to_page(base + (o << out_order)), out_order);
		put_extent(&x->out, out_idx + o, MICA_INVALID_FRAME);
	}
	i = nr_in;
undo_in:
	while (i--)
		for (uint64_t j = 0; j < (1ULL << in_order); j++)
			arch_page_unrelease(mfn_to_page(in_mfn[i] + j));
	/* What was never handed over is still the hypervisor's. */
	for (uint64_t o = given; o < nr_out; o++)
		free_pages(mfn_to_page(base + (o << out_order)), out_order);
	return rc;
}

static long exchange(uint64_t arg)
{
	struct domain *d = current_vcpu()->domain;
	struct mica_memory_exchange x;
	unsigned int unit;
	uint64_t units, in_per, out_per, *mfns;
	long rc;

	if (copy_from_guest(&x, arg, sizeof(x)))
		return -EFAULT;
	if (x.in.nr_done || x.out.nr_done || x.in.flags ||
	    check_reservation(&x.in, d->privileged) ||
	    check_reservation(&x.out, d->privileged))
		return -EINVAL;
	if (x.in.nr_extents > (1ULL << 40) || x.out.nr_extents > (1ULL << 40) ||
	    (x.in.nr_extents << x.in.extent_order) !=
		    (x.out.nr_extents << x.out.extent_order))
		return -EINVAL;
	unit = MAX(x.in.extent_order, x.out.extent_order);
	in_per = 1ULL << (unit - x.in.extent_order);
	out_per = 1ULL << (unit - x.out.extent_order);
	units = x.in.nr_extents / in_per;
	if (units * in_per != x.in.nr_extents)
		return -EINVAL; /* not whole units */
	/* Progress of an earlier part of this call (note 4). */
	if (x.nr_exchanged % in_per || x.nr_exchanged > x.in.nr_extents)
		return -EINVAL;
	mfns = xmalloc(in_per * sizeof(*mfns));
	if (!mfns)
		return -ENOMEM;
	rc = 0;
	for (uint64_t u = x.nr_exchanged / in_per, first = u; u < units; u++) {
		const uint64_t key[4] = { d->id, MICA_MEMOP_exchange, arg, u };

		if (u != first && hypercall_preempt_check()) {
			rc = HYPERCALL_PREEMPTED;
			break;
		}
		rc = exchange_unit(d, &x, unit, u * in_per, u * out_per, mfns,
				   key);
		if (rc)
			break;
		x.nr_exchanged += in_per;
	}
	xfree(mfns);
	if (copy_to_guest(arg + offsetof(struct mica_memory_exchange,
					 nr_exchanged),
			  &x.nr_exchanged, sizeof(x.nr_exchanged)))
		return -EFAULT;
	if (rc == HYPERCALL_PREEMPTED)
		return hypercall_create_continuation(
			MICA_HC_memory_op, MICA_MEMOP_exchange, arg, 0, 0, 0);
	return rc;
}

static long reservation_query(unsigned int cmd, uint64_t arg)
{
	struct domain *self = current_vcpu()->domain, *d = self;
	struct mica_memory_domain m;

	if (copy_from_guest(&m, arg, sizeof(m)))
		return -EFAULT;
	if (m.pad0[0] || m.pad0[1] || m.pad0[2])
		return -EINVAL;
	if (m.domid != MICA_DOMID_SELF && m.domid != self->id) {
		if (!self->privileged)
			return -EPERM;
		d = domain_get(m.domid);
		if (!d)
			return -ESRCH;
	}
	m.nr_pages = cmd == MICA_MEMOP_maximum_reservation ?
			     READ_ONCE(d->max_pages) :
			     READ_ONCE(d->tot_pages);
	if (d != self)
		domain_put(d);
	return copy_to_guest(arg, &m, sizeof(m)) ? -EFAULT : 0;
}

/* The host's map as E820 entries (the memmap types are the E820 ones). */
static unsigned int host_map(struct mica_e820_entry *e, unsigned int max,
			     uint64_t ram_pages, bool limit_ram)
{
	unsigned int n = 0;
	uint64_t budget = ram_pages << PAGE_SHIFT;

	for (unsigned int i = 0; i < boot_info.nr_memmap && n < max; i++) {
		const struct memmap_entry *m = &boot_info.memmap[i];
		uint64_t size = m->size;

		if (limit_ram && m->type == MEMMAP_RAM) {
			size = MIN(size, budget) & ~(PAGE_SIZE - 1);
			budget -= size;
			if (!size)
				continue;
		}
		e[n].addr = m->start;
		e[n].size = size;
		e[n].type = m->type;
		e[n].pad0 = 0;
		n++;
	}
	return n;
}

static long memory_map(unsigned int cmd, uint64_t arg)
{
	struct domain *d = current_vcpu()->domain;
	struct mica_memory_map m;
	struct mica_e820_entry *e;
	unsigned int n;
	long rc = 0;

	if (cmd == MICA_MEMOP_machine_memory_map && !d->privileged)
		return -EPERM;
	if (copy_from_guest(&m, arg, sizeof(m)))
		return -EFAULT;
	if (m.pad0)
		return -EINVAL;
	e = xmalloc(BOOT_MAX_MEMMAP * sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (cmd == MICA_MEMOP_machine_memory_map) {
		n = host_map(e, BOOT_MAX_MEMMAP, 0, false);
	} else if (d->memory_map) {
		n = d->nr_memory_map;
		memcpy(e, d->memory_map, n * sizeof(*e));
	} else if (d->privileged) {
		n = host_map(e, BOOT_MAX_MEMMAP, d->max_pages, true);
	} else {
		e[0] = (struct mica_e820_entry){
			.addr = 0,
			.size = d->max_pages << PAGE_SHIFT,
			.type = MICA_E820_RAM,
		};
		n = 1;
	}
	if (m.nr_entries < n) {
		rc = -ENOSPC;
	} else if (copy_to_guest(m.buffer_gaddr, e, n * sizeof(*e))) {
		xfree(e);
		return -EFAULT;
	}
	xfree(e);
	m.nr_entries = n;
	if (copy_to_guest(arg, &m, sizeof(m)))
		return -EFAULT;
	return rc;
}

int memory_set_map(struct domain *d, const struct mica_memory_map *m)
{
	struct mica_e820_entry *e, *old;
	unsigned long flags;

	if (m->pad0 || !m->nr_entries)
		return -EINVAL;
	if (m->nr_entries > MICA_DOMCTL_MAX_MEMORY_MAP)
		return -E2BIG;
	e = xmalloc(m->nr_entries * sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (copy_from_guest(e, m->buffer_gaddr, m->nr_entries * sizeof(*e))) {
		xfree(e);
		return -EFAULT;
	}
	for (unsigned int i = 0; i < m->nr_entries; i++) {
		bool bad = e[i].pad0 || !e[i].size ||
			   e[i].addr + e[i].size < e[i].addr ||
			   e[i].type < MICA_E820_RAM ||
			   e[i].type > MICA_E820_UNUSABLE;

		if (i && e[i].addr < e[i - 1].addr + e[i - 1].size)
			bad = true; /* unsorted or overlapping */
		if (bad) {
			xfree(e);
			return -EINVAL;
		}
	}
	flags = spin_lock_irqsave(&d->lock);
	old = d->memory_map;
	d->memory_map = e;
	d->nr_memory_map = m->nr_entries;
	spin_unlock_irqrestore(&d->lock, flags);
	xfree(old);
	return 0;
}

long do_memory_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
		  uint64_t a5)
{
	(void)a3;
	(void)a4;
	(void)a5;
	switch (cmd) {
	case MICA_MEMOP_increase_reservation:
	case MICA_MEMOP_decrease_reservation:
	case MICA_MEMOP_populate_physmap:
		return reservation((unsigned int)cmd, arg);
	case MICA_MEMOP_exchange:
		return exchange(arg);
	case MICA_MEMOP_maximum_reservation:
	case MICA_MEMOP_current_reservation:
		return reservation_query((unsigned int)cmd, arg);
	case MICA_MEMOP_memory_map:
	case MICA_MEMOP_machine_memory_map:
		return memory_map((unsigned int)cmd, arg);
	default:
		return cmd > 0xffffffffULL ?
			       -ENOSYS :
			       arch_memory_op((unsigned int)cmd, arg);
	}
}
