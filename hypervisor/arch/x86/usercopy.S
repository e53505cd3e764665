/* SPDX-License-Identifier: MIT */
/*
 * raw_copy_guest(dst, src, len): rep movsb that may fault.  A fault on the
 * copy instruction resumes at its fixup (exception table, see extable.c),
 * which returns the number of bytes not copied; 0 means all copied.
 */
	.text
	.globl raw_copy_guest
raw_copy_guest:
	movq %rdx, %rcx
1:	rep movsb
	xorl %eax, %eax
	ret
2:	movq %rcx, %rax
	ret

	.section .extable, "a"
	.balign 8
	.quad 1b, 2b
