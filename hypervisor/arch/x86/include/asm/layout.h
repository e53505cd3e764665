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
 *   slot 259  0xffff818000000000  per-CPU GDT/LDT windows (asm/pv_desc.h)
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
#define HV_DESC_WINDOWS_BASE 0xffff818000000000 /* slot 259, asm/pv_desc.h */
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
 *   page  0       syscall entry stubs (read-only, executable): they reach
 *                 this CPU's stack and cpu_info RIP-relatively, so every
 *                 CPU runs its own copy without any per-CPU register
 *   page  1       debug-exception stack (IST4): a #DB held back by MOV SS
 *                 arrives on the first instruction of the syscall stub,
 *                 still on the guest's rsp (CVE-2018-8897); an overflow
 *                 runs into page 0, which is read-only
 *   page  2       NMI stack (IST1)
 *   page  3       guard
 *   page  4       double-fault stack (IST2)
 *   page  5       guard
 *   page  6       machine-check stack (IST3)
 *   page  7       guard
 *   pages 8..15   primary stack, struct cpu_info in its top bytes
 */
#define STACK_ORDER 4
#define STACK_PAGES (1 << STACK_ORDER)
#define STACK_SIZE (PAGE_SIZE << STACK_ORDER)
#define STACK_PAGE_STUBS 0
#define STACK_PAGE_DB 1
#define STACK_PAGE_NMI 2
#define STACK_PAGE_DF 4
#define STACK_PAGE_MC 6
#define STACK_PAGE_PRIMARY 8

/* Bytes kept for struct cpu_info at the top of the boot stack block. */
#define BOOT_CPU_INFO_RESERVE 1024

#define IST_NMI 1
#define IST_DF 2
#define IST_MC 3
#define IST_DB 4

/*
 * GDT.  Entries below 0xe000 belong to PV guests (public arch-x86/layout.h);
 * Mica's own descriptors fill the reserved entries from 0xe000.  The GDTR
 * base is therefore 0xe000 bytes below the array of reserved entries.
 *
 *   0xe010  ring-3 32-bit code   (guest, = MICA_FLAT_RING3_CS32 & ~3)
 *   0xe018  ring-3 data          (guest, = MICA_FLAT_RING3_DS & ~3)
 *   0xe020  ring-3 64-bit code   (guest, = MICA_FLAT_RING3_CS64 & ~3)
 *   0xe028  hypervisor 64-bit code  } SYSCALL loads CS from STAR[47:32]
 *   0xe030  hypervisor data         } and SS from STAR[47:32] + 8
 *   0xe038  hypervisor 32-bit code (boot and AP start-up)
 *   0xe040  TSS (16 bytes)
 *   0xe050  LDT (16 bytes, a guest's LDT when it has one)
 */
#define GDT_RESERVED_BYTE 0xe000
#define GUEST_CS32 0xe013
#define GUEST_DS 0xe01b
#define GUEST_CS64 0xe023
#define HV_CS 0xe028
#define HV_DS 0xe030
#define HV_CS32 0xe038
#define HV_TSS 0xe040
#define HV_LDT 0xe050
#define GDT_ENTRIES 12 /* reserved entries in use */

#endif
