/* SPDX-License-Identifier: MIT */
/*
 * Exception and interrupt entry.  Every vector has a stub that makes the
 * frame uniform (a zero error code where the CPU pushes none), records the
 * vector and joins common code, which saves the registers as struct cpu_regs
 * and calls do_trap(regs).
 */
#include <asm/asm-macros.h>
#include <asm/asm-offsets.h>

/* Vectors whose exceptions push an error code. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || \
			   (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if HAS_ERROR_CODE(vec)
	pushq $vec
	.else
	pushq $0			/* error code slot */
	pushq $vec
	.endif
	jmp trap_common
	.set vec, vec + 1
	.endr

	.section .text.hot, "ax"		/* mica/compiler.h __hot_path */
trap_common:
	cld
	pushq %rdi
	PUSH_GPRS_AFTER_RDI
	movq %rsp, %rdi
	/*
	 * Link a frame-pointer record to the interrupted code so that
	 * backtraces continue through the trap.
	 */
	pushq REGS_rip(%rsp)
	pushq %rbp
	movq %rsp, %rbp
	call do_trap
	addq $16, %rsp
	/* Traps from a guest leave through the guest exit path. */
	testb $3, REGS_cs(%rsp)
	jnz pv_return_to_guest
	POP_GPRS_AND_IRET
