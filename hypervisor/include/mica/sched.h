/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: one run queue per CPU, round robin with a time slice.
 * (Weights and caps come with the credit scheduler.)
 *
 * The CPU runs either a vcpu (current_vcpu() != NULL) or its idle loop.
 * Switching happens in the SCHEDULE softirq, on the way back to a guest or
 * in the idle loop; the chosen vcpu's registers are loaded into the CPU's
 * guest frame and the CPU returns to it.
 */
#ifndef MICA_SCHED_H
#define MICA_SCHED_H

#include <mica/domain.h>

#define SCHED_SLICE_NS 10000000ULL /* 10 ms */

void scheduler_init(void);
/* Sets up this CPU's scheduler state; called by every CPU. */
void scheduler_init_cpu(void);

struct vcpu *current_vcpu(void);

/* Makes v runnable (from down or blocked) and queues it. */
void vcpu_wake(struct vcpu *v);
/* Takes v off the CPUs for good (domain shutdown). */
void vcpu_stop(struct vcpu *v);
/* Takes v off its run queue and out of its CPU (paused domain), keeping
 * its state; vcpu_wake() puts it back. */
void vcpu_deschedule(struct vcpu *v);
/* Waits until v is on no CPU (not for the calling vcpu). */
void vcpu_wait_off_cpu(struct vcpu *v);
/* The current vcpu gives up the rest of its slice. */
void sched_yield(void);

/* The idle loop of every CPU; never returns. */
void __noreturn idle_loop(void);

/* Arch hooks. */
void arch_context_switch(struct vcpu *prev, struct vcpu *next);
/* Refreshes the running vcpu's time snapshot (at least every slice). */
void arch_vcpu_update_time(struct vcpu *v);
void __noreturn arch_return_to_guest(void);
void __noreturn arch_reset_stack_and_jump(void (*fn)(void));

#endif
