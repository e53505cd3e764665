/* SPDX-License-Identifier: MIT */
/*
 * memory.h - MICA_HC_memory_op: a domain's memory allowance, ballooning,
 * its physical memory map, and where tables live.
 *
 *     long mica_memory_op(uint32_t cmd, uint64_t arg_gaddr);
 *
 * Memory model in one paragraph: the hypervisor gives each domain frames up
 * to its max_pages (set by dom0, domctl.h).  A PV guest sees machine frames
 * directly and keeps its own pfn->mfn list (the "p2m", handed over at boot
 * as start_info.mfn_list); the hypervisor keeps the reverse mfn->pfn table
 * (M2P, arch-x86/layout.h), which the guest updates with mmu.h
 * MICA_MMU_MACHPHYS_UPDATE.  A translated (HVM) guest sees only gfns and the
 * hypervisor keeps its gfn->mfn map.
 *
 * Common errors: -MICA_EFAULT (argument unreadable/unwritable),
 * -MICA_EINVAL (pad != 0, unknown flag), -MICA_EPERM (naming another domain
 * without privilege), -MICA_ESRCH (no such domain).
 */
#ifndef MICA_PUBLIC_MEMORY_H
#define MICA_PUBLIC_MEMORY_H

#include "mica.h"

/*
 * ------------------------------------------------------------------------
 * Reservations: the balloon interface
 * ------------------------------------------------------------------------
 * MICA_MEMOP_increase_reservation: get more frames.
 *   IN  nr_extents, extent_order  how many blocks of 2^order frames.
 *   IN  flags                     MICA_MEMF_*.
 *   OUT extent_list[i]            gfn of the first frame of extent i (PV:
 *                                 an mfn, whose M2P entry is invalid until
 *                                 the guest sets it).
 *
 * MICA_MEMOP_decrease_reservation: give frames back (balloon inflate).
 *   IN  extent_list[i]  gfn of the first frame of each extent to release.
 *   The frames must have no references left but their allocation: no
 *   mappings, no page type, not pinned, not granted.
 *
 * MICA_MEMOP_populate_physmap: fill holes in the pseudo-physical space.
 *   IN  extent_list[i]  the pfn (PV) / gfn (HVM) where extent i goes.
 *   OUT extent_list[i]  PV: replaced by the mfn allocated; the hypervisor
 *                       also sets M2P[mfn + j] = pfn + j.  HVM: unchanged.
 *
 * All three return the number of extents completed, 0..nr_extents.  Fewer
 * than nr_extents means the domain reached max_pages or the host ran out of
 * memory (for decrease: extent i was not releasable); the caller can tell
 * which with MICA_MEMOP_current_reservation / maximum_reservation.
 * Notes:
 *   1. Preemptible: the hypervisor records progress in nr_done, which the
 *      caller sets to 0 and must not touch during the call; between
 *      extents, and while a new extent is zeroed, the call may continue
 *      (mica.h note 6) from nr_done, every field checked again.  The return value counts from the start of
 *      the list.  (A caller that sets nr_done > 0 skips that many
 *      extents.)
 *   2. extent_order may be at most MICA_MEMOP_MAX_ORDER (dom0:
 *      MICA_MEMOP_MAX_ORDER_PRIVILEGED), else -MICA_EINVAL.
 *   3. New frames are zeroed; released frames are scrubbed before reuse.
 *   4. Reservations always act on the caller; dom0 fills other domains
 *      with domctl.h MICA_DOMCTL_populate_physmap.
 */
#define MICA_MEMOP_increase_reservation 0
#define MICA_MEMOP_decrease_reservation 1
#define MICA_MEMOP_populate_physmap 2

#define MICA_MEMOP_MAX_ORDER 9 /* 2 MiB */
#define MICA_MEMOP_MAX_ORDER_PRIVILEGED 18 /* 1 GiB */

/* Bits 0-7 of flags: if non-zero, every frame must have an address below
 * 2^bits bytes (e.g. 32 for 32-bit DMA); -MICA_EINVAL if bits < 20. */
#define MICA_MEMF_ADDRESS_BITS_MASK 0xFFu

struct mica_memory_reservation {
	uint64_t extent_list_gaddr; /* IN/OUT: array of nr_extents uint64_t */
	uint64_t nr_extents; /* IN */
	uint32_t extent_order; /* IN */
	uint32_t flags; /* IN: MICA_MEMF_* */
	uint64_t nr_done; /* IN/OUT: 0 on entry; progress */
};
MICA_STATIC_ASSERT(sizeof(struct mica_memory_reservation) == 32,
		   "mica_memory_reservation");

/*
 * MICA_MEMOP_exchange: trade extents for others of a different order or
 * address width, e.g. to build a machine-contiguous DMA buffer in dom0.
 *   IN  in     extents to give up (as for decrease_reservation).
 *   IN  out    extents wanted (as for increase_reservation, or, for PV,
 *              populate_physmap: extent_list holds the pfns to assign).
 *   IN/OUT nr_exchanged  input extents exchanged so far (0 on entry).
 *   Returns 0 when every input extent was exchanged.
 * Notes:
 *   1. in and out must cover the same number of frames.
 *   2. Exchange works in units of max(in order, out order) frames, each
 *      unit all-or-nothing: on failure the inputs of the failed unit are
 *      still the caller's, and nr_exchanged says where it stopped.
 *   3. in.nr_done and out.nr_done must be 0 and are not used.
 *   4. Preemptible between units and while a unit's new frames are
 *      zeroed (before any of its inputs is released): the call continues
 *      from nr_exchanged, which must then be a whole number of units, at
 *      most in.nr_extents (-MICA_EINVAL otherwise); every field is
 *      checked again.
 * Errors: -MICA_EINVAL (sizes differ, bad order), -MICA_ENOMEM (no
 *   suitable memory), -MICA_EBUSY (an input frame is still referenced).
 */
#define MICA_MEMOP_exchange 3

struct mica_memory_exchange {
	struct mica_memory_reservation in; /* IN */
	struct mica_memory_reservation out; /* IN/OUT */
	uint64_t nr_exchanged; /* IN/OUT: 0 on entry; progress */
};
MICA_STATIC_ASSERT(sizeof(struct mica_memory_exchange) == 72,
		   "mica_memory_exchange");

/*
 * MICA_MEMOP_maximum_reservation / MICA_MEMOP_current_reservation:
 *   IN  domid     MICA_DOMID_SELF, or any domain for dom0.
 *   OUT nr_pages  the domain's max_pages / pages currently allocated.
 *   Returns 0.
 */
#define MICA_MEMOP_maximum_reservation 4
#define MICA_MEMOP_current_reservation 5

struct mica_memory_domain {
	mica_domid_t domid; /* IN */
	uint16_t pad0[3];
	uint64_t nr_pages; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_memory_domain) == 16,
		   "mica_memory_domain");

/*
 * MICA_MEMOP_machphys_mapping: where the read-only M2P is mapped (PV).
 *   OUT virt_start, virt_end  as in arch-x86/layout.h.
 *   OUT max_mfn               highest valid index into the table.
 *   Returns 0.  -MICA_EOPNOTSUPP for translated guests.
 */
#define MICA_MEMOP_machphys_mapping 6

struct mica_machphys_mapping {
	uint64_t virt_start; /* OUT */
	uint64_t virt_end; /* OUT, exclusive */
	uint64_t max_mfn; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_machphys_mapping) == 24,
		   "mica_machphys_mapping");

/*
 * MICA_MEMOP_memory_map: the caller's pseudo-physical memory map.
 * MICA_MEMOP_machine_memory_map: the host's memory map (dom0 only).
 *   IN  nr_entries    capacity of the buffer, in entries.
 *   IN  buffer_gaddr  array of struct mica_e820_entry.
 *   OUT nr_entries    entries written, sorted by address, not overlapping.
 *   Returns 0.
 * Notes:
 *   1. A domU's map is set by the toolstack (domctl.h
 *      MICA_DOMCTL_set_memory_map); by default it is one RAM entry
 *      covering pfns 0..max_pages-1.  Addresses beyond the RAM entries are
 *      free for the guest to use for balloon hot-add and grant mappings.
 *   2. dom0's own map mirrors the host's (so its pseudo-physical holes line
 *      up with the host's MMIO holes), RAM limited to its allocation.
 * Errors: -MICA_ENOSPC (buffer too small; nr_entries is set to the number
 *   needed), -MICA_EPERM (machine map, not dom0).
 */
#define MICA_MEMOP_memory_map 7
#define MICA_MEMOP_machine_memory_map 8

struct mica_memory_map {
	uint32_t nr_entries; /* IN: capacity; OUT: count */
	uint32_t pad0;
	uint64_t buffer_gaddr; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_memory_map) == 16, "mica_memory_map");

struct mica_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* MICA_E820_* */
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_e820_entry) == 24, "mica_e820_entry");

/* The firmware (ACPI) memory types. */
#define MICA_E820_RAM 1
#define MICA_E820_RESERVED 2
#define MICA_E820_ACPI 3
#define MICA_E820_NVS 4
#define MICA_E820_UNUSABLE 5

/*
 * MICA_MEMOP_add_to_physmap: place a hypervisor-provided frame, or move one
 * of the domain's frames, at a gfn of a translated (HVM) guest.
 *   IN  domid  MICA_DOMID_SELF, or any domain for dom0.
 *   IN  space  what idx names:
 *       MICA_PHYSMAP_SPACE_shared_info  idx 0: the shared-info page.
 *       MICA_PHYSMAP_SPACE_grant_table  idx: grant-table frame number
 *                                       (0..max_grant_frames-1); the table
 *                                       grows to include it.
 *       MICA_PHYSMAP_SPACE_gfn          idx: a gfn of the domain whose frame
 *                                       moves to `gfn`.
 *   IN  gfn    where to put it; whatever was there is released.
 *   Returns 0.
 * PV guests map these frames by mfn (start_info.shared_info_mfn, grant
 * setup_table) and get -MICA_EOPNOTSUPP.
 * Errors: -MICA_EINVAL (idx or gfn out of range), -MICA_ENOSYS (unknown
 *   space), -MICA_EOPNOTSUPP (PV caller/target), -MICA_ENOMEM.
 *
 * MICA_MEMOP_remove_from_physmap: leave a hole at gfn (translated guests).
 *   IN  domid, gfn.  Returns 0.
 *   Errors: -MICA_ENOENT (nothing mapped there), -MICA_EOPNOTSUPP (PV).
 */
#define MICA_MEMOP_add_to_physmap 9
#define MICA_MEMOP_remove_from_physmap 10

#define MICA_PHYSMAP_SPACE_shared_info 0
#define MICA_PHYSMAP_SPACE_grant_table 1
#define MICA_PHYSMAP_SPACE_gfn 2

struct mica_add_to_physmap {
	mica_domid_t domid; /* IN */
	uint16_t space; /* IN: MICA_PHYSMAP_SPACE_* */
	uint32_t pad0;
	uint64_t idx; /* IN */
	uint64_t gfn; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_add_to_physmap) == 24,
		   "mica_add_to_physmap");

struct mica_remove_from_physmap {
	mica_domid_t domid; /* IN */
	uint16_t pad0[3];
	uint64_t gfn; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_remove_from_physmap) == 16,
		   "mica_remove_from_physmap");

/*
 * MICA_MEMOP_machphys_mfn_list: the machine frames holding the M2P table, in
 * 2 MiB chunks, so the toolstack can map it in dom0 user space (dom0 only).
 *   IN  max_extents   capacity of the list.
 *   IN  list_gaddr    array of uint64_t: mfn of each 2 MiB chunk, in
 *                     table order.
 *   OUT nr_extents    chunks written.
 *   Returns 0.
 * Errors: -MICA_EPERM (not dom0), -MICA_ENOSPC (list too small;
 *   nr_extents is set to the number needed).
 */
#define MICA_MEMOP_machphys_mfn_list 11

struct mica_machphys_mfn_list {
	uint32_t max_extents; /* IN */
	uint32_t nr_extents; /* OUT */
	uint64_t list_gaddr; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_machphys_mfn_list) == 16,
		   "mica_machphys_mfn_list");

#endif /* MICA_PUBLIC_MEMORY_H */
