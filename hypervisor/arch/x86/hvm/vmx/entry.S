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
	HVM_PUSH_CALLEE_SAVED
	pushq %rdx			/* host GDTR */
	pushq %rdi			/* regs */
	movl $HOST_RSP, %eax
	vmwrite %rsp, %rax
	testb %sil, %sil		/* launched?  movs keep the flags */
	movq HVM_GPR_rax(%rdi), %rax
	HVM_GPRS_LOAD
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* The entry failed: the registers hold guest values. */
	popq %rdi
	popq %rdx
	HVM_POP_CALLEE_SAVED
	movl $1, %eax
	jmp 3f

	.globl vmx_exit
vmx_exit:
	/* VM exit: rsp is HOST_RSP, pointing at the regs pointer. */
	pushq %rdi
	movq 8(%rsp), %rdi		/* regs */
	movq %rax, HVM_GPR_rax(%rdi)
	HVM_GPRS_SAVE
	popq %rdi
	popq %rax			/* host GDTR */
	lgdt (%rax)
	HVM_POP_CALLEE_SAVED
	xorl %eax, %eax
3:	/* Scrub the guest's values from the scratch registers. */
	SCRUB_SCRATCH_GPRS
	ret
