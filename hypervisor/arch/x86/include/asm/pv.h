/* SPDX-License-Identifier: MIT */
/* Paravirtualised guests on x86-64: entry, exit, building. */
#ifndef ASM_PV_H
#define ASM_PV_H

#include <mica/domain.h>
#include <asm/regs.h>

/* An exception raised by guest code (the frame's CS has RPL 3). */
void pv_guest_exception(struct cpu_regs *regs);

/* From pv/entry.S: a guest executed SYSCALL. */
void pv_do_syscall(struct cpu_regs *regs);

/* From pv/entry.S, IRQs off: run softirqs, then check the frame. */
void pv_exit_prepare(struct cpu_regs *regs);

/* Sets up SYSCALL for this CPU (MSRs, stub page already mapped). */
void pv_cpu_init(void);

/* Fills a guest's hypercall page (a hypervisor mapping of it). */
void pv_write_hypercall_page(void *page);

/*
 * Builds and starts the initial domain from the boot modules: module 0 is
 * the kernel, module 1 (optional) its initrd.  Returns 0 or a negative
 * errno after printing why.
 */
int pv_build_dom0(void);

#endif
