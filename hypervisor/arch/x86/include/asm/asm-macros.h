/* SPDX-License-Identifier: MIT */
/*
 * Assembly macros shared by the entry paths and the boot code.  The GPR
 * order matches struct cpu_regs (asm/regs.h), lowest address last pushed.
 */
#ifndef ASM_ASM_MACROS_H
#define ASM_ASM_MACROS_H

/* Assembly, not C: */
/* clang-format off */
#ifdef __ASSEMBLY__
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

/* Pushes the general registers after rdi (already pushed). */
.macro PUSH_GPRS_AFTER_RDI
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %rax
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

/* Pops all general registers, leaving rsp at the vector. */
.macro POP_GPRS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rax
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
.endm

/* Pops all general registers, then vector and error code, and returns. */
.macro POP_GPRS_AND_IRET
	POP_GPRS
	addq $16, %rsp			/* vector and error code */
	iretq
.endm

/*
 * From 32-bit protected mode with paging off: PAE, the given page tables,
 * long mode and NX, paging on.  Long mode is active after the next far
 * jump to a 64-bit code segment.  Clobbers eax, ecx, edx.
 */
.macro ENTER_LONG_MODE pml4_phys
	movl %cr4, %eax
	orl $(X86_CR4_PAE | X86_CR4_PGE), %eax
	movl %eax, %cr4
	movl $\pml4_phys, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl $(X86_CR0_PG | X86_CR0_WP | X86_CR0_NE | X86_CR0_ET | X86_CR0_PE), %eax
	movl %eax, %cr0
.endm
#endif
/* clang-format on */

#endif
