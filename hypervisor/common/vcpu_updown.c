/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_vcpu_op: initialise, up, down and is_up (public/vcpu.h).  A
 * guest starts its secondary vcpus with these; each runs on its own
 * physical CPU as the scheduler places it.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/vcpu_context.h>
#include <public/arch-x86/context.h>
#include <public/vcpu.h>

static long vcpu_initialise(struct vcpu *v, uint64_t arg)
{
	struct mica_vcpu_guest_context *ctx;
	long rc;

	if (READ_ONCE(v->state) != VCPU_DOWN)
		return -EBUSY;
	if (READ_ONCE(v->initialised))
		return -EEXIST;
	/* One initialise at a time per vcpu (two vcpus may race for it). */
	if (__atomic_exchange_n(&v->initialising, true, __ATOMIC_ACQUIRE))
		return -EBUSY;
	ctx = xmalloc(sizeof(*ctx));
	if (!ctx) {
		rc = -ENOMEM;
		goto out;
	}
	rc = copy_from_guest(ctx, arg, sizeof(*ctx));
	if (rc)
		goto out_free;
	if (!(ctx->flags & MICA_VGCF_IN_KERNEL)) {
		rc = -EINVAL; /* context.h: must start in kernel mode */
		goto out_free;
	}
	if (READ_ONCE(v->initialised)) {
		rc = -EEXIST; /* lost a race */
		goto out_free;
	}
	rc = arch_set_vcpu_context(v, ctx);
	if (!rc)
		WRITE_ONCE(v->initialised, true);
out_free:
	xfree(ctx);
out:
	__atomic_store_n(&v->initialising, false, __ATOMIC_RELEASE);
	return rc;
}

/*
 * Another vcpu goes down: the call returns once it is off its CPU.  It is
 * not waited for here (interrupts are off, and the other vcpu may be
 * taking this one down at the same time): while it still runs, the call
 * is made again.
 */
static long vcpu_down(struct vcpu *v, uint64_t vcpuid, uint64_t arg)
{
	vcpu_stop(v);
	if (v != current_vcpu() && vcpu_is_running(v))
		return hypercall_create_continuation(
			MICA_HC_vcpu_op, MICA_VCPUOP_down, vcpuid, arg, 0, 0);
	/* On the calling vcpu: it leaves its CPU on the way out, and the
	 * call returns 0 when it is up again. */
	return 0;
}

long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg, uint64_t a4,
		uint64_t a5)
{
	struct domain *d = current_vcpu()->domain;
	struct vcpu *v;

	(void)a4;
	(void)a5;
	if (cmd > MICA_VCPUOP_is_up)
		return -ENOSYS;
	if (vcpuid >= d->max_vcpus || !d->vcpus[vcpuid])
		return -ENOENT;
	v = d->vcpus[vcpuid];
	switch (cmd) {
	case MICA_VCPUOP_initialise:
		return vcpu_initialise(v, arg);
	case MICA_VCPUOP_up:
		if (!READ_ONCE(v->initialised))
			return -ENXIO;
		vcpu_up(v);
		return 0;
	case MICA_VCPUOP_down:
		return vcpu_down(v, vcpuid, arg);
	default: /* MICA_VCPUOP_is_up */
		return READ_ONCE(v->state) != VCPU_DOWN;
	}
}
