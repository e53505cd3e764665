/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's virtual address layout on x86-64.
 *
 * Mica shares every PV guest's address space, so it lives entirely inside the
 * 16 PML4 slots 256..271 (0xffff800000000000 - 0xffff87ffffffffff) that the
 * public ABI reserves for the hypervisor.  Guest kernels (Linux at -2 GiB,
 * its direct map at 0xffff888000000000) own everything else.  Because the
 * image is not in the top 2 GiB, hypervisor C code is compiled position
 * independent (-fpie, hidden visibility) and linked at the address below.
 *
 *   slot 256  0xffff800000000000  read-only machine-to-physical table (guests)
 *   slot 257  0xffff808000000000  hypervisor image: phys P at base + P
 *   slot 258  0xffff810000000000  per-CPU stacks (with unmapped guard pages)
 *   slot 260  0xffff820000000000  MMIO mappings (LAPIC, HPET, ...)
 *   262..271  0xffff830000000000  direct map of all machine memory (5 TiB)
 *
 * Assembly includes this file, so it holds only macros.
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

#ifdef __ASSEMBLY__
#define _UL(x) x
#else
#define _UL(x) x##UL
#endif

#define HV_IMAGE_BASE 0xffff808000000000
#define HV_LOAD_PHYS 0x200000 /* where the image is loaded, 2 MiB */
#define HV_STACKS_BASE 0xffff810000000000
#define HV_MMIO_BASE 0xffff820000000000
#define HV_MMIO_END 0xffff828000000000
#define HV_DIRECTMAP_BASE 0xffff830000000000
#define HV_DIRECTMAP_SIZE 0x0000050000000000

#define HV_SLOT_FIRST 256
#define HV_SLOT_LAST 271
#define HV_SLOT_IMAGE 257
#define HV_SLOT_DIRECTMAP 262

#define PAGE_SHIFT 12
#define PAGE_SIZE _UL(0x1000)
#define PAGE_MASK (~(PAGE_SIZE - 1))

/*
 * Per-CPU stack block, STACK_SIZE bytes and STACK_SIZE aligned, so any stack
 * pointer in it finds struct cpu_info at the top:
 *
 *   page  0       guard (unmapped)
 *   page  1       NMI stack (IST1)
 *   page  2       guard
 *   page  3       double-fault stack (IST2)
 *   page  4       guard
 *   page  5       machine-check stack (IST3)
 *   page  6       guard
 *   pages 7..15   primary stack, struct cpu_info in its top bytes
 */
#define STACK_ORDER 4
#define STACK_PAGES (1 << STACK_ORDER)
#define STACK_SIZE (PAGE_SIZE << STACK_ORDER)
#define STACK_PAGE_NMI 1
#define STACK_PAGE_DF 3
#define STACK_PAGE_MC 5
#define STACK_PAGE_PRIMARY 7

/* Bytes kept for struct cpu_info at the top of the boot stack block. */
#define BOOT_CPU_INFO_RESERVE 1024

#define IST_NMI 1
#define IST_DF 2
#define IST_MC 3

/* GDT selectors for the hypervisor (ring 0). */
#define HV_CS32 0x08
#define HV_CS 0x10
#define HV_DS 0x18
#define HV_TSS 0x40 /* 16-byte system descriptor */
#define GDT_ENTRIES 16

#endif
