/* SPDX-License-Identifier: MIT */
/*
 * grant_table.h - MICA_HC_grant_table_op: sharing and copying pages between
 * domains with the owner's explicit permission.
 *
 *     long mica_grant_table_op(uint32_t cmd, uint64_t ops_gaddr,
 *                              uint32_t count);
 *
 * A domain (the granter) publishes entries in its grant table, a set of
 * pages it shares with the hypervisor.  Entry number `ref` says "domain D
 * may access my frame F (read-only or read-write)" or "domain D may send me
 * a frame".  The grantee names (granter, ref) in map, copy or transfer
 * operations; the hypervisor checks the entry each time.  No domain can
 * reach another's memory without such an entry (dom0's foreign mappings
 * excepted, see domctl.h).
 *
 * ========================================================================
 * Grant entries
 * ========================================================================
 *   flags   bits 0-1: type (granter writes)
 *             MICA_GTF_invalid          no grant
 *             MICA_GTF_permit_access    domid may map/copy `frame`
 *             MICA_GTF_accept_transfer  domid may transfer a frame here
 *           MICA_GTF_READONLY   (granter) read-only access only
 *           MICA_GTF_SUB_PAGE   (granter) copy-only grant of bytes
 *                               [sub_offset, sub_offset + sub_length) of
 *                               the frame; cannot be mapped
 *           MICA_GTF_READING    (hypervisor) mapped or being copied from
 *           MICA_GTF_WRITING    (hypervisor) mapped writable or being
 *                               copied to
 *           MICA_GTF_TRANSFER_COMMITTED, MICA_GTF_TRANSFER_COMPLETED
 *                               (hypervisor) transfer progress, below
 *   domid   the grantee.
 *   sub_offset, sub_length      for MICA_GTF_SUB_PAGE, else 0.
 *   frame   permit_access: the gfn granted (granter writes);
 *           accept_transfer: 0, then the gfn received (hypervisor writes).
 *
 * Protocol:
 *   E1. Grant: write frame, domid, sub_offset, sub_length; write barrier;
 *       then write flags (type and modifiers) in one 16-bit store.
 *   E2. While READING or WRITING is set the entry is in use; the hypervisor
 *       uses the frame, domid and permissions it read when the use began,
 *       and the granter must not change them.
 *   E3. Revoke: atomically compare-and-swap flags from their granted value
 *       (READING and WRITING clear) to 0.  If the swap fails because
 *       READING or WRITING is set, the grantee still maps the frame or a
 *       copy is in flight: the granter must not reuse the frame yet and
 *       retries later.  Once it succeeds, no new use can start and no old
 *       one remains.
 *   E4. The hypervisor sets READING / WRITING with an atomic compare-and-swap
 *       that also checks type, domid and READONLY, so a concurrent revoke
 *       either wins (the map/copy fails with -MICA_EACCES) or loses (E3
 *       fails).
 *   E5. Transfer: when a frame is transferred to an accept_transfer entry,
 *       the hypervisor sets TRANSFER_COMMITTED, writes frame, write barrier,
 *       then sets TRANSFER_COMPLETED.  The receiver reads frame only after
 *       seeing COMPLETED, then re-uses the entry from E1.
 *
 * Table size: a domain's table starts with no frames.  It grows with
 * MICA_GNTTABOP_setup_table (PV) or memory.h add_to_physmap (HVM), up to
 * max_grant_frames (set at creation, domctl.h; reported by
 * MICA_GNTTABOP_query_size and MICA_VERSION_GET_PARAMETERS), never beyond
 * MICA_GRANT_MAX_FRAMES.  Each frame holds MICA_GRANT_ENTRIES_PER_FRAME
 * entries.  Refs 0..MICA_GRANT_NR_RESERVED_ENTRIES-1 are reserved for the
 * toolstack (store and console rings, so they can be reconnected after a
 * restore); guests allocate from the rest.
 *
 * ========================================================================
 * Status codes
 * ========================================================================
 * Batched ops report per-op results in a `status` field: 0 or a negative
 * errno (public/errno.h).  The MICA_GNTST_* names map the cases onto them:
 */
#ifndef MICA_PUBLIC_GRANT_TABLE_H
#define MICA_PUBLIC_GRANT_TABLE_H

#include "mica.h"
#include "errno.h"

#define MICA_GNTST_okay 0
#define MICA_GNTST_general_error (-MICA_EINVAL) /* malformed op */
#define MICA_GNTST_bad_domain (-MICA_ESRCH) /* no such domain */
#define MICA_GNTST_bad_ref (-MICA_ERANGE) /* ref beyond the table */
#define MICA_GNTST_permission_denied \
	(-MICA_EACCES) /* entry not granted to
						       caller, or read-only */
#define MICA_GNTST_bad_handle (-MICA_EBADF) /* unknown mapping handle */
#define MICA_GNTST_bad_host_addr (-MICA_EFAULT) /* host_addr unusable */
#define MICA_GNTST_bad_page (-MICA_EINVAL) /* frame not valid/owned */
#define MICA_GNTST_no_space (-MICA_ENOSPC) /* mapping table full */
#define MICA_GNTST_busy (-MICA_EBUSY) /* frame type conflict */
#define MICA_GNTST_eagain (-MICA_EAGAIN) /* transient: retry */

struct mica_grant_entry {
	uint16_t flags; /* MICA_GTF_* */
	mica_domid_t domid; /* grantee */
	uint16_t sub_offset; /* MICA_GTF_SUB_PAGE only */
	uint16_t sub_length; /* MICA_GTF_SUB_PAGE only */
	uint64_t frame; /* gfn */
};
MICA_STATIC_ASSERT(sizeof(struct mica_grant_entry) == 16, "mica_grant_entry");

#define MICA_GTF_TYPE_MASK 0x3u
#define MICA_GTF_invalid 0u
#define MICA_GTF_permit_access 1u
#define MICA_GTF_accept_transfer 2u
#define MICA_GTF_READONLY (1u << 2)
#define MICA_GTF_READING (1u << 3)
#define MICA_GTF_WRITING (1u << 4)
#define MICA_GTF_SUB_PAGE (1u << 5)
#define MICA_GTF_TRANSFER_COMMITTED (1u << 6)
#define MICA_GTF_TRANSFER_COMPLETED (1u << 7)

#define MICA_GRANT_ENTRIES_PER_FRAME \
	(MICA_PAGE_SIZE / sizeof(struct mica_grant_entry))
#define MICA_GRANT_MAX_FRAMES 1024
#define MICA_GRANT_DEFAULT_MAX_FRAMES 32
#define MICA_GRANT_NR_RESERVED_ENTRIES 8
#define MICA_GRANT_REF_STORE 0 /* the store ring page */
#define MICA_GRANT_REF_CONSOLE 1 /* the console ring page */

/*
 * ========================================================================
 * Operations.  Every op takes an array of `count` structures; the call
 * returns 0 once all were attempted (each with its own status), or a
 * negative errno if the batch itself is bad: -MICA_EFAULT (array
 * unreadable/unwritable; the ops before the fault took effect),
 * -MICA_ENOSYS (unknown cmd), -MICA_EINVAL (count 0, above
 * MICA_GNTTAB_MAX_BATCH, or != 1 where required).  Preemptible between
 * ops: the call may continue (mica.h note 6) with the array advanced past
 * the ops done and count reduced by them, checked again like a new call.  A domain may map and copy its own grants (ref granted to its own
 * id, dom = MICA_DOMID_SELF or that id).
 * ========================================================================
 */

/*
 * MICA_GNTTABOP_map_grant_ref: map a granted frame.
 *   IN  host_addr  MICA_GNTMAP_host_map: where to map it:
 *                    PV: a kernel virtual address in the current page
 *                        tables (mapped down to an L1), or with
 *                        MICA_GNTMAP_contains_pte the machine address of the
 *                        L1 entry to fill (for mappings in user page tables);
 *                    HVM: a page-aligned guest-physical address.
 *   IN  flags      MICA_GNTMAP_*: host_map and/or device_map, readonly.
 *   IN  ref, dom   the grant: entry `ref` of domain `dom`.
 *   OUT status     MICA_GNTST_*.
 *   OUT handle     names the mapping for unmap.
 *   OUT dev_bus_addr  MICA_GNTMAP_device_map: the bus address a device of
 *                  the caller may DMA to (dom0, for back-end drivers).
 * Notes:
 *   1. The entry must be permit_access, for the caller, not SUB_PAGE; a
 *      writable map needs a non-READONLY entry and takes a writable type
 *      reference on the frame (mmu.h T1).
 *   2. The mapping holds a reference on the granter's frame until unmap;
 *      if the granter dies meanwhile the frame lives on until then.
 *   3. A domain may hold at most its max_grant_mappings mappings
 *      (domctl.h), else MICA_GNTST_no_space.
 *   4. Errors: general_error (bad flags: none of host_map/device_map,
 *      contains_pte without host_map, unknown bits, host_addr with
 *      device_map only; non-zero padding), bad_domain, bad_ref,
 *      permission_denied (note 1; device_map by an unprivileged domain),
 *      bad_page (the entry's frame is not the granter's), busy (writable
 *      map of a page-table or descriptor frame, T1), bad_host_addr
 *      (host_addr not page aligned, not mapped down to an L1 of the
 *      caller's, or an L1 entry that already holds a grant; a PTE address
 *      not 8-byte aligned or not in one of the caller's L1 tables),
 *      no_space, eagain.  PV host mappings are present, user, accessed,
 *      NX, and writable+dirty unless readonly; whatever the entry held
 *      before is replaced.  Unmap leaves it 0 (mmu.h T9 meanwhile).
 */
#define MICA_GNTTAB_MAX_BATCH 65536 /* ops per call */

#define MICA_GNTTABOP_map_grant_ref 0

#define MICA_GNTMAP_device_map (1u << 0)
#define MICA_GNTMAP_host_map (1u << 1)
#define MICA_GNTMAP_readonly (1u << 2)
#define MICA_GNTMAP_contains_pte (1u << 3)

struct mica_gnttab_map_grant_ref {
	uint64_t host_addr; /* IN */
	uint32_t flags; /* IN: MICA_GNTMAP_* */
	mica_grant_ref_t ref; /* IN */
	mica_domid_t dom; /* IN */
	uint16_t pad0;
	int32_t status; /* OUT: MICA_GNTST_* */
	mica_grant_handle_t handle; /* OUT */
	uint32_t pad1;
	uint64_t dev_bus_addr; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_map_grant_ref) == 40,
		   "mica_gnttab_map_grant_ref");

/*
 * MICA_GNTTABOP_unmap_grant_ref: undo a mapping.
 *   IN  host_addr     as given to map (0 if it was device_map only).
 *   IN  dev_bus_addr  as returned by map (0 if it was host_map only).
 *   IN  handle.
 *   OUT status        MICA_GNTST_* (bad_handle if handle and addresses do
 *                     not match one live mapping).
 * TLB shootdown guarantee: when an op reports okay, no vcpu of the caller
 * can reach the frame through that mapping any more: the hypervisor has
 * flushed every TLB that could hold it (it may batch the flushes of one
 * call, but they complete before the call returns), and only then clears
 * the granter's READING/WRITING bits.  So a granter that sees E3 succeed
 * may reuse the frame at once.
 */
#define MICA_GNTTABOP_unmap_grant_ref 1

struct mica_gnttab_unmap_grant_ref {
	uint64_t host_addr; /* IN */
	uint64_t dev_bus_addr; /* IN */
	mica_grant_handle_t handle; /* IN */
	int32_t status; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_unmap_grant_ref) == 24,
		   "mica_gnttab_unmap_grant_ref");

/*
 * MICA_GNTTABOP_setup_table: grow a domain's grant table (count must be 1).
 *   IN  dom             MICA_DOMID_SELF, or (dom0) any domain.
 *   IN  nr_frames       the size wanted, 1..max_grant_frames; a table
 *                       already this large or larger is left as it is.
 *   IN  frame_list_gaddr  array of nr_frames uint64_t.
 *   OUT frame_list[i]   PV: the mfn of table frame i, which the guest maps
 *                       writable (the frames are the hypervisor's; the
 *                       guest needs no page type for them).
 *                       HVM: not written (use add_to_physmap).
 *   OUT status          MICA_GNTST_okay, bad_domain, general_error
 *                       (nr_frames beyond the limit), or -MICA_ENOMEM.
 */
#define MICA_GNTTABOP_setup_table 2

struct mica_gnttab_setup_table {
	mica_domid_t dom; /* IN */
	uint16_t pad0;
	uint32_t nr_frames; /* IN */
	uint64_t frame_list_gaddr; /* IN */
	int32_t status; /* OUT */
	uint32_t pad1;
};
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_setup_table) == 24,
		   "mica_gnttab_setup_table");

/*
 * MICA_GNTTABOP_query_size: current and maximum table size (count 1).
 *   IN  dom.  OUT nr_frames, max_nr_frames, status.
 */
#define MICA_GNTTABOP_query_size 3

struct mica_gnttab_query_size {
	mica_domid_t dom; /* IN */
	uint16_t pad0;
	uint32_t nr_frames; /* OUT */
	uint32_t max_nr_frames; /* OUT */
	int32_t status; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_query_size) == 16,
		   "mica_gnttab_query_size");

/*
 * MICA_GNTTABOP_copy: copy bytes between frames, where either side may be a
 * grant, without mapping anything (net/block back ends copy this way).
 *   IN  source, dest  each a mica_gnttab_copy_ptr:
 *         with MICA_GNTCOPY_source_gref / dest_gref set in flags:
 *           ref_or_gfn = grant ref, domid = the granter;
 *         otherwise:
 *           ref_or_gfn = a gfn of the caller's own, domid = MICA_DOMID_SELF
 *           (dom0 may name any domain's gfn);
 *         offset = byte offset in the frame.
 *   IN  len    bytes; offset + len <= MICA_PAGE_SIZE on both sides.
 *   OUT status MICA_GNTST_*.
 * Notes:
 *   1. A grant source needs permit_access for the caller; a grant
 *      destination also needs it not READONLY.  For SUB_PAGE grants the
 *      range must lie inside [sub_offset, sub_offset + sub_length).
 *   2. Each op is atomic with respect to revocation (E4), not with respect
 *      to concurrent writes by either domain to the bytes themselves.
 *   3. Source and destination ranges in the same frame must not overlap
 *      (general_error).
 *   4. Errors: general_error (offset + len beyond the page, overlap,
 *      unknown flags, non-zero padding), bad_domain, bad_ref,
 *      permission_denied (note 1; another domain's gfn named by an
 *      unprivileged caller), bad_page (frame not that domain's), busy
 *      (destination is a page-table or descriptor frame).
 */
#define MICA_GNTTABOP_copy 4

#define MICA_GNTCOPY_source_gref (1u << 0)
#define MICA_GNTCOPY_dest_gref (1u << 1)

struct mica_gnttab_copy_ptr {
	uint64_t ref_or_gfn;
	mica_domid_t domid;
	uint16_t offset;
	uint32_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_copy_ptr) == 16,
		   "mica_gnttab_copy_ptr");

struct mica_gnttab_copy {
	struct mica_gnttab_copy_ptr source; /* IN */
	struct mica_gnttab_copy_ptr dest; /* IN */
	uint16_t len; /* IN */
	uint16_t flags; /* IN: MICA_GNTCOPY_* */
	int32_t status; /* OUT */
};
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_copy) == 40, "mica_gnttab_copy");

/*
 * MICA_GNTTABOP_transfer: give one of the caller's frames to another domain
 * that offered an accept_transfer entry.
 *   IN  gfn        the caller's frame; it must have no references but its
 *                  allocation (no mappings, no type, not granted).
 *   IN  domid, ref the receiver and its accept_transfer entry (for the
 *                  caller).
 *   OUT status     MICA_GNTST_*; -MICA_ENOMEM if the receiver is at its
 *                  max_pages (the frame then stays the caller's).
 *   Errors also: bad_domain, bad_ref, permission_denied (not an unused
 *   accept_transfer entry for the caller), bad_page (not the caller's
 *   frame), busy (mapped, typed, pinned, or a hypervisor-shared frame
 *   such as shared info or a grant-table frame), general_error (padding).
 * On success the frame leaves the caller's allocation and joins the
 * receiver's; the receiver learns its gfn by E5 (PV: an mfn it must enter
 * in its p2m and M2P; HVM: the hypervisor places it at a free gfn).
 */
#define MICA_GNTTABOP_transfer 5

struct mica_gnttab_transfer {
	uint64_t gfn; /* IN */
	mica_domid_t domid; /* IN */
	uint16_t pad0;
	mica_grant_ref_t ref; /* IN */
	int32_t status; /* OUT */
	uint32_t pad1;
};
MICA_STATIC_ASSERT(sizeof(struct mica_gnttab_transfer) == 24,
		   "mica_gnttab_transfer");

#endif /* MICA_PUBLIC_GRANT_TABLE_H */
