/* SPDX-License-Identifier: MIT */
/*
 * hvm/ioreq.h - I/O requests from an HVM guest to a device model in dom0.
 *
 * Status: implemented for port I/O and MMIO (arch/x86/hvm/ioreq.c,
 * docs/hvm.md "Device models").  Ports and addresses Mica emulates itself
 * (hvm/hvm.h P1-P12) never reach a device model; everything else in a
 * registered range does.  This is the interface the PV I/O work uses to
 * serve devices (virtio) from a dom0 process.  Numbering and layout follow
 * the rules of mica.h.
 *
 * Model (one synchronous request per vcpu, like a CPU's own bus cycle):
 *  1. The toolstack registers a device model for a range of ports or
 *     guest-physical addresses of domain D and gets a shared page of
 *     MICA_IOREQ_SLOTS_PER_PAGE slots (struct mica_ioreq, one per vcpu)
 *     and one event channel per vcpu (MICA_DOMCTL_ioreq_server, below:
 *     the page is one of the model's own frames, each slot names its
 *     channel in `port`).
 *  2. When vcpu V of D touches an address in a registered range, Mica
 *     fills slot V (state MICA_IOREQ_STATE_READY), notifies V's event
 *     channel and blocks V.
 *  3. The device model reads the slot once (it must copy it before
 *     validating it: the guest cannot write the page, but a buggy model
 *     could race itself), sets state IN_SERVICE, performs the access,
 *     writes `data` for a read, sets state RESPONSE_READY and notifies
 *     the event channel.
 *  4. Mica checks the slot (state, and that nothing but data changed),
 *     completes the guest's instruction with `data`, sets state NONE and
 *     resumes V.  A model that answers garbage or never answers hurts only
 *     D: Mica never trusts the slot beyond `data` and `state`.  Only
 *     RESPONSE_READY in V's own slot, while V waits, ends the wait (any
 *     other state value is ignored); a response in which anything but
 *     `data` changed completes the access as a bus error (a read returns
 *     all ones).  V waits blocked, never spinning: D can still be paused
 *     or destroyed while its model does not answer.
 * Barriers: the producer of a state change writes every other field first
 * and then `state` with release semantics; the consumer reads `state` with
 * acquire semantics before the other fields.
 */
#ifndef MICA_PUBLIC_HVM_IOREQ_H
#define MICA_PUBLIC_HVM_IOREQ_H

#include "../mica.h"

#define MICA_IOREQ_STATE_NONE 0
#define MICA_IOREQ_STATE_READY 1 /* Mica -> model */
#define MICA_IOREQ_STATE_IN_SERVICE 2 /* model working */
#define MICA_IOREQ_STATE_RESPONSE_READY 3 /* model -> Mica */

#define MICA_IOREQ_TYPE_PIO 0 /* addr is a port */
#define MICA_IOREQ_TYPE_MMIO 1 /* addr is guest-physical */

#define MICA_IOREQ_DIR_WRITE 0 /* guest -> device: data is IN to the model */
#define MICA_IOREQ_DIR_READ 1 /* device -> guest: model writes data */

struct mica_ioreq {
	uint64_t addr; /* port or guest-physical address */
	uint64_t data; /* the value (size bytes, zero-extended) */
	uint32_t count; /* repetitions, >= 1; Mica sends 1 (a rep makes a
			 * request per iteration) */
	uint8_t size; /* 1, 2, 4 or 8 bytes */
	uint8_t dir; /* MICA_IOREQ_DIR_* */
	uint8_t type; /* MICA_IOREQ_TYPE_* */
	uint8_t state; /* MICA_IOREQ_STATE_* (written last) */
	uint32_t vcpu; /* the requesting vcpu, for checking */
	uint32_t port; /* this slot's channel: an unbound port of D for the
			* model to bind (EVTCHNOP_bind_interdomain); set by
			* MICA_IOREQ_OP_create, never changed */
	uint64_t pad1;
};
MICA_STATIC_ASSERT(sizeof(struct mica_ioreq) == 40, "mica_ioreq");

#define MICA_IOREQ_SLOTS_PER_PAGE (MICA_PAGE_SIZE / sizeof(struct mica_ioreq))

/*
 * MICA_DOMCTL_ioreq_server (domctl.h): a privileged PV domain (the device
 * model, "the caller") serves ranges of HVM domain `domid` (D).  Argument
 * u.ioreq.  Errors common to every op: -MICA_EINVAL (unknown op, padding,
 * D not HVM, D the caller), -MICA_ESRCH (no such D), -MICA_ENOENT (no
 * server `id` of D), -MICA_EPERM (server `id` belongs to another domain).
 *
 * MICA_IOREQ_OP_create: IN `first` = a frame of the caller's (its mfn)
 *   that becomes the slot page: Mica keeps a writable reference to it
 *   until the server goes, zeroes it, and sets each slot's vcpu and
 *   port (an unbound port of D offered to the caller, one per vcpu).
 *   IN `last` = another such frame for the buffered-write ring (struct
 *   mica_ioreq_buf_page, below), or 0 for none.  OUT `id`.  The model
 *   binds the ports with EVTCHNOP_bind_interdomain (remote_dom D) and
 *   unmasks its ends, as for any channel.  -MICA_EPERM/-MICA_EINVAL/-MICA_EBUSY for a frame that is
 *   not the caller's ordinary RAM, -MICA_E2BIG if D has more vcpus than
 *   MICA_IOREQ_SLOTS_PER_PAGE, -MICA_ENOSPC beyond
 *   MICA_IOREQ_MAX_SERVERS servers for D, -MICA_EMFILE/-MICA_ENOMEM.
 * MICA_IOREQ_OP_destroy: IN `id`.  Requests in flight complete as if
 *   no device were there (reads all ones); the ports are closed and the
 *   frame released.
 * MICA_IOREQ_OP_map_range / unmap_range: IN `id`, `type`
 *   (MICA_IOREQ_TYPE_*), `first`..`last` (inclusive): ports 0..0xffff,
 *   or guest-physical addresses that are not D's RAM, local APIC or I/O
 *   APIC (-MICA_EINVAL).  A range may not overlap one of any server of D
 *   (-MICA_EEXIST); at most MICA_IOREQ_MAX_RANGES per server
 *   (-MICA_ENOSPC).  unmap_range takes exactly a mapped range
 *   (-MICA_ENOENT).  An access goes to a server only if it lies wholly
 *   inside one of its ranges; Mica's own devices come first.  `flags`
 *   (map_range only, else 0): MICA_IOREQ_RANGE_BUFFERED, writes to the
 *   range are posted to the server's buffered ring (-MICA_EINVAL if it
 *   has none).
 *
 * Both sides can go at any time: destroying D or the model's domain (or
 * the op above) tears the server down (buffered writes not yet consumed
 * are lost with it).  One request per vcpu is in flight;
 * an access the emulator splits (rep, read-modify-write) makes one request
 * per piece, in program order, each with count 1.
 */
#define MICA_IOREQ_OP_create 0
#define MICA_IOREQ_OP_destroy 1
#define MICA_IOREQ_OP_map_range 2
#define MICA_IOREQ_OP_unmap_range 3

#define MICA_IOREQ_MAX_SERVERS 4 /* per HVM domain */
#define MICA_IOREQ_MAX_RANGES 16 /* per server */

#define MICA_IOREQ_RANGE_BUFFERED (1u << 0)

struct mica_domctl_ioreq {
	uint32_t op; /* IN: MICA_IOREQ_OP_* */
	uint32_t id; /* IN (OUT for create): the server */
	uint32_t type; /* IN (ranges): MICA_IOREQ_TYPE_* */
	uint32_t flags; /* IN (map_range): MICA_IOREQ_RANGE_*; else 0 */
	uint64_t first; /* IN: first port / gpa; create: the slot page's mfn */
	uint64_t last; /* IN: last port / gpa, inclusive; create: the ring
			* page's mfn or 0 */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_ioreq) == 32, "mica_domctl_ioreq");

/*
 * Buffered writes.  A write of 1-8 bytes to a MICA_IOREQ_RANGE_BUFFERED
 * range does not wait for the model: Mica copies it to ring[prod %
 * MICA_IOREQ_BUF_ENTRIES], then advances `prod` (release), notifies
 * `port` (an unbound port of D offered to the model, like the slots') and
 * lets the vcpu go on.  The model consumes entries in order and advances
 * `cons` (release).  Mica never reads the ring back and trusts nothing in
 * the page: when it sees no free entry (prod - cons >= ENTRIES, which a
 * garbage `cons` also gives), the write becomes an ordinary request and
 * waits.  Reads are always requests.  Order: the model must consume every
 * entry posted before it answers a request (drain the ring first, then
 * look at the slots): a vcpu's accesses then reach the device in program
 * order.
 */
#define MICA_IOREQ_BUF_ENTRIES 128

struct mica_ioreq_buf_entry {
	uint64_t addr; /* port or guest-physical address */
	uint64_t data; /* the value written, size bytes */
	uint8_t size; /* 1, 2, 4 or 8 */
	uint8_t type; /* MICA_IOREQ_TYPE_* */
	uint8_t pad[6];
};
MICA_STATIC_ASSERT(sizeof(struct mica_ioreq_buf_entry) == 24,
		   "mica_ioreq_buf_entry");

struct mica_ioreq_buf_page {
	uint32_t prod; /* Mica: entries posted (free-running) */
	uint32_t cons; /* the model: entries consumed (free-running) */
	uint32_t port; /* set at create, never changed */
	uint32_t pad0;
	struct mica_ioreq_buf_entry ring[MICA_IOREQ_BUF_ENTRIES];
};
MICA_STATIC_ASSERT(sizeof(struct mica_ioreq_buf_page) <= MICA_PAGE_SIZE,
		   "mica_ioreq_buf_page");

#endif /* MICA_PUBLIC_HVM_IOREQ_H */
