/* SPDX-License-Identifier: MIT */
/* Paravirtualised guests on x86-64: entry, exit, building. */
#ifndef ASM_PV_H
#define ASM_PV_H

#include <mica/domain.h>
#include <asm/processor-flags.h>
#include <asm/regs.h>

/* An exception raised by guest code (the frame's CS has RPL 3). */
void pv_guest_exception(struct cpu_regs *regs);

/*
 * Enters the guest kernel at 'handler' with a bounce frame (pv.h ABI),
 * switching to kernel mode and stack first if the vcpu was in user mode.
 * error_code < 0: the vector has none.  Returns 0, or crashes the domain
 * and returns -EFAULT/-EINVAL if the frame cannot be written.
 */
int pv_bounce(struct cpu_regs *regs, uint64_t handler, bool mask_events,
	      int error_code);

/* Switches the vcpu between guest kernel and user mode (page tables, gs). */
void pv_switch_mode(struct vcpu *v, bool kernel);

void pv_do_iret(struct cpu_regs *regs);
void pv_bounce_syscall(struct cpu_regs *regs);
/* A compat `sysenter` (#GP(0) or #UD) to the sysenter callback: true if so. */
bool pv_bounce_sysenter(struct cpu_regs *regs);
/* Enters the event callback if an upcall is pending and unmasked. */
void pv_deliver_upcall(struct cpu_regs *regs);

/*
 * FPU, debug registers, descriptor tables, emulation (pv/fpu.c,
 * pv/debugreg.c, pv/descriptors.c, pv/emulate.c, pv/cpuid.c).
 */
void pv_fpu_vcpu_init(struct vcpu *v);
void pv_fpu_switch(struct vcpu *prev, struct vcpu *next);
/* Sets or clears v's virtual CR0.TS (v is the running vcpu). */
int pv_fpu_taskswitch(struct vcpu *v, bool set);
/* #NM from v: true if it came from the virtual TS (now cleared). */
bool pv_fpu_device_not_available(struct vcpu *v);
/*
 * A #GP (error code 0) or #UD from guest code: emulates the instruction if
 * the rules allow it (advancing rip) and returns true; false leaves the
 * fault to the guest.
 */
bool pv_emulate(struct cpu_regs *regs);
/* The filtered CPUID view (public/arch-x86/cpuid.h): r = eax..edx. */
void guest_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t sub,
		 uint32_t r[4]);
/* Enables CPUID faulting on this CPU if it has it. */
void cpuid_faulting_cpu_init(void);
extern bool cpuid_faulting;

/* From pv/entry.S: a guest executed SYSCALL.  Handles it, then returns
 * pv_exit_prepare's verdict (IRQs off). */
bool pv_do_syscall(struct cpu_regs *regs);

/*
 * From pv/entry.S, IRQs off: runs softirqs, delivers what is pending, then
 * makes the frame safe to return to.  True if SYSRET may return to it
 * (the frame's rcx and r11 already equal its rip and rflags).
 */
bool pv_exit_prepare(struct cpu_regs *regs);

/*
 * The rflags a guest returns with: IF on, no I/O privilege, no VM.  NT
 * stays as the guest set it (user space may, and expects it back after
 * a system call): it only matters to an IRET executed with it set, and
 * Mica's own code always runs with NT clear (SYSCALL's mask, gates).
 */
static inline uint64_t pv_guest_rflags(uint64_t rflags)
{
	return (rflags & ~(uint64_t)(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) |
	       X86_EFLAGS_IF | X86_EFLAGS_FIXED;
}
/* Back into the current PV vcpu through its frame (pv/entry.S). */
void __noreturn pv_return_to_guest(void);

/* Sets up SYSCALL for this CPU (MSRs, stub page already mapped). */
void pv_cpu_init(void);

/* Fills a guest's hypercall page (a hypervisor mapping of it). */
void pv_write_hypercall_page(void *page);

#endif
