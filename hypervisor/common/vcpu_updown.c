/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_vcpu_op: initialise, up, down and is_up (public/vcpu.h), called
 * from the dispatcher in common/hc_vcpu.c.  A guest starts its secondary
 * vcpus with these; each runs on its own physical CPU as the scheduler
 * places it.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/heap.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/vcpu_context.h>
#include <mica/vcpu_op.h>
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

long vcpu_op_initialise(struct vcpu *v, uint64_t arg)
{
	return vcpu_initialise(v, arg);
}

long vcpu_op_up(struct vcpu *v, uint64_t arg)
{
	(void)arg;
	if (!READ_ONCE(v->initialised))
		return -ENXIO;
	vcpu_up(v);
	return 0;
}

long vcpu_op_down(struct vcpu *v, uint64_t arg)
{
	return vcpu_down(v, v->id, arg);
}

long vcpu_op_is_up(struct vcpu *v, uint64_t arg)
{
	(void)arg;
	return READ_ONCE(v->state) != VCPU_DOWN;
}
