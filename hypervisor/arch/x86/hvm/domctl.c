/* SPDX-License-Identifier: MIT */
/*
 * HVM domains from the toolstack (public/domctl.h): creation with
 * MICA_DOMCTL_CREATE_HVM|HAP, gfn-based population of their memory, and
 * their vcpus' state as struct mica_hvm_vcpu_context.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/heap.h>
#include <mica/sched.h>
#include <asm/hvm.h>
#include <public/domctl.h>
#include <public/hvm/hvm.h>

int arch_domctl_create_hvm(struct domain *d)
{
	return hvm_available() ? hvm_domain_create(d) : -ENODEV;
}

/* A populated extent of an HVM domain: into its nested page tables. */
int hvm_populated(struct domain *d, uint64_t gfn, uint64_t mfn,
		  unsigned int order)
{
	struct hvm_domain *hd = d->arch.hvm;
	int rc = p2m_map(d, gfn, mfn, order);

	if (!rc && gfn + (1ULL << order) > hd->nr_ram_pages)
		hd->nr_ram_pages = gfn + (1ULL << order);
	return rc;
}

long hvm_domctl_context(struct domain *d, struct mica_domctl *op, bool set)
{
	struct mica_domctl_vcpu_context *a = &op->u.vcpu_context;
	struct vcpu *v = a->vcpu < d->max_vcpus ? d->vcpus[a->vcpu] : NULL;
	struct mica_hvm_vcpu_context *c;
	long rc;

	if (!is_hvm_domain(d) || a->pad0)
		return -EINVAL;
	if (!hvm_backend->get_context || !hvm_backend->set_context)
		return -EOPNOTSUPP; /* not in this back end yet */
	if (!v)
		return -ENOENT;
	if (!READ_ONCE(d->pause_count) || vcpu_is_running(v))
		return -EBUSY;
	if (__atomic_exchange_n(&v->initialising, true, __ATOMIC_ACQUIRE))
		return -EBUSY;
	c = xzalloc(sizeof(*c));
	if (!c) {
		rc = -ENOMEM;
		goto out;
	}
	if (!set) {
		hvm_backend->get_context(v, c);
		c->flags = READ_ONCE(v->state) != VCPU_DOWN ?
				   MICA_HVMCTX_ONLINE :
				   0;
		rc = copy_to_guest(a->context_gaddr, c, sizeof(*c));
		goto out_free;
	}
	rc = copy_from_guest(c, a->context_gaddr, sizeof(*c));
	if (rc)
		goto out_free;
	for (unsigned int i = 0; i < ARRAY_SIZE(c->reserved); i++)
		if (c->reserved[i])
			rc = -EINVAL;
	if (c->pad0 || (c->flags & ~MICA_HVMCTX_ONLINE))
		rc = -EINVAL;
	/* A device-model request in flight completes into the registers
	 * (or re-runs the instruction) the vcpu had: not under new ones. */
	if (!rc && hvm_ioreq_waiting(v))
		rc = -EBUSY;
	if (!rc)
		rc = hvm_backend->set_context(v, c);
	if (!rc) {
		bool first = !READ_ONCE(v->initialised);

		WRITE_ONCE(v->initialised, true);
		if ((first && v->id == 0) || (c->flags & MICA_HVMCTX_ONLINE)) {
			/* Started by the toolstack, not by a SIPI. */
			__atomic_store_n(&v->arch.hvm->wait_sipi, false,
					 __ATOMIC_RELEASE);
			if (READ_ONCE(v->state) == VCPU_DOWN)
				vcpu_up(v);
		}
	}
out_free:
	xfree(c);
out:
	__atomic_store_n(&v->initialising, false, __ATOMIC_RELEASE);
	return rc;
}
