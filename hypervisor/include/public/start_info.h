/* SPDX-License-Identifier: MIT */
/*
 * start_info.h - the start-info page and the initial state of a PV guest.
 *
 * ========================================================================
 * Initial memory layout
 * ========================================================================
 * The builder gives the domain nr_pages frames as pfns 0..nr_pages-1 and
 * maps the first of them contiguously from virt_base (MICA_ELFNOTE_VIRT_BASE):
 * virtual address virt_base + (pfn << 12) maps pfn.  In ascending order,
 * each item starting on a page boundary:
 *
 *   L1. the kernel image, loaded from its ELF segments (the hypercall page
 *       inside it filled);
 *   L2. the module (initial ramdisk), if any: [mod_start, mod_start +
 *       mod_len); skipped if the kernel has MICA_ELFNOTE_MOD_START_PFN (the
 *       module then follows the bootstrap mapping, unmapped, and mod_start
 *       is its first pfn);
 *   L3. the p2m list (mfn_list): nr_pages uint64_t mfns indexed by pfn;
 *       skipped if the kernel has MICA_ELFNOTE_INIT_P2M (the list is then
 *       mapped at that address instead, its frames being pfns first_p2m_pfn
 *       .. first_p2m_pfn + nr_p2m_frames - 1);
 *   L4. this start-info page;
 *   L5. domU only: the store ring page (io/store.h);
 *   L6. domU only: the console ring page (io/console.h);
 *   L7. the initial page tables, nr_pt_frames frames: the L4 (at pt_base),
 *       then the L3, L2 and L1 frames needed to map this whole layout;
 *   L8. the boot stack, MICA_START_STACK_PAGES pages;
 *   L9. at least 512 KiB of free, mapped pages, and then up to the next
 *       pfn that is a multiple of 1024 (a 4 MiB boundary in pfns): room for
 *       the kernel's first allocations.
 * The items are contiguous, in this order.
 * The mapping covers exactly L1..L9.  Pfns beyond it are populated but
 * unmapped; the guest maps them through its own page tables.
 *
 * Mapping attributes: the page-table frames (L7) are mapped read-only (mmu.h
 * T1) and the L4 is pinned and installed as the kernel base pointer; there
 * is no user base pointer.  Everything else is mapped writable and
 * executable, whatever the ELF segment flags say: the guest applies its own
 * permissions once it runs.  Every frame the domain is given is zeroed
 * except for what the builder writes into it (so the kernel's bss is
 * zero).  The
 * shared-info page is not mapped: the guest maps shared_info_mfn itself.
 * The M2P holds pfn for every frame given (M2P[mfn_list[pfn]] == pfn).
 *
 * ========================================================================
 * Initial vcpu state
 * ========================================================================
 *   rip = MICA_ELFNOTE_ENTRY; rsp = the top of the boot stack (L8);
 *   rsi = virtual address of this page; every other GPR 0;
 *   cs = MICA_FLAT_KERNEL_CS; ss, ds, es = MICA_FLAT_KERNEL_DS; fs, gs = 0,
 *   all segment bases 0; rflags: only the reserved bit 1 set (a `pushf`
 *   also shows IF = 1: the real IF is always on for guest code; the virtual
 *   IF is evtchn_upcall_mask);
 *   guest kernel mode; events masked (vcpu_info.evtchn_upcall_mask = 1);
 *   no trap table, no callbacks, no timers, FPU in its initial state.
 * Only vcpu 0 exists in a running state; the others are down and not
 * initialised (vcpu.h MICA_VCPUOP_initialise).
 *
 * dom0 differs: flags has MICA_START_INFO_PRIVILEGED and
 * MICA_START_INFO_INITDOMAIN; it has no store or console ring (store_mfn,
 * console_mfn and the event channels are 0): its console is the
 * hypervisor's (console.h), and it starts the store itself.
 */
#ifndef MICA_PUBLIC_START_INFO_H
#define MICA_PUBLIC_START_INFO_H

#include "mica.h"

/* Starts every start-info page: "mica-<major>.<minor>-<arch>".  Guests check
 * the "mica-1." prefix (same major). */
#define MICA_START_INFO_MAGIC "mica-1.0-x86_64"

#define MICA_START_STACK_PAGES 4

/* flags (append-only). */
#define MICA_START_INFO_PRIVILEGED (1u << 0) /* may use domctl/sysctl */
#define MICA_START_INFO_INITDOMAIN (1u << 1) /* the initial domain (dom0) */
#define MICA_START_INFO_MOD_START_PFN (1u << 2) /* mod_start is a pfn */

#define MICA_START_INFO_CMDLINE_SIZE 1024

struct mica_start_info {
	char magic[32]; /* MICA_START_INFO_MAGIC, NUL-padded */
	uint64_t nr_pages; /* pfns 0..nr_pages-1 are populated */
	uint64_t shared_info_mfn; /* shared_info.h page */
	uint32_t flags; /* MICA_START_INFO_* */
	uint32_t store_evtchn; /* domU: store port (io/store.h) */
	uint64_t store_mfn; /* domU: store ring page */
	uint64_t console_mfn; /* domU: console ring page */
	uint32_t console_evtchn; /* domU: console port */
	uint32_t pad0;
	uint64_t pt_base; /* va of the initial L4 */
	uint64_t nr_pt_frames; /* frames of initial page tables (L7) */
	uint64_t mfn_list; /* va of the p2m list (L3) */
	uint64_t mod_start; /* va (or pfn) of the module, 0 if none */
	uint64_t mod_len; /* bytes */
	uint64_t first_p2m_pfn; /* with MICA_ELFNOTE_INIT_P2M, else 0 */
	uint64_t nr_p2m_frames; /* with MICA_ELFNOTE_INIT_P2M, else 0 */
	uint64_t reserved[15]; /* zero */
	/* NUL-terminated.  For a kernel loaded from a boot module: the
	 * module's command line without its first word (the file name). */
	char cmdline[MICA_START_INFO_CMDLINE_SIZE];
};
MICA_STATIC_ASSERT(sizeof(struct mica_start_info) == 1280, "mica_start_info");
MICA_STATIC_ASSERT(offsetof(struct mica_start_info, nr_pages) == 32,
		   "start_info nr_pages offset");
MICA_STATIC_ASSERT(offsetof(struct mica_start_info, cmdline) == 256,
		   "start_info cmdline offset");

#endif /* MICA_PUBLIC_START_INFO_H */
