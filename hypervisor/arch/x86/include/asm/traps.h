/* SPDX-License-Identifier: MIT */
/* Trap dispatch and the crash report. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <asm/regs.h>

/* Interrupt vectors the hypervisor owns. */
#define VECTOR_LAPIC_TIMER 0xf0
#define VECTOR_CALL_FUNCTION 0xf1
#define VECTOR_EVENT_CHECK 0xf2 /* look at pending softirqs */
#define VECTOR_TLB_FLUSH 0xf3 /* asm/flushtlb.h */

/* Pseudo-vectors in the frame of a guest's syscall (pv/entry.S). */
#define VECTOR_SYSCALL 0x100
#define VECTOR_SYSCALL32 0x101
#define VECTOR_SPURIOUS 0xff

typedef void (*irq_handler_t)(struct cpu_regs *regs);

/* Installs the handler for an interrupt vector (>= 32). */
void trap_set_irq_handler(unsigned int vector, irq_handler_t handler);

void do_trap(struct cpu_regs *regs);

/* Prints a backtrace by walking frame pointers from 'rbp'. */
void show_backtrace(uintptr_t rip, uintptr_t rbp);

/*
 * The fatal path: report, stop the other CPUs, exit.  'regs' may be NULL
 * (then the caller's own frame is reported).
 */
void __noreturn fatal_trap(const struct cpu_regs *regs, const char *why);

#endif
