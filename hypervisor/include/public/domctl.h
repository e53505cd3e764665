/* SPDX-License-Identifier: MIT */
/*
 * domctl.h - MICA_HC_domctl: the toolstack's control of domains (dom0 only).
 *
 *     long mica_domctl(uint64_t domctl_gaddr);   // struct mica_domctl
 *
 * Every call from a domain other than dom0 fails with -MICA_EPERM before the
 * argument is read.
 *
 * Versioning: unlike the guest ABI, domctl is an interface between the
 * hypervisor and the toolstack of the same release.  The caller sets
 * interface_version = MICA_DOMCTL_INTERFACE_VERSION; a mismatch fails with
 * -MICA_EPROTO, so a stale toolstack stops with a clear error instead of
 * misreading structures.  Operations are still numbered append-only, and
 * the version is bumped whenever any domctl structure changes.
 *
 * The call reads the whole struct mica_domctl, performs `cmd` on domain
 * `domid` (ignored where noted), and writes the whole structure back (OUT
 * fields in the union; IN fields come back unchanged).
 *
 * Preemption (mica.h note 6): destroy, populate_physmap and map_foreign
 * may stop part-way and continue by re-executing the call, which reads
 * the structure again.  Their progress lives in the structure, not in the
 * hypervisor: populate_physmap's nr_done, and the header's `progress`,
 * which every other op requires to be 0 (map_foreign: see there;
 * destroy: 1 once the domain is dying, so that a restart that finds it
 * gone returns 0; the dying domain holds the rest).  Each restart checks
 * the structure like a new call; a caller that changes it meanwhile only
 * gets its own call wrong.
 *
 * Common errors: -MICA_EPERM (caller not dom0; or the target is dom0 where
 * noted), -MICA_EPROTO, -MICA_ENOSYS (unknown cmd), -MICA_EFAULT,
 * -MICA_ESRCH (no such domain, or it is dying), -MICA_EINVAL (pad != 0,
 * unknown flag, value out of range), -MICA_ENOENT (vcpu beyond max_vcpus).
 */
#ifndef MICA_PUBLIC_DOMCTL_H
#define MICA_PUBLIC_DOMCTL_H

#include "mica.h"
#include "memory.h"
#include "hvm/ioreq.h"

/* 2: the header's progress field (preemptible map_foreign). */
#define MICA_DOMCTL_INTERFACE_VERSION 2

/*
 * MICA_DOMCTL_create: create an empty, paused domain.
 *   IN  domid (header)   the id wanted, or MICA_DOMID_ANY.
 *   OUT domid (header)   the id given.
 *   IN  flags            MICA_DOMCTL_CREATE_*.
 *   IN  uuid             16 bytes, opaque to the hypervisor (the
 *                        toolstack's name for the domain across restarts and
 *                        migrations); reported by get_info.
 *   IN  max_vcpus        1..MICA_DOMCTL_MAX_VCPUS.
 *   IN  max_pages        memory limit in pages (set_max_mem changes it).
 *   IN  max_grant_frames     grant table limit (0 = default
 *                            MICA_GRANT_DEFAULT_MAX_FRAMES).
 *   IN  max_grant_mappings   grants this domain may map at once (0 =
 *                            default MICA_DOMCTL_DEFAULT_GRANT_MAPPINGS).
 *   IN  max_evtchn_port      highest port (0 = default
 *                            MICA_DOMCTL_DEFAULT_MAX_EVTCHN_PORT).
 * The domain has no memory and no vcpu state yet: the builder populates it
 * (populate_physmap), loads the kernel through foreign mappings
 * (map_foreign), sets vcpu 0's context and unpauses it.
 * Errors: -MICA_EEXIST (domid in use), -MICA_EINVAL (domid reserved,
 *   limits out of range), -MICA_ENODEV (HVM without SVM/VMX, HAP without
 *   nested paging), -MICA_ENOMEM, -MICA_EMFILE (no free domid).
 */
#define MICA_DOMCTL_create 0

#define MICA_DOMCTL_CREATE_HVM (1u << 0) /* else PV */
#define MICA_DOMCTL_CREATE_HAP (1u << 1) /* HVM with nested paging */
/* HVM domains (HVM needs HAP, nested paging being the only mode
 * [-MICA_EINVAL]): -MICA_ENODEV without SVM/VMX nested paging.  Their vcpus start in the
 * CPU's reset state (real mode at f000:fff0, hvm/hvm.h), down; their
 * memory is populate_physmap'd by gfn (the extent list returns the
 * frames), mapped by gfn with map_foreign; no ACPI tables are written
 * (the toolstack's job). */

#define MICA_DOMCTL_MAX_VCPUS 512
#define MICA_DOMCTL_DEFAULT_GRANT_MAPPINGS 8192
#define MICA_DOMCTL_DEFAULT_MAX_EVTCHN_PORT 4095

struct mica_domctl_create {
	uint32_t flags; /* IN: MICA_DOMCTL_CREATE_* */
	uint32_t max_vcpus; /* IN */
	uint8_t uuid[16]; /* IN */
	uint64_t max_pages; /* IN */
	uint32_t max_grant_frames; /* IN */
	uint32_t max_grant_mappings; /* IN */
	uint32_t max_evtchn_port; /* IN */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_create) == 48,
		   "mica_domctl_create");

/*
 * MICA_DOMCTL_destroy: kill a domain.  Its vcpus never run again and its
 *   resources are released (preemptible: the call may take a while).  The
 *   domid stays "dying" (get_info) until the last reference from outside is
 *   gone (another domain's grant or foreign mapping); then it is free.
 *   A domain that shut itself down is given back in the background; its
 *   nr_pages shrinks meanwhile.  destroy on a dying domain finishes that
 *   and returns 0 once only outside references are left.
 *   Errors: -MICA_EPERM (dom0 itself).
 * MICA_DOMCTL_pause / MICA_DOMCTL_unpause: stop / restart all vcpus.
 *   Pauses nest: the domain runs when every pause has been undone.  pause
 *   returns once no vcpu of the domain is running.  A new domain starts
 *   with one pause.
 *   Errors: -MICA_EPERM (dom0 itself), -MICA_EINVAL (unpause not paused).
 * No union member; return 0.
 */
#define MICA_DOMCTL_destroy 1
#define MICA_DOMCTL_pause 2
#define MICA_DOMCTL_unpause 3

/*
 * MICA_DOMCTL_get_info: OUT struct mica_domctl_domain_info for `domid`.
 * MICA_DOMCTL_list: domains in domid order, with a cursor.
 *   IN  first_domid   start at the first domain with id >= this.
 *   IN  max_entries   capacity of the buffer.
 *   IN  buffer_gaddr  array of struct mica_domctl_domain_info.
 *   OUT nr_entries    entries written.
 *   OUT next_domid    cursor for the next call, MICA_DOMID_INVALID when
 *                     the list is complete.
 *   (header domid ignored.)  Domains created or destroyed between calls
 *   may or may not appear; none appears twice.
 */
#define MICA_DOMCTL_get_info 4
#define MICA_DOMCTL_list 5

#define MICA_DOMINFO_DYING (1u << 0) /* destroyed, resources pending */
#define MICA_DOMINFO_SHUTDOWN (1u << 1) /* see shutdown_reason */
#define MICA_DOMINFO_PAUSED (1u << 2) /* pause count > 0 */
#define MICA_DOMINFO_BLOCKED (1u << 3) /* every online vcpu blocked */
#define MICA_DOMINFO_RUNNING (1u << 4) /* some vcpu on a CPU now */
#define MICA_DOMINFO_HVM (1u << 5)
#define MICA_DOMINFO_PRIVILEGED (1u << 6) /* dom0 */

struct mica_domctl_domain_info {
	mica_domid_t domid;
	uint16_t pad0;
	uint32_t flags; /* MICA_DOMINFO_* */
	uint32_t shutdown_reason; /* MICA_SHUTDOWN_*, if SHUTDOWN */
	uint32_t nr_online_vcpus;
	uint32_t max_vcpus;
	uint32_t pad1;
	uint64_t nr_pages; /* allocated now */
	uint64_t max_pages;
	uint64_t shared_info_mfn;
	uint64_t cpu_time; /* ns, summed over vcpus */
	uint8_t uuid[16];
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_domain_info) == 72,
		   "mica_domctl_domain_info");

struct mica_domctl_list {
	mica_domid_t first_domid; /* IN */
	mica_domid_t next_domid; /* OUT */
	uint32_t max_entries; /* IN */
	uint32_t nr_entries; /* OUT */
	uint32_t pad0;
	uint64_t buffer_gaddr; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_list) == 24, "mica_domctl_list");

/*
 * MICA_DOMCTL_set_max_mem: IN max_pages.  Lowering it below the current
 *   allocation takes nothing away: the guest must balloon down itself.
 * MICA_DOMCTL_set_max_vcpus: IN max_vcpus.  Only before the domain first
 *   runs [-MICA_EBUSY otherwise].
 */
#define MICA_DOMCTL_set_max_mem 6
#define MICA_DOMCTL_set_max_vcpus 7

struct mica_domctl_set_max_mem {
	uint64_t max_pages; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_set_max_mem) == 8,
		   "mica_domctl_set_max_mem");

struct mica_domctl_set_max_vcpus {
	uint32_t max_vcpus; /* IN */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_set_max_vcpus) == 8,
		   "mica_domctl_set_max_vcpus");

/*
 * MICA_DOMCTL_get_vcpu_context / MICA_DOMCTL_set_vcpu_context:
 *   IN  vcpu
 *   IN  context_gaddr  a struct mica_vcpu_guest_context
 *                      (arch-x86/context.h) in the caller: OUT for get, IN
 *                      for set.
 * The domain must be paused [-MICA_EBUSY].  set validates the context as
 * described in context.h (its errors: -MICA_EINVAL, -MICA_EBUSY,
 * -MICA_EPERM as for mmu.h pinning); setting vcpu 0 of a new PV domain is
 * the moment its initial page tables are validated.  A set marks the vcpu
 * initialised (as MICA_VCPUOP_initialise, vcpu.h); for vcpu 0 of a domain
 * that has never run it also marks the vcpu up, so that unpause starts
 * the domain.  Other vcpus stay down until the guest brings them up.
 */
#define MICA_DOMCTL_get_vcpu_context 8
#define MICA_DOMCTL_set_vcpu_context 9

struct mica_domctl_vcpu_context {
	uint32_t vcpu; /* IN */
	uint32_t pad0;
	uint64_t context_gaddr; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_vcpu_context) == 16,
		   "mica_domctl_vcpu_context");

/*
 * MICA_DOMCTL_map_foreign: map a batch of another domain's frames into the
 * caller (privcmd-style; the toolstack builds, saves and inspects domains
 * this way).
 *   IN  domid (header)  the domain whose frames are mapped (not dom0).
 *   IN  gfn_list_gaddr  array of count uint64_t gfns of that domain.
 *   IN  err_list_gaddr  array of count int32_t, OUT: 0 or -errno per frame.
 *   IN  addr            where frame i goes:
 *        PV caller: addr + i * 4096, a virtual address in the caller's
 *                   current kernel page tables, mapped down to an L1 (user
 *                   addresses work: a PV kernel shares its user L3s between
 *                   its kernel and user L4s);
 *        with MICA_FOREIGN_MAP_TO_GFN (translated caller): gfn addr + i.
 *   IN  count           1..MICA_DOMCTL_MAP_FOREIGN_MAX.
 *   IN  flags           MICA_FOREIGN_MAP_*.
 *   Returns 0 if every frame was mapped, else the number of failed entries
 *   (> 0; see err_list), or a negative errno for the batch.
 * Per-entry errors: -MICA_EINVAL (gfn not populated), -MICA_EAGAIN (frame
 *   temporarily unavailable, e.g. shared or paged: retry), -MICA_EBUSY
 *   (writable map of a frame that is a page table or descriptor page: map
 *   it read-only), -MICA_EFAULT (addr not mapped down to an L1).
 * Notes:
 *   1. Each mapping holds a reference on the frame, dropped when the caller
 *      overwrites or clears the entry (mmu.h), so a destroyed domain's
 *      frames live on until their foreign mappings go.
 *   2. Preemptible: while the call goes on, the header's `progress` (0
 *      on entry) records the entries done in bits 0-15 and how many of
 *      them failed in bits 16-31; it is 0 again on return.  A restart
 *      with done > count or failed > done fails with -MICA_EINVAL.
 */
#define MICA_DOMCTL_map_foreign 10

#define MICA_DOMCTL_MAP_FOREIGN_MAX 4096
#define MICA_FOREIGN_MAP_READONLY (1u << 0)
#define MICA_FOREIGN_MAP_TO_GFN (1u << 1)

struct mica_domctl_map_foreign {
	uint64_t gfn_list_gaddr; /* IN */
	uint64_t err_list_gaddr; /* IN */
	uint64_t addr; /* IN */
	uint32_t count; /* IN */
	uint32_t flags; /* IN: MICA_FOREIGN_MAP_* */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_map_foreign) == 32,
		   "mica_domctl_map_foreign");

/*
 * MICA_DOMCTL_populate_physmap: populate another domain's pseudo-physical
 * memory, exactly as memory.h MICA_MEMOP_populate_physmap would for that
 * domain (same struct, same result: extents done).
 */
#define MICA_DOMCTL_populate_physmap 11

/*
 * MICA_DOMCTL_set_vcpu_affinity / MICA_DOMCTL_get_vcpu_affinity: the
 * physical CPUs a vcpu may run on.
 *   IN  vcpu
 *   IN  nr_cpus       bits in the map (the caller's size for get).
 *   IN  cpumap_gaddr  bitmap of uint64_t words, bit (c % 64) of word (c / 64)
 *                     = CPU c; OUT for get, IN for set.
 * Errors: -MICA_EINVAL (set: no online CPU in the map).
 */
#define MICA_DOMCTL_set_vcpu_affinity 12
#define MICA_DOMCTL_get_vcpu_affinity 13

struct mica_domctl_vcpu_affinity {
	uint32_t vcpu; /* IN */
	uint32_t nr_cpus; /* IN */
	uint64_t cpumap_gaddr; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_vcpu_affinity) == 16,
		   "mica_domctl_vcpu_affinity");

/*
 * MICA_DOMCTL_get_sched_credit / MICA_DOMCTL_set_sched_credit: the credit
 * scheduler's parameters for a domain.
 *   weight  relative share of CPU under contention, 1..65535 (default 256).
 *   cap     upper bound in percent of one CPU (100 = one full CPU), 0 = no
 *           cap.
 */
#define MICA_DOMCTL_get_sched_credit 14
#define MICA_DOMCTL_set_sched_credit 15

#define MICA_SCHED_CREDIT_DEFAULT_WEIGHT 256

struct mica_domctl_sched_credit {
	uint32_t weight; /* IN for set, OUT for get */
	uint32_t cap; /* IN for set, OUT for get */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_sched_credit) == 8,
		   "mica_domctl_sched_credit");

/*
 * MICA_DOMCTL_set_param / MICA_DOMCTL_get_param: per-domain values the
 * hypervisor keeps for the toolstack and the guest: where the store and
 * console rings are, so the daemons can (re)connect after a restart or
 * restore, and (later) so HVM guests can read them.  The ring "PFN"s are
 * the frames as map_foreign takes them: gfns, i.e. mfns for a PV domain.
 *   IN  index  MICA_DOMPARAM_*.
 *   IN/OUT value.
 * Errors: -MICA_EINVAL (unknown index).
 */
#define MICA_DOMCTL_set_param 16
#define MICA_DOMCTL_get_param 17

#define MICA_DOMPARAM_STORE_PFN 0
#define MICA_DOMPARAM_STORE_EVTCHN 1
#define MICA_DOMPARAM_CONSOLE_PFN 2
#define MICA_DOMPARAM_CONSOLE_EVTCHN 3
#define MICA_DOMPARAM_NR 4

struct mica_domctl_param {
	uint32_t index; /* IN */
	uint32_t pad0;
	uint64_t value; /* IN for set, OUT for get */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_param) == 16, "mica_domctl_param");

/*
 * Device access permissions (allow = 1 grants, 0 revokes,
 * MICA_PERMISSION_QUERY asks: returns 1 if the domain holds the whole
 * range, else 0):
 * MICA_DOMCTL_ioport_permission: ports first..first+nr-1 (physdev.h).
 * MICA_DOMCTL_irq_permission: one physical IRQ, first = 0..255, nr = 1
 *   (bound through physdev.h in a later version).  Mica keeps IRQs 0, 2
 *   and 4 [-MICA_EPERM].
 * MICA_DOMCTL_iomem_permission: machine frames first..first+nr-1 (below
 *   2^32), which the domain may then map (mmu.h T4a) with any
 *   foreign_domid it may use, typically MICA_DOMID_SELF or MICA_DOMID_IO;
 *   such mappings hold no reference.  RAM frames (in the firmware's memory
 *   map) are refused [-MICA_EINVAL], and so are the frames of devices Mica
 *   drives itself: local APIC, I/O APIC, HPET [-MICA_EPERM].  A privileged
 *   domain holds every MMIO frame but those (a query answers 1).
 *   Revoking stops new mappings; mappings already made stay until the
 *   domain removes them or dies, so dom0 revokes before it gives the
 *   frames to someone else and takes them back by destroying the domain.
 * Errors: -MICA_EINVAL (range empty or overflowing; ports beyond 65535;
 *   IRQ beyond 255 or nr != 1; iomem including RAM; allow beyond
 *   MICA_PERMISSION_QUERY; padding), -MICA_EPERM (a resource the
 *   hypervisor keeps for itself), -MICA_ENOSPC (the domain would hold more
 *   than 32 separate ranges of one kind).
 */
#define MICA_DOMCTL_ioport_permission 18
#define MICA_DOMCTL_irq_permission 19
#define MICA_DOMCTL_iomem_permission 20

#define MICA_PERMISSION_QUERY 2

struct mica_domctl_permission {
	uint64_t first; /* IN: port, IRQ or mfn */
	uint64_t nr; /* IN: count (1 for IRQs) */
	uint8_t allow; /* IN: 0, 1 or MICA_PERMISSION_QUERY */
	uint8_t pad0[7];
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_permission) == 24,
		   "mica_domctl_permission");

/*
 * MICA_DOMCTL_set_memory_map: the pseudo-physical map the domain reads with
 * MICA_MEMOP_memory_map (memory.h).
 *   IN  nr_entries (1..MICA_DOMCTL_MAX_MEMORY_MAP), buffer_gaddr: as
 *       struct mica_memory_map.
 * Errors: -MICA_EINVAL (entries unsorted or overlapping), -MICA_E2BIG.
 */
#define MICA_DOMCTL_set_memory_map 21
#define MICA_DOMCTL_MAX_MEMORY_MAP 128

/*
 * MICA_DOMCTL_get_vcpu_info: one vcpu's scheduling state.
 *   IN  vcpu.  OUT flags (MICA_VCPUINFO_*), cpu (where it runs or last
 *   ran), cpu_time (ns run so far).
 */
#define MICA_DOMCTL_get_vcpu_info 22

/*
 * MICA_DOMCTL_get_hvm_context / MICA_DOMCTL_set_hvm_context: an HVM
 * vcpu's state as a struct mica_hvm_vcpu_context (hvm/hvm.h), with the
 * argument of get/set_vcpu_context (vcpu, context_gaddr).  Only for HVM
 * domains [-MICA_EINVAL]; set_vcpu_context (PV state) is refused for them
 * [-MICA_EINVAL] and get_vcpu_context returns a zeroed context.  The
 * domain must be paused [-MICA_EBUSY]; set refuses a vcpu that waits for a
 * device model (hvm/ioreq.h) [-MICA_EBUSY].  -MICA_EOPNOTSUPP where the
 * hardware back end cannot do it yet (VMX today).
 */
#define MICA_DOMCTL_get_hvm_context 23
#define MICA_DOMCTL_set_hvm_context 24

/*
 * MICA_DOMCTL_ioreq_server: device models for an HVM domain: argument
 * u.ioreq (struct mica_domctl_ioreq, hvm/ioreq.h, which documents it).
 */
#define MICA_DOMCTL_ioreq_server 25

#define MICA_VCPUINFO_ONLINE (1u << 0)
#define MICA_VCPUINFO_BLOCKED (1u << 1)
#define MICA_VCPUINFO_RUNNING (1u << 2)

struct mica_domctl_vcpu_info {
	uint32_t vcpu; /* IN */
	uint32_t flags; /* OUT */
	uint32_t cpu; /* OUT */
	uint32_t pad0;
	uint64_t cpu_time; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_vcpu_info) == 24,
		   "mica_domctl_vcpu_info");

struct mica_domctl {
	uint32_t cmd; /* IN: MICA_DOMCTL_* */
	uint32_t interface_version; /* IN: MICA_DOMCTL_INTERFACE_VERSION */
	mica_domid_t domid; /* IN (OUT for create) */
	uint16_t pad0;
	uint32_t progress; /* IN/OUT: 0 on entry; see "Preemption" */
	union {
		struct mica_domctl_create create;
		struct mica_domctl_domain_info info; /* get_info: OUT */
		struct mica_domctl_list list;
		struct mica_domctl_set_max_mem set_max_mem;
		struct mica_domctl_set_max_vcpus set_max_vcpus;
		struct mica_domctl_vcpu_context vcpu_context;
		struct mica_domctl_map_foreign map_foreign;
		struct mica_memory_reservation populate_physmap;
		struct mica_domctl_vcpu_affinity vcpu_affinity;
		struct mica_domctl_sched_credit sched_credit;
		struct mica_domctl_param param;
		struct mica_domctl_permission permission;
		struct mica_memory_map memory_map;
		struct mica_domctl_vcpu_info vcpu_info;
		struct mica_domctl_ioreq ioreq;
		uint8_t pad[240]; /* room for later ops; size never changes */
	} u;
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl) == 256, "mica_domctl");
MICA_STATIC_ASSERT(offsetof(struct mica_domctl, progress) == 12,
		   "domctl progress offset");
MICA_STATIC_ASSERT(offsetof(struct mica_domctl, u) == 16,
		   "domctl union offset");

#endif /* MICA_PUBLIC_DOMCTL_H */
