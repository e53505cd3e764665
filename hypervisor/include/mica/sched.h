/* SPDX-License-Identifier: MIT */
/*
 * The credit scheduler.
 *
 * Each CPU has a run queue of vcpus that want it, in two priority bands:
 * UNDER (credit left) before OVER (credit spent), FIFO within a band.  Every
 * accounting period each domain earns CPU time in proportion to its weight
 * (and at most its cap), split among its runnable vcpus; running costs
 * credit.  A CPU whose queue holds nothing UNDER steals queued work from
 * other CPUs; one with nothing at all halts until it is kicked.
 *
 * A vcpu may run when it is up (VCPU_RUNNABLE), not parked by its cap and
 * its domain is not shutting down (vcpu_runnable() in schedule.c is the one
 * place that decides).  Whoever changes one of those conditions calls
 * sched_vcpu_check(), which queues the vcpu or takes it off its CPU.
 *
 * The CPU runs either a vcpu (current_vcpu() != NULL) or its idle loop.
 * Switching happens in the SCHEDULE softirq, on the way back to a guest or
 * in the idle loop; the chosen vcpu's registers are loaded into the CPU's
 * guest frame and the CPU returns to it.
 */
#ifndef MICA_SCHED_H
#define MICA_SCHED_H

#include <mica/domain.h>
#include <asm/current.h>

#define SCHED_SLICE_NS 10000000ULL /* 10 ms */
#define SCHED_CREDIT_PERIOD_NS 30000000ULL /* accounting period: 30 ms */
#define SCHED_DEFAULT_WEIGHT 256
#define SCHED_MAX_WEIGHT 65535

void scheduler_init(void);
/* Sets up this CPU's scheduler state; called by every CPU. */
void scheduler_init_cpu(void);

/* The vcpu running on this CPU; NULL when it idles. */
static inline struct vcpu *current_vcpu(void)
{
	return arch_current_vcpu();
}

/* Puts a new domain under the scheduler (default weight, no cap) / takes
 * it off before it is freed.  No vcpu of it may be queued or running. */
void sched_domain_add(struct domain *d);
void sched_domain_remove(struct domain *d);

/* Starts a down vcpu: VCPU_DOWN -> VCPU_RUNNABLE, queued. */
void vcpu_up(struct vcpu *v);
/* Makes a blocked vcpu runnable again (VCPU_BLOCKED -> VCPU_RUNNABLE). */
void vcpu_wake(struct vcpu *v);
/*
 * Blocking.  vcpu_block: the current vcpu stops being runnable and leaves
 * the CPU on its way back to the guest; the caller then re-checks its wake
 * condition and calls vcpu_unblock on itself if it already holds, so no
 * wake-up is lost.  vcpu_unblock: a blocked vcpu becomes runnable.
 * vcpu_kick: vcpu_unblock, or if v runs on another CPU, interrupt it so it
 * notices a new event at once.
 */
void vcpu_block(void);
void vcpu_unblock(struct vcpu *v);
void vcpu_kick(struct vcpu *v);
/*
 * Takes v down (VCPU_DOWN): off its queue, and off its CPU at that CPU's
 * next schedule (at once if v is current here).  Domain shutdown and
 * MICA_VCPUOP_down use it.
 */
void vcpu_stop(struct vcpu *v);
/* Re-evaluates whether v may run after one of its conditions changed. */
void sched_vcpu_check(struct vcpu *v);
/* True while v's registers are live on some CPU. */
bool vcpu_is_running(const struct vcpu *v);
/* Takes v off its run queue and out of its CPU (paused domain), keeping
 * its state; vcpu_wake() puts it back. */
void vcpu_deschedule(struct vcpu *v);
/* Waits until v is on no CPU (not for the calling vcpu). */
void vcpu_wait_off_cpu(struct vcpu *v);

/* The current vcpu gives up the rest of its slice. */
void sched_yield(void);

/* MICA_SCHEDOP_block for the current vcpu (public/sched.h): clears its
 * upcall mask and blocks unless an upcall is pending.  Also the guest
 * kernel's `hlt` (arch-x86/pv.h).  0, or -EINVAL without a vcpu_info. */
long sched_block_current(void);

/*
 * Credit parameters of a domain (public/domctl.h sched credit): weight
 * 1..SCHED_MAX_WEIGHT, cap in percent of one CPU (0 = none, at most
 * 100 * max_vcpus).  0 or -EINVAL.
 */
int sched_set_credit(struct domain *d, uint32_t weight, uint32_t cap);
void sched_get_credit(const struct domain *d, uint32_t *weight, uint32_t *cap);

/*
 * The physical CPUs v may run on (bit c = CPU c).  -EINVAL if the mask
 * holds no online CPU; v moves at its next schedule if it must.
 */
int sched_set_affinity(struct vcpu *v, uint64_t cpumask);
uint64_t sched_get_affinity(const struct vcpu *v);

/* The idle loop of every CPU; never returns. */
void __noreturn idle_loop(void);

/* Arch hooks. */
void arch_context_switch(struct vcpu *prev, struct vcpu *next);
/* Refreshes the running vcpu's time snapshot (at least every slice). */
void arch_vcpu_update_time(struct vcpu *v);
void __noreturn arch_return_to_guest(void);
void __noreturn arch_reset_stack_and_jump(void (*fn)(void));

#endif
