/* SPDX-License-Identifier: MIT */
/*
 * The credit scheduler; see mica/sched.h for the model.
 *
 * Locking.  Each CPU's run queue lock protects its queue, its current
 * vcpu, and the scheduling state (state, queued, running, parked,
 * processor) of every vcpu whose 'processor' is that CPU.  A vcpu changes
 * processor only with its old queue's lock held (and the new one's, when
 * stolen), so lock_vcpu_rq() re-checks after locking.  Stealing takes a
 * second queue lock only with trylock, so queue locks never deadlock.
 * credit_lock protects the accounting's list of active vcpus and the
 * weights and caps; it may be held while taking a queue lock, never the
 * other way round.  Credits are
 * updated with atomics (the running CPU debits, the accounting adds).
 *
 * A vcpu that leaves a CPU stays 'running' until its state is saved
 * (context_saved()); no other CPU takes it before that.
 *
 * Run state (public/vcpu.h, common/runstate.c) is reported under the
 * vcpu's queue lock whenever what decides it changes: runstate_update().
 */
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/event.h>
#include <mica/lib.h>
#include <mica/perfc.h>
#include <mica/sched.h>
#include <mica/sched_credit.h>
#include <mica/softirq.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <asm/cpu.h>
#include <asm/smp.h>
#include <public/vcpu.h>

struct run_queue {
	spinlock_t lock;
	struct vcpu *head; /* UNDER before OVER, FIFO within a band */
	struct vcpu *current; /* NULL: idle */
	struct timer slice_timer;
};

static struct run_queue run_queues[NR_CPUS];

static spinlock_t credit_lock = SPINLOCK_INIT;
/* Under credit_lock: the domains that had runnable vcpus at the last
 * accounting or got one since (each once), and how many domains exist. */
static struct domain *sched_active;
static unsigned int nr_sched_domains;
static struct timer credit_timer; /* on CPU 0 */

static struct run_queue *this_rq(void)
{
	return &run_queues[smp_processor_id()];
}

bool vcpu_is_running(const struct vcpu *v)
{
	return READ_ONCE(v->running);
}

/*
 * The one place that decides whether a vcpu may have a CPU.  Blocked
 * (events) and down vcpus are not VCPU_RUNNABLE; a paused domain's vcpus
 * keep their state but may not run.
 */
static bool vcpu_runnable(const struct vcpu *v)
{
	return v->state == VCPU_RUNNABLE && !v->parked &&
	       !READ_ONCE(v->domain->is_shutting_down) &&
	       !READ_ONCE(v->domain->pause_count);
}

/*
 * Queue lock of v's CPU held: reports v's run state if it changed.  A
 * vcpu waiting only for its cap or for a CPU is "runnable" (steal time).
 */
static void runstate_update(const struct run_queue *rq, struct vcpu *v)
{
	unsigned int state;

	if (READ_ONCE(rq->current) == v)
		state = MICA_RUNSTATE_running;
	else if (v->state == VCPU_RUNNABLE &&
		 !READ_ONCE(v->domain->is_shutting_down) &&
		 !READ_ONCE(v->domain->pause_count))
		state = MICA_RUNSTATE_runnable;
	else if (v->state == VCPU_BLOCKED)
		state = MICA_RUNSTATE_blocked;
	else
		state = MICA_RUNSTATE_offline;
	if (state != v->events.runstate.state)
		runstate_change(v, state, system_time_ns());
}

static bool vcpu_under(const struct vcpu *v)
{
	return __atomic_load_n(&v->credit, __ATOMIC_RELAXED) > 0;
}

static void credit_debit(struct vcpu *v, uint64_t ns)
{
	__atomic_fetch_sub(&v->credit, (int64_t)ns, __ATOMIC_RELAXED);
}

/* Locks the queue v belongs to; v->processor is stable until unlock. */
static struct run_queue *lock_vcpu_rq(const struct vcpu *v,
				      unsigned long *flags)
{
	for (;;) {
		unsigned int cpu = READ_ONCE(v->processor);
		struct run_queue *rq = &run_queues[cpu];

		*flags = spin_lock_irqsave(&rq->lock);
		if (READ_ONCE(v->processor) == cpu)
			return rq;
		spin_unlock_irqrestore(&rq->lock, *flags);
	}
}

/*
 * Lock held.  Inserts v after every vcpu of its band or a better one; a
 * vcpu that yielded goes after every other.
 */
static void runq_insert(struct run_queue *rq, struct vcpu *v)
{
	bool under = vcpu_under(v) && !v->yielded;
	struct vcpu **p = &rq->head;

	if (v->queued)
		return;
	while (*p && (!under || vcpu_under(*p)))
		p = &(*p)->runq_next;
	v->runq_next = *p;
	*p = v;
	v->queued = true;
}

/* Lock held. */
static void runq_remove(struct run_queue *rq, struct vcpu *v)
{
	for (struct vcpu **p = &rq->head; *p; p = &(*p)->runq_next) {
		if (*p == v) {
			*p = v->runq_next;
			v->queued = false;
			return;
		}
	}
}

static bool cpu_allowed(const struct vcpu *v, unsigned int cpu)
{
	return (READ_ONCE(v->affinity) >> cpu) & 1;
}

/*
 * After v was queued on 'cpu': make some CPU look at it.  Its own CPU if
 * idle, or if v should preempt what runs there; else an idle CPU v may run
 * on, which will steal it.
 */
static void tickle(unsigned int cpu, const struct vcpu *v)
{
	const struct run_queue *rq = &run_queues[cpu];
	const struct vcpu *cur = READ_ONCE(rq->current);
	uint64_t online = arch_online_cpus();

	if (!cur || (vcpu_under(v) && !vcpu_under(cur))) {
		softirq_raise_on(cpu, SOFTIRQ_SCHEDULE);
		return;
	}
	for (unsigned int c = 0; c < NR_CPUS; c++) {
		if (!((online >> c) & 1) || !cpu_allowed(v, c) || c == cpu)
			continue;
		if (!READ_ONCE(run_queues[c].current) &&
		    !READ_ONCE(run_queues[c].head)) {
			softirq_raise_on(c, SOFTIRQ_SCHEDULE);
			return;
		}
	}
}

/* A CPU of v's affinity for it to move to (the least loaded looking). */
static unsigned int pick_cpu(const struct vcpu *v)
{
	uint64_t allowed = READ_ONCE(v->affinity) & arch_online_cpus();
	unsigned int best = 0;
	int best_load = 3;

	for (unsigned int c = 0; c < NR_CPUS; c++) {
		int load;

		if (!((allowed >> c) & 1))
			continue;
		load = (READ_ONCE(run_queues[c].current) != NULL) +
		       (READ_ONCE(run_queues[c].head) != NULL);
		if (load < best_load) {
			best = c;
			best_load = load;
		}
	}
	return best;
}

/*
 * Queue lock of v's CPU held: queue v if it may run and is neither queued
 * nor on a CPU; take it off its queue or CPU if it may not.  Returns the
 * CPU to tickle, NR_CPUS for none, or NR_CPUS + 1 if v must first move to
 * a CPU its affinity allows (v->processor has been changed; redo there).
 */
static unsigned int check_locked(struct run_queue *rq, struct vcpu *v)
{
	unsigned int cpu = v->processor;

	runstate_update(rq, v);

	if (!vcpu_runnable(v)) {
		if (v->queued)
			runq_remove(rq, v);
		if (rq->current == v)
			softirq_raise_on(cpu, SOFTIRQ_SCHEDULE);
		return NR_CPUS;
	}
	if (v->queued || v->running)
		return NR_CPUS;
	if (!cpu_allowed(v, cpu)) {
		WRITE_ONCE(v->processor, pick_cpu(v));
		return NR_CPUS + 1;
	}
	runq_insert(rq, v);
	return cpu;
}

void sched_vcpu_check(struct vcpu *v)
{
	unsigned int tickle_cpu;

	do {
		unsigned long flags;
		struct run_queue *rq = lock_vcpu_rq(v, &flags);

		tickle_cpu = check_locked(rq, v);
		spin_unlock_irqrestore(&rq->lock, flags);
	} while (tickle_cpu == NR_CPUS + 1);
	if (tickle_cpu < NR_CPUS)
		tickle(tickle_cpu, v);
}

/*
 * Sets v's state under its queue lock if it is 'from', then re-evaluates
 * it.  Returns whether the state changed.
 */
/*
 * A vcpu of d just became runnable: make sure the accounting sees d.  The
 * fence pairs with credit_account's, which clears sched_listed before it
 * counts the runnable vcpus: either it sees this one and keeps d, or we
 * see the flag clear and list d again.  A listed domain (the common case)
 * costs one load.
 */
static void sched_activate(struct domain *d)
{
	unsigned long flags;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (READ_ONCE(d->sched_listed))
		return;
	flags = spin_lock_irqsave(&credit_lock);
	if (!d->sched_listed && !d->sched_gone) {
		d->sched_active_next = sched_active;
		sched_active = d;
		WRITE_ONCE(d->sched_listed, true);
	}
	spin_unlock_irqrestore(&credit_lock, flags);
}

static bool vcpu_set_state(struct vcpu *v, enum vcpu_state from,
			   enum vcpu_state to)
{
	unsigned long flags;
	struct run_queue *rq = lock_vcpu_rq(v, &flags);
	bool changed = v->state == from;

	if (changed)
		v->state = to;
	spin_unlock_irqrestore(&rq->lock, flags);
	sched_vcpu_check(v);
	if (changed && to == VCPU_RUNNABLE)
		sched_activate(v->domain);
	return changed;
}

void vcpu_up(struct vcpu *v)
{
	vcpu_set_state(v, VCPU_DOWN, VCPU_RUNNABLE);
}

void vcpu_wake(struct vcpu *v)
{
	vcpu_set_state(v, VCPU_BLOCKED, VCPU_RUNNABLE);
}

/* --- Blocking (events: sched.h block and poll) --- */

void vcpu_block(void)
{
	struct vcpu *v = current_vcpu();
	unsigned long flags;
	struct run_queue *rq = lock_vcpu_rq(v, &flags);

	if (v->state == VCPU_RUNNABLE)
		v->state = VCPU_BLOCKED;
	spin_unlock_irqrestore(&rq->lock, flags);
	/* The caller's check of its wake condition comes after this store;
	 * wakers store their condition, then read the state under the lock. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	softirq_raise(SOFTIRQ_SCHEDULE);
}

void vcpu_unblock(struct vcpu *v)
{
	vcpu_wake(v);
}

void vcpu_kick(struct vcpu *v)
{
	/*
	 * The caller's wake condition (a pending event) is stored; after the
	 * fence a vcpu that is not BLOCKED now will see it (vcpu_block's
	 * fence pairs with this one), so only a blocked one needs the queue
	 * lock.  An event for the running vcpu itself stops here.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (READ_ONCE(v->state) == VCPU_BLOCKED &&
	    vcpu_set_state(v, VCPU_BLOCKED, VCPU_RUNNABLE))
		return;
	/* Running elsewhere: interrupt that CPU so it takes the upcall on
	 * its way back to the guest. */
	if (vcpu_is_running(v) && READ_ONCE(v->processor) != smp_processor_id())
		arch_cpu_kick(READ_ONCE(v->processor));
}

void vcpu_stop(struct vcpu *v)
{
	unsigned long flags;
	struct run_queue *rq = lock_vcpu_rq(v, &flags);

	v->state = VCPU_DOWN;
	check_locked(rq, v);
	spin_unlock_irqrestore(&rq->lock, flags);
}

void vcpu_deschedule(struct vcpu *v)
{
	sched_vcpu_check(v); /* its domain's pause count is up */
}

void vcpu_wait_off_cpu(struct vcpu *v)
{
	if (v == current_vcpu())
		return;
	while (vcpu_is_running(v))
		cpu_relax();
}

void sched_yield(void)
{
	current_vcpu()->yielded = true;
	softirq_raise(SOFTIRQ_SCHEDULE);
}

static void slice_expired(void *data)
{
	(void)data;
	softirq_raise(SOFTIRQ_SCHEDULE);
}

/*
 * Own queue lock held, nothing UNDER queued here: takes a waiting vcpu
 * from another CPU's queue (UNDER ones first) that may run here.  Returns
 * it (off its queue, moved to this CPU) or NULL.  *contended is set when a
 * queue was busy and might have had work.
 */
static struct vcpu *steal_work(unsigned int me, bool want_under,
			       bool *contended)
{
	/* The other online CPUs, lowest first. */
	uint64_t others = arch_online_cpus() & ~(1ULL << me);
	struct vcpu *best = NULL;
	struct run_queue *from = NULL;

	for (; others && !best; others &= others - 1) {
		unsigned int c = (unsigned int)__builtin_ctzll(others);
		struct run_queue *rq = &run_queues[c];

		if (!READ_ONCE(rq->head))
			continue;
		if (!spin_trylock(&rq->lock)) {
			*contended = true;
			continue;
		}
		for (struct vcpu *v = rq->head; v; v = v->runq_next) {
			if (v->running || !cpu_allowed(v, me))
				continue;
			if (want_under && !vcpu_under(v))
				break; /* the rest is OVER too */
			best = v;
			from = rq;
			break;
		}
		if (best) {
			runq_remove(from, best);
			WRITE_ONCE(best->processor, me);
		}
		spin_unlock(&rq->lock);
	}
	return best;
}

/* Lock held: the first queued vcpu that may run here (UNDER first). */
static struct vcpu *runq_pick(struct run_queue *rq, unsigned int me)
{
	for (struct vcpu *v = rq->head; v; v = v->runq_next) {
		if (cpu_allowed(v, me) && (!v->running || v == rq->current)) {
			runq_remove(rq, v);
			return v;
		}
	}
	return NULL;
}

/*
 * prev's state is saved: it may run elsewhere now.  If it is runnable but
 * was not queued here (its affinity excludes this CPU, or it was woken
 * while it was still on the CPU), place it now.
 */
static void context_saved(struct vcpu *prev)
{
	unsigned long flags;
	struct run_queue *rq = lock_vcpu_rq(prev, &flags);

	WRITE_ONCE(prev->running, false);
	spin_unlock_irqrestore(&rq->lock, flags);
	sched_vcpu_check(prev);
}

/*
 * The SCHEDULE softirq: charge the current vcpu, requeue it if it still
 * may run, take the best queued vcpu (stealing if this CPU has nothing
 * UNDER), and switch.  Never returns into a different vcpu's hypervisor
 * context: after a switch the stack is reset.
 */
static void schedule(void)
{
	unsigned int me = smp_processor_id();
	struct run_queue *rq = this_rq();
	struct vcpu *prev, *next;
	bool contended = false;
	unsigned long flags;
	uint64_t now = system_time_ns();

	flags = spin_lock_irqsave(&rq->lock);
	prev = rq->current;
	if (prev) {
		uint64_t ran = now - prev->slice_start;

		prev->runtime_ns += ran;
		credit_debit(prev, ran);
		prev->slice_start = now;
		if (prev->domain->sched_cap && !vcpu_under(prev))
			prev->parked = true; /* until the next period */
		if (vcpu_runnable(prev) && cpu_allowed(prev, me))
			runq_insert(rq, prev);
		prev->yielded = false;
	}
	next = runq_pick(rq, me);
	if (!next || !vcpu_under(next)) {
		struct vcpu *stolen = steal_work(me, next != NULL, &contended);

		if (stolen) {
			if (next)
				runq_insert(rq, next);
			next = stolen;
		}
	}
	if (next) {
		if (next != prev)
			next->slice_start = now;
		next->running = true;
		timer_set(&rq->slice_timer, now + SCHED_SLICE_NS);
	} else {
		timer_stop(&rq->slice_timer);
	}
	WRITE_ONCE(rq->current, next);
	arch_set_current(next);
	if (prev && prev != next)
		runstate_update(rq, prev);
	if (next && next != prev)
		runstate_update(rq, next);
	spin_unlock_irqrestore(&rq->lock, flags);

	if (!next && contended)
		softirq_raise(SOFTIRQ_SCHEDULE); /* look again, not halt */
	if (prev == next && next)
		arch_vcpu_update_time(next);
	if (prev != next) {
		if (prev)
			runstate_publish(prev); /* its page tables still */
		/* prev's state is saved and its page tables unloaded after
		 * this; only then may it run elsewhere or domain_reap() free
		 * it. */
		arch_context_switch(prev, next);
		if (prev)
			context_saved(prev);
		if (next)
			runstate_publish(next);
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

/*
 * Credit accounting, every SCHED_CREDIT_PERIOD_NS on CPU 0: every domain
 * with runnable vcpus earns its share (mica/sched_credit.h: by weight,
 * within caps, what a capped domain cannot use going to the others); a capped
 * domain's parked vcpus come back once they have credit again.
 */
/* Adds a grant to v's credit, clamped, and unparks it once it is owed time
 * again. */
static void credit_grant(struct vcpu *v, uint64_t grant)
{
	int64_t old = __atomic_load_n(&v->credit, __ATOMIC_RELAXED), new;
	struct run_queue *rq;
	unsigned long flags;

	do {
		new = credit_clamp(old + (int64_t)grant,
				   SCHED_CREDIT_PERIOD_NS);
	} while (!__atomic_compare_exchange_n(&v->credit, &old, new, false,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	if (!READ_ONCE(v->parked) || new <= 0)
		return;
	rq = lock_vcpu_rq(v, &flags);
	v->parked = false;
	spin_unlock_irqrestore(&rq->lock, flags);
	sched_vcpu_check(v);
}

/* d's vcpus that may want CPU this period (credit_lock held). */
static unsigned int credit_count_active(struct domain *d)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		perfc_incr(credit_vcpus);
		if (d->vcpus[i] &&
		    READ_ONCE(d->vcpus[i]->state) == VCPU_RUNNABLE)
			n++;
	}
	return n;
}

/*
 * O(active domains and their vcpus): only listed domains are visited; one
 * with no runnable vcpu leaves the list here (see sched_activate for the
 * fence) and comes back when one wakes.
 */
static void credit_account(void *data)
{
	uint64_t online = arch_online_cpus();
	struct credit_share *list = NULL;
	unsigned int nr_cpus = 0;
	unsigned long flags;

	(void)data;
	for (unsigned int c = 0; c < NR_CPUS; c++)
		nr_cpus += (online >> c) & 1;

	flags = spin_lock_irqsave(&credit_lock);
	for (struct domain **pp = &sched_active, *d; (d = *pp);) {
		struct credit_share *s = &d->sched_share;

		s->active = credit_count_active(d);
		if (!s->active) {
			WRITE_ONCE(d->sched_listed, false);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			s->active = credit_count_active(d);
			if (!s->active) {
				*pp = d->sched_active_next;
				continue;
			}
			WRITE_ONCE(d->sched_listed, true); /* woken meanwhile */
		}
		s->weight = d->sched_weight;
		s->cap = d->sched_cap;
		s->next = list;
		list = s;
		pp = &d->sched_active_next;
	}
	credit_share_out(list, nr_cpus, SCHED_CREDIT_PERIOD_NS);
	for (struct domain *d = sched_active; d; d = d->sched_active_next) {
		for (unsigned int i = 0; i < d->max_vcpus; i++) {
			struct vcpu *v = d->vcpus[i];

			if (v && READ_ONCE(v->state) == VCPU_RUNNABLE)
				credit_grant(v, d->sched_share.grant);
		}
	}
	if (nr_sched_domains)
		timer_set(&credit_timer,
			  system_time_ns() + SCHED_CREDIT_PERIOD_NS);
	spin_unlock_irqrestore(&credit_lock, flags);
}

void sched_domain_add(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&credit_lock);

	d->sched_weight = SCHED_DEFAULT_WEIGHT;
	d->sched_cap = 0;
	if (!nr_sched_domains++) /* the first one: accounting starts */
		timer_set(&credit_timer,
			  system_time_ns() + SCHED_CREDIT_PERIOD_NS);
	spin_unlock_irqrestore(&credit_lock, flags);
}

void sched_domain_remove(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&credit_lock);

	d->sched_gone = true; /* not listed again */
	for (struct domain **pp = &sched_active; *pp;
	     pp = &(*pp)->sched_active_next) {
		if (*pp == d) {
			*pp = d->sched_active_next;
			break;
		}
	}
	nr_sched_domains--;
	spin_unlock_irqrestore(&credit_lock, flags);
}

int sched_set_credit(struct domain *d, uint32_t weight, uint32_t cap)
{
	unsigned long flags;

	if (!weight || weight > SCHED_MAX_WEIGHT || cap > 100 * d->max_vcpus)
		return -EINVAL;
	flags = spin_lock_irqsave(&credit_lock);
	d->sched_weight = weight;
	d->sched_cap = cap;
	spin_unlock_irqrestore(&credit_lock, flags);
	return 0;
}

void sched_get_credit(const struct domain *d, uint32_t *weight, uint32_t *cap)
{
	*weight = READ_ONCE(d->sched_weight);
	*cap = READ_ONCE(d->sched_cap);
}

int sched_set_affinity(struct vcpu *v, uint64_t cpumask)
{
	if (!(cpumask & arch_online_cpus()))
		return -EINVAL;
	WRITE_ONCE(v->affinity, cpumask);
	/* Running where it may not: leave at once; queued: move. */
	if (!cpu_allowed(v, READ_ONCE(v->processor))) {
		unsigned long flags;
		struct run_queue *rq = lock_vcpu_rq(v, &flags);

		if (v->queued)
			runq_remove(rq, v);
		if (rq->current == v)
			softirq_raise_on(v->processor, SOFTIRQ_SCHEDULE);
		spin_unlock_irqrestore(&rq->lock, flags);
		sched_vcpu_check(v);
	}
	return 0;
}

uint64_t sched_get_affinity(const struct vcpu *v)
{
	return READ_ONCE(v->affinity);
}

void scheduler_init_cpu(void)
{
	struct run_queue *rq = this_rq();

	spin_lock_init(&rq->lock);
	arch_set_current(NULL);
	timer_init(&rq->slice_timer, slice_expired, NULL, smp_processor_id());
}

void scheduler_init(void)
{
	softirq_register(SOFTIRQ_SCHEDULE, schedule);
	timer_init(&credit_timer, credit_account, NULL, 0);
}
