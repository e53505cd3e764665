/* SPDX-License-Identifier: MIT */
/* Per-CPU one-shot timers; see mica/timer.h. */
#include <mica/lib.h>
#include <mica/softirq.h>
#include <mica/spinlock.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <asm/cpu.h>
#include <asm/smp.h>

struct timer_queue {
	spinlock_t lock;
	struct timer *head; /* sorted by expires */
	struct timer *running; /* whose function runs now (for timer_kill) */
	/* The hardware interrupts by then (or earlier); 0: not armed.  An
	 * interrupt earlier than needed only runs the softirq, which
	 * reprograms: so a head that moves later (the scheduler's slice
	 * timer, re-armed at every switch) costs no reprogramming.  A
	 * deadline already past is not relied on: its interrupt came (the
	 * softirq will reprogram) or was lost to direct LAPIC use. */
	uint64_t programmed;
};

static struct timer_queue queues[NR_CPUS];

void timer_init(struct timer *t, void (*fn)(void *), void *data,
		unsigned int cpu)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->data = data;
	t->cpu = cpu;
}

/* Arms this CPU's hardware timer for 'deadline' (0: disarms).  Lock held. */
static void program(struct timer_queue *q, uint64_t deadline)
{
	arch_timer_program(deadline);
	q->programmed = deadline;
}

/* Lock held. */
static void queue_remove(struct timer_queue *q, struct timer *t)
{
	for (struct timer **p = &q->head; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->active = false;
}

void timer_set(struct timer *t, uint64_t expires)
{
	struct timer_queue *q = &queues[t->cpu];
	unsigned long flags = spin_lock_irqsave(&q->lock);
	struct timer **p;

	if (t->active)
		queue_remove(q, t);
	t->expires = expires;
	for (p = &q->head; *p && (*p)->expires <= expires; p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
	t->active = true;
	if (q->head == t) {
		if (t->cpu != smp_processor_id())
			softirq_raise_on(t->cpu, SOFTIRQ_TIMER);
		else if (!q->programmed || q->programmed > expires ||
			 q->programmed <= system_time_ns())
			program(q, expires);
	}
	spin_unlock_irqrestore(&q->lock, flags);
}

void timer_stop(struct timer *t)
{
	struct timer_queue *q = &queues[t->cpu];
	unsigned long flags = spin_lock_irqsave(&q->lock);

	if (t->active)
		queue_remove(q, t);
	spin_unlock_irqrestore(&q->lock, flags);
}

void timer_kill(struct timer *t)
{
	struct timer_queue *q = &queues[t->cpu];

	timer_stop(t);
	while (READ_ONCE(q->running) == t)
		cpu_relax();
	timer_stop(t); /* in case the function re-armed it */
}

/* Runs every expired timer of this CPU, then reprograms the hardware. */
static void timer_softirq(void)
{
	struct timer_queue *q = &queues[smp_processor_id()];
	unsigned long flags = spin_lock_irqsave(&q->lock);

	while (q->head && q->head->expires <= system_time_ns()) {
		struct timer *t = q->head;

		q->head = t->next;
		t->active = false;
		q->running = t;
		spin_unlock_irqrestore(&q->lock, flags);
		t->fn(t->data);
		flags = spin_lock_irqsave(&q->lock);
		q->running = NULL;
	}
	program(q, q->head ? q->head->expires : 0);
	spin_unlock_irqrestore(&q->lock, flags);
}

void timer_interrupt(void)
{
	softirq_raise(SOFTIRQ_TIMER);
}

void timers_init(void)
{
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		spin_lock_init(&queues[cpu].lock);
	softirq_register(SOFTIRQ_TIMER, timer_softirq);
}
