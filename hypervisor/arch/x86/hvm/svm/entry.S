/* SPDX-License-Identifier: MIT */
/*
 * svm_vmrun(regs, vmcb_pa, host_vmcb_pa): one trip into an SVM guest.
 *
 * Entered with interrupts off.  GIF is cleared first, so nothing (not even
 * an NMI) interrupts the switch; IF is set so that a physical interrupt
 * arriving while the guest runs makes it exit (V_INTR_MASKING: the host's
 * IF governs physical interrupts).  VMRUN saves and #VMEXIT restores only
 * part of the host state (rsp, rip, rax, rflags, cr0/3/4, efer, cs/ss/ds/
 * es, gdtr/idtr); the rest (fs, gs, tr, ldtr, kernel_gs_base, star, lstar,
 * cstar, sfmask, sysenter) is swapped with vmload/vmsave: the guest's from
 * its VMCB, the host's from the CPU's host VMCB saved at boot.  The host's
 * TR must be back before GIF is set, or an interrupt would use the guest's
 * TSS.  General registers go to and from struct hvm_gprs (asm/hvm.h); the
 * guest's rax and rsp travel in the VMCB.  Returns with interrupts off,
 * after any interrupt that made the guest exit has been taken.
 */
#include <asm/asm-macros.h>
#include <asm/hvm.h>

	.text
	.globl svm_vmrun
svm_vmrun:
	HVM_PUSH_CALLEE_SAVED
	pushq %rdi			/* regs */
	pushq %rdx			/* host VMCB */
	movq %rsi, %rax			/* guest VMCB */
	clgi
	sti
	vmload %rax
	HVM_GPRS_LOAD
	vmrun %rax
	/* #VMEXIT: rax is the guest VMCB again, rsp ours. */
	pushq %rdi
	movq 16(%rsp), %rdi		/* regs */
	HVM_GPRS_SAVE
	vmsave %rax
	popq %rax			/* host VMCB */
	vmload %rax
	popq %rdi
	HVM_POP_CALLEE_SAVED
	/* Scrub the guest's values from the scratch registers. */
	SCRUB_SCRATCH_GPRS
	stgi				/* a pending interrupt is taken here */
	cli
	ret
