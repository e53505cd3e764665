/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_grant_table_op (public/grant_table.h): table set-up and size,
 * map and unmap, copy, transfer; and the grant side of domain lifetime.
 * See mica/grant_table.h for the references and locks.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/grant_table.h>
#include <mica/guest_access.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <asm/page.h>
#include <public/domctl.h>
#include <public/grant_table.h>

#define UNMAP_CHUNK GRANT_FLUSH_MAX_VA /* unmaps per TLB flush */

#define ENTRIES_PER_FRAME MICA_GRANT_ENTRIES_PER_FRAME
#define ACTIVE_BYTES (ENTRIES_PER_FRAME * sizeof(struct grant_active))

/* ---- locking ---------------------------------------------------------- */

/* Takes the mm locks of a and b (b may be a) in domain-id order. */
static unsigned long lock_pair(struct domain *a, struct domain *b)
{
	unsigned long flags = local_irq_save();

	if (a == b) {
		spin_lock(domain_mm_lock(a));
	} else {
		spin_lock(domain_mm_lock(a->id < b->id ? a : b));
		spin_lock(domain_mm_lock(a->id < b->id ? b : a));
	}
	return flags;
}

static void unlock_pair(struct domain *a, struct domain *b, unsigned long flags)
{
	spin_unlock(domain_mm_lock(a));
	if (a != b)
		spin_unlock(domain_mm_lock(b));
	local_irq_restore(flags);
}

/*
 * The domain an op names: MICA_DOMID_SELF or the caller's own id is the
 * caller; any other live domain otherwise, with a reference (it must not
 * be destroyed and freed under the op), which domain_unname drops.  NULL:
 * no such domain.
 */
static struct domain *domain_named(uint16_t domid, struct domain *self)
{
	if (domid == MICA_DOMID_SELF || domid == self->id)
		return self;
	return domain_get(domid);
}

static void domain_unname(struct domain *d, struct domain *self)
{
	if (d != self)
		domain_put(d);
}

/* ---- the granter's table ------------------------------------------------ */

static struct mica_grant_entry *entry_of(struct grant_table *gt, uint32_t ref)
{
	struct mica_grant_entry *frame =
		mfn_to_virt(gt->frames[ref / ENTRIES_PER_FRAME]);

	return &frame[ref % ENTRIES_PER_FRAME];
}

static struct grant_active *active_of(struct grant_table *gt, uint32_t ref)
{
	return &gt->active[ref / ENTRIES_PER_FRAME][ref % ENTRIES_PER_FRAME];
}

static bool ref_valid(struct grant_table *gt, uint32_t ref)
{
	return ref < gt->nr_frames * ENTRIES_PER_FRAME;
}

/* A use of granter's entry ref by 'grantee' begins (granter's lock). */
static int pin_ref(struct domain *granter, uint32_t ref,
		   const struct grant_use *use)
{
	struct grant_table *gt = granter->grant;

	if (!ref_valid(gt, ref))
		return -ERANGE;
	return grant_active_pin(active_of(gt, ref), entry_of(gt, ref), use);
}

static void unpin_ref(struct domain *granter, uint32_t ref, bool write)
{
	struct grant_table *gt = granter->grant;

	grant_active_unpin(active_of(gt, ref), entry_of(gt, ref), write,
			   granter->is_dying);
}

int grant_table_create(struct domain *d)
{
	struct grant_table *gt = xzalloc(sizeof(*gt));

	if (!gt)
		return -ENOMEM;
	gt->max_frames = MICA_GRANT_DEFAULT_MAX_FRAMES;
	maptrack_init(&gt->maptrack, MICA_DOMCTL_DEFAULT_GRANT_MAPPINGS);
	d->grant = gt;
	return 0;
}

int grant_table_set_limits(struct domain *d, uint32_t max_frames,
			   uint32_t max_mappings)
{
	struct grant_table *gt = d->grant;
	unsigned long flags;
	int rc = 0;

	if (max_frames > MICA_GRANT_MAX_FRAMES ||
	    max_mappings > MAPTRACK_MAX_LIMIT)
		return -EINVAL;
	flags = spin_lock_irqsave(domain_mm_lock(d));
	/* The frame list is sized at the first set-up. */
	if (max_frames && gt->frames && max_frames != gt->max_frames)
		rc = -EBUSY;
	if (!rc && max_mappings)
		rc = maptrack_set_limit(&gt->maptrack, max_mappings);
	if (!rc && max_frames)
		gt->max_frames = max_frames;
	spin_unlock_irqrestore(domain_mm_lock(d), flags);
	return rc;
}

/* Grows d's table to nr frames (d's lock held). */
static int table_grow(struct domain *d, uint32_t nr)
{
	struct grant_table *gt = d->grant;

	if (!gt->frames) {
		gt->frames = xzalloc(gt->max_frames * sizeof(*gt->frames));
		gt->active = xzalloc(gt->max_frames * sizeof(*gt->active));
		if (!gt->frames || !gt->active) {
			xfree(gt->frames);
			xfree(gt->active);
			gt->frames = NULL;
			gt->active = NULL;
			return -ENOMEM;
		}
	}
	while (gt->nr_frames < nr) {
		struct grant_active *act = xzalloc(ACTIVE_BYTES);
		struct page_info *pg = domain_alloc_pages_unlimited(d, 0);
		mfn_t mfn;

		if (!act || !pg) {
			xfree(act);
			if (pg)
				domain_free_page(d, pg);
			return -ENOMEM;
		}
		mfn = page_to_mfn(pg);
		/* A writable type for good, so it never becomes a table (T1). */
		if (arch_grant_frame_get(mfn, d, true)) {
			domain_free_page(d, pg);
			xfree(act);
			return -ENOMEM;
		}
		gt->frames[gt->nr_frames] = (uint32_t)mfn;
		gt->active[gt->nr_frames] = act;
		gt->nr_frames++;
	}
	return 0;
}

static int gnttab_setup_table(struct domain *self, uint64_t gaddr)
{
	struct mica_gnttab_setup_table op;
	struct domain *d;
	unsigned long flags;
	int rc;

	if (copy_from_guest(&op, gaddr, sizeof(op)))
		return -EFAULT;
	if (op.pad0 || op.pad1) {
		op.status = -EINVAL;
		goto out;
	}
	if (op.dom != MICA_DOMID_SELF && op.dom != self->id &&
	    !self->privileged) {
		op.status = -ESRCH;
		goto out;
	}
	d = domain_named(op.dom, self);
	if (!d) {
		op.status = -ESRCH;
		goto out;
	}
	flags = spin_lock_irqsave(domain_mm_lock(d));
	if (d->is_dying)
		rc = -ESRCH;
	else if (!op.nr_frames || op.nr_frames > d->grant->max_frames)
		rc = -EINVAL;
	else
		rc = table_grow(d, op.nr_frames);
	spin_unlock_irqrestore(domain_mm_lock(d), flags);
	/* The list only grows, and a fault leaves the table grown: fine. */
	for (uint32_t i = 0; !rc && i < op.nr_frames; i++) {
		uint64_t mfn = READ_ONCE(d->grant->frames[i]);

		if (copy_to_guest(op.frame_list_gaddr + i * 8ULL, &mfn, 8))
			rc = -EFAULT;
	}
	domain_unname(d, self);
	if (rc == -EFAULT)
		return rc;
	op.status = rc;
out:
	return copy_to_guest(gaddr, &op, sizeof(op)) ? -EFAULT : 0;
}

static int gnttab_query_size(struct domain *self, uint64_t gaddr)
{
	struct mica_gnttab_query_size op;
	struct domain *d;

	if (copy_from_guest(&op, gaddr, sizeof(op)))
		return -EFAULT;
	d = op.dom == MICA_DOMID_SELF || op.dom == self->id ||
			    self->privileged ?
		    domain_named(op.dom, self) :
		    NULL;
	if (op.pad0)
		op.status = -EINVAL;
	else if (!d)
		op.status = -ESRCH;
	else {
		op.nr_frames = READ_ONCE(d->grant->nr_frames);
		op.max_nr_frames = READ_ONCE(d->grant->max_frames);
		op.status = 0;
	}
	if (d)
		domain_unname(d, self);
	return copy_to_guest(gaddr, &op, sizeof(op)) ? -EFAULT : 0;
}

/* ---- map and unmap ------------------------------------------------------ */

bool grant_pte_in_use(struct domain *d, uint64_t pte_maddr)
{
	struct maptrack *mt = &d->grant->maptrack;

	return mt->in_use && maptrack_find_pte(mt, pte_maddr) != MAPTRACK_NONE;
}

#define MAP_FLAGS_KNOWN                                  \
	(MICA_GNTMAP_device_map | MICA_GNTMAP_host_map | \
	 MICA_GNTMAP_readonly | MICA_GNTMAP_contains_pte)

static int map_check_args(struct domain *self,
			  const struct mica_gnttab_map_grant_ref *op)
{
	if (op->pad0 || op->pad1 || (op->flags & ~MAP_FLAGS_KNOWN))
		return -EINVAL;
	if (!(op->flags & (MICA_GNTMAP_host_map | MICA_GNTMAP_device_map)))
		return -EINVAL;
	if ((op->flags & MICA_GNTMAP_contains_pte) &&
	    !(op->flags & MICA_GNTMAP_host_map))
		return -EINVAL;
	if ((op->flags & MICA_GNTMAP_device_map) && !self->privileged)
		return -EACCES; /* no IOMMU: bus addresses are machine ones */
	if (!(op->flags & MICA_GNTMAP_host_map) && op->host_addr)
		return -EINVAL;
	return 0;
}

/*
 * Maps one grant for v's domain (both mm locks held).  On success the
 * maptrack entry 'handle' holds every reference of the mapping.
 */
static int map_locked(struct vcpu *v, struct domain *granter,
		      const struct mica_gnttab_map_grant_ref *op,
		      uint32_t handle, mfn_t *put_frame)
{
	struct domain *self = v->domain;
	struct maptrack *mt = &self->grant->maptrack;
	struct maptrack_entry *m = maptrack_get(mt, handle);
	bool write = !(op->flags & MICA_GNTMAP_readonly);
	struct grant_use use = { self->id, write, false };
	uint64_t pte = 0;
	mfn_t frame;
	int rc;

	rc = pin_ref(granter, op->ref, &use);
	if (rc)
		return rc;
	frame = active_of(granter->grant, op->ref)->frame;
	rc = arch_grant_frame_get(frame, granter, write);
	if (rc) {
		rc = rc == -EBUSY ? -EBUSY : -EINVAL; /* bad_page */
		goto err_unpin;
	}
	if (op->flags & MICA_GNTMAP_host_map) {
		rc = arch_grant_pte_get(v, op->host_addr,
					op->flags & MICA_GNTMAP_contains_pte,
					&pte);
		if (rc)
			goto err_put_frame;
		if (grant_pte_in_use(self, pte)) {
			rc = -EFAULT; /* that PTE already holds a grant */
			goto err_put_pte;
		}
		arch_grant_pte_install(self, pte, frame, write);
	}
	m->host_addr = op->host_addr;
	m->pte_maddr = pte;
	m->frame = (uint32_t)frame;
	m->ref = op->ref;
	m->granter = granter->id;
	m->map_flags = (uint8_t)op->flags;
	if (pte)
		maptrack_hash_add(mt, handle);
	return 0;

err_put_pte:
	arch_grant_pte_put(self, pte);
err_put_frame:
	if (write)
		arch_grant_frame_put_type(frame, granter);
	*put_frame = frame; /* the general reference, once unlocked */
err_unpin:
	unpin_ref(granter, op->ref, write);
	return rc;
}

static int map_one(struct vcpu *v, struct mica_gnttab_map_grant_ref *op)
{
	struct domain *self = v->domain, *granter;
	mfn_t put_frame = MICA_INVALID_FRAME;
	unsigned long flags;
	uint32_t handle;
	int rc = map_check_args(self, op);

	if (rc)
		return rc;
	if ((op->flags & MICA_GNTMAP_host_map) &&
	    !(op->flags & MICA_GNTMAP_contains_pte) &&
	    ((op->host_addr & (PAGE_SIZE - 1)) ||
	     !guest_range_ok(op->host_addr, PAGE_SIZE)))
		return -EFAULT;
	granter = domain_named(op->dom, self);
	if (!granter)
		return -ESRCH;
	flags = lock_pair(self, granter);
	if (granter->is_dying) {
		rc = -ESRCH;
	} else {
		rc = maptrack_alloc(&self->grant->maptrack, &handle);
		if (!rc) {
			rc = map_locked(v, granter, op, handle, &put_frame);
			if (rc)
				maptrack_free(&self->grant->maptrack, handle);
		}
	}
	if (!rc) {
		op->handle = handle;
		op->dev_bus_addr = 0;
		if (op->flags & MICA_GNTMAP_device_map)
			op->dev_bus_addr =
				(uint64_t)maptrack_get(&self->grant->maptrack,
						       handle)
					->frame
				<< PAGE_SHIFT;
	}
	unlock_pair(self, granter, flags);
	if (put_frame != MICA_INVALID_FRAME)
		arch_grant_frame_put(put_frame);
	domain_unname(granter, self);
	return rc;
}

/* Removes a live mapping's PTE; the rest waits for the flush (lock held). */
static void unmap_clear(struct domain *self, uint32_t handle)
{
	struct maptrack *mt = &self->grant->maptrack;
	struct maptrack_entry *m = maptrack_get(mt, handle);

	if (m->pte_maddr) {
		arch_grant_pte_clear(self, m->pte_maddr);
		maptrack_hash_del(mt, handle);
	}
	m->state = MAPTRACK_UNMAPPING;
}

/*
 * Unmap, phase 1 (self's lock): the handle must name a live mapping with
 * these addresses; its PTE is cleared and it waits for the flush.
 */
static int unmap_start(struct domain *self,
		       const struct mica_gnttab_unmap_grant_ref *op)
{
	struct maptrack *mt = &self->grant->maptrack;
	struct maptrack_entry *m = maptrack_get(mt, op->handle);
	uint64_t bus;

	if (!m || m->state != MAPTRACK_LIVE)
		return -EBADF;
	bus = (m->map_flags & MICA_GNTMAP_device_map) ?
		      (uint64_t)m->frame << PAGE_SHIFT :
		      0;
	if (op->host_addr != m->host_addr || op->dev_bus_addr != bus)
		return -EBADF;
	unmap_clear(self, op->handle);
	return 0;
}

/*
 * Unmap, phase 2, after the flush: every reference of the mapping goes,
 * and only now the granter's READING/WRITING bits (grant_table.h).
 */
static void unmap_finish(struct domain *self, uint32_t handle)
{
	struct maptrack *mt = &self->grant->maptrack;
	struct maptrack_entry *m;
	struct domain *granter;
	unsigned long flags;
	mfn_t frame;
	bool write;

	flags = spin_lock_irqsave(domain_mm_lock(self));
	m = maptrack_get(mt, handle);
	/* The granter lives while we hold a reference on its frame. */
	granter = domain_lookup(m->granter);
	spin_unlock_irqrestore(domain_mm_lock(self), flags);

	flags = lock_pair(self, granter);
	write = !(m->map_flags & MICA_GNTMAP_readonly);
	frame = m->frame;
	if (m->pte_maddr)
		arch_grant_pte_put(self, m->pte_maddr);
	if (write)
		arch_grant_frame_put_type(frame, granter);
	unpin_ref(granter, m->ref, write);
	maptrack_free(mt, handle);
	unlock_pair(self, granter, flags);
	arch_grant_frame_put(frame); /* last: it may free a dying granter */
}

/* The addresses to flush for a chunk; 0 means "flush everything". */
static unsigned int flush_list(struct domain *self, const uint32_t *handles,
			       unsigned int n, uint64_t *va)
{
	unsigned int nr = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct maptrack_entry *m =
			maptrack_get(&self->grant->maptrack, handles[i]);

		if (!m->pte_maddr)
			continue; /* device mapping: no TLB entry */
		if (m->map_flags & MICA_GNTMAP_contains_pte)
			return 0; /* virtual address unknown */
		va[nr++] = m->host_addr;
	}
	return nr;
}

/*
 * Batches are preemptible between ops (grant_table.h): every
 * PREEMPT_EVERY ops the call may continue as the same op with the array
 * and count advanced past what is done.  A restart is a new call: count
 * and every op are checked again.
 */
#define PREEMPT_EVERY 16

static bool batch_preempt(uint32_t done, uint32_t count)
{
	return done && done < count && done % PREEMPT_EVERY == 0 &&
	       hypercall_preempt_check();
}

static long batch_continue(unsigned int cmd, uint64_t gaddr, size_t size,
			   uint32_t done, uint32_t count)
{
	return hypercall_create_continuation(MICA_HC_grant_table_op, cmd,
					     gaddr + (uint64_t)done * size,
					     count - done, 0, 0);
}

static long gnttab_unmap(struct vcpu *v, uint64_t gaddr, uint32_t count)
{
	struct domain *self = v->domain;
	struct mica_gnttab_unmap_grant_ref ops[UNMAP_CHUNK];
	uint32_t handles[UNMAP_CHUNK];
	uint64_t va[GRANT_FLUSH_MAX_VA];

	for (uint32_t base = 0; base < count; base += UNMAP_CHUNK) {
		unsigned int n = MIN(count - base, UNMAP_CHUNK), nr_live = 0;
		uint64_t at = gaddr + (uint64_t)base * sizeof(ops[0]);
		bool any_pte = false;
		unsigned long flags;

		if (batch_preempt(base, count))
			return batch_continue(MICA_GNTTABOP_unmap_grant_ref,
					      gaddr, sizeof(ops[0]), base,
					      count);
		if (copy_from_guest(ops, at, n * sizeof(ops[0])))
			return -EFAULT;
		flags = spin_lock_irqsave(domain_mm_lock(self));
		for (unsigned int i = 0; i < n; i++) {
			ops[i].status = unmap_start(self, &ops[i]);
			if (ops[i].status)
				continue;
			handles[nr_live++] = ops[i].handle;
			any_pte |= maptrack_get(&self->grant->maptrack,
						ops[i].handle)
					   ->pte_maddr != 0;
		}
		spin_unlock_irqrestore(domain_mm_lock(self), flags);
		/* One flush for the chunk, with no lock held. */
		if (any_pte)
			arch_grant_flush(self, va,
					 flush_list(self, handles, nr_live,
						    va));
		for (unsigned int i = 0; i < nr_live; i++)
			unmap_finish(self, handles[i]);
		if (copy_to_guest(at, ops, n * sizeof(ops[0])))
			return -EFAULT;
	}
	return 0;
}

/* Removes one live mapping with its own flush. */
static void unmap_now(struct domain *self, uint32_t handle)
{
	unsigned long flags = spin_lock_irqsave(domain_mm_lock(self));
	uint64_t va[1];
	unsigned int nr;

	unmap_clear(self, handle);
	nr = flush_list(self, &handle, 1, va);
	spin_unlock_irqrestore(domain_mm_lock(self), flags);
	arch_grant_flush(self, va, nr);
	unmap_finish(self, handle);
}

static long gnttab_map(struct vcpu *v, uint64_t gaddr, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		struct mica_gnttab_map_grant_ref op;
		uint64_t at = gaddr + (uint64_t)i * sizeof(op);

		if (batch_preempt(i, count))
			return batch_continue(MICA_GNTTABOP_map_grant_ref,
					      gaddr, sizeof(op), i, count);
		if (copy_from_guest(&op, at, sizeof(op)))
			return -EFAULT;
		op.status = map_one(v, &op);
		if (copy_to_guest(at, &op, sizeof(op))) {
			/* The caller cannot learn the handle: undo. */
			if (!op.status)
				unmap_now(v->domain, op.handle);
			return -EFAULT;
		}
	}
	return 0;
}

/* ---- copy --------------------------------------------------------------- */

/* One side of a copy, resolved and referenced. */
struct copy_side {
	struct domain *d; /* referenced unless it is self (domain_named) */
	struct domain *self;
	mfn_t frame;
	bool grant;
	bool write;
	uint32_t ref;
};

static int copy_side_get(struct domain *self,
			 const struct mica_gnttab_copy_ptr *p, bool grant,
			 bool write, uint16_t len, struct copy_side *s)
{
	struct grant_use use = { self->id, write, true };
	unsigned long flags;
	int rc = 0;

	if (!grant && p->domid != MICA_DOMID_SELF && p->domid != self->id &&
	    !self->privileged)
		return -EACCES; /* only dom0 names others' gfns */
	s->d = domain_named(p->domid, self);
	if (!s->d)
		return -ESRCH;
	s->self = self;
	s->grant = grant;
	s->write = write;
	s->ref = (uint32_t)p->ref_or_gfn;
	flags = spin_lock_irqsave(domain_mm_lock(s->d));
	if (s->d->is_dying) {
		rc = -ESRCH;
		goto out;
	}
	if (grant) {
		struct grant_active *act;

		if (p->ref_or_gfn > UINT32_MAX) {
			rc = -ERANGE;
			goto out;
		}
		rc = pin_ref(s->d, s->ref, &use);
		if (rc)
			goto out;
		act = active_of(s->d->grant, s->ref);
		s->frame = act->frame;
		if ((act->flags & MICA_GTF_SUB_PAGE) &&
		    (p->offset < act->sub_offset ||
		     p->offset + len > act->sub_offset + act->sub_length)) {
			rc = -EACCES; /* outside the granted bytes */
			goto err_unpin;
		}
	} else {
		s->frame = p->ref_or_gfn;
	}
	rc = arch_grant_frame_get(s->frame, s->d, write);
	if (rc) {
		rc = rc == -EBUSY ? -EBUSY : -EINVAL;
		goto err_unpin;
	}
	goto out;

err_unpin:
	if (grant)
		unpin_ref(s->d, s->ref, write);
out:
	spin_unlock_irqrestore(domain_mm_lock(s->d), flags);
	if (rc)
		domain_unname(s->d, self);
	return rc;
}

static void copy_side_put(struct copy_side *s)
{
	unsigned long flags = spin_lock_irqsave(domain_mm_lock(s->d));

	if (s->write)
		arch_grant_frame_put_type(s->frame, s->d);
	if (s->grant)
		unpin_ref(s->d, s->ref, s->write);
	spin_unlock_irqrestore(domain_mm_lock(s->d), flags);
	arch_grant_frame_put(s->frame);
	domain_unname(s->d, s->self); /* last: it may destroy s->d */
}

static int copy_one(struct domain *self, const struct mica_gnttab_copy *op)
{
	struct copy_side src, dst;
	int rc;

	if (op->source.pad0 || op->dest.pad0 ||
	    (op->flags & ~(MICA_GNTCOPY_source_gref | MICA_GNTCOPY_dest_gref)))
		return -EINVAL;
	if (op->source.offset > PAGE_SIZE || op->dest.offset > PAGE_SIZE ||
	    op->len > PAGE_SIZE - op->source.offset ||
	    op->len > PAGE_SIZE - op->dest.offset)
		return -EINVAL;
	rc = copy_side_get(self, &op->source,
			   op->flags & MICA_GNTCOPY_source_gref, false, op->len,
			   &src);
	if (rc)
		return rc;
	rc = copy_side_get(self, &op->dest, op->flags & MICA_GNTCOPY_dest_gref,
			   true, op->len, &dst);
	if (rc)
		goto err_put_src;
	if (src.frame == dst.frame &&
	    op->source.offset < op->dest.offset + op->len &&
	    op->dest.offset < op->source.offset + op->len) {
		rc = -EINVAL; /* overlapping ranges (note 3) */
		goto err_put_dst;
	}
	memcpy((char *)mfn_to_virt(dst.frame) + op->dest.offset,
	       (const char *)mfn_to_virt(src.frame) + op->source.offset,
	       op->len);
err_put_dst:
	copy_side_put(&dst);
err_put_src:
	copy_side_put(&src);
	return rc;
}

static long gnttab_copy(struct domain *self, uint64_t gaddr, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		struct mica_gnttab_copy op;
		uint64_t at = gaddr + (uint64_t)i * sizeof(op);

		if (batch_preempt(i, count))
			return batch_continue(MICA_GNTTABOP_copy, gaddr,
					      sizeof(op), i, count);
		if (copy_from_guest(&op, at, sizeof(op)))
			return -EFAULT;
		op.status = copy_one(self, &op);
		if (copy_to_guest(at + offsetof(struct mica_gnttab_copy,
						status),
				  &op.status, sizeof(op.status)))
			return -EFAULT;
	}
	return 0;
}

/* ---- transfer ----------------------------------------------------------- */

static int transfer_one(struct domain *self,
			const struct mica_gnttab_transfer *op)
{
	struct domain *to;
	struct mica_grant_entry *e;
	unsigned long flags;
	int rc;

	if (op->pad0 || op->pad1)
		return -EINVAL;
	to = domain_named(op->domid, self);
	if (!to)
		return -ESRCH;
	flags = lock_pair(self, to);
	if (to->is_dying) {
		rc = -ESRCH;
		goto out;
	}
	if (!ref_valid(to->grant, op->ref)) {
		rc = -ERANGE;
		goto out;
	}
	e = entry_of(to->grant, op->ref);
	rc = grant_transfer_commit(e, self->id);
	if (rc)
		goto out;
	rc = arch_grant_transfer_take(self, op->gfn);
	if (!rc && to != self) {
		struct page_info *pg = mfn_to_page(op->gfn);

		rc = domain_give_frame(to, pg);
		if (rc)
			arch_grant_transfer_undo(op->gfn);
	}
	if (!rc)
		arch_grant_transfer_done(op->gfn);
	if (rc)
		grant_transfer_abort(e);
	else
		grant_transfer_complete(e, op->gfn);
out:
	unlock_pair(self, to, flags);
	domain_unname(to, self);
	return rc;
}

static long gnttab_transfer(struct vcpu *v, uint64_t gaddr, uint32_t count)
{
	struct domain *self = v->domain;

	/*
	 * T8: no TLB may still map a frame once it leaves.  Mappings made
	 * after this flush hold references, which the check refuses.
	 */
	arch_grant_flush(self, NULL, 0);
	for (uint32_t i = 0; i < count; i++) {
		struct mica_gnttab_transfer op;
		uint64_t at = gaddr + (uint64_t)i * sizeof(op);

		if (batch_preempt(i, count))
			return batch_continue(MICA_GNTTABOP_transfer, gaddr,
					      sizeof(op), i, count);
		if (copy_from_guest(&op, at, sizeof(op)))
			return -EFAULT;
		op.status = transfer_one(self, &op);
		if (copy_to_guest(at, &op, sizeof(op)))
			return -EFAULT;
	}
	return 0;
}

/* ---- the hypercall ------------------------------------------------------ */

long do_grant_table_op(uint64_t cmd, uint64_t ops, uint64_t count, uint64_t a4,
		       uint64_t a5)
{
	struct vcpu *v = current_vcpu();

	(void)a4;
	(void)a5;
	if (cmd > MICA_GNTTABOP_transfer)
		return -ENOSYS;
	if (!count || count > MICA_GNTTAB_MAX_BATCH)
		return -EINVAL;
	switch (cmd) {
	case MICA_GNTTABOP_map_grant_ref:
		return gnttab_map(v, ops, (uint32_t)count);
	case MICA_GNTTABOP_unmap_grant_ref:
		return gnttab_unmap(v, ops, (uint32_t)count);
	case MICA_GNTTABOP_setup_table:
		return count == 1 ? gnttab_setup_table(v->domain, ops) :
				    -EINVAL;
	case MICA_GNTTABOP_query_size:
		return count == 1 ? gnttab_query_size(v->domain, ops) : -EINVAL;
	case MICA_GNTTABOP_copy:
		return gnttab_copy(v->domain, ops, (uint32_t)count);
	default:
		return gnttab_transfer(v, ops, (uint32_t)count);
	}
}

/* ---- domain death --------------------------------------------------------- */

bool grant_table_unmap_some(struct domain *d, uint32_t *cursor,
			    unsigned int max)
{
	struct maptrack *mt = &d->grant->maptrack;
	uint32_t end = mt->nr_pages * MAPTRACK_PER_PAGE;
	uint32_t h = *cursor;

	/*
	 * No vcpu of d runs any more, and switching away from the last one
	 * flushed its TLB entries: phase 2 may follow phase 1 at once.
	 */
	for (; h < end; h++) {
		struct maptrack_entry *m;
		unsigned long flags;

		flags = spin_lock_irqsave(domain_mm_lock(d));
		m = maptrack_get(mt, h);
		if (m && m->state == MAPTRACK_LIVE && m->pte_maddr) {
			arch_grant_pte_clear(d, m->pte_maddr);
			maptrack_hash_del(mt, h);
		}
		spin_unlock_irqrestore(domain_mm_lock(d), flags);
		if (m)
			unmap_finish(d, h);
		if (!max--) {
			*cursor = h + 1;
			return false;
		}
	}
	*cursor = h;
	return true;
}

void grant_table_release_frames(struct domain *d)
{
	struct grant_table *gt = d->grant;
	unsigned long flags = spin_lock_irqsave(domain_mm_lock(d));

	for (uint32_t i = 0; i < gt->nr_frames; i++) {
		mfn_t mfn = gt->frames[i];

		/* Its allocation still holds it: this is never the last. */
		arch_grant_frame_put_type(mfn, d);
		arch_grant_frame_put(mfn);
	}
	spin_unlock_irqrestore(domain_mm_lock(d), flags);
}

void grant_table_free(struct domain *d)
{
	struct grant_table *gt = d->grant;

	if (!gt)
		return;
	for (uint32_t i = 0; i < gt->nr_frames; i++)
		xfree(gt->active[i]);
	xfree(gt->active);
	xfree(gt->frames);
	maptrack_destroy(&gt->maptrack);
	xfree(gt);
	d->grant = NULL;
}
