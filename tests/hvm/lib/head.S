/* SPDX-License-Identifier: MIT */
/*
 * Entry of the HVM test guests (public/hvm/hvm.h "Boot state"): 16-bit
 * real mode at _start (linked below 64 KiB, so cs = ds = 0 reach it),
 * then 32-bit protected mode, then long mode on identity page tables that
 * map the first 4 GiB with 2 MiB pages, then hvm_main(magic, start info).
 * RAM comes zeroed from the hypervisor, so bss needs no clearing (and the
 * page tables in it are written before paging is on).
 */
#define CR0_PE 0x1
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define SEL_CODE32 0x08
#define SEL_DATA 0x10
#define SEL_CODE64 0x18

	.section .text.entry, "ax"
	.code16
	.globl _start
_start:
	cli
	movl %eax, %edi			/* MICA_HVM_START_MAGIC */
	movl %ebx, %esi			/* start info */
	lgdtl gdt_desc
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $SEL_CODE32, $start32

	.code32
start32:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	/* pml4[0] -> pdpt; pdpt[0..3] -> pd 0..3; pd entries 2 MiB each. */
	movl $boot_pdpt + 3, boot_pml4
	movl $boot_pd + 3, %eax
	xorl %ecx, %ecx
1:	movl %eax, boot_pdpt(, %ecx, 8)
	addl $4096, %eax
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax			/* present, writable, 2 MiB */
	movl %eax, boot_pd(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx		/* an intercepted MSR: Mica emulates it */
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0
	ljmp $SEL_CODE64, $start64

	.code64
start64:
	cmpl $0x4d696361, %edi		/* MICA_HVM_START_MAGIC: the BSP */
	jne ap_start64
	leaq stack_top(%rip), %rsp
	xorl %ebp, %ebp
	call hvm_main			/* (edi: magic, esi: start info) */
	ud2

/* An application processor started by INIT-SIPI-SIPI with vector 0x08
 * (cs 0x800, ip 0: _start again, eax 0): its stack is ap_stack_top,
 * set by the vcpu that started it. */
ap_start64:
	movq ap_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	call hvm_ap_main
	ud2

	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

/*
 * Exceptions: a stub per vector makes the frame uniform (vector, error
 * code, then the CPU's frame).  With fault_resume set, the fault is
 * recorded and execution continues there (the probes of hvm.h);
 * otherwise hvm_exception() reports it and ends the test.
 */
	.text
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17)
	.globl exception_stubs
	.balign 16
exception_stubs:
	.set vec, 0
	.rept 32
	.balign 16
	.if HAS_ERROR_CODE(vec)
	pushq $vec
	.else
	pushq $0
	pushq $vec
	.endif
	jmp exception_common
	.set vec, vec + 1
	.endr

exception_common:
	pushq %rax
	movq 8(%rsp), %rax
	movq %rax, fault_vector(%rip)
	movq 16(%rsp), %rax
	movq %rax, fault_error(%rip)
	movq fault_resume(%rip), %rax
	testq %rax, %rax
	jz 1f
	movq %rax, 24(%rsp)		/* resume there */
	movq $0, fault_resume(%rip)
	popq %rax
	addq $16, %rsp
	iretq
1:	movq 8(%rsp), %rdi		/* vector */
	movq 16(%rsp), %rsi		/* error code */
	movq 24(%rsp), %rdx		/* rip */
	andq $~15, %rsp
	call hvm_exception		/* never returns */
	ud2

/*
 * Interrupts: vectors 32-255 push their number and call hvm_irq(vector)
 * with the caller-saved registers preserved.
 */
	.globl irq_stubs
	.balign 16
irq_stubs:
	.set vec, 32
	.rept 224
	.balign 16
	pushq $vec
	jmp irq_common
	.set vec, vec + 1
	.endr

irq_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rbx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq 80(%rsp), %rdi		/* vector */
	movq %rsp, %rbx
	andq $~15, %rsp
	call hvm_irq
	movq %rbx, %rsp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rbx
	popq %rdx
	popq %rcx
	popq %rax
	addq $8, %rsp
	iretq

	.bss
	.balign 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.globl hypercall_page
hypercall_page:
	.skip 4096
	.balign 16
	.skip 16384
stack_top:
