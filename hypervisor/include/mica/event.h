/* SPDX-License-Identifier: MIT */
/*
 * Event channels, vcpu timers and blocking: the interface other subsystems
 * use.  The ABI is public/event_channel.h, public/vcpu.h and public/sched.h;
 * the design is in docs/design.md ("Events").
 *
 * Locking, outermost first:
 *   1. the global interdomain lock (event_channel.c): two-domain operations
 *      and every lookup of another domain by id;
 *   2. a domain's port lock (struct evtchn_domain.lock): its port table;
 *      when two are needed they are taken in ascending domain id;
 *   3. a domain's FIFO lock: its queues, control blocks and event array;
 *   4. scheduler run-queue locks, timer-queue locks, the mm_lock.
 * Raising an event on (d, port) needs d's port lock, or the port lock of
 * the domain at the other end of an interdomain channel to it (which keeps
 * the binding, and so d, alive).
 */
#ifndef MICA_EVENT_H
#define MICA_EVENT_H

#include <mica/timer.h>
#include <mica/types.h>
#include <public/event_channel.h>
#include <public/vcpu.h>

struct domain;
struct vcpu;
struct evtchn_domain; /* a domain's ports and FIFO state (event_channel.c) */

/* Ports a new domain may use until domctl sets another limit. */
#define EVTCHN_DEFAULT_MAX_PORTS 4096

/*
 * Per-vcpu state of events, timers, polling and run-state accounting,
 * embedded in struct vcpu as v->events.
 */
struct vcpu_events {
	/* Per-vcpu VIRQs bound on this vcpu (0: none); port lock. */
	uint32_t virq_port[MICA_NR_VIRQS];

	/* FIFO queues (event_fifo.c); FIFO lock. */
	struct mica_evtchn_fifo_control *control; /* NULL: not registered */
	uint64_t control_gfn;
	uint32_t tail[MICA_EVTCHN_FIFO_PRIORITIES]; /* last port appended */

	/* MICA_SCHEDOP_poll (hc_sched.c). */
	bool polling; /* atomic */
	bool vcpu_info_moved; /* register_info, below (here: no hole) */
	uint32_t poll_port; /* the only port polled, or 0: several */
	struct timer poll_timer;

	/* vcpu_op timers (hc_vcpu.c). */
	struct timer periodic_timer;
	struct timer singleshot_timer;
	uint64_t period_ns;

	/* MICA_VCPUOP_register_info: the frame holding vcpu_info, or 0
	 * (and vcpu_info_moved, above). */
	uint64_t vcpu_info_gfn;

	/* Run-state accounting (runstate.c); the run-queue lock. */
	struct mica_vcpu_runstate_info runstate; /* version: seqlock */
	uint64_t runstate_gaddr; /* registered area, 0: none */
};

/* Domain lifetime: create the port table / close every port and release
 * the frames registered by init_control and expand_array. */
int evtchn_domain_init(struct domain *d);
void evtchn_domain_destroy(struct domain *d);
/*
 * Destruction in steps: marks d's ports dead to other domains and closes
 * up to EVTCHN_CLOSE_CHUNK of them from *cursor (0 at first); true once
 * every port is closed.  evtchn_domain_destroy() then finishes quickly.
 */
#define EVTCHN_CLOSE_CHUNK 64
bool evtchn_domain_close_some(struct domain *d, uint32_t *cursor);

/*
 * A new unbound port in d that remote_domid (MICA_DOMID_SELF: d itself)
 * may bind to.  0 and *port, or -ESRCH, -EMFILE, -ENOMEM.
 */
int evtchn_alloc_unbound(struct domain *d, uint16_t remote_domid,
			 uint32_t *port);

/* Raises the peer of an interdomain port, or an IPI port, of d, exactly as
 * the guest's MICA_EVTCHNOP_send would.  Errors are ignored. */
void evtchn_notify(struct domain *d, uint32_t port);
/* Closes a port of d as MICA_EVTCHNOP_close would; -ESRCH once d's ports
 * are going (d dying), -EINVAL if the port is not open.  d must not be
 * freed meanwhile. */
int evtchn_close_port(struct domain *d, uint32_t port);

/* Raises a per-vcpu VIRQ on v / a global VIRQ in the domain that bound it,
 * if bound.  Callable from any context but interrupt handlers. */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
void send_global_virq(unsigned int virq);

/* True if the port's event is pending (event word PENDING, or raised
 * before the event array covered it).  d's port lock held. */
bool evtchn_port_pending(struct domain *d, uint32_t port);
/* 0 if 'port' is bound (not closed) in d, else -EINVAL.  Port lock. */
int evtchn_port_check_bound(struct domain *d, uint32_t port);

/* Wakes v for an event: ends its poll, unblocks it or kicks its CPU. */
void evtchn_vcpu_wake(struct vcpu *v);
/* In-hypervisor waits on one port (hvm/ioreq.c): the current vcpu v polls
 * 'port' of its domain as MICA_SCHEDOP_poll would (a raise of it wakes v
 * through evtchn_vcpu_wake); the caller then blocks and re-checks its
 * condition.  poll_end: v no longer polls (true if it did). */
void evtchn_poll_begin(struct vcpu *v, uint32_t port);
bool evtchn_poll_end(struct vcpu *v);
/* SCHEDOP_poll's per-vcpu timeout timer (hc_sched.c). */
void evtchn_poll_init(struct vcpu *v);
void evtchn_poll_destroy(struct vcpu *v);

/* Per-vcpu timers, run-state and vcpu_info placement (hc_vcpu.c). */
void vcpu_events_init(struct vcpu *v);
void vcpu_events_destroy(struct vcpu *v);

/* Run-state accounting (runstate.c).  Callers hold v's run-queue lock. */
void runstate_init(struct vcpu *v, uint64_t now);
void runstate_change(struct vcpu *v, unsigned int state, uint64_t now);
/* Copies the state out consistently (version 0), from any CPU. */
void runstate_read(struct vcpu *v, struct mica_vcpu_runstate_info *out);
/* Writes the registered area, if any; v's page tables are loaded. */
void runstate_publish(struct vcpu *v);

/*
 * Arch hooks: a frame of d's ordinary RAM that the hypervisor keeps mapped
 * and writes (control blocks, event array, vcpu_info).  get takes a
 * writable type reference: 0 and *va, or -EINVAL (no such frame), -EPERM
 * (not d's), -EBUSY (a page table or descriptor page).
 */
int arch_guest_frame_get(struct domain *d, uint64_t gfn, void **va);
void arch_guest_frame_put(struct domain *d, uint64_t gfn);
/* The vcpu's vcpu_info (shared_info.h), NULL if it has none. */
struct mica_vcpu_info *arch_vcpu_info(struct vcpu *v);
void arch_vcpu_set_info(struct vcpu *v, struct mica_vcpu_info *info);
/*
 * Event upcalls as an interrupt (HVM, public/vcpu.h
 * MICA_VCPUOP_set_upcall_vector).  arch_evtchn_upcall: v's
 * evtchn_upcall_pending was just set (FIFO lock held; was_pending: it was
 * already 1); false: wake v as for PV (evtchn_vcpu_wake), true: the arch
 * code took care of it.  arch_evtchn_set_upcall_vector: the sub-op, 0 or
 * -EOPNOTSUPP (PV) / -EINVAL.
 */
bool arch_evtchn_upcall(struct vcpu *v, struct mica_vcpu_info *vi,
			bool was_pending);
int arch_evtchn_set_upcall_vector(struct vcpu *v, unsigned int vector);
/* v's guest-kernel page tables are the ones loaded on this CPU. */
bool arch_vcpu_kernel_tables_loaded(struct vcpu *v);

#endif
