/* SPDX-License-Identifier: MIT */
/*
 * Entry point of every test guest (MICA_ELFNOTE_ENTRY), and the hypercall
 * page the builder fills (MICA_ELFNOTE_HYPERCALL_PAGE).
 *
 * On entry (public/start_info.h, "Initial vcpu state"): guest kernel mode
 * in ring 3, rsi = virtual address of the start-info page, rsp = top of the
 * builder's boot stack, every other GPR 0, events masked.  We record that
 * state for the start_info test, move to our own stack, clear the bss and
 * call guest_main(start_info), which never returns.
 */
#include "boot.h"
#include "layout.h"

	.section .text.hypercall_page, "ax", @progbits
	.balign 4096
	.globl hypercall_page
	.type hypercall_page, @object
hypercall_page:
	/* int3 everywhere: if the builder did not fill the page, the first
	 * hypercall traps instead of running off into garbage. */
	.fill 4096, 1, 0xcc
	.size hypercall_page, . - hypercall_page

	.section .text.head, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	/* Every register as the builder left it, before any is touched. */
	movq %rax, boot_regs + BOOT_REG_RAX(%rip)
	movq %rbx, boot_regs + BOOT_REG_RBX(%rip)
	movq %rcx, boot_regs + BOOT_REG_RCX(%rip)
	movq %rdx, boot_regs + BOOT_REG_RDX(%rip)
	movq %rsi, boot_regs + BOOT_REG_RSI(%rip)
	movq %rdi, boot_regs + BOOT_REG_RDI(%rip)
	movq %rbp, boot_regs + BOOT_REG_RBP(%rip)
	movq %rsp, boot_regs + BOOT_REG_RSP(%rip)
	movq %r8, boot_regs + BOOT_REG_R8(%rip)
	movq %r9, boot_regs + BOOT_REG_R9(%rip)
	movq %r10, boot_regs + BOOT_REG_R10(%rip)
	movq %r11, boot_regs + BOOT_REG_R11(%rip)
	movq %r12, boot_regs + BOOT_REG_R12(%rip)
	movq %r13, boot_regs + BOOT_REG_R13(%rip)
	movq %r14, boot_regs + BOOT_REG_R14(%rip)
	movq %r15, boot_regs + BOOT_REG_R15(%rip)
	movq %cs, %rax
	movq %rax, boot_regs + BOOT_REG_CS(%rip)
	movq %ss, %rax
	movq %rax, boot_regs + BOOT_REG_SS(%rip)
	movq %ds, %rax
	movq %rax, boot_regs + BOOT_REG_DS(%rip)
	movq %es, %rax
	movq %rax, boot_regs + BOOT_REG_ES(%rip)
	movq %fs, %rax
	movq %rax, boot_regs + BOOT_REG_FS(%rip)
	movq %gs, %rax
	movq %rax, boot_regs + BOOT_REG_GS(%rip)

	/* Our own stack; rflags can only be read through one. */
	leaq boot_stack_top(%rip), %rsp
	pushfq
	popq boot_regs + BOOT_REG_RFLAGS(%rip)

	/* The builder zeroes p_memsz beyond p_filesz like any ELF loader, but
	 * start_info.h does not promise it, so clear the bss ourselves. */
	cld
	leaq __bss_start(%rip), %rdi
	leaq __bss_end(%rip), %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb

	movq boot_regs + BOOT_REG_RSI(%rip), %rdi
	xorl %ebp, %ebp /* ends frame-pointer backtraces */
	call guest_main
	/* guest_main does not return; trap if it ever does. */
1:	ud2
	jmp 1b
	.size _start, . - _start

	/* In .data, not .bss: written before the bss is cleared. */
	.section .data, "aw", @progbits
	.balign 8
	.globl boot_regs
	.type boot_regs, @object
boot_regs:
	.fill BOOT_REGS_SIZE, 1, 0
	.size boot_regs, . - boot_regs

	.section .boot_stack, "aw", @nobits
	.balign 4096
boot_stack:
	.skip GUEST_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
