/* SPDX-License-Identifier: MIT */
/* MICA_HC_sched_op (public/sched.h). */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/sched.h>
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

/* MICA_SCHEDOP_remote_shutdown: the privileged domain stops another. */
static long sched_remote_shutdown(uint64_t arg)
{
	struct domain *self = current_vcpu()->domain, *d;
	struct mica_sched_remote_shutdown s;

	if (!self->privileged)
		return -EPERM;
	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.pad0 || s.reason > MICA_SHUTDOWN_watchdog ||
	    s.reason == MICA_SHUTDOWN_suspend)
		return -EINVAL;
	if (s.domid == MICA_DOMID_SELF || s.domid == self->id)
		return -EPERM;
	d = s.domid < MICA_DOMID_FIRST_RESERVED ? domain_lookup(s.domid) : NULL;
	if (!d || READ_ONCE(d->is_dying))
		return -ESRCH;
	return domain_remote_shutdown(d, s.reason);
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
	case MICA_SCHEDOP_shutdown:
		return sched_shutdown(arg);
	case MICA_SCHEDOP_remote_shutdown:
		return sched_remote_shutdown(arg);
	default:
		return -ENOSYS;
	}
}
