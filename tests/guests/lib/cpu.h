/* SPDX-License-Identifier: MIT */
/*
 * CPU-interface helpers shared by the CPU tests (descriptors, fpu,
 * debugregs, emulate): a trap table that records every exception and can
 * step over faulting instructions, guest user mode on demand, and small
 * wrappers.
 */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>

#include "public/arch-x86/pv.h"

/* What a handler saw; the frame the stubs build (lowest address first). */
struct cpu_trap_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error_code, rip, cs, rflags, rsp, ss;
};

struct cpu_trap_record {
	uint64_t vector, error_code, rip, cs, rflags;
	uint64_t count; /* traps taken so far */
};
extern volatile struct cpu_trap_record cpu_last_trap;

/* Bytes the handler adds to rip (step over a fault we caused). */
extern volatile uint64_t cpu_trap_skip;
/* Called by the handler, if set, after recording the trap. */
extern void (*volatile cpu_trap_hook)(struct cpu_trap_frame *f);

/*
 * Installs handlers for vectors 0-19 (not 2, 8, 18) at DPL 0, a kernel
 * stack for entries from user mode and the syscall callback user mode
 * uses to come back.  0 or the failing hypercall's error.
 */
long cpu_traps_install(void);

/* Fills a context's trap table (arch-x86/context.h, 256 entries) with the
 * same handlers, so a secondary vcpu records its traps the same way. */
void cpu_traps_fill(struct mica_trap_info *trap_table);

/* Runs fn() in guest user mode (same page tables); fn returns through
 * cpu_user_return(), i.e. a `syscall`. */
void cpu_run_user(void (*fn)(void));
#define cpu_user_return() __asm__ __volatile__("syscall" ::: "memory")

/* Traps seen since 'before' (cpu_last_trap.count). */
#define cpu_traps_since(before) (cpu_last_trap.count - (before))

/* CPUID through the forced-emulation prefix (public/arch-x86/cpuid.h). */
void cpu_cpuid_forced(uint32_t leaf, uint32_t sub, uint32_t r[4]);
/* Plain CPUID. */
void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]);

/* The machine frame behind one of our own (bootstrap-mapped) addresses. */
uint64_t cpu_virt_to_mfn(const void *va);
/* Remaps one of our own pages (4 KiB, page-aligned) read-only or
 * writable: the update_va_mapping result. */
long cpu_remap(void *va, int writable);

#endif
