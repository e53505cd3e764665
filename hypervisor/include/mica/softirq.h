/* SPDX-License-Identifier: MIT */
/*
 * Softirqs: deferred per-CPU work, run with interrupts enabled on the way
 * back to a guest and in the idle loop, never in interrupt context.
 * Interrupt handlers only raise them.
 */
#ifndef MICA_SOFTIRQ_H
#define MICA_SOFTIRQ_H

#include <mica/types.h>
#include <asm/smp.h>

enum softirq {
	SOFTIRQ_TIMER, /* run expired timers */
	SOFTIRQ_SCHEDULE, /* pick the next vcpu */
	NR_SOFTIRQS,
};

typedef void (*softirq_handler_t)(void);

void softirq_register(enum softirq nr, softirq_handler_t handler);
void softirq_raise(enum softirq nr); /* on this CPU */
void softirq_raise_on(unsigned int cpu, enum softirq nr); /* and kick it */
/* Any softirq raised on this CPU?  Inline: every guest exit asks. */
static inline bool softirq_pending(void)
{
	return __atomic_load_n(&this_cpu()->softirq_pending,
			       __ATOMIC_SEQ_CST) != 0;
}

/* Runs pending softirqs of this CPU until none is left.  IRQs enabled. */
void softirq_run(void);

#endif
