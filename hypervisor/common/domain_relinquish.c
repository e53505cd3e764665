/* SPDX-License-Identifier: MIT */
/* Destruction of a dead domain in steps; see mica/relinquish.h. */
#include <mica/domain.h>
#include <mica/event.h>
#include <mica/grant_table.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/relinquish.h>
#include <mica/sched.h>
#include <mica/spinlock.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <asm/smp.h>

enum relinquish_phase {
	PHASE_VCPU_EVENTS, /* vcpu timers and polls; then the scheduler */
	PHASE_PORTS, /* event channels, EVTCHN_CLOSE_CHUNK at a time */
	PHASE_GRANT_MAPS, /* what d maps of others, in steps */
	PHASE_ARCH, /* descriptor frames, base pointers, page tables */
	PHASE_GRANT_FRAMES, /* the hypervisor's references on its table */
	PHASE_VCPUS, /* free the vcpus */
	PHASE_MEMORY, /* the allocation's references */
};

#define GRANT_UNMAP_STEP 64 /* maptrack handles between clock looks */

/*
 * Dying domains with work left, linked through d->relinquish.next.
 * queue_lock is innermost (it is taken under d->lock); a queued domain is
 * never freed: its frames keep their allocation references until it
 * leaves the queue.
 */
static spinlock_t queue_lock = SPINLOCK_INIT;
static struct domain *queue;
static unsigned int nr_queued;

static struct timer reapers[NR_CPUS];

static void reaper_tick(void *data);

void domain_relinquish_start(struct domain *d)
{
	unsigned int cpu = smp_processor_id();
	unsigned long flags;

	d->relinquish.phase = PHASE_VCPU_EVENTS;
	d->relinquish.cursor = 0;
	d->relinquish.frames = d->tot_pages;
	flags = spin_lock_irqsave(&queue_lock);
	d->relinquish.next = queue;
	queue = d;
	nr_queued++;
	spin_unlock_irqrestore(&queue_lock, flags);
	if (!reapers[cpu].fn)
		timer_init(&reapers[cpu], reaper_tick, NULL, cpu);
	timer_set(&reapers[cpu], system_time_ns() + RELINQUISH_GAP_NS);
}

void domain_relinquish_dequeue(struct domain *d)
{
	unsigned long flags = spin_lock_irqsave(&queue_lock);

	for (struct domain **p = &queue; *p; p = &(*p)->relinquish.next) {
		if (*p == d) {
			*p = d->relinquish.next;
			nr_queued--;
			break;
		}
	}
	spin_unlock_irqrestore(&queue_lock, flags);
}

/* One slice.  True when d is finished (and may be freed already). */
static bool relinquish_slice(struct domain *d, uint64_t deadline)
{
	struct domain_relinquish *r = &d->relinquish;
	unsigned long flags;

	while (system_time_ns() < deadline) {
		switch (r->phase) {
		case PHASE_VCPU_EVENTS:
			for (unsigned int i = 0; i < d->max_vcpus; i++)
				if (d->vcpus[i])
					vcpu_events_destroy(d->vcpus[i]);
			r->phase = PHASE_PORTS;
			r->cursor = 0;
			break;
		case PHASE_PORTS:
			if (!evtchn_domain_close_some(d, &r->cursor))
				break;
			evtchn_domain_destroy(d); /* every port is closed */
			sched_domain_remove(d); /* before its vcpus go */
			r->phase = PHASE_GRANT_MAPS;
			r->cursor = 0;
			break;
		case PHASE_GRANT_MAPS:
			/* Before its page tables go. */
			if (grant_table_unmap_some(d, &r->cursor,
						   GRANT_UNMAP_STEP))
				r->phase = PHASE_ARCH;
			break;
		case PHASE_ARCH:
			if (arch_domain_relinquish(d, deadline))
				r->phase = PHASE_GRANT_FRAMES;
			break;
		case PHASE_GRANT_FRAMES:
			grant_table_release_frames(d);
			r->phase = PHASE_VCPUS;
			break;
		case PHASE_VCPUS:
			for (unsigned int i = 0; i < d->max_vcpus; i++) {
				struct vcpu *v;

				flags = spin_lock_irqsave(&d->lock);
				v = d->vcpus[i];
				d->vcpus[i] = NULL;
				spin_unlock_irqrestore(&d->lock, flags);
				xfree(v);
			}
			memory_pending_free(d);
			flags = spin_lock_irqsave(&d->lock);
			r->cursor = d->page_list_head;
			spin_unlock_irqrestore(&d->lock, flags);
			r->phase = PHASE_MEMORY;
			break;
		default:
			return domain_relinquish_memory(d, deadline);
		}
	}
	return false;
}

bool domain_relinquish_step(uint16_t domid)
{
	struct domain *d = NULL;
	unsigned long flags;
	bool any = domid == DOMID_NONE, more;

	flags = spin_lock_irqsave(&queue_lock);
	for (struct domain *q = queue; q; q = q->relinquish.next) {
		if (!any && q->id != domid)
			continue;
		if (!__atomic_exchange_n(&q->relinquish.busy, true,
					 __ATOMIC_ACQUIRE)) {
			d = q;
			break;
		}
		if (!any) {
			spin_unlock_irqrestore(&queue_lock, flags);
			return true; /* another CPU works on it */
		}
	}
	spin_unlock_irqrestore(&queue_lock, flags);
	if (!d)
		return any && READ_ONCE(nr_queued);
	more = !relinquish_slice(d, system_time_ns() + RELINQUISH_SLICE_NS);
	if (more) /* a finished d is no longer ours to touch */
		__atomic_store_n(&d->relinquish.busy, false, __ATOMIC_RELEASE);
	return any ? READ_ONCE(nr_queued) != 0 : more;
}

/* Softirq context, interrupts on: one slice of some dying domain, then
 * the CPU is the guests' again until the next tick. */
static void reaper_tick(void *data)
{
	struct timer *t = &reapers[smp_processor_id()];

	(void)data;
	if (domain_relinquish_step(DOMID_NONE))
		timer_set(t, system_time_ns() + RELINQUISH_GAP_NS);
}
