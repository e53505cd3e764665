/* SPDX-License-Identifier: MIT */
/*
 * Application processor start-up.  The boot CPU copies the real-mode part
 * (section .trampoline) to a page below 1 MiB and sends that page in the
 * SIPI.  The AP switches to protected mode there and jumps into the image
 * (below 4 GiB, identity mapped by the early page tables), where the rest
 * mirrors start32: long mode on the early tables, then the final tables, its
 * own stack and ap_start() in C.
 */
#include <asm/asm-macros.h>
#include <asm/layout.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#define PHYS(sym) ((sym) - HV_IMAGE_BASE)

	.section .trampoline, "ax", @progbits
	.code16
	.globl trampoline_start
trampoline_start:
	cli
	cld
	/* CS = page << 8 and IP = 0, so offsets below are CS-relative. */
	lgdtl %cs:(trampoline_gdtr - trampoline_start)
	movl %cr0, %eax
	orl $X86_CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $HV_CS32, $PHYS(ap_start32)

	.balign 8
trampoline_gdtr:
	.word GDT_RESERVED_BYTE + 8 * 8 - 1
	.long PHYS(boot_gdt) - GDT_RESERVED_BYTE

	.text
	.code32
ap_start32:
	movl $HV_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	ENTER_LONG_MODE PHYS(early_pml4)
	ljmp $HV_CS, $PHYS(ap_start64_low)

	.code64
ap_start64_low:
	movabsq $ap_start64, %rax
	jmp *%rax

ap_start64:
	lgdt boot_gdtr(%rip)
	movl $HV_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movq ap_boot_cr3(%rip), %rax
	movq %rax, %cr3
	movq ap_boot_stack(%rip), %rsp
	pushq $HV_CS
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	xorl %ebp, %ebp
	call ap_start
	ud2

	.data
	.balign 8
	.globl ap_boot_cr3, ap_boot_stack
ap_boot_cr3:
	.quad 0
ap_boot_stack:
	.quad 0
