/* SPDX-License-Identifier: MIT */
/*
 * Boot entry: multiboot v1 (QEMU -kernel) and multiboot2 (GRUB) headers, the
 * 32-bit entry point, and the switch to long mode on early page tables that
 * map the first 4 GiB at 0 (identity), at HV_IMAGE_BASE and at
 * HV_DIRECTMAP_BASE with 2 MiB pages.  C code (boot_start) builds the real
 * page tables.
 */
#include <asm/asm-macros.h>
#include <asm/layout.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#define PHYS(sym) ((sym) - HV_IMAGE_BASE)

#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS 0x00010003 /* page-align modules, memory map, addresses */
#define MB2_MAGIC 0xe85250d6

	.section .text.head, "ax", @progbits
	.code32

	/* Multiboot v1 header, with the a.out kludge so that a 64-bit ELF loads. */
	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long PHYS(mb1_header)		/* header_addr */
	.long PHYS(__image_start)	/* load_addr */
	.long PHYS(__data_end)		/* load_end_addr */
	.long PHYS(__bss_end)		/* bss_end_addr */
	.long PHYS(start32)		/* entry_addr */

	/* Multiboot2 header: GRUB on real machines. */
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0				/* architecture: i386 */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	/* Information request: cmdline, modules, mmap, ACPI old and new RSDP. */
	.balign 8
	.short 1, 0
	.long 8 + 4 * 5
	.long 1, 3, 6, 14, 15
	/* Address tag: load as a flat image, like the v1 a.out kludge. */
	.balign 8
	.short 2, 0
	.long 24
	.long PHYS(mb2_header)
	.long PHYS(__image_start)
	.long PHYS(__data_end)
	.long PHYS(__bss_end)
	/* Entry address tag. */
	.balign 8
	.short 3, 0
	.long 12
	.long PHYS(start32)
	/* Page-align modules. */
	.balign 8
	.short 6, 0
	.long 8
	/* End tag. */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

/*
 * 32-bit entry, from either loader: protected mode, paging off, eax holds the
 * loader's magic and ebx the physical address of its information structure.
 */
	.globl start32
start32:
	cli
	cld
	movl $PHYS(boot_stack_area + STACK_SIZE), %esp
	movl %eax, PHYS(boot_magic)
	movl %ebx, PHYS(boot_info_phys)

	/* Long mode and NX are required; say so on the serial port if absent. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx			/* LM */
	jnc no_long_mode
	btl $20, %edx			/* NX */
	jnc no_long_mode

	/* PAE on, early page tables in, long mode and NX enabled, paging on. */
	ENTER_LONG_MODE PHYS(early_pml4)

	lgdt PHYS(boot_gdtr32)
	ljmp $HV_CS, $PHYS(start64_low)

no_long_mode:
	movl $PHYS(msg_no_long_mode), %esi
	movw $0x3f8, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	hlt
	jmp 2b

	.code64
start64_low:
	/* Still running at the physical address: jump to the image mapping. */
	movabsq $start64, %rax
	jmp *%rax

	.text
start64:
	lgdt boot_gdtr(%rip)
	movl $HV_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	leaq boot_stack_area + STACK_SIZE(%rip), %rax
	andq $~(STACK_SIZE - 1), %rax
	movq %rax, boot_stack_block(%rip)
	leaq STACK_SIZE - BOOT_CPU_INFO_RESERVE(%rax), %rsp
	/* Reload CS with a far return so that it refers to the high GDT. */
	pushq $HV_CS
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	xorl %ebp, %ebp			/* terminates backtraces */
	movl boot_magic(%rip), %edi
	movl boot_info_phys(%rip), %esi
	call boot_start
	ud2

	.section .rodata
msg_no_long_mode:
	.asciz "Mica: this CPU has no 64-bit long mode or NX; cannot boot.\r\n"

	.data
	.balign 8
	.globl boot_magic, boot_info_phys, boot_stack_block
boot_stack_block:
	.quad 0
boot_magic:
	.long 0
boot_info_phys:
	.long 0

/*
 * The boot GDT: the reserved entries from 0xe000 (see asm/layout.h), used
 * until each CPU loads its own (which adds the TSS).  The GDTR base sits
 * GDT_RESERVED_BYTE below the array, so selector 0xe028 indexes entry 5.
 */
	.balign 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0
	.quad 0x00cffb000000ffff	/* GUEST_CS32: 32-bit code, ring 3 */
	.quad 0x00cff3000000ffff	/* GUEST_DS:   data, ring 3 */
	.quad 0x00affb000000ffff	/* GUEST_CS64: 64-bit code, ring 3 */
	.quad 0x00af9b000000ffff	/* HV_CS:   64-bit code, ring 0 */
	.quad 0x00cf93000000ffff	/* HV_DS:   data, ring 0 */
	.quad 0x00cf9b000000ffff	/* HV_CS32: 32-bit code, ring 0 */
boot_gdt_end:

	.balign 8
	.word 0
	.globl boot_gdtr32
boot_gdtr32:
	.word GDT_RESERVED_BYTE + boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt) - GDT_RESERVED_BYTE
	.word 0
	.globl boot_gdtr
boot_gdtr:
	.word GDT_RESERVED_BYTE + boot_gdt_end - boot_gdt - 1
	.quad boot_gdt - GDT_RESERVED_BYTE

/*
 * Early page tables.  One PDPT with four page directories of 2 MiB pages maps
 * 0..4 GiB; the PML4 points slots 0, HV_SLOT_IMAGE and HV_SLOT_DIRECTMAP at
 * it.  The APs' trampoline uses these tables too, so they stay intact.
 */
	.section .data.page_aligned, "aw", @progbits
	.balign PAGE_SIZE
	.globl early_pml4
early_pml4:
	.quad PHYS(early_pdpt) + 0x3
	.fill HV_SLOT_IMAGE - 1, 8, 0
	.quad PHYS(early_pdpt) + 0x3
	.fill HV_SLOT_DIRECTMAP - HV_SLOT_IMAGE - 1, 8, 0
	.quad PHYS(early_pdpt) + 0x3
	.fill 511 - HV_SLOT_DIRECTMAP, 8, 0

	.balign PAGE_SIZE
early_pdpt:
	.quad PHYS(early_pd) + 0x3
	.quad PHYS(early_pd) + 0x1000 + 0x3
	.quad PHYS(early_pd) + 0x2000 + 0x3
	.quad PHYS(early_pd) + 0x3000 + 0x3
	.fill 508, 8, 0

	.balign PAGE_SIZE
early_pd:
	.set i, 0
	.rept 2048
	.quad (i << 21) | 0x83		/* present, writable, 2 MiB */
	.set i, i + 1
	.endr

/*
 * The boot CPU's first stack block, shaped like every other (struct cpu_info
 * in its top bytes, zeroed: CPU 0) but without guard pages.  The boot CPU
 * moves to a guarded block once the page allocator runs.
 */
	.section .bss.page_aligned, "aw", @nobits
	.balign PAGE_SIZE
boot_stack_area:			/* a STACK_SIZE-aligned block inside */
	.skip 2 * STACK_SIZE
