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
#include <asm/hvm.h> /* HVM_GPR_*: HVM_GPRS_LOAD, HVM_GPRS_SAVE */
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

/* The frame of the HVM entry functions (vmx_enter, svm_vmrun): rbp and
 * the callee-saved registers, which hold the guest's values in between. */
.macro HVM_PUSH_CALLEE_SAVED
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro HVM_POP_CALLEE_SAVED
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
.endm

/*
 * An HVM guest's general registers (struct hvm_gprs at rdi, asm/hvm.h;
 * rax and rsp travel as each back end needs).  HVM_GPRS_LOAD loads them,
 * rdi last; HVM_GPRS_SAVE stores them after an exit, with the guest's rdi
 * taken from the top of the stack.
 */
.macro HVM_GPRS_LOAD
	movq HVM_GPR_rbx(%rdi), %rbx
	movq HVM_GPR_rcx(%rdi), %rcx
	movq HVM_GPR_rdx(%rdi), %rdx
	movq HVM_GPR_rsi(%rdi), %rsi
	movq HVM_GPR_rbp(%rdi), %rbp
	movq HVM_GPR_r8(%rdi), %r8
	movq HVM_GPR_r9(%rdi), %r9
	movq HVM_GPR_r10(%rdi), %r10
	movq HVM_GPR_r11(%rdi), %r11
	movq HVM_GPR_r12(%rdi), %r12
	movq HVM_GPR_r13(%rdi), %r13
	movq HVM_GPR_r14(%rdi), %r14
	movq HVM_GPR_r15(%rdi), %r15
	movq HVM_GPR_rdi(%rdi), %rdi
.endm

.macro HVM_GPRS_SAVE
	movq %rbx, HVM_GPR_rbx(%rdi)
	movq %rcx, HVM_GPR_rcx(%rdi)
	movq %rdx, HVM_GPR_rdx(%rdi)
	movq %rsi, HVM_GPR_rsi(%rdi)
	movq %rbp, HVM_GPR_rbp(%rdi)
	movq %r8, HVM_GPR_r8(%rdi)
	movq %r9, HVM_GPR_r9(%rdi)
	movq %r10, HVM_GPR_r10(%rdi)
	movq %r11, HVM_GPR_r11(%rdi)
	movq %r12, HVM_GPR_r12(%rdi)
	movq %r13, HVM_GPR_r13(%rdi)
	movq %r14, HVM_GPR_r14(%rdi)
	movq %r15, HVM_GPR_r15(%rdi)
	popq HVM_GPR_rdi(%rdi)
.endm

/* Clears the caller-saved registers that are not return values (guest
 * values must not leak into C code). */
.macro SCRUB_SCRATCH_GPRS
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
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
