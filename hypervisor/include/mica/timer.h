/* SPDX-License-Identifier: MIT */
/*
 * One-shot software timers, per CPU.  A timer runs its function once, from
 * the TIMER softirq on the CPU it was set on, at or after its deadline
 * (system time in ns).  Each CPU keeps its timers sorted by deadline and
 * programs its hardware timer for the earliest.
 */
#ifndef MICA_TIMER_H
#define MICA_TIMER_H

#include <mica/types.h>

struct timer {
	uint64_t expires; /* system time, ns */
	void (*fn)(void *data);
	void *data;
	unsigned int cpu;
	bool active;
	struct timer *next; /* per-CPU list, protected by its lock */
};

void timer_init(struct timer *t, void (*fn)(void *), void *data,
		unsigned int cpu);
/* Arms (or re-arms) t for 'expires' on its CPU. */
void timer_set(struct timer *t, uint64_t expires);
/* Disarms t; afterwards its function does not start (it may be running). */
void timer_stop(struct timer *t);
/*
 * Disarms t for good, before its memory is freed: also waits until its
 * function is not running (which may re-arm it).  Never call it from t's
 * own function.
 */
void timer_kill(struct timer *t);

/* Boot: registers the softirq; the arch hook fires arch_timer_interrupt. */
void timers_init(void);

/* Arch hooks. */
void arch_timer_program(uint64_t deadline_ns); /* 0: no deadline */
/* Called from the hardware timer interrupt. */
void timer_interrupt(void);

#endif
