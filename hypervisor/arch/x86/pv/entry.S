/* SPDX-License-Identifier: MIT */
/*
 * PV guest entry and exit.
 *
 * SYSCALL from a guest lands in this CPU's copy of the stub page (page 0 of
 * its stack block, asm/layout.h).  The stub addresses its own block
 * RIP-relatively: it saves the guest stack pointer in cpu_info, moves to the
 * top of the primary stack and builds the same frame an exception from the
 * guest would (struct cpu_regs), so everything after it is shared.
 * No page-table switch, no segment-base swap: Mica is mapped in every
 * guest's address space and finds its per-CPU data from the stack.
 */
#include <asm/asm-macros.h>
#include <asm/asm-offsets.h>
#include <asm/layout.h>

#define STUB_FRAME_END (STACK_SIZE - CPU_INFO_SIZE)
#define STUB_GUEST_RSP (STUB_FRAME_END + CPU_INFO_guest_rsp)
#define VECTOR_SYSCALL 0x100
#define VECTOR_SYSCALL32 0x101

/* Finds the frame from any stack pointer in the block: leaves it in %rsp. */
.macro load_frame_rsp
	movq %rsp, %rax
	orq $(STACK_SIZE - 1), %rax
	leaq 1 - CPU_INFO_SIZE - REGS_SIZE(%rax), %rsp
.endm

/* The stub page template; copied to offset 0 of every stack block. */
	.section .text.hot, "ax"
	.balign 16
	.globl pv_stub_page_start, pv_stub_page_end
	.globl pv_lstar_stub, pv_cstar_stub
pv_stub_page_start:
pv_lstar_stub:
	movq %rsp, pv_stub_page_start + STUB_GUEST_RSP(%rip)
	leaq pv_stub_page_start + STUB_FRAME_END(%rip), %rsp
	pushq $GUEST_DS				/* ss */
	pushq pv_stub_page_start + STUB_GUEST_RSP(%rip)	/* rsp */
	pushq %r11				/* rflags */
	pushq $GUEST_CS64			/* cs */
	pushq %rcx				/* rip */
	pushq $0				/* error code */
	pushq $VECTOR_SYSCALL
	pushq %rdi
	movabsq $pv_syscall_enter, %rdi
	jmp *%rdi

	.balign 16
pv_cstar_stub:
	movq %rsp, pv_stub_page_start + STUB_GUEST_RSP(%rip)
	leaq pv_stub_page_start + STUB_FRAME_END(%rip), %rsp
	pushq $GUEST_DS
	pushq pv_stub_page_start + STUB_GUEST_RSP(%rip)
	pushq %r11
	pushq $GUEST_CS32
	pushq %rcx
	pushq $0
	pushq $VECTOR_SYSCALL32
	pushq %rdi
	movabsq $pv_syscall_enter, %rdi
	jmp *%rdi
pv_stub_page_end:

/* Completes the frame (rdi is saved) in trap_common's order. */
pv_syscall_enter:
	PUSH_GPRS_AFTER_RDI
	cld
	xorl %ebp, %ebp				/* terminates backtraces */
	movq %rsp, %rdi
	call pv_do_syscall			/* pv_exit_prepare included */
	jmp pv_exit_to_guest

/*
 * Back to the guest whose registers are in this CPU's frame.  Pending
 * softirqs run first (pv_exit_prepare); one of them may switch to another
 * vcpu, which only changes the frame's contents.  SYSRET when the frame's
 * rcx/r11 already hold its rip/rflags (pv_exit_prepare says), else IRETQ.
 * Between the load of the guest rsp and SYSRET, IRQs are off and NMI/#MC
 * run on IST stacks; guest breakpoints cannot cover Mica's addresses.
 */
	.globl pv_return_to_guest
pv_return_to_guest:
	cli
	load_frame_rsp
	movq %rsp, %rdi
	call pv_exit_prepare			/* returns with IRQs off */
pv_exit_to_guest:				/* rsp at the frame */
	testb %al, %al
	jz 1f
	POP_GPRS
	movq REGS_rsp - REGS_vector(%rsp), %rsp
	sysretq
1:	POP_GPRS
	addq $16, %rsp				/* vector and error code */
	/* A fault here (a guest selector that no longer loads, rip beyond
	 * a 32-bit segment): do_trap -> pv_exit_iret_fault. */
	.globl pv_exit_iretq
pv_exit_iretq:
	iretq

/* arch_reset_stack_and_jump(fn): drop all hypervisor context, run fn. */
	.globl arch_reset_stack_and_jump
arch_reset_stack_and_jump:
	load_frame_rsp
	xorl %ebp, %ebp
	jmp *%rdi
