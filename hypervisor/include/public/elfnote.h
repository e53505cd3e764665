/* SPDX-License-Identifier: MIT */
/*
 * elfnote.h - ELF notes a PV guest kernel carries to tell the domain builder
 * (in the hypervisor for dom0, in the toolstack for domUs) how to load and
 * start it.
 *
 * Each note is an ordinary ELF note (in a PT_NOTE segment or SHT_NOTE
 * section, entries 4-byte aligned as in ELF32 and as Linux emits them)
 * with name "Mica" (namesz 5, including the NUL) and one of the
 * types below.  Descriptors:
 *   (u64)     an 8-byte little-endian integer; a 4-byte one is accepted
 *             and zero-extended;
 *   (u32)     a 4-byte little-endian integer;
 *   (string)  NUL-terminated text.
 * Notes with other names are ignored; an unknown "Mica" note type is
 * ignored too (append-only: later loaders understand more).  A kernel
 * without MICA_ELFNOTE_ENTRY and MICA_ELFNOTE_HYPERCALL_PAGE, or whose
 * MICA_ELFNOTE_ARCH does not match, is refused.
 */
#ifndef MICA_PUBLIC_ELFNOTE_H
#define MICA_PUBLIC_ELFNOTE_H

#define MICA_ELFNOTE_NAME "Mica"

/* (u64) Virtual address of the kernel entry point. */
#define MICA_ELFNOTE_ENTRY 1
/* (u64) Virtual address of a page-aligned page of the kernel image that the
 * builder fills with the hypercall stubs (mica.h) before entry. */
#define MICA_ELFNOTE_HYPERCALL_PAGE 2
/* (u64) Virtual address at which pfn 0 is mapped (start_info.h layout). */
#define MICA_ELFNOTE_VIRT_BASE 3
/* (u64) virt_base minus the physical address in the ELF program headers:
 * segment p is loaded at pfn (p_paddr + this - virt_base) >> 12.
 * Default: virt_base (p_paddr are then offsets from pfn 0).
 * With MICA_ELFNOTE_VIRT_BASE, a segment whose p_vaddr is not
 * virt_base + (that pfn << 12) + page offset (Linux's per-cpu section, linked
 * at 0) is still loaded at that pfn (within the first GiB) and is reached
 * through the linear map like the others. */
#define MICA_ELFNOTE_PADDR_OFFSET 4
/* (u32) The MICA_ABI_VERSION the kernel was built against.  The builder
 * refuses a kernel whose major version differs from its own. */
#define MICA_ELFNOTE_ABI_VERSION 5
/* (string) Guest OS name, e.g. "linux"; informational. */
#define MICA_ELFNOTE_GUEST_OS 6
/* (string) Guest OS version, e.g. "6.6.0"; informational. */
#define MICA_ELFNOTE_GUEST_VERSION 7
/* (string) Loader protocol; only "generic" is defined. */
#define MICA_ELFNOTE_LOADER 8
/* (u32) MICA_FEAT_* bits of feature word 0 (version.h) the kernel can use. */
#define MICA_ELFNOTE_FEATURES_SUPPORTED 9
/* (u32) MICA_FEAT_* bits the kernel cannot run without; the builder refuses
 * the kernel if the hypervisor lacks one. */
#define MICA_ELFNOTE_FEATURES_REQUIRED 10
/* (string) "x86_64": the only architecture of ABI 1.0. */
#define MICA_ELFNOTE_ARCH 11
/* (u64) Virtual address where the builder maps the p2m list instead of
 * after the modules (start_info.h, note L3), for kernels whose p2m list
 * must live outside the bootstrap mapping (large domains). */
#define MICA_ELFNOTE_INIT_P2M 12
/* (u32, non-zero) The kernel handles a cancelled suspend (sched.h
 * MICA_SCHEDOP_shutdown returning 1). */
#define MICA_ELFNOTE_SUSPEND_CANCEL 13
/* (u32, non-zero) The kernel wants start_info.mod_start as a pfn, and the
 * module not mapped (MICA_START_INFO_MOD_START_PFN). */
#define MICA_ELFNOTE_MOD_START_PFN 14

#endif /* MICA_PUBLIC_ELFNOTE_H */
