/* SPDX-License-Identifier: MIT */
/*
 * arch-x86/layout.h - the x86-64 PV guest's view of the machine: segment
 * selectors, the hypervisor's reserved virtual range, the read-only M2P
 * table, page-table constants, and the x86 parts of the shared-info page.
 *
 * ------------------------------------------------------------------------
 * Privilege model
 * ------------------------------------------------------------------------
 * A 64-bit PV guest runs its kernel AND its user processes in ring 3; the
 * hypervisor alone runs in ring 0.  Kernel and user are separated by page
 * tables, not by ring: every vcpu has a kernel L4 and a user L4
 * (mmu.h: MICA_MMUEXT_NEW_BASEPTR / NEW_USER_BASEPTR), and the hypervisor
 * switches between them when it moves the vcpu between "guest kernel mode"
 * and "guest user mode" (exception/event/syscall delivery, MICA_HC_iret).
 * The user L4 must not map kernel memory; that is the guest's job.
 *
 * In frames the hypervisor pushes for the guest kernel (arch-x86/pv.h), the
 * RPL of the saved cs tells which mode was interrupted: 0 for guest kernel
 * mode, 3 for guest user mode, although the real CPL was 3 in both.  So a
 * Linux port keeps `user_mode(regs) == (regs->cs & 3)`.
 *
 * ------------------------------------------------------------------------
 * Virtual address layout of every PV address space
 * ------------------------------------------------------------------------
 *
 *  0x0000000000000000 +-----------------------------+
 *                     | guest user (lower half)     |
 *  0x00007FFFFFFFFFFF +-----------------------------+
 *                     | non-canonical hole          |
 *  0xFFFF800000000000 +-----------------------------+ MICA_HYPERVISOR_VIRT_START
 *                     | M2P table, read-only to the |   = MICA_M2P_VIRT_START
 *                     | guest (512 GiB, 1 L4 slot)  |
 *  0xFFFF808000000000 +-----------------------------+ MICA_M2P_VIRT_END
 *                     | hypervisor private (7.5 TiB)|
 *                     | never accessible to guests  |
 *  0xFFFF880000000000 +-----------------------------+ MICA_HYPERVISOR_VIRT_END
 *                     | guest kernel (Linux puts    |
 *                     | its direct map at           |
 *                     | 0xFFFF888000000000)         |
 *  0xFFFFFFFFFFFFFFFF +-----------------------------+
 *
 * Notes:
 *  1. The hypervisor range is L4 slots 256..271 (16 slots of 512 GiB).  In
 *     every frame that becomes an L4 page table, the hypervisor owns those
 *     slots: the guest must leave them zero, the hypervisor fills them with
 *     its own entries when it validates the frame, and mmu_update on them
 *     fails with -MICA_EPERM.  Reads of those slots by the guest return the
 *     hypervisor's entries and mean nothing to the guest.
 *  2. The M2P table maps every machine frame to the pfn its owner gave it
 *     (MICA_MMU_MACHPHYS_UPDATE), as uint64_t entries indexed by mfn;
 *     MICA_INVALID_FRAME marks a frame with no pfn.  It is mapped read-only
 *     (and user-accessible, so guest user code could read it; nothing
 *     secret is in it beyond frame numbers of the reader's own pages:
 *     entries of other domains' frames read as MICA_INVALID_FRAME).
 *  3. Entries beyond the highest machine frame may be unmapped; read the
 *     bound with memory.h MICA_MEMOP_machphys_mapping.
 *  4. The layout is the same for dom0 and domUs and does not change across
 *     ABI minor versions; MICA_VERSION_GET_PARAMETERS reports it too.
 */
#ifndef MICA_PUBLIC_ARCH_X86_LAYOUT_H
#define MICA_PUBLIC_ARCH_X86_LAYOUT_H

#include "../mica.h"

#define MICA_HYPERVISOR_VIRT_START 0xFFFF800000000000ULL
#define MICA_HYPERVISOR_VIRT_END 0xFFFF880000000000ULL
#define MICA_M2P_VIRT_START 0xFFFF800000000000ULL
#define MICA_M2P_VIRT_END 0xFFFF808000000000ULL

/* L4 slots owned by the hypervisor in every PV L4 (note 1). */
#define MICA_L4_FIRST_HYPERVISOR_SLOT 256
#define MICA_L4_NR_HYPERVISOR_SLOTS 16

/* Page-table geometry (4-level paging; 5-level is not offered to PV). */
#define MICA_PT_ENTRIES 512
#define MICA_PT_LEVELS 4

/*
 * ------------------------------------------------------------------------
 * Segment selectors
 * ------------------------------------------------------------------------
 * The last two pages of the GDT (entries 7168..8191, byte offset 0xE000 up)
 * belong to the hypervisor on every vcpu.  A guest GDT (MICA_HC_set_gdt)
 * covers at most entries 0..MICA_GDT_FIRST_RESERVED_ENTRY-1.  The hypervisor
 * provides flat ring-3 descriptors there, which both the guest kernel and
 * guest user mode use:
 *
 *   0xE013  MICA_FLAT_RING3_CS32  32-bit code, DPL 3 (compat user mode)
 *   0xE01B  MICA_FLAT_RING3_DS    data, DPL 3 (also used for ss)
 *   0xE023  MICA_FLAT_RING3_CS64  64-bit code, DPL 3
 *
 * The order (cs32, ds, cs64 at consecutive entries) is the one `sysret`
 * requires, so the hypervisor can return to the guest with `sysret`.
 * The guest may also use code/data selectors of its own GDT or LDT, subject
 * to the descriptor rules in arch-x86/pv.h.
 *
 * In frames pushed for the guest kernel, a kernel-mode cs appears with RPL 0
 * (e.g. 0xE020); MICA_HC_iret accepts RPL 0 (return to kernel mode, flat
 * selectors only) or RPL 3 (return to user mode, also on the guest's own
 * GDT/LDT code and stack selectors: pv.h MICA_HC_iret note 5) and always
 * loads the real selector with RPL 3.
 */
#define MICA_GDT_FIRST_RESERVED_ENTRY 7168
#define MICA_GDT_FIRST_RESERVED_BYTE 0xE000
#define MICA_GDT_MAX_GUEST_FRAMES 14

#define MICA_FLAT_RING3_CS32 0xE013
#define MICA_FLAT_RING3_DS 0xE01B
#define MICA_FLAT_RING3_CS64 0xE023

/* Names by use; all are ring 3 on 64-bit PV. */
#define MICA_FLAT_KERNEL_CS MICA_FLAT_RING3_CS64
#define MICA_FLAT_KERNEL_DS MICA_FLAT_RING3_DS
#define MICA_FLAT_KERNEL_SS MICA_FLAT_RING3_DS
#define MICA_FLAT_USER_CS MICA_FLAT_RING3_CS64
#define MICA_FLAT_USER_CS32 MICA_FLAT_RING3_CS32
#define MICA_FLAT_USER_DS MICA_FLAT_RING3_DS
#define MICA_FLAT_USER_SS MICA_FLAT_RING3_DS

/* ------------------------------------------------------------------------
 * x86 parts of the shared-info page (shared_info.h)
 * ------------------------------------------------------------------------
 */

/*
 * Per-vcpu x86 state in struct mica_vcpu_info.
 *   cr2  written by the hypervisor before it delivers a page fault (#PF,
 *        vector 14) to the guest kernel: the faulting linear address.  A PV
 *        guest cannot read the real %cr2; it reads this field instead, and
 *        must read it before re-enabling events (a nested fault overwrites
 *        it).
 */
struct mica_arch_vcpu_info {
	uint64_t cr2;
	uint64_t pad0;
};
MICA_STATIC_ASSERT(sizeof(struct mica_arch_vcpu_info) == 16,
		   "mica_arch_vcpu_info");

/*
 * Domain-wide x86 state in struct mica_shared_info.  Written by the GUEST,
 * read by the toolstack (save/restore, migration, crash dumps) to find the
 * guest's pfn->mfn list without the guest's help.
 *   max_pfn          one more than the highest pfn in the guest's p2m list.
 *   p2m_frame_list_list
 *                    mfn of a page of uint64_t mfns, each naming a page of
 *                    uint64_t mfns of the pages holding the p2m list itself
 *                    (a three-level tree: 512 * 512 * 512 pfns).
 *   p2m_cr3, p2m_vaddr, p2m_generation
 *                    alternative for guests that map the p2m list virtually
 *                    and grow it: the L4 mfn (shifted left by 12) and virtual
 *                    address of the linear list, and a counter the guest
 *                    increments (odd while changing, even when stable) around
 *                    every change of the list's mapping.  p2m_cr3 == 0 means
 *                    "use p2m_frame_list_list".
 *   nmi_reason       written by the hypervisor for dom0: bit 0 = parity
 *                    error, bit 1 = I/O check error (the NMI sources of
 *                    port 0x61), read after the NMI callback runs.
 */
struct mica_arch_shared_info {
	uint64_t max_pfn;
	uint64_t p2m_frame_list_list;
	uint64_t p2m_cr3;
	uint64_t p2m_vaddr;
	uint64_t p2m_generation;
	uint64_t nmi_reason;
	uint64_t pad0[2];
};
MICA_STATIC_ASSERT(sizeof(struct mica_arch_shared_info) == 64,
		   "mica_arch_shared_info");

#define MICA_NMI_REASON_PARITY (1u << 0)
#define MICA_NMI_REASON_IOCHK (1u << 1)

#endif /* MICA_PUBLIC_ARCH_X86_LAYOUT_H */
