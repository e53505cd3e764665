/* SPDX-License-Identifier: MIT */
/*
 * sched.h - MICA_HC_sched_op: give up the CPU, wait for events, shut down.
 *
 *     long mica_sched_op(uint32_t cmd, uint64_t arg_gaddr);
 *
 * All sub-ops act on the calling vcpu or domain, except remote_shutdown.
 */
#ifndef MICA_PUBLIC_SCHED_H
#define MICA_PUBLIC_SCHED_H

#include "mica.h"

/*
 * MICA_SCHEDOP_yield: let another runnable vcpu use this physical CPU.
 *   arg_gaddr: ignored (pass 0).
 *   Returns 0.  The vcpu stays runnable and may run again at once.
 */
#define MICA_SCHEDOP_yield 0

/*
 * MICA_SCHEDOP_block: wait for an event, the way `sti; hlt` would.
 *   arg_gaddr: ignored (pass 0).
 *   Returns 0.
 * Notes:
 *   1. Atomically clears this vcpu's evtchn_upcall_mask (enables events)
 *      and sleeps until evtchn_upcall_pending is set; if it is already set
 *      the call returns at once.  There is no lost-wakeup window between the
 *      guest's last check and the sleep.
 *   2. The event upcall is delivered on the way back (events are now
 *      enabled), so the guest normally resumes in its event callback and
 *      then after the hypercall.
 *   3. A vcpu timer (vcpu.h) is the usual way to bound the sleep.
 */
#define MICA_SCHEDOP_block 1

/*
 * MICA_SCHEDOP_shutdown: stop the whole calling domain.
 *   IN  reason          MICA_SHUTDOWN_*.
 *   IN  start_info_gfn  MICA_SHUTDOWN_suspend only: the gfn of the guest's
 *                       start-info page, which the toolstack rewrites on
 *                       restore (new store/console frames); else 0.
 * Returns: does not return, except for MICA_SHUTDOWN_suspend (below).
 * Notes:
 *   1. All vcpus stop; the domain stays in the "shut down" state, keeping
 *      its memory, until the toolstack destroys, restarts or resumes it.
 *      dom0 is told with MICA_VIRQ_DOM_EXC and reads the reason with
 *      MICA_DOMCTL_get_info.
 *   2. Suspend: the toolstack saves the domain.  When this vcpu next runs,
 *      the call returns
 *        0  the domain was restored, possibly on another host: every frame
 *           number may have changed; the guest must re-read start_info,
 *           re-map shared info, re-register vcpu_info, event queues and
 *           grant frames, rebind every event channel and reconnect devices;
 *        1  the suspend was cancelled and the domain resumed where it was,
 *           all hypervisor state intact.  Only a guest whose kernel carries
 *           MICA_ELFNOTE_SUSPEND_CANCEL is ever resumed this way.
 *   3. Other vcpus must be down (MICA_VCPUOP_down) before a suspend.
 * Errors: -MICA_EFAULT, -MICA_EINVAL (unknown reason, pad != 0,
 *   start_info_gfn given for a reason other than suspend), -MICA_EBUSY
 *   (suspend with other vcpus up).
 */
#define MICA_SCHEDOP_shutdown 2

struct mica_sched_shutdown {
	uint32_t reason; /* IN: MICA_SHUTDOWN_* */
	uint32_t pad0;
	uint64_t start_info_gfn; /* IN: suspend only */
};
MICA_STATIC_ASSERT(sizeof(struct mica_sched_shutdown) == 16,
		   "mica_sched_shutdown");

/* Shutdown reasons (append-only). */
#define MICA_SHUTDOWN_poweroff 0 /* stop for good */
#define MICA_SHUTDOWN_reboot 1 /* restart with the same configuration */
#define MICA_SHUTDOWN_suspend 2 /* save, to restore or migrate */
#define MICA_SHUTDOWN_crash 3 /* the guest kernel crashed */
#define MICA_SHUTDOWN_watchdog 4 /* a guest watchdog expired */

/*
 * MICA_SCHEDOP_poll: sleep until one of a set of event ports is pending.
 *   IN  ports_gaddr  array of nr_ports mica_evtchn_port_t.
 *   IN  nr_ports     1..MICA_SCHED_POLL_MAX_PORTS.
 *   IN  timeout      absolute system time (time.h) at which to give up, in
 *                    ns; 0 = no timeout.
 *   Returns 0 when a port is pending or the timeout passed (the caller
 *   checks which), or an error.
 * Notes:
 *   1. "Pending" means the PENDING bit of the port's event word
 *      (event_channel.h), whether or not the port is masked: polling a
 *      masked port is the intended use (e.g. a paravirtual spinlock waiting
 *      for its unlock kick without taking an upcall).
 *   2. Must be called with events masked (evtchn_upcall_mask = 1); the
 *      upcall mask is left unchanged.
 *   3. Returns at once if a port is already pending.
 * Errors: -MICA_EFAULT, -MICA_EINVAL (events not masked, pad != 0,
 *   nr_ports == 0, a port not bound in this domain), -MICA_E2BIG (more than
 *   MICA_SCHED_POLL_MAX_PORTS ports).
 */
#define MICA_SCHEDOP_poll 3

#define MICA_SCHED_POLL_MAX_PORTS 128

struct mica_sched_poll {
	uint64_t ports_gaddr; /* IN */
	uint32_t nr_ports; /* IN */
	uint32_t pad0;
	uint64_t timeout; /* IN: absolute system time in ns, 0 = none */
};
MICA_STATIC_ASSERT(sizeof(struct mica_sched_poll) == 24, "mica_sched_poll");

/*
 * MICA_SCHEDOP_remote_shutdown: shut another domain down (dom0 only), as if
 * it had called MICA_SCHEDOP_shutdown with `reason`.
 *   IN  domid   the target (not MICA_DOMID_SELF, not dom0 itself).
 *   IN  reason  MICA_SHUTDOWN_*, except suspend (the guest must suspend
 *               itself; the toolstack asks it to through the store).
 *   Returns 0.  The target stops before the call returns.
 * Errors: -MICA_EPERM (caller not privileged, or target is the caller),
 *   -MICA_ESRCH (no such domain), -MICA_EINVAL (bad reason, pad != 0),
 *   -MICA_EALREADY (the target is already shut down), -MICA_EFAULT.
 */
#define MICA_SCHEDOP_remote_shutdown 4

struct mica_sched_remote_shutdown {
	mica_domid_t domid; /* IN */
	uint16_t pad0;
	uint32_t reason; /* IN: MICA_SHUTDOWN_* */
};
MICA_STATIC_ASSERT(sizeof(struct mica_sched_remote_shutdown) == 8,
		   "mica_sched_remote_shutdown");

#endif /* MICA_PUBLIC_SCHED_H */
