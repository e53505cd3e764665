/* SPDX-License-Identifier: MIT */
/*
 * mmu.h - direct paging for PV guests: the guest builds and owns its page
 * tables in its own frames; the hypervisor validates every change.
 *
 *     long mica_mmu_update(uint64_t reqs_gaddr, uint32_t count,
 *                          uint64_t done_gaddr, uint32_t foreign_domid);
 *     long mica_mmuext_op(uint64_t ops_gaddr, uint32_t count,
 *                         uint64_t done_gaddr, uint32_t foreign_domid);
 *     long mica_update_va_mapping(uint64_t va, uint64_t new_pte,
 *                                 uint32_t flags, uint64_t vcpumask_gaddr);
 *
 * These calls exist for PV guests only; a translated (HVM) guest gets
 * -MICA_EOPNOTSUPP.
 *
 * ========================================================================
 * Page types and reference counts
 * ========================================================================
 * Every machine frame has an owner (a domain, MICA_DOMID_IO for MMIO, or the
 * hypervisor), a general reference count and a TYPE with a type count:
 *
 *   type        what holds a type reference
 *   ----------  ---------------------------------------------------------
 *   none        nothing: the frame is plain memory, mapped read-only or
 *               not at all
 *   writable    each writable (RW=1) L1 entry mapping it, each writable
 *               grant mapping, a registered vcpu_info/runstate area, and
 *               the hypervisor itself for the shared-info page (so that
 *               page is never a page table or descriptor page)
 *   L1          each L2 entry pointing at it; a pin
 *   L2          each L3 entry pointing at it; a pin
 *   L3          each L4 entry pointing at it; a pin
 *   L4          each vcpu using it as kernel or user base pointer; a pin
 *   seg_desc    use as a GDT page (MICA_HC_set_gdt) or LDT page
 *               (MICA_MMUEXT_SET_LDT)
 *
 * The general count counts every reference of any kind (every mapping,
 * read-only or not, every type reference, every grant mapping, the
 * domain's own allocation), so a frame is freed only when nothing can
 * reach it.
 *
 * Rules (T1-T8); the error each violation returns is in brackets:
 *   T1. A frame has one type at a time.  It changes type only when its type
 *       count is 0; taking a reference of a different type while the count
 *       is non-zero fails [-MICA_EBUSY].  So a frame that is a page table or
 *       descriptor page is never writable through any mapping, and a frame
 *       mapped writable anywhere never becomes a page table.
 *   T2. A frame becomes Ln (or seg_desc) only after every entry in it
 *       passes validation for that type [-MICA_EINVAL, or the error of the
 *       failing entry's reference]; validation takes the references the
 *       entries imply, recursively (an L4 pulls in its L3s, and so on).
 *       When the type count drops to 0 those references are dropped and the
 *       frame must be validated again before it is used as that type again.
 *   T3. Pinning (MICA_MMUEXT_PIN_Ln_TABLE) holds one type reference until
 *       MICA_MMUEXT_UNPIN_TABLE, so a table stays validated while no other
 *       table refers to it (Linux pins each pgd, and may pin lower tables).
 *       Pinning a pinned frame fails [-MICA_EEXIST]; unpinning an unpinned
 *       one fails [-MICA_EINVAL].  Pinning and unpinning a large tree are
 *       preemptible (mica.h note 6): the mmuext_op batch continues at the
 *       same item, which carries on where it stopped.  Meanwhile the tables
 *       of that tree that are half done are busy for everything else
 *       [-MICA_EBUSY]; if the vcpu's next pin or unpin is another one (the
 *       guest changed the batch), the half-done tree is undone first.
 *   T4. Entry validation, for a present entry (P=1) of an Ln table:
 *        a. the target frame exists [-MICA_EINVAL] and is the caller's, or
 *           belongs to foreign_domid and the caller is privileged over it,
 *           or is an MMIO frame the caller has I/O-memory permission for
 *           (domctl.h) [-MICA_EPERM];
 *        b. L2..L4 entries must point at a frame that validates as L1..L3
 *           respectively [T1/T2 errors]; there are no recursive ("linear")
 *           page tables and no superpages (PS bit 7 in an L2/L3 entry)
 *           unless MICA_FEAT_PV_SUPERPAGES [-MICA_EINVAL];
 *        c. an L1 entry with RW=1 takes a writable type reference on its
 *           target [T1 errors]; with RW=0 only a general reference (so the
 *           guest can read its own page tables and descriptor pages);
 *        d. physical-address bits above the CPU's MAXPHYADDR, and NX where
 *           the CPU lacks it, are refused [-MICA_EINVAL];
 *        e. the hypervisor sets U (bit 2) in every entry it stores, because
 *           the guest kernel runs in ring 3, and clears G (bit 8), because
 *           kernel and user share ring 3 and a global kernel mapping would
 *           survive the switch to the user page tables.  The guest reads
 *           back the entry as stored;
 *        f. software-available bits (9-11, 52-58) are the guest's and kept
 *           as written; PAT/PCD/PWT are honoured.
 *       Not-present entries (P=0) are stored as written, unvalidated: the
 *       guest may keep swap entries there.
 *   T5. In an L4, slots MICA_L4_FIRST_HYPERVISOR_SLOT.. (arch-x86/layout.h)
 *       belong to the hypervisor: the guest leaves them 0 when it creates
 *       the table, and may not update them [-MICA_EPERM].
 *   T6. A frame can be an Ln table of only one domain: that of its owner.
 *       (dom0 may not validate another domain's frames as tables through
 *       mmu_update; the domain builder writes them as plain memory and the
 *       hypervisor validates them when vcpu 0's context is set.)
 *   T7. Page-table frames are read by the guest directly, through read-only
 *       mappings; every write goes through a hypercall.
 *   T8. TLB consistency after a guest change is the guest's job, as on
 *       hardware: after an update it flushes (MICA_MMUEXT_* or
 *       MICA_UVMF_*) as its own correctness requires.  The hypervisor
 *       flushes, on every vcpu that might hold a stale entry, whenever ITS
 *       invariants need it: before a frame that lost its last writable
 *       mapping becomes a table or descriptor page, before a frame leaves
 *       the domain (decrease_reservation, grant transfer, destruction),
 *       and after a grant unmap (grant_table.h).  A guest that skips a
 *       flush can only corrupt itself.
 *   T9. An L1 entry written by a grant map (grant_table.h) belongs to the
 *       grant until unmap_grant_ref removes it: mmu_update and
 *       update_va_mapping on it fail [-MICA_EBUSY], and the L1 holding it
 *       keeps its L1 type (one type reference per grant entry in it), so
 *       unhooking or unpinning that L1 never devalidates it meanwhile.
 *
 * Frames in arguments: every "machine address" or "gfn" a PV guest passes
 * here is a machine frame number (gfn == mfn for PV, see mica.h).
 *
 * ========================================================================
 * MICA_HC_mmu_update: a batch of page-table and M2P writes.
 * ========================================================================
 *   IN  reqs_gaddr     array of count struct mica_mmu_update.
 *   IN  count          number of requests.
 *   IN  done_gaddr     0, or where to write a uint32_t: requests completed.
 *   IN  foreign_domid  MICA_DOMID_SELF, or (privileged) the domain that owns
 *                      the frames named by the new entries (the toolstack
 *                      mapping another domain's memory, e.g. for save or
 *                      the device model); MICA_DOMID_IO, allowed to every
 *                      domain, is the same as MICA_DOMID_SELF (MMIO frames
 *                      need only the caller's I/O-memory permission, T4a).
 *   Returns 0 after all requests, or the error of the first failing one;
 *   requests before it took effect, the failing one and those after it
 *   did not, and *done says how many succeeded.
 *
 * The low 2 bits of ptr select the request (ptr is 8-byte aligned
 * otherwise):
 *   MICA_MMU_NORMAL_PT_UPDATE     ptr = machine address of an entry in a
 *                                 frame the caller owns that is typed L1..L4
 *                                 [-MICA_EINVAL if untyped or misaligned];
 *                                 val = the new entry, validated (T4, T5);
 *                                 the old entry's references are dropped.
 *   MICA_MMU_MACHPHYS_UPDATE      ptr = (mfn << 12) | 1, val = pfn: sets the
 *                                 M2P entry of one of the caller's frames
 *                                 [-MICA_EPERM if not the caller's].
 *   MICA_MMU_PT_UPDATE_PRESERVE_AD
 *                                 as NORMAL_PT_UPDATE, but the Accessed and
 *                                 Dirty bits set by the CPU meanwhile are
 *                                 kept (an atomic read-modify-write).
 * Errors: -MICA_EFAULT, -MICA_EINVAL, -MICA_EPERM, -MICA_EBUSY (T1),
 *   -MICA_ESRCH (foreign_domid), -MICA_ENOSYS (unknown request type),
 *   -MICA_ENOMEM.
 * Preemptible: on a long batch reqs_gaddr and count advance in the argument
 * registers (mica.h note 6), and bits 32-63 of the count register carry the
 * number of requests already done (so *done counts the whole batch); a
 * guest passes count zero-extended.
 */
#ifndef MICA_PUBLIC_MMU_H
#define MICA_PUBLIC_MMU_H

#include "mica.h"
#include "arch-x86/layout.h"

struct mica_mmu_update {
	uint64_t ptr; /* machine address | MICA_MMU_* */
	uint64_t val; /* new entry, or pfn */
};
MICA_STATIC_ASSERT(sizeof(struct mica_mmu_update) == 16, "mica_mmu_update");

#define MICA_MMU_NORMAL_PT_UPDATE 0
#define MICA_MMU_MACHPHYS_UPDATE 1
#define MICA_MMU_PT_UPDATE_PRESERVE_AD 2
#define MICA_MMU_REQUEST_MASK 0x3ull

/*
 * ========================================================================
 * MICA_HC_mmuext_op: a batch of extended MMU operations.
 * ========================================================================
 *   Arguments, return value and preemption as for mmu_update, except that
 *   foreign_domid must be MICA_DOMID_SELF in ABI 1.0 [-MICA_EINVAL] (T6;
 *   it is there so that toolstack operations on another domain's tables can
 *   be added later without a new hypercall).  Each op is a
 *   struct mica_mmuext_op whose arg1/arg2 mean, per cmd:
 *
 *   cmd                          arg1             arg2
 *   PIN_L1..PIN_L4_TABLE         gfn              -        T2, T3
 *   UNPIN_TABLE                  gfn              -        T3
 *   NEW_BASEPTR                  L4 gfn           -        (a)
 *   NEW_USER_BASEPTR             L4 gfn or 0      -        (a)
 *   TLB_FLUSH_LOCAL              -                -        (b)
 *   INVLPG_LOCAL                 va               -        (b)
 *   TLB_FLUSH_MULTI              -                mask     (b)(c)
 *   INVLPG_MULTI                 va               mask     (b)(c)
 *   TLB_FLUSH_ALL                -                -        (b)
 *   INVLPG_ALL                   va               -        (b)
 *   SET_LDT                      va               entries  (d)
 *   COPY_PAGE                    dst gfn          src gfn  (e)
 *   CLEAR_PAGE                   gfn              -        (e)
 *   ("-" arguments must be 0 [-MICA_EINVAL].)
 *
 *   (a) Switch this vcpu's kernel (or user) page tables.  The new L4 is
 *       validated and takes a type reference; the old one's is dropped.
 *       NEW_BASEPTR takes effect at once (the caller is in kernel mode);
 *       NEW_USER_BASEPTR on the next return to user mode.  0 for the user
 *       base means "none": returning to user mode then crashes the domain.
 *       Switching flushes this vcpu's TLB (non-global entries; the
 *       hypervisor never lets guest entries be global, T4e).
 *   (b) LOCAL: this vcpu; MULTI: the vcpus in the mask; ALL: every vcpu of
 *       the domain.  Flushes cover both the kernel and the user page
 *       tables.  The call returns after every named vcpu's TLB is clean
 *       (remote vcpus are flushed or, if not running, flushed before they
 *       next run).  An INVLPG may flush more than va on remote vcpus.
 *   (c) mask: gaddr of a bitmap of uint64_t words; bit (v % 64) of word
 *       (v / 64) selects vcpu v; ceil(max_vcpus / 64) words are read.
 *   (d) va: page-aligned kernel virtual address of the LDT (0 with
 *       entries 0 for no LDT); entries: 0..8192.  The pages are looked up
 *       in the current kernel page tables now, become seg_desc (T1, T2,
 *       arch-x86/pv.h descriptor rules), and stay the LDT until the next
 *       SET_LDT, whatever later happens to the mapping [-MICA_EFAULT if a
 *       page is unmapped].
 *   (e) The frames must be the caller's; the destination must be able to
 *       take a writable reference (T1).  Faster than mapping both.
 *
 * Errors: as for mmu_update, and -MICA_ENOENT (vcpu in mask beyond
 *   max_vcpus), -MICA_EEXIST / -MICA_EINVAL (T3).
 */
struct mica_mmuext_op {
	uint32_t cmd; /* MICA_MMUEXT_* */
	uint32_t pad0;
	uint64_t arg1;
	uint64_t arg2;
};
MICA_STATIC_ASSERT(sizeof(struct mica_mmuext_op) == 24, "mica_mmuext_op");

#define MICA_MMUEXT_PIN_L1_TABLE 0
#define MICA_MMUEXT_PIN_L2_TABLE 1
#define MICA_MMUEXT_PIN_L3_TABLE 2
#define MICA_MMUEXT_PIN_L4_TABLE 3
#define MICA_MMUEXT_UNPIN_TABLE 4
#define MICA_MMUEXT_NEW_BASEPTR 5
#define MICA_MMUEXT_NEW_USER_BASEPTR 6
#define MICA_MMUEXT_TLB_FLUSH_LOCAL 7
#define MICA_MMUEXT_INVLPG_LOCAL 8
#define MICA_MMUEXT_TLB_FLUSH_MULTI 9
#define MICA_MMUEXT_INVLPG_MULTI 10
#define MICA_MMUEXT_TLB_FLUSH_ALL 11
#define MICA_MMUEXT_INVLPG_ALL 12
#define MICA_MMUEXT_SET_LDT 13
#define MICA_MMUEXT_COPY_PAGE 14
#define MICA_MMUEXT_CLEAR_PAGE 15

#define MICA_LDT_MAX_ENTRIES 8192

/*
 * ========================================================================
 * MICA_HC_update_va_mapping: change the L1 entry that maps one virtual
 * address in the current kernel page tables, and optionally flush.  The
 * fast path for single updates (Linux set_pte on a live mm).
 * ========================================================================
 *   IN  va              the address whose L1 entry is replaced; the L4..L2
 *                       entries above it must be present.
 *   IN  new_pte         validated as an L1 entry (T4).
 *   IN  flags           MICA_UVMF_* : a flush kind and a scope.
 *   IN  vcpumask_gaddr  the vcpu bitmap for MICA_UVMF_MULTI (as (c)
 *                       above), else 0.
 *   Returns 0.
 * Errors: -MICA_EINVAL (va in the hypervisor range or not mapped down to an
 *   L1, bad entry, bad flags), -MICA_EPERM, -MICA_EBUSY (T1), -MICA_EFAULT
 *   (mask), -MICA_ENOENT (vcpu in mask beyond max_vcpus).  The mask is
 *   read before the entry changes: a bad mask changes nothing.
 */
#define MICA_UVMF_NONE 0u /* no flush */
#define MICA_UVMF_TLB_FLUSH 1u /* flush whole TLBs */
#define MICA_UVMF_INVLPG 2u /* flush just va */
#define MICA_UVMF_FLUSH_MASK 3u
#define MICA_UVMF_LOCAL (0u << 2) /* this vcpu */
#define MICA_UVMF_MULTI (1u << 2) /* the vcpus in vcpumask */
#define MICA_UVMF_ALL (2u << 2) /* all vcpus of the domain */
#define MICA_UVMF_SCOPE_MASK (3u << 2)

#endif /* MICA_PUBLIC_MMU_H */
