/* SPDX-License-Identifier: MIT */
/*
 * vmx_enter(regs, launched, host_gdtr): one trip into a VMX guest.
 *
 * Entered with interrupts off and the vcpu's VMCS current.  The host
 * stack pointer is written into the VMCS here (HOST_RSP), after the
 * callee-saved registers are pushed; HOST_RIP is vmx_exit.  General
 * registers go to and from struct hvm_gprs (asm/hvm.h); rsp, rip and
 * rflags travel in the VMCS.  A VM exit loads the rest of the host state
 * from the VMCS before anything can interrupt (RFLAGS.IF is clear after
 * it), but leaves the GDT limit at 0xffff: it is reloaded here from
 * host_gdtr, so no selector beyond Mica's GDT can ever be loaded.
 * Returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed (the VMCS's
 * instruction error says why), with interrupts still off.
 */
#include <asm/asm-macros.h>
#include <asm/hvm.h>
#include "vmcs.h"

	.text
	.globl vmx_enter
vmx_enter:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdx			/* host GDTR */
	pushq %rdi			/* regs */
	movl $HOST_RSP, %eax
	vmwrite %rsp, %rax
	testb %sil, %sil		/* launched?  movs keep the flags */
	movq HVM_GPR_rax(%rdi), %rax
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
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* The entry failed: the registers hold guest values. */
	popq %rdi
	popq %rdx
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	movl $1, %eax
	jmp 3f

	.globl vmx_exit
vmx_exit:
	/* VM exit: rsp is HOST_RSP, pointing at the regs pointer. */
	pushq %rdi
	movq 8(%rsp), %rdi		/* regs */
	movq %rax, HVM_GPR_rax(%rdi)
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
	popq %rdi
	popq %rax			/* host GDTR */
	lgdt (%rax)
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	xorl %eax, %eax
3:	/* Scrub the guest's values from the scratch registers. */
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	ret
