/* SPDX-License-Identifier: MIT */
/*
 * raw_copy_guest(dst, src, len): rep movsq, then rep movsb for the tail,
 * either of which may fault.  A fault resumes at the instruction's fixup
 * (exception table, see extable.c), which returns the number of bytes not
 * copied; 0 means all copied.  Eight bytes a step: guest frames and
 * hypercall arguments are multiples of eight, and QEMU TCG runs a rep
 * string instruction one step at a time.
 */
	.section .text.hot, "ax"
	.globl raw_copy_guest
raw_copy_guest:
	movq %rdx, %rcx
	shrq $3, %rcx
1:	rep movsq
	movl %edx, %ecx
	andl $7, %ecx
2:	rep movsb
	xorl %eax, %eax
	ret
3:	leaq (,%rcx,8), %rax		/* qwords left, and the tail */
	andl $7, %edx
	addq %rdx, %rax
	ret
4:	movq %rcx, %rax
	ret

	.section .extable, "a"
	.balign 8
	.quad 1b, 3b
	.quad 2b, 4b
