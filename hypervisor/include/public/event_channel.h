/* SPDX-License-Identifier: MIT */
/*
 * event_channel.h - MICA_HC_event_channel_op: event channels, Mica's only
 * asynchronous notification mechanism (virtual interrupts).
 *
 *     long mica_event_channel_op(uint32_t cmd, uint64_t arg_gaddr);
 *
 * An event channel is a port number in a domain, bound to one source:
 *   - the other end of an interdomain channel (a split driver's front and
 *     back end, the store, the console);
 *   - a VIRQ, a virtual interrupt raised by the hypervisor (timer, ...);
 *   - an IPI from another vcpu of the same domain.
 * Sending raises the event; raising is level-free and edge-like: an event
 * raised again while still pending is delivered once.  Every port is bound
 * to one vcpu, which receives it.
 *
 * ========================================================================
 * Delivery: FIFO event queues
 * ========================================================================
 * Design choice.  A flat 2-level bitmap in the shared-info page caps a
 * domain at 64 x 64 = 4096 ports, scans from port 0 so low ports starve high
 * ones, and has no priorities.  Adding a third bitmap level would lift the
 * cap but keep the other two problems.  Mica instead uses per-vcpu,
 * per-priority FIFO queues threaded through a guest-registered array of
 * 32-bit event words:
 *   - raising an event is O(1) (append to a queue), independent of the
 *     number of ports;
 *   - up to MICA_EVTCHN_FIFO_MAX_PORTS (131072) ports per domain, with
 *     memory only for the ports in use (the array grows a page at a time,
 *     1024 ports per page);
 *   - 16 priorities, so the timer can pre-empt bulk I/O, and events of equal
 *     priority are served in arrival order: no starvation;
 *   - it maps directly onto Linux's FIFO event-channel driver model.
 * The cost is one atomic compare-and-swap on the guest side per event and a
 * few pages registered at boot (one control block per vcpu, the array
 * pages), which is cheap next to an interrupt.
 *
 * Guest-registered memory:
 *   1. Event array: pages of uint32_t event words, word p describing port p,
 *      added one page at a time with MICA_EVTCHNOP_expand_array (page k holds
 *      ports 1024k .. 1024k+1023).
 *   2. Control block: one struct mica_evtchn_fifo_control per vcpu, placed
 *      with MICA_EVTCHNOP_init_control, holding a READY bitmap (one bit per
 *      priority: "this queue has a new head") and the HEAD of each queue.
 *
 * Event word (uint32_t), bit 31 at the top:
 *
 *    31      30      29      28 .. 17     16 ........................ 0
 *  +-------+-------+-------+------------+------------------------------+
 *  |PENDING|MASKED |LINKED | reserved 0 |             LINK             |
 *  +-------+-------+-------+------------+------------------------------+
 *
 *   PENDING  the event is raised and not yet handled.
 *   MASKED   the guest does not want the event delivered (it stays PENDING
 *            and is delivered once unmasked).  Set when the port is bound.
 *   LINKED   the word is on a queue.
 *   LINK     the next port on the same queue; 0 = end of queue.
 * All updates by either side are atomic read-modify-writes of the whole
 * word (lock cmpxchg / lock bts / lock btr).  The reserved bits are 0 and
 * preserved by both sides.
 *
 * The hypervisor, raising port p bound to vcpu v at priority q:
 *   H1. atomically sets PENDING.  If MASKED or LINKED is set, it stops here.
 *   H2. sets LINKED, then appends p to queue q of v: if the port it last
 *       appended there (its private "tail") is still LINKED with LINK 0, it
 *       sets that word's LINK to p in one compare-and-swap, and stops.
 *       Otherwise the queue is empty (the guest consumed the tail): it
 *       writes HEAD[q] = p, write barrier, atomically sets bit q of READY,
 *       and, if that bit was clear, sets v's evtchn_upcall_pending and
 *       delivers the upcall (shared_info.h).
 * The guest, in its event upcall:
 *   G1. clears evtchn_upcall_pending, then atomically exchanges READY with
 *       0 and keeps that value as its local ready set;
 *   G2. for the lowest set bit q of its local ready set (0 = most urgent):
 *       if its local head for q is 0, read barrier, then reads HEAD[q];
 *   G3. takes the head port p off the queue by atomically clearing LINKED
 *       and LINK in word p, keeping the old LINK as its new local head for
 *       q; if that was 0 the queue is drained and it clears q from its local
 *       ready set;
 *   G4. if word p is PENDING and not MASKED, atomically clears PENDING and
 *       handles the event (clearing PENDING before handling, so a new raise
 *       during handling is not lost);
 *   G5. repeats from G2 while its local ready set is non-empty (it may
 *       re-read READY to let urgent events pre-empt a long queue).
 * Masking and unmasking:
 *   M1. mask: atomically set MASKED.  No hypercall.
 *   M2. unmask: atomically clear MASKED; if the word is PENDING (and so
 *       may have missed H2), call MICA_EVTCHNOP_unmask, which queues it.
 * Notes:
 *   1. A port re-bound to another vcpu or priority while LINKED stays on its
 *      old queue until consumed; later raises use the new queue.
 *   2. A port raised again after G3 but before G4 is linked again and may be
 *      met a second time with PENDING already clear; G4 skips it.  Events
 *      are never lost; spurious queue entries are possible.
 *   3. The hypervisor treats all of this memory as hostile: it bounds its
 *      compare-and-swap retries, and a guest that corrupts LINK fields or
 *      HEAD can only lose or repeat its own events.
 *   4. Ports may be bound before the guest registers its control block and
 *      array (dom0 allocates a new domain's store and console ports before
 *      it runs).  The hypervisor keeps such events pending privately and
 *      queues them when the vcpu's control block and the array page
 *      covering the port exist.
 *   5. MICA_SCHEDOP_poll (sched.h) waits on PENDING bits directly.
 */
#ifndef MICA_PUBLIC_EVENT_CHANNEL_H
#define MICA_PUBLIC_EVENT_CHANNEL_H

#include "mica.h"

typedef uint32_t mica_event_word_t;

#define MICA_EVTCHN_FIFO_PENDING (1u << 31)
#define MICA_EVTCHN_FIFO_MASKED (1u << 30)
#define MICA_EVTCHN_FIFO_LINKED (1u << 29)
#define MICA_EVTCHN_FIFO_LINK_BITS 17
#define MICA_EVTCHN_FIFO_LINK_MASK ((1u << MICA_EVTCHN_FIFO_LINK_BITS) - 1)

#define MICA_EVTCHN_FIFO_MAX_PORTS (1u << MICA_EVTCHN_FIFO_LINK_BITS)
#define MICA_EVTCHN_FIFO_WORDS_PER_PAGE \
	(MICA_PAGE_SIZE / sizeof(mica_event_word_t))
#define MICA_EVTCHN_FIFO_MAX_ARRAY_PAGES \
	(MICA_EVTCHN_FIFO_MAX_PORTS / MICA_EVTCHN_FIFO_WORDS_PER_PAGE)

#define MICA_EVTCHN_FIFO_PRIORITIES 16
#define MICA_EVTCHN_FIFO_PRIORITY_MAX 0 /* most urgent */
#define MICA_EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define MICA_EVTCHN_FIFO_PRIORITY_MIN 15

struct mica_evtchn_fifo_control {
	uint32_t ready; /* bit q: queue q has a new HEAD */
	uint32_t pad0;
	uint32_t head[MICA_EVTCHN_FIFO_PRIORITIES];
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_fifo_control) == 72,
		   "mica_evtchn_fifo_control");

/*
 * ========================================================================
 * VIRQs (append-only)
 * ========================================================================
 * Per-vcpu VIRQs are bound separately on each vcpu and cannot move; global
 * VIRQs are bound once per domain, to one vcpu, and may move with
 * MICA_EVTCHNOP_bind_vcpu.
 */
#define MICA_VIRQ_TIMER 0 /* per-vcpu: a vcpu timer expired (vcpu.h) */
#define MICA_VIRQ_DEBUG 1 /* per-vcpu: debug request from the console */
#define MICA_VIRQ_CONSOLE \
	2 /* global, dom0: hypervisor console has input
			       or new log text (console.h) */
#define MICA_VIRQ_DOM_EXC \
	3 /* global, dom0: a domain shut down, crashed or
			       died (read states with domctl get_info) */
#define MICA_VIRQ_STORE \
	4 /* global, dom0: a domain was created or destroyed;
			     the store should introduce or release it */
#define MICA_VIRQ_ENOMEM \
	5 /* global, dom0: host free memory fell below the
			      low-water mark (sysctl physinfo) */
#define MICA_NR_VIRQS 24 /* capacity; VIRQs stay below it */

/*
 * ========================================================================
 * Operations
 * ========================================================================
 * Common errors: -MICA_EFAULT (argument unreadable/unwritable),
 * -MICA_EINVAL (pad != 0; a port that is 0, beyond the domain's limit, or
 * not in the state the op needs), -MICA_ENOENT (vcpu beyond max_vcpus).
 * New ports are allocated lowest-free-first, start MASKED, bound to vcpu 0
 * (bind_virq, bind_ipi: the given vcpu) at priority
 * MICA_EVTCHN_FIFO_PRIORITY_DEFAULT; -MICA_EMFILE when the domain has no
 * free port (its limit is set at creation, domctl.h).
 */

/*
 * MICA_EVTCHNOP_alloc_unbound: create a port that `remote_dom` may connect
 * to with bind_interdomain.
 *   IN  dom         MICA_DOMID_SELF, or (dom0) the domain to create it in.
 *   IN  remote_dom  the only domain allowed to bind to it (may be
 *                   MICA_DOMID_SELF: loopback).
 *   OUT port        the new port (in `dom`).
 * Errors: -MICA_EPERM (dom not self and caller not privileged),
 *   -MICA_ESRCH, -MICA_EMFILE.
 */
#define MICA_EVTCHNOP_alloc_unbound 0

struct mica_evtchn_alloc_unbound {
	mica_domid_t dom; /* IN */
	mica_domid_t remote_dom; /* IN */
	mica_evtchn_port_t port; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_alloc_unbound) == 8,
		   "mica_evtchn_alloc_unbound");

/*
 * MICA_EVTCHNOP_bind_interdomain: connect a new local port to a remote
 * domain's unbound port offered to the caller.  Both ends are then
 * "interdomain"; sending on either raises the other.
 *   IN  remote_dom, remote_port.
 *   OUT local_port.
 * Errors: -MICA_ESRCH (remote domain), -MICA_EINVAL (remote port not
 *   unbound, or not offered to the caller), -MICA_EMFILE.
 */
#define MICA_EVTCHNOP_bind_interdomain 1

struct mica_evtchn_bind_interdomain {
	mica_domid_t remote_dom; /* IN */
	uint16_t pad0;
	mica_evtchn_port_t remote_port; /* IN */
	mica_evtchn_port_t local_port; /* OUT */
	uint32_t pad1;
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_bind_interdomain) == 16,
		   "mica_evtchn_bind_interdomain");

/*
 * MICA_EVTCHNOP_bind_virq: bind a VIRQ to a new port on a vcpu.
 *   IN  virq, vcpu (global VIRQs: the initial vcpu).
 *   OUT port.
 * Errors: -MICA_EINVAL (virq >= MICA_NR_VIRQS or not defined, or a global
 *   VIRQ not available to the caller), -MICA_EEXIST (already bound on that
 *   vcpu / in the domain), -MICA_EMFILE.
 */
#define MICA_EVTCHNOP_bind_virq 2

struct mica_evtchn_bind_virq {
	uint32_t virq; /* IN: MICA_VIRQ_* */
	uint32_t vcpu; /* IN */
	mica_evtchn_port_t port; /* OUT */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_bind_virq) == 16,
		   "mica_evtchn_bind_virq");

/*
 * MICA_EVTCHNOP_bind_ipi: a new port that, when sent on by any vcpu of the
 * domain, raises an event on `vcpu`.
 *   IN  vcpu.  OUT port.
 * Errors: -MICA_EMFILE.
 */
#define MICA_EVTCHNOP_bind_ipi 3

struct mica_evtchn_bind_ipi {
	uint32_t vcpu; /* IN */
	mica_evtchn_port_t port; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_bind_ipi) == 8,
		   "mica_evtchn_bind_ipi");

/*
 * MICA_EVTCHNOP_close: free a port.  An interdomain peer's end becomes
 * unbound (offered to the closer's domain again); a pending event on the
 * closed port is discarded.
 * MICA_EVTCHNOP_send: raise the event at the other end (interdomain), on the
 * bound vcpu (IPI).  Sending on an unbound port does nothing.
 * MICA_EVTCHNOP_unmask: clear MASKED and queue the event if PENDING (M2).
 *   IN  port.  Returns 0.
 * Errors: -MICA_EINVAL (port closed; send on a VIRQ port).
 */
#define MICA_EVTCHNOP_close 4
#define MICA_EVTCHNOP_send 5
#define MICA_EVTCHNOP_unmask 6

struct mica_evtchn_port_op {
	mica_evtchn_port_t port; /* IN */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_port_op) == 8,
		   "mica_evtchn_port_op");

/*
 * MICA_EVTCHNOP_status: what a port is bound to.
 *   IN  dom   MICA_DOMID_SELF, or (dom0) any domain.
 *   IN  port.
 *   OUT state     MICA_EVTCHN_STATE_*.
 *   OUT vcpu, priority.
 *   OUT remote_dom   unbound: the domain allowed to bind;
 *                    interdomain: the peer.
 *   OUT remote_port  interdomain: the peer's port.
 *   OUT virq         virq: which.
 *   Fields that do not apply to the state read as 0.
 * Errors: -MICA_EPERM (other domain, not privileged), -MICA_ESRCH.  Port 0
 *   and ports beyond the limit are reported as closed rather than failing.
 */
#define MICA_EVTCHNOP_status 7

#define MICA_EVTCHN_STATE_closed 0
#define MICA_EVTCHN_STATE_unbound 1
#define MICA_EVTCHN_STATE_interdomain 2
#define MICA_EVTCHN_STATE_virq 3
#define MICA_EVTCHN_STATE_ipi 4

struct mica_evtchn_status {
	mica_domid_t dom; /* IN */
	uint16_t pad0;
	mica_evtchn_port_t port; /* IN */
	uint32_t state; /* OUT */
	uint32_t vcpu; /* OUT */
	uint32_t priority; /* OUT */
	mica_domid_t remote_dom; /* OUT */
	uint16_t pad1;
	mica_evtchn_port_t remote_port; /* OUT */
	uint32_t virq; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_status) == 32,
		   "mica_evtchn_status");

/*
 * MICA_EVTCHNOP_bind_vcpu: deliver a port's future events to another vcpu.
 *   IN  port, vcpu.  Returns 0.
 * Errors: -MICA_EINVAL (per-vcpu VIRQ or IPI port, which cannot move).
 */
#define MICA_EVTCHNOP_bind_vcpu 8

struct mica_evtchn_bind_vcpu {
	mica_evtchn_port_t port; /* IN */
	uint32_t vcpu; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_bind_vcpu) == 8,
		   "mica_evtchn_bind_vcpu");

/*
 * MICA_EVTCHNOP_reset: close every port of a domain and forget its control
 * blocks and event array (a guest starting over after kexec, or dom0 on a
 * domain it is about to rebuild).
 *   IN  dom  MICA_DOMID_SELF, or (dom0) any domain.
 *   Returns 0.  Preemptible: a continuation carries the next port to
 *   close in bits 32-63 of cmd (callers pass cmd zero-extended, mica.h
 *   note 8, so a call starts at port 0); ports bound below it meanwhile
 *   stay open.  Each restart reads and checks the argument again.
 * Errors: -MICA_EPERM, -MICA_ESRCH, -MICA_EINVAL (pad, or a start port
 *   beyond 2^17).
 */
#define MICA_EVTCHNOP_reset 9

struct mica_evtchn_reset {
	mica_domid_t dom; /* IN */
	uint16_t pad0[3];
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_reset) == 8, "mica_evtchn_reset");

/*
 * MICA_EVTCHNOP_init_control: register a vcpu's FIFO control block.
 *   IN  control_gfn  a frame of the caller's ordinary RAM.
 *   IN  offset       byte offset of the block in it; 8-aligned, and the
 *                    whole struct mica_evtchn_fifo_control must fit.
 *   IN  vcpu         whose block (any vcpu of the caller).
 *   OUT link_bits    MICA_EVTCHN_FIFO_LINK_BITS.
 *   Returns 0.
 * Notes:
 *   1. The hypervisor clears the block, keeps the frame mapped with a
 *      writable type reference (mmu.h) until reset or domain death, and
 *      starts queueing events for that vcpu.
 *   2. Every vcpu that is to receive events needs one.  Events are queued
 *      only for ports the event array covers (expand_array, which needs a
 *      registered control block first); until then they wait privately
 *      (note 4 above).
 * Errors: -MICA_EEXIST (already registered for that vcpu), -MICA_EINVAL
 *   (bad offset or gfn), -MICA_EBUSY (frame is a page table or descriptor
 *   page), -MICA_EPERM (frame not the caller's).
 */
#define MICA_EVTCHNOP_init_control 10

struct mica_evtchn_init_control {
	uint64_t control_gfn; /* IN */
	uint32_t offset; /* IN */
	uint32_t vcpu; /* IN */
	uint32_t link_bits; /* OUT */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_init_control) == 24,
		   "mica_evtchn_init_control");

/*
 * MICA_EVTCHNOP_expand_array: add the next page of the event array.
 *   IN  array_gfn  a frame of the caller's ordinary RAM; the hypervisor
 *                  takes a writable type reference on it and fills in the
 *                  current state of the 1024 ports it covers (bound ports
 *                  MASKED, and PENDING if raised meanwhile).
 *   Returns 0.
 * Errors: -MICA_ENXIO (no control block registered yet), -MICA_ENOSPC
 *   (array already covers MICA_EVTCHN_FIFO_MAX_PORTS or the domain's
 *   limit), -MICA_EINVAL, -MICA_EBUSY, -MICA_EPERM (as init_control).
 */
#define MICA_EVTCHNOP_expand_array 11

struct mica_evtchn_expand_array {
	uint64_t array_gfn; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_expand_array) == 8,
		   "mica_evtchn_expand_array");

/*
 * MICA_EVTCHNOP_set_priority: the queue a port's future events use.
 *   IN  port, priority (0 most urgent .. 15).  Returns 0.
 * Errors: -MICA_EINVAL (priority > MICA_EVTCHN_FIFO_PRIORITY_MIN).
 */
#define MICA_EVTCHNOP_set_priority 12

struct mica_evtchn_set_priority {
	mica_evtchn_port_t port; /* IN */
	uint32_t priority; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_evtchn_set_priority) == 8,
		   "mica_evtchn_set_priority");

#endif /* MICA_PUBLIC_EVENT_CHANNEL_H */
