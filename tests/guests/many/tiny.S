/* SPDX-License-Identifier: MIT */
/*
 * The tiny guest kernel of the 'many' test: position-independent bytes
 * that dom0 copies into a code page of each domain it builds.  They run
 * in the new domain's kernel mode with (set by dom0's vcpu context):
 *   rdi  the domain's event channel port, bound to dom0
 *   rsi  the address of its report page (writable)
 *   rdx  a cookie to write back
 * It writes the cookie, sends one event to dom0, records the send's
 * result, and blocks for good (nobody sends it events; a spurious return
 * is counted and it blocks again).  No stack, no trap table: a fault would
 * crash the domain, which dom0 would see.
 */
#include "tiny.h"

	.section .rodata, "a"
	.globl tiny_guest_start, tiny_guest_end
	.p2align 4
tiny_guest_start:
	mov	%rsi, %rbx
	mov	%rdx, TINY_REPORT_COOKIE(%rbx)
	mov	%edi, TINY_REPORT_SEND(%rbx)
	mov	$TINY_EVTCHNOP_SEND, %edi
	lea	TINY_REPORT_SEND(%rbx), %rsi
	mov	$TINY_HC_EVENT_CHANNEL_OP, %eax
	syscall
	mov	%rax, TINY_REPORT_SEND_RC(%rbx)
1:	mov	$TINY_SCHEDOP_BLOCK, %edi
	xor	%esi, %esi
	mov	$TINY_HC_SCHED_OP, %eax
	syscall
	incq	TINY_REPORT_WAKEUPS(%rbx)
	jmp	1b
tiny_guest_end:
