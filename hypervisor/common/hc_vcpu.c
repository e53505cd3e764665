/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_vcpu_op (public/vcpu.h): the dispatcher, per-vcpu timers,
 * run-state accounting and vcpu_info placement.  Bringing vcpus up and
 * down is in common/vcpu_updown.c.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/time.h>
#include <mica/vcpu_op.h>
#include <asm/page.h>
#include "event_internal.h"

/* --- Timers: MICA_VIRQ_TIMER on expiry; never early (timer.h). --- */

/*
 * now + period without wrapping: a huge period means "never", not an
 * expiry in the past (which re-fired the timer at once, forever, and
 * livelocked the CPU: found by the fuzz guest).
 */
static uint64_t expiry_after(uint64_t now, uint64_t period)
{
	return period > UINT64_MAX - now ? UINT64_MAX : now + period;
}

static void periodic_timer_fn(void *data)
{
	struct vcpu *v = data;
	uint64_t period = READ_ONCE(v->events.period_ns);
	uint64_t now = system_time_ns(), next;

	if (!period)
		return;
	send_guest_vcpu_virq(v, MICA_VIRQ_TIMER);
	/* Expiries missed meanwhile coalesce into this one event. */
	next = expiry_after(v->events.periodic_timer.expires, period);
	if (next <= now)
		next = expiry_after(now, period - (now - next) % period);
	timer_set(&v->events.periodic_timer, next);
}

static void singleshot_timer_fn(void *data)
{
	send_guest_vcpu_virq(data, MICA_VIRQ_TIMER);
}

/* The caller programs only its own timers. */
static long timer_target_ok(struct vcpu *v)
{
	return v == current_vcpu() ? 0 : -EINVAL;
}

static long op_set_periodic_timer(struct vcpu *v, uint64_t arg)
{
	struct mica_vcpu_periodic_timer t;

	if (timer_target_ok(v))
		return -EINVAL;
	if (copy_from_guest(&t, arg, sizeof(t)))
		return -EFAULT;
	if (t.period_ns < MICA_VCPU_TIMER_MIN_PERIOD_NS)
		return -EINVAL;
	WRITE_ONCE(v->events.period_ns, t.period_ns);
	timer_set(&v->events.periodic_timer,
		  expiry_after(system_time_ns(), t.period_ns));
	return 0;
}

static long op_stop_periodic_timer(struct vcpu *v, uint64_t arg)
{
	(void)arg;
	if (timer_target_ok(v))
		return -EINVAL;
	WRITE_ONCE(v->events.period_ns, 0);
	timer_stop(&v->events.periodic_timer);
	return 0;
}

static long op_set_singleshot_timer(struct vcpu *v, uint64_t arg)
{
	struct mica_vcpu_singleshot_timer t;

	if (timer_target_ok(v))
		return -EINVAL;
	if (copy_from_guest(&t, arg, sizeof(t)))
		return -EFAULT;
	if (t.pad0 || (t.flags & ~MICA_TIMER_FUTURE))
		return -EINVAL;
	if ((t.flags & MICA_TIMER_FUTURE) && t.timeout < system_time_ns())
		return -ETIME;
	timer_set(&v->events.singleshot_timer, t.timeout);
	return 0;
}

static long op_stop_singleshot_timer(struct vcpu *v, uint64_t arg)
{
	(void)arg;
	if (timer_target_ok(v))
		return -EINVAL;
	timer_stop(&v->events.singleshot_timer);
	return 0;
}

/* --- Run state --- */

static long op_get_runstate(struct vcpu *v, uint64_t arg)
{
	struct mica_vcpu_runstate_info r;

	runstate_read(v, &r);
	return copy_to_guest(arg, &r, sizeof(r)) ? -EFAULT : 0;
}

static long op_register_runstate(struct vcpu *v, uint64_t arg)
{
	struct mica_vcpu_register_area a;
	struct mica_vcpu_runstate_info r;

	if (copy_from_guest(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.gaddr && ((a.gaddr & 7) ||
			(a.gaddr & (PAGE_SIZE - 1)) > PAGE_SIZE - sizeof(r)))
		return -EINVAL;
	if (a.gaddr) {
		/* It must be writable now; the caller's tables are loaded. */
		runstate_read(v, &r);
		if (copy_to_guest(a.gaddr, &r, sizeof(r)))
			return -EFAULT;
	}
	WRITE_ONCE(v->events.runstate_gaddr, a.gaddr);
	return 0;
}

/* --- vcpu_info placement --- */

static long op_register_info(struct vcpu *v, uint64_t arg)
{
	struct mica_vcpu_register_info r;
	struct domain *d = v->domain;
	struct mica_vcpu_info *old, *new;
	unsigned long flags;
	void *page;
	long rc;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.pad0 || (r.offset & 63) || r.offset >= PAGE_SIZE)
		return -EINVAL;
	/* The FIFO lock orders this against raisers setting upcall_pending. */
	flags = spin_lock_irqsave(&d->evtchn->fifo_lock);
	rc = -EEXIST;
	if (v->events.vcpu_info_moved)
		goto out;
	rc = arch_guest_frame_get(d, r.gfn, &page);
	if (rc)
		goto out;
	new = (struct mica_vcpu_info *)((uint8_t *)page + r.offset);
	old = arch_vcpu_info(v);
	if (old)
		memcpy(new, old, sizeof(*new));
	else
		memset(new, 0, sizeof(*new));
	if (!old) /* events queued meanwhile were not announced */
		new->evtchn_upcall_pending = 1;
	arch_vcpu_set_info(v, new);
	v->events.vcpu_info_gfn = r.gfn;
	v->events.vcpu_info_moved = true;
out:
	spin_unlock_irqrestore(&d->evtchn->fifo_lock, flags);
	return rc;
}

/* --- Upcall vector (HVM; the arch code validates and applies it) --- */

static long op_set_upcall_vector(struct vcpu *v, uint64_t arg)
{
	struct mica_vcpu_upcall_vector u;

	if (copy_from_guest(&u, arg, sizeof(u)))
		return -EFAULT;
	if (u.pad0)
		return -EINVAL;
	return arch_evtchn_set_upcall_vector(v, u.vector);
}

/* --- Dispatcher --- */

typedef long (*vcpu_op_fn)(struct vcpu *target, uint64_t arg);

/* Sub-ops by number; a hole answers -ENOSYS (initialise..is_up: to come). */
static const vcpu_op_fn vcpu_ops[] = {
	[MICA_VCPUOP_initialise] = vcpu_op_initialise,
	[MICA_VCPUOP_up] = vcpu_op_up,
	[MICA_VCPUOP_down] = vcpu_op_down,
	[MICA_VCPUOP_is_up] = vcpu_op_is_up,
	[MICA_VCPUOP_get_runstate] = op_get_runstate,
	[MICA_VCPUOP_register_runstate] = op_register_runstate,
	[MICA_VCPUOP_register_info] = op_register_info,
	[MICA_VCPUOP_set_periodic_timer] = op_set_periodic_timer,
	[MICA_VCPUOP_stop_periodic_timer] = op_stop_periodic_timer,
	[MICA_VCPUOP_set_singleshot_timer] = op_set_singleshot_timer,
	[MICA_VCPUOP_stop_singleshot_timer] = op_stop_singleshot_timer,
	[MICA_VCPUOP_set_upcall_vector] = op_set_upcall_vector,
};

long do_vcpu_op(uint64_t cmd, uint64_t vcpu, uint64_t arg, uint64_t a4,
		uint64_t a5)
{
	struct domain *d = current_vcpu()->domain;
	struct vcpu *v;

	(void)a4;
	(void)a5;
	if (cmd >= ARRAY_SIZE(vcpu_ops) || !vcpu_ops[cmd])
		return -ENOSYS;
	v = vcpu < d->max_vcpus ? d->vcpus[vcpu] : NULL;
	if (!v)
		return -ENOENT;
	return vcpu_ops[cmd](v, arg);
}

/* --- Lifetime --- */

void vcpu_events_init(struct vcpu *v)
{
	timer_init(&v->events.periodic_timer, periodic_timer_fn, v,
		   v->processor);
	timer_init(&v->events.singleshot_timer, singleshot_timer_fn, v,
		   v->processor);
	evtchn_poll_init(v);
	runstate_init(v, system_time_ns());
}

void vcpu_events_destroy(struct vcpu *v)
{
	WRITE_ONCE(v->events.period_ns, 0);
	timer_kill(&v->events.periodic_timer);
	timer_kill(&v->events.singleshot_timer);
	evtchn_poll_destroy(v);
	if (v->events.vcpu_info_moved) {
		arch_vcpu_set_info(v, NULL);
		arch_guest_frame_put(v->domain, v->events.vcpu_info_gfn);
		v->events.vcpu_info_moved = false;
	}
}
