/* SPDX-License-Identifier: MIT */
/*
 * vcpu.h - MICA_HC_vcpu_op: bring vcpus up and down, place per-vcpu data,
 * and program the per-vcpu timers.
 *
 *     long mica_vcpu_op(uint32_t cmd, uint32_t vcpu, uint64_t arg_gaddr);
 *
 * `vcpu` is an index 0..max_vcpus-1 within the calling domain (dom0 acts on
 * other domains' vcpus through domctl.h instead).  Common errors:
 *   -MICA_ENOENT  vcpu >= the domain's max_vcpus.
 *   -MICA_EFAULT  arg_gaddr unreadable/unwritable.
 *   -MICA_EINVAL  non-zero padding, or a rule of the sub-op broken.
 *
 * The x86 pieces a vcpu needs (trap table, callbacks, segment bases, GDT,
 * debug registers) are in arch-x86/pv.h; its full register state is
 * struct mica_vcpu_guest_context in arch-x86/context.h.
 */
#ifndef MICA_PUBLIC_VCPU_H
#define MICA_PUBLIC_VCPU_H

#include "mica.h"

/*
 * MICA_VCPUOP_initialise: give a not-yet-started vcpu its initial state.
 *   arg_gaddr: a struct mica_vcpu_guest_context (arch-x86/context.h).
 *   Returns 0.  The vcpu stays down until MICA_VCPUOP_up.
 * Notes:
 *   1. vcpu 0 is initialised by the domain builder; a guest uses this for
 *      its secondary vcpus (Linux: cpu_up of a PV guest).
 *   2. The context is validated as for MICA_DOMCTL_set_vcpu_context: the
 *      page-table base must name a valid L4 of the caller, which is pinned
 *      on the vcpu's behalf; selectors and callbacks must be valid.
 *   3. A page-table base that is not an L4 the caller owns (or that does
 *      not validate) is a bad context: -MICA_EINVAL; one with another type
 *      in force: -MICA_EBUSY (mmu.h T1).  A refused context leaves no
 *      reference behind.
 *   4. The rest of the context is checked as its own hypercall checks
 *      it: the FPU image (MICA_VGCF_FPU_VALID; MXCSR bits the CPU reserves
 *      are refused), the GDT (arch-x86/pv.h set_gdt: entries, frames typed
 *      as descriptor pages; gdt_frames beyond those the entries need must
 *      be 0), the LDT (mmu.h SET_LDT, its base looked up in the new kernel
 *      page tables; ldt_base must be 0 without entries), the debug
 *      registers (set_debugreg; 4 and 5 must be 0), iopl and the I/O
 *      bitmap (physdev.h; iobitmap_gaddr must be 0 without ports).  ds,
 *      es, fs and gs may be null, the flat data selector or a selector of
 *      the context's own GDT or LDT.  The one gs selector is user_regs.gs,
 *      and gs_user_sel must equal it.
 * Errors: -MICA_EBUSY (vcpu is up, or another initialise of it is under
 *   way), -MICA_EEXIST (already initialised), -MICA_EINVAL (bad context),
 *   -MICA_EBUSY/-MICA_EINVAL as for pinning (mmu.h), -MICA_EPERM (a GDT
 *   or LDT frame not the caller's), -MICA_EBUSY (a GDT or LDT frame with
 *   another type, e.g. mapped writable), -MICA_EFAULT (LDT not mapped),
 *   -MICA_ENOMEM.
 */
#define MICA_VCPUOP_initialise 0

/*
 * MICA_VCPUOP_up: start an initialised vcpu.  Returns 0 (also if it is
 *   already up).
 * Errors: -MICA_ENXIO (never initialised).
 */
#define MICA_VCPUOP_up 1

/*
 * MICA_VCPUOP_down: stop a vcpu, keeping its state.  Returns 0.
 * Notes:
 *   1. On the calling vcpu: it stops inside the call, which returns 0 when
 *      another vcpu brings it up again.
 *   2. On another vcpu: returns after that vcpu has stopped (the call may
 *      be restarted meanwhile, mica.h note 6).
 *   3. Events bound to a down vcpu stay queued and are delivered after up.
 */
#define MICA_VCPUOP_down 2

/* MICA_VCPUOP_is_up: returns 1 if the vcpu is up, 0 if down. */
#define MICA_VCPUOP_is_up 3

/*
 * MICA_VCPUOP_get_runstate: copy the vcpu's run-state accounting.
 *   OUT struct mica_vcpu_runstate_info (version is 0 in the copy).
 *
 * MICA_VCPUOP_register_runstate: have the hypervisor keep a copy up to date
 *   in guest memory, for steal-time accounting.
 *   IN  struct mica_vcpu_register_area: gaddr of a mica_vcpu_runstate_info
 *       (8-byte aligned, within one page; for PV a kernel virtual address
 *       that must stay mapped in the kernel page tables; gaddr 0 stops the
 *       updates).
 * Notes:
 *   1. time[s] is the total ns the vcpu spent in state s; state_entry_time
 *      is the system time of the last state change.  The sum of time[] is
 *      the system time of that change minus the vcpu's creation time.
 *   2. Updates follow the seqlock protocol of time.h (version odd while
 *      writing).  Steal time = time[RUNNABLE] + time[OFFLINE] (the latter
 *      only for preempted, not guest-requested, offline time).
 *   3. The area is written on every context switch of the vcpu; keep it in
 *      a page no other vcpu writes often.
 * Errors: -MICA_EINVAL (misaligned or crosses a page), -MICA_EFAULT.
 */
#define MICA_VCPUOP_get_runstate 4
#define MICA_VCPUOP_register_runstate 5

#define MICA_RUNSTATE_running 0 /* on a physical CPU */
#define MICA_RUNSTATE_runnable 1 /* wants a CPU, waiting for one */
#define MICA_RUNSTATE_blocked 2 /* blocked/polling, waiting for an event */
#define MICA_RUNSTATE_offline 3 /* down, or paused by the toolstack */
#define MICA_RUNSTATE_NR 4

struct mica_vcpu_runstate_info {
	uint32_t version; /* seqlock, see time.h */
	uint32_t state; /* MICA_RUNSTATE_* */
	uint64_t state_entry_time; /* system time of the last change, ns */
	uint64_t time[MICA_RUNSTATE_NR]; /* ns spent in each state */
};
MICA_STATIC_ASSERT(sizeof(struct mica_vcpu_runstate_info) == 48,
		   "mica_vcpu_runstate_info");

struct mica_vcpu_register_area {
	uint64_t gaddr; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_vcpu_register_area) == 8,
		   "mica_vcpu_register_area");

/*
 * MICA_VCPUOP_register_info: move this vcpu's struct mica_vcpu_info
 * (shared_info.h) out of the shared-info page into guest memory.
 *   IN  gfn     frame to hold it (the guest's own, ordinary RAM).
 *   IN  offset  byte offset in that frame; 64-byte aligned.
 *   Returns 0.
 * Notes:
 *   1. The hypervisor copies the current contents to the new place and
 *      from then on uses only the new place.  For a PV guest the frame
 *      takes a writable type reference (mmu.h) held until the domain dies.
 *   2. Once per vcpu; required for vcpus >= MICA_SHARED_INFO_VCPUS.
 *   3. Typically called by each vcpu for itself, with events masked.
 * Errors: -MICA_EEXIST (already moved), -MICA_EINVAL (misaligned offset,
 *   bad gfn, pad != 0), -MICA_EBUSY (frame has a conflicting page type),
 *   -MICA_EPERM (frame not owned by the caller).
 */
#define MICA_VCPUOP_register_info 6

struct mica_vcpu_register_info {
	uint64_t gfn; /* IN */
	uint32_t offset; /* IN */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_vcpu_register_info) == 16,
		   "mica_vcpu_register_info");

/*
 * Timers.  Each vcpu has a periodic and a one-shot timer; on expiry the
 * hypervisor raises MICA_VIRQ_TIMER on that vcpu (event_channel.h).  Both
 * are off when a vcpu starts.  A guest may program only its own timers:
 * `vcpu` must be the calling vcpu, else -MICA_EINVAL.
 *
 * MICA_VCPUOP_set_periodic_timer: fire every period_ns, starting one period
 *   from now.
 *   IN  period_ns  >= MICA_VCPU_TIMER_MIN_PERIOD_NS.
 *   Errors: -MICA_EINVAL (period too short).
 * MICA_VCPUOP_stop_periodic_timer: arg_gaddr ignored.  Returns 0.
 *
 * MICA_VCPUOP_set_singleshot_timer: fire once at an absolute system time.
 *   IN  timeout  absolute system time in ns (time.h); replaces any earlier
 *                one-shot timeout.
 *   IN  flags    MICA_TIMER_FUTURE: fail with -MICA_ETIME instead of
 *                firing at once if timeout is already in the past.
 *   Errors: -MICA_ETIME (see flags), -MICA_EINVAL (unknown flag).
 * MICA_VCPUOP_stop_singleshot_timer: arg_gaddr ignored.  Returns 0.
 *
 * Notes:
 *   1. A timer never fires early.  It may fire late by scheduling delay.
 *   2. Expiries that happen while the VIRQ is already pending coalesce into
 *      one event.
 */
#define MICA_VCPUOP_set_periodic_timer 7
#define MICA_VCPUOP_stop_periodic_timer 8
#define MICA_VCPUOP_set_singleshot_timer 9
#define MICA_VCPUOP_stop_singleshot_timer 10

#define MICA_VCPU_TIMER_MIN_PERIOD_NS 100000ULL

struct mica_vcpu_periodic_timer {
	uint64_t period_ns; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_vcpu_periodic_timer) == 8,
		   "mica_vcpu_periodic_timer");

struct mica_vcpu_singleshot_timer {
	uint64_t timeout; /* IN: absolute system time, ns */
	uint32_t flags; /* IN: MICA_TIMER_* */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_vcpu_singleshot_timer) == 16,
		   "mica_vcpu_singleshot_timer");

#define MICA_TIMER_FUTURE (1u << 0)

/*
 * MICA_VCPUOP_set_upcall_vector: HVM guests only.  Have the hypervisor
 * deliver `vcpu`'s event upcall (shared_info.h) as interrupt `vector` of
 * that vcpu's local APIC (hvm/hvm.h P7), instead of the PV callback.
 *   IN  struct mica_vcpu_upcall_vector: vector 0x20..0xff, or 0 to stop.
 *   Returns 0.  `vcpu` may be any vcpu of the caller.
 * Rules (shared_info.h defines the pending and mask bytes):
 *   1. Each time the vcpu's evtchn_upcall_pending goes from 0 to 1 with
 *      evtchn_upcall_mask 0, the vector is set in the vcpu's local APIC IRR
 *      as a fixed, edge-triggered interrupt (an EOI ends it as any edge
 *      interrupt; the IRR coalesces a second raise before the first is
 *      taken).  A vcpu in HLT with interrupts enabled wakes (P5).  As
 *      any fixed interrupt it is dropped while the local APIC is
 *      software-disabled (SVR bit 8 clear); the vector stays set across
 *      INIT and startup IPIs.
 *   2. While evtchn_upcall_pending stays 1 nothing more is raised: the
 *      handler must clear evtchn_upcall_pending BEFORE it scans the queues
 *      (shared_info.h rule 2), so an event after the clear raises again.
 *   3. If the pending byte goes to 1 while evtchn_upcall_mask is 1, the
 *      interrupt is held back until the guest clears the mask and makes
 *      any hypercall (shared_info.h rule 3), or the vcpu otherwise exits to
 *      the hypervisor with the mask clear; it is then raised once, if
 *      evtchn_upcall_pending is still 1.  The mask does not stop an
 *      interrupt already in the IRR.
 *   4. Setting a vector while evtchn_upcall_pending is 1 raises it as in 3.
 *      Setting 0 stops the interrupts; events then only set the pending
 *      byte and wake the vcpu from HLT (as they do before a vector is set).
 *   5. A vcpu's vcpu_info is in the shared-info page, which an HVM guest
 *      cannot map yet: place it with MICA_VCPUOP_register_info (a gfn of
 *      the guest's RAM) to read and write the two bytes.
 *   6. An HVM guest may use these vcpu_op sub-ops: is_up, get_runstate,
 *      register_info, the timers, set_upcall_vector; the others return
 *      -MICA_ENOSYS (vcpus start by INIT-SIPI-SIPI, hvm/hvm.h P8).
 * Errors: -MICA_EOPNOTSUPP (the caller is a PV domain: it has the event
 *   callback, arch-x86/pv.h), -MICA_EINVAL (vector 1..0x1f: exceptions and
 *   reserved vectors; vector > 0xff; pad0 != 0).
 */
#define MICA_VCPUOP_set_upcall_vector 11

struct mica_vcpu_upcall_vector {
	uint32_t vector; /* IN: 0x20..0xff, 0 = none */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_vcpu_upcall_vector) == 8,
		   "mica_vcpu_upcall_vector");

#define MICA_UPCALL_VECTOR_MIN 0x20u

#endif /* MICA_PUBLIC_VCPU_H */
