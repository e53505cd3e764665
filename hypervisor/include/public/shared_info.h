/* SPDX-License-Identifier: MIT */
/*
 * shared_info.h - the shared-info page and the per-vcpu info block.
 *
 * Every domain has one shared-info page, owned by the hypervisor and mapped
 * writable into the guest: a PV guest learns its mfn from start_info
 * (shared_info_mfn) and maps it; a translated guest places it with
 * memory.h MICA_MEMOP_add_to_physmap (MICA_PHYSMAP_SPACE_SHARED_INFO).
 *
 * ------------------------------------------------------------------------
 * Virtual interrupt flag and the event upcall
 * ------------------------------------------------------------------------
 * A PV guest cannot use cli/sti (it runs in ring 3).  Instead each vcpu has
 * two bytes in its mica_vcpu_info:
 *
 *   evtchn_upcall_mask     written by the guest: 1 = events masked (the
 *                          virtual IF is clear), 0 = events enabled.
 *   evtchn_upcall_pending  written by the hypervisor (set) and the guest
 *                          (cleared): some event is waiting for this vcpu.
 *
 * Rules:
 *  1. The hypervisor sets evtchn_upcall_pending when it queues an event for
 *     the vcpu (event_channel.h) and then, if evtchn_upcall_mask is 0,
 *     enters the guest kernel's event callback (arch-x86/pv.h) with
 *     evtchn_upcall_mask set to 1 and the old virtual IF saved in the frame.
 *  2. The guest's event callback clears evtchn_upcall_pending BEFORE it scans
 *     the event queues, so an event raised during the scan sets it again and
 *     is not lost.
 *  3. "cli" is a byte store of 1 to evtchn_upcall_mask.  "sti" is a byte
 *     store of 0, a full barrier, then a check of evtchn_upcall_pending: if
 *     it is set the guest must make the hypervisor deliver the upcall by
 *     making any hypercall (MICA_HC_version with MICA_VERSION_GET is the
 *     cheapest); every return to the guest checks for deliverable upcalls.
 *  4. Neither byte is ever written by the hypervisor except as stated, so
 *     the guest may use plain (non-locked) byte stores to the mask.
 *  5. The hypervisor also clears evtchn_upcall_mask on the guest's behalf in
 *     MICA_HC_iret (from the saved rflags.IF) and MICA_SCHEDOP_block.
 *
 * Event "selectors": in Mica the per-port pending and mask bits, and the
 * per-vcpu "which queues have work" selector, live in the guest-registered
 * FIFO control block and event array (event_channel.h), not in this page,
 * so they can scale to 2^17 ports.  This page only carries the upcall pair.
 *
 * ------------------------------------------------------------------------
 * vcpu_info placement
 * ------------------------------------------------------------------------
 * The first MICA_SHARED_INFO_VCPUS vcpus find their mica_vcpu_info in
 * shared_info.vcpu_info[vcpu].  A guest may move any vcpu's block anywhere in
 * its own memory (vcpu.h MICA_VCPUOP_register_info), and must do so for
 * vcpus >= MICA_SHARED_INFO_VCPUS before they can receive events.  After a
 * move the old slot is no longer updated.
 */
#ifndef MICA_PUBLIC_SHARED_INFO_H
#define MICA_PUBLIC_SHARED_INFO_H

#include "mica.h"
#include "time.h"
#include "arch-x86/layout.h"

#define MICA_SHARED_INFO_VCPUS 32

struct mica_vcpu_info {
	uint8_t evtchn_upcall_pending; /* offset 0 */
	uint8_t evtchn_upcall_mask; /* offset 1 */
	uint8_t pad0[6];
	struct mica_arch_vcpu_info arch; /* offset 8 */
	struct mica_vcpu_time_info time; /* offset 24 */
	uint64_t pad1;
};
MICA_STATIC_ASSERT(sizeof(struct mica_vcpu_info) == 64, "mica_vcpu_info");
MICA_STATIC_ASSERT(offsetof(struct mica_vcpu_info, evtchn_upcall_mask) == 1,
		   "upcall mask offset used by guest assembly");
MICA_STATIC_ASSERT(offsetof(struct mica_vcpu_info, time) == 24,
		   "time info offset");

struct mica_shared_info {
	struct mica_vcpu_info vcpu_info[MICA_SHARED_INFO_VCPUS]; /* 0 */
	struct mica_wallclock wallclock; /* 2048 */
	struct mica_arch_shared_info arch; /* 2064 */
	uint8_t pad0[MICA_PAGE_SIZE - 2048 - 16 - 64];
};
MICA_STATIC_ASSERT(sizeof(struct mica_shared_info) == MICA_PAGE_SIZE,
		   "mica_shared_info is one page");
MICA_STATIC_ASSERT(offsetof(struct mica_shared_info, wallclock) == 2048,
		   "wallclock offset");
MICA_STATIC_ASSERT(offsetof(struct mica_shared_info, arch) == 2064,
		   "arch shared info offset");

#endif /* MICA_PUBLIC_SHARED_INFO_H */
