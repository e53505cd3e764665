/* SPDX-License-Identifier: MIT */
/* MICA_HC_sched_op (public/sched.h). */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/time.h>
#include <asm/cpu.h>
#include "event_internal.h"
#include <public/sched.h>

static long sched_shutdown(uint64_t arg)
{
	struct mica_sched_shutdown s;

	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.pad0 || s.reason > MICA_SHUTDOWN_watchdog ||
	    (s.reason != MICA_SHUTDOWN_suspend && s.start_info_gfn))
		return -EINVAL;
	if (s.reason == MICA_SHUTDOWN_suspend)
		return -ENOSYS; /* save/restore is not there yet */
	domain_shutdown(current_vcpu()->domain, s.reason);
	return 0; /* never seen: the vcpu does not run again */
}

/*
 * Block: clear the upcall mask, then sleep unless an upcall is pending.
 * vcpu_block() comes before the check, so an event raised after the check
 * finds the vcpu blocked and wakes it.
 */
long sched_block_current(void)
{
	struct vcpu *v = current_vcpu();
	struct mica_vcpu_info *vi = arch_vcpu_info(v);

	if (!vi)
		return -EINVAL; /* cannot happen for PV: vcpu_info from birth */
	WRITE_ONCE(vi->evtchn_upcall_mask, 0);
	vcpu_block();
	if (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
		vcpu_unblock(v);
	return 0;
}

/* --- Polling --- */

static void poll_timeout(void *data)
{
	evtchn_vcpu_wake(data);
}

void evtchn_poll_init(struct vcpu *v)
{
	timer_init(&v->events.poll_timer, poll_timeout, v, v->processor);
}

void evtchn_poll_destroy(struct vcpu *v)
{
	timer_kill(&v->events.poll_timer);
}

/* Ends v's poll; true if it was polling. */
bool evtchn_poll_end(struct vcpu *v)
{
	if (!__atomic_exchange_n(&v->events.polling, false, __ATOMIC_SEQ_CST))
		return false;
	__atomic_fetch_sub(&v->domain->evtchn->nr_polling, 1, __ATOMIC_SEQ_CST);
	timer_stop(&v->events.poll_timer);
	return true;
}

void evtchn_poll_begin(struct vcpu *v, uint32_t port)
{
	if (__atomic_load_n(&v->events.polling, __ATOMIC_SEQ_CST) &&
	    v->events.poll_port == port)
		return;
	evtchn_poll_end(v);
	v->events.poll_port = port;
	__atomic_fetch_add(&v->domain->evtchn->nr_polling, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&v->events.polling, true, __ATOMIC_SEQ_CST);
}

void evtchn_vcpu_wake(struct vcpu *v)
{
	evtchn_poll_end(v);
	vcpu_kick(v);
}

/* True if a port in the list is pending.  Port lock held. */
static bool any_pending(struct domain *d, const uint32_t *ports, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (evtchn_port_pending(d, ports[i]))
			return true;
	return false;
}

static long sched_poll(uint64_t arg)
{
	struct vcpu *v = current_vcpu();
	struct domain *d = v->domain;
	struct mica_vcpu_info *vi = arch_vcpu_info(v);
	uint32_t ports[MICA_SCHED_POLL_MAX_PORTS];
	struct mica_sched_poll p;
	unsigned long flags;
	bool pending;
	long rc = 0;

	if (copy_from_guest(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.pad0 || !p.nr_ports || !vi || !vi->evtchn_upcall_mask)
		return -EINVAL;
	if (p.nr_ports > MICA_SCHED_POLL_MAX_PORTS)
		return -E2BIG;
	if (copy_from_guest(ports, p.ports_gaddr,
			    p.nr_ports * sizeof(ports[0])))
		return -EFAULT;

	flags = spin_lock_irqsave(&d->evtchn->lock);
	for (unsigned int i = 0; i < p.nr_ports && !rc; i++)
		rc = evtchn_port_check_bound(d, ports[i]);
	if (rc || any_pending(d, ports, p.nr_ports)) {
		spin_unlock_irqrestore(&d->evtchn->lock, flags);
		return rc;
	}
	/* The timeout first: a wake-up ends the poll and stops it.  Then
	 * announce the poll before blocking and re-checking: a raise after
	 * the check sees it and wakes us (event_fifo.c wake_pollers). */
	if (p.timeout)
		timer_set(&v->events.poll_timer, p.timeout);
	v->events.poll_port = p.nr_ports == 1 ? ports[0] : 0;
	__atomic_fetch_add(&d->evtchn->nr_polling, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&v->events.polling, true, __ATOMIC_SEQ_CST);
	vcpu_block();
	pending = any_pending(d, ports, p.nr_ports);
	spin_unlock_irqrestore(&d->evtchn->lock, flags);
	if (pending || (p.timeout && p.timeout <= system_time_ns())) {
		evtchn_poll_end(v);
		vcpu_unblock(v);
	}
	return 0;
}

/* MICA_SCHEDOP_remote_shutdown: the privileged domain stops another. */
static long sched_remote_shutdown(uint64_t arg)
{
	struct domain *self = current_vcpu()->domain, *d;
	struct mica_sched_remote_shutdown s;
	long rc;

	if (!self->privileged)
		return -EPERM;
	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.pad0 || s.reason > MICA_SHUTDOWN_watchdog ||
	    s.reason == MICA_SHUTDOWN_suspend)
		return -EINVAL;
	if (s.domid == MICA_DOMID_SELF || s.domid == self->id)
		return -EPERM;
	d = s.domid < MICA_DOMID_FIRST_RESERVED ? domain_get(s.domid) : NULL;
	if (!d)
		return -ESRCH;
	rc = domain_remote_shutdown(d, s.reason);
	domain_put(d);
	return rc;
}

long do_sched_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
		 uint64_t a5)
{
	(void)a3;
	(void)a4;
	(void)a5;
	switch (cmd) {
	case MICA_SCHEDOP_yield:
		sched_yield();
		return 0;
	case MICA_SCHEDOP_block:
		return sched_block_current();
	case MICA_SCHEDOP_shutdown:
		return sched_shutdown(arg);
	case MICA_SCHEDOP_poll:
		return sched_poll(arg);
	case MICA_SCHEDOP_remote_shutdown:
		return sched_remote_shutdown(arg);
	default:
		return -ENOSYS;
	}
}
