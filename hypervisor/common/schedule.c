/* SPDX-License-Identifier: MIT */
/* Per-CPU round-robin scheduling; see mica/sched.h. */
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <mica/softirq.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <asm/cpu.h>
#include <asm/smp.h>

struct run_queue {
	spinlock_t lock;
	struct vcpu *head, *tail;
	struct vcpu *current; /* NULL: idle */
	struct timer slice_timer;
};

static struct run_queue run_queues[NR_CPUS];

static struct run_queue *this_rq(void)
{
	return &run_queues[smp_processor_id()];
}

struct vcpu *current_vcpu(void)
{
	return this_rq()->current;
}

/* Lock held. */
static void runq_push(struct run_queue *rq, struct vcpu *v)
{
	if (v->queued)
		return;
	v->runq_next = NULL;
	if (rq->tail)
		rq->tail->runq_next = v;
	else
		rq->head = v;
	rq->tail = v;
	v->queued = true;
}

/* Lock held. */
static struct vcpu *runq_pop(struct run_queue *rq)
{
	struct vcpu *v = rq->head;

	if (!v)
		return NULL;
	rq->head = v->runq_next;
	if (!rq->head)
		rq->tail = NULL;
	v->queued = false;
	return v;
}

void vcpu_wake(struct vcpu *v)
{
	struct run_queue *rq = &run_queues[v->processor];
	unsigned long flags = spin_lock_irqsave(&rq->lock);

	if (v->domain->is_shutting_down) {
		spin_unlock_irqrestore(&rq->lock, flags);
		return;
	}
	v->state = VCPU_RUNNABLE;
	if (!v->running && !READ_ONCE(v->domain->pause_count))
		runq_push(rq, v);
	spin_unlock_irqrestore(&rq->lock, flags);
	if (v->processor == smp_processor_id() || !rq->current)
		softirq_raise_on(v->processor, SOFTIRQ_SCHEDULE);
}

/* Unlinks v from its queue (lock held). */
static void runq_remove(struct run_queue *rq, struct vcpu *v)
{
	for (struct vcpu **p = &rq->head, *prev = NULL; *p;
	     prev = *p, p = &(*p)->runq_next) {
		if (*p == v) {
			*p = v->runq_next;
			if (rq->tail == v)
				rq->tail = prev;
			v->queued = false;
			break;
		}
	}
}

void vcpu_deschedule(struct vcpu *v)
{
	struct run_queue *rq = &run_queues[v->processor];
	unsigned long flags = spin_lock_irqsave(&rq->lock);

	runq_remove(rq, v);
	spin_unlock_irqrestore(&rq->lock, flags);
	/* A running v leaves at the switch: paused vcpus are not requeued. */
	if (READ_ONCE(v->running))
		softirq_raise_on(v->processor, SOFTIRQ_SCHEDULE);
}

void vcpu_wait_off_cpu(struct vcpu *v)
{
	if (v == current_vcpu())
		return;
	while (READ_ONCE(v->running))
		cpu_relax();
}

void vcpu_stop(struct vcpu *v)
{
	struct run_queue *rq = &run_queues[v->processor];
	unsigned long flags = spin_lock_irqsave(&rq->lock);

	v->state = VCPU_DOWN;
	/* Unlink from the queue; a running vcpu leaves at its next switch. */
	runq_remove(rq, v);
	spin_unlock_irqrestore(&rq->lock, flags);
	softirq_raise_on(v->processor, SOFTIRQ_SCHEDULE);
}

void sched_yield(void)
{
	softirq_raise(SOFTIRQ_SCHEDULE);
}

static void slice_expired(void *data)
{
	(void)data;
	softirq_raise(SOFTIRQ_SCHEDULE);
}

/*
 * The SCHEDULE softirq: requeue the current vcpu if it still wants to run,
 * take the next one, and switch.  Never returns into a different vcpu's
 * hypervisor context: after a switch the stack is reset.
 */
static void schedule(void)
{
	struct run_queue *rq = this_rq();
	struct vcpu *prev, *next;
	unsigned long flags;
	uint64_t now = system_time_ns();

	flags = spin_lock_irqsave(&rq->lock);
	prev = rq->current;
	if (prev) {
		prev->runtime_ns += now - prev->slice_start;
		if (prev->state == VCPU_RUNNABLE &&
		    !READ_ONCE(prev->domain->pause_count))
			runq_push(rq, prev);
	}
	next = runq_pop(rq);
	if (next) {
		next->slice_start = now;
		next->running = true;
		timer_set(&rq->slice_timer, now + SCHED_SLICE_NS);
	} else {
		timer_stop(&rq->slice_timer);
	}
	rq->current = next;
	spin_unlock_irqrestore(&rq->lock, flags);

	if (prev == next && next)
		arch_vcpu_update_time(next);
	if (prev != next) {
		/* prev's state is saved and its page tables unloaded after
		 * this; only then may domain_reap() free it. */
		arch_context_switch(prev, next);
		if (prev)
			WRITE_ONCE(prev->running, false);
	}
	domain_reap();
	if (prev != next)
		arch_reset_stack_and_jump(next ? arch_return_to_guest :
						 idle_loop);
}

void idle_loop(void)
{
	for (;;) {
		local_irq_disable();
		if (softirq_pending()) {
			local_irq_enable();
			softirq_run();
			continue;
		}
		safe_halt();
	}
}

void scheduler_init_cpu(void)
{
	struct run_queue *rq = this_rq();

	spin_lock_init(&rq->lock);
	timer_init(&rq->slice_timer, slice_expired, NULL, smp_processor_id());
}

void scheduler_init(void)
{
	softirq_register(SOFTIRQ_SCHEDULE, schedule);
}
