/* SPDX-License-Identifier: MIT */
/*
 * hvm/ioreq.h - I/O requests from an HVM guest to a device model in dom0.
 *
 * Status: SPECIFIED, NOT YET IMPLEMENTED.  Today every port and MMIO
 * access of an HVM guest is handled (or refused) inside Mica
 * (hvm/hvm.h P1-P4); this is the interface the PV I/O work will use to
 * serve devices (virtio) from a dom0 process.  docs/hvm.md has the plan.
 * Numbering and layout follow the rules of mica.h so the interface can
 * land without change.
 *
 * Model (one synchronous request per vcpu, like a CPU's own bus cycle):
 *  1. The toolstack registers a device model for a range of ports or
 *     guest-physical addresses of domain D and gets a shared page of
 *     MICA_IOREQ_SLOTS_PER_PAGE slots (struct mica_ioreq, one per vcpu)
 *     and one event channel per vcpu.
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
 *     D: Mica never trusts the slot beyond `data` and `state`.
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
	uint32_t count; /* repetitions (rep ins/outs, rep movs): >= 1 */
	uint8_t size; /* 1, 2, 4 or 8 bytes */
	uint8_t dir; /* MICA_IOREQ_DIR_* */
	uint8_t type; /* MICA_IOREQ_TYPE_* */
	uint8_t state; /* MICA_IOREQ_STATE_* (written last) */
	uint32_t vcpu; /* the requesting vcpu, for checking */
	uint32_t pad0;
	uint64_t pad1;
};
MICA_STATIC_ASSERT(sizeof(struct mica_ioreq) == 40, "mica_ioreq");

#define MICA_IOREQ_SLOTS_PER_PAGE (MICA_PAGE_SIZE / sizeof(struct mica_ioreq))

#endif /* MICA_PUBLIC_HVM_IOREQ_H */
