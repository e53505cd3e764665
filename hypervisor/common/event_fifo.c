/* SPDX-License-Identifier: MIT */
/*
 * FIFO event queues: the hypervisor's side of public/event_channel.h (H1,
 * H2, M2 and note 4).
 *
 * The control blocks and the event array are guest memory that the guest
 * writes concurrently, so every access is one atomic operation on a whole
 * word, compare-and-swap loops give up after FIFO_TRIES attempts, and a
 * LINK or HEAD value is never followed: the hypervisor only remembers the
 * last port it appended to each queue (its "tail").  A guest that corrupts
 * its queues loses or repeats its own events, nothing else.
 */
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include "event_internal.h"

#define FIFO_TRIES 16
#define WORDS_PER_PAGE MICA_EVTCHN_FIFO_WORDS_PER_PAGE

static mica_event_word_t *event_word(struct evtchn_domain *ed, uint32_t port)
{
	uint32_t page = port / WORDS_PER_PAGE;

	/* The directory exists before the first page is counted. */
	if (page >= READ_ONCE(ed->nr_array_pages))
		return NULL;
	return &ed->array[page].words[port % WORDS_PER_PAGE];
}

static uint32_t word_load(const mica_event_word_t *w)
{
	return __atomic_load_n(w, __ATOMIC_SEQ_CST);
}

static bool word_cas(mica_event_word_t *w, uint32_t *old, uint32_t new)
{
	return __atomic_compare_exchange_n(w, old, new, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/*
 * H1 and the first half of H2 in one compare-and-swap: set PENDING (if
 * raise), and if the word is then PENDING but neither MASKED nor LINKED,
 * set LINKED with LINK 0.  True if the caller must append the port.
 */
static bool word_mark(mica_event_word_t *w, bool raise)
{
	uint32_t old = word_load(w), new;

	for (unsigned int i = 0; i < FIFO_TRIES; i++) {
		new = raise ? old | MICA_EVTCHN_FIFO_PENDING : old;
		if (!(new &MICA_EVTCHN_FIFO_PENDING) ||
		    (new &(MICA_EVTCHN_FIFO_MASKED | MICA_EVTCHN_FIFO_LINKED))) {
			if (new == old || word_cas(w, &old, new))
				return false;
			continue;
		}
		new = (new & ~MICA_EVTCHN_FIFO_LINK_MASK) |
		      MICA_EVTCHN_FIFO_LINKED;
		if (word_cas(w, &old, new))
			return true;
	}
	return false; /* the guest keeps changing the word: its loss */
}

/* Sets v's upcall flag and makes sure it notices (shared_info.h rule 1). */
static void notify_vcpu(struct vcpu *v)
{
	struct mica_vcpu_info *vi = arch_vcpu_info(v);
	bool was;

	if (!vi)
		return; /* vcpu_info arrives with register_info, pending set */
	was = __atomic_exchange_n(&vi->evtchn_upcall_pending, 1,
				  __ATOMIC_SEQ_CST);
	/* An HVM vcpu may take its upcall as an interrupt (arch hook). */
	if (!arch_evtchn_upcall(v, vi, was))
		evtchn_vcpu_wake(v);
}

/*
 * H2: append 'port' (already LINKED, LINK 0) to queue q of v.  If the
 * port last appended there is still LINKED with LINK 0 it is the guest's
 * tail: link to it.  Otherwise the guest consumed the queue: new HEAD.
 */
static void fifo_append(struct evtchn_domain *ed, struct vcpu *v,
			unsigned int q, uint32_t port)
{
	struct mica_evtchn_fifo_control *cb = v->events.control;
	uint32_t tail = v->events.tail[q], ready;
	mica_event_word_t *tw;

	v->events.tail[q] = port;
	if (tail && tail != port && (tw = event_word(ed, tail))) {
		uint32_t old = word_load(tw);

		for (unsigned int i = 0; i < FIFO_TRIES; i++) {
			if (!(old & MICA_EVTCHN_FIFO_LINKED) ||
			    (old & MICA_EVTCHN_FIFO_LINK_MASK))
				break;
			if (word_cas(tw, &old, old | port))
				return;
		}
	}
	__atomic_store_n(&cb->head[q], port, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE); /* HEAD before READY */
	ready = __atomic_fetch_or(&cb->ready, 1u << q, __ATOMIC_SEQ_CST);
	if (!(ready & (1u << q)))
		notify_vcpu(v);
}

/* Wakes the vcpus polling 'port' (or several ports). */
static void wake_pollers(struct domain *d, uint32_t port)
{
	if (!__atomic_load_n(&d->evtchn->nr_polling, __ATOMIC_SEQ_CST))
		return;
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		if (v &&
		    __atomic_load_n(&v->events.polling, __ATOMIC_SEQ_CST) &&
		    (!v->events.poll_port || v->events.poll_port == port))
			evtchn_vcpu_wake(v);
	}
}

/*
 * Raise (or, raise == false, re-queue a PENDING word) with the FIFO lock
 * held.  Without an array page for the port, or a control block for its
 * vcpu, the event waits in chn->pending (note 4).
 */
static void fifo_raise_locked(struct domain *d, uint32_t port,
			      struct evtchn *chn, bool raise)
{
	struct evtchn_domain *ed = d->evtchn;
	mica_event_word_t *w = event_word(ed, port);
	unsigned int vcpu = READ_ONCE(chn->notify_vcpu);
	unsigned int q = READ_ONCE(chn->priority);
	struct vcpu *v = vcpu < d->max_vcpus ? d->vcpus[vcpu] : NULL;

	if (!w) {
		chn->pending = raise || chn->pending;
		return;
	}
	if (!v || !v->events.control) {
		if (raise)
			__atomic_fetch_or(w, MICA_EVTCHN_FIFO_PENDING,
					  __ATOMIC_SEQ_CST);
		chn->pending = 1;
		return;
	}
	chn->pending = 0;
	if (!word_mark(w, raise))
		return;
	/* A tail recorded on another queue must not be linked to again. */
	if (chn->last_vcpu != vcpu || chn->last_priority != q) {
		struct vcpu *lv = chn->last_vcpu < d->max_vcpus ?
					  d->vcpus[chn->last_vcpu] :
					  NULL;

		if (lv && lv->events.tail[chn->last_priority] == port)
			lv->events.tail[chn->last_priority] = 0;
		chn->last_vcpu = (uint16_t)vcpu;
		chn->last_priority = (uint8_t)q;
	}
	fifo_append(ed, v, q, port);
}

void evtchn_fifo_raise(struct domain *d, uint32_t port, struct evtchn *chn)
{
	struct evtchn_domain *ed = d->evtchn;
	unsigned long flags = spin_lock_irqsave(&ed->fifo_lock);

	fifo_raise_locked(d, port, chn, true);
	spin_unlock_irqrestore(&ed->fifo_lock, flags);
	wake_pollers(d, port);
}

void evtchn_fifo_unmask(struct domain *d, uint32_t port, struct evtchn *chn)
{
	struct evtchn_domain *ed = d->evtchn;
	unsigned long flags = spin_lock_irqsave(&ed->fifo_lock);
	mica_event_word_t *w = event_word(ed, port);

	if (w &&
	    (__atomic_and_fetch(w, ~MICA_EVTCHN_FIFO_MASKED, __ATOMIC_SEQ_CST) &
	     MICA_EVTCHN_FIFO_PENDING))
		fifo_raise_locked(d, port, chn, false);
	spin_unlock_irqrestore(&ed->fifo_lock, flags);
}

/* Bound or closed: MASKED and not PENDING; LINKED is the guest's to clear. */
static void fifo_quiesce(struct domain *d, uint32_t port, struct evtchn *chn)
{
	struct evtchn_domain *ed = d->evtchn;
	unsigned long flags = spin_lock_irqsave(&ed->fifo_lock);
	mica_event_word_t *w = event_word(ed, port);

	chn->pending = 0;
	if (w) {
		__atomic_fetch_or(w, MICA_EVTCHN_FIFO_MASKED, __ATOMIC_SEQ_CST);
		__atomic_fetch_and(w, ~MICA_EVTCHN_FIFO_PENDING,
				   __ATOMIC_SEQ_CST);
	}
	spin_unlock_irqrestore(&ed->fifo_lock, flags);
}

void evtchn_fifo_bind(struct domain *d, uint32_t port, struct evtchn *chn)
{
	fifo_quiesce(d, port, chn);
}

void evtchn_fifo_close(struct domain *d, uint32_t port, struct evtchn *chn)
{
	fifo_quiesce(d, port, chn);
}

bool evtchn_fifo_is_pending(struct domain *d, uint32_t port, struct evtchn *chn)
{
	mica_event_word_t *w = event_word(d->evtchn, port);

	return READ_ONCE(chn->pending) ||
	       (w && (word_load(w) & MICA_EVTCHN_FIFO_PENDING));
}

/* Queues what waited privately for v (or, v NULL, for anyone). */
static void fifo_flush_private(struct domain *d, struct vcpu *v)
{
	struct evtchn_domain *ed = d->evtchn;

	for (uint32_t b = 0; b < READ_ONCE(ed->nr_buckets); b++) {
		struct evtchn *chn = evtchn_bucket(ed, b);

		if (!chn)
			continue;
		for (uint32_t i = 0; i < EVTCHN_PER_BUCKET; i++)
			if (chn[i].pending && chn[i].state != ECS_CLOSED &&
			    (!v || chn[i].notify_vcpu == v->id))
				fifo_raise_locked(d, b * EVTCHN_PER_BUCKET + i,
						  &chn[i], true);
	}
}

int evtchn_fifo_init_control(struct domain *d, struct vcpu *v, uint64_t gfn,
			     uint32_t offset)
{
	struct evtchn_domain *ed = d->evtchn;
	unsigned long flags;
	void *page;
	int rc;

	if ((offset & 7) ||
	    offset > PAGE_SIZE - sizeof(struct mica_evtchn_fifo_control))
		return -EINVAL;
	flags = spin_lock_irqsave(&ed->fifo_lock);
	if (v->events.control) {
		rc = -EEXIST;
		goto out;
	}
	rc = arch_guest_frame_get(d, gfn, &page);
	if (rc)
		goto out;
	v->events.control = (void *)((uint8_t *)page + offset);
	memset(v->events.control, 0, sizeof(*v->events.control));
	v->events.control_gfn = gfn;
	memset(v->events.tail, 0, sizeof(v->events.tail));
	ed->nr_control_blocks++;
	fifo_flush_private(d, v);
out:
	spin_unlock_irqrestore(&ed->fifo_lock, flags);
	return rc;
}

int evtchn_fifo_expand_array(struct domain *d, uint64_t gfn)
{
	struct evtchn_domain *ed = d->evtchn;
	uint32_t limit = MIN(d->max_evtchn_ports, MICA_EVTCHN_FIFO_MAX_PORTS);
	unsigned long flags = spin_lock_irqsave(&ed->fifo_lock);
	uint32_t first = ed->nr_array_pages * WORDS_PER_PAGE;
	mica_event_word_t *words;
	void *page;
	int rc;

	if (!ed->nr_control_blocks) {
		rc = -ENXIO;
		goto out;
	}
	if (first >= limit) {
		rc = -ENOSPC;
		goto out;
	}
	if (!ed->array) { /* the first page: the directory, for the limit */
		unsigned int n = (limit + WORDS_PER_PAGE - 1) / WORDS_PER_PAGE;

		ed->array = xzalloc(n * sizeof(*ed->array));
		if (!ed->array) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = arch_guest_frame_get(d, gfn, &page);
	if (rc)
		goto out;
	words = page;
	for (uint32_t i = 0; i < WORDS_PER_PAGE; i++) {
		struct evtchn *chn = evtchn_of(ed, first + i);
		uint32_t w = 0;

		if (chn && chn->state != ECS_CLOSED)
			w = MICA_EVTCHN_FIFO_MASKED |
			    (chn->pending ? MICA_EVTCHN_FIFO_PENDING : 0);
		__atomic_store_n(&words[i], w, __ATOMIC_RELAXED);
	}
	ed->array[ed->nr_array_pages].gfn = gfn;
	ed->array[ed->nr_array_pages].words = words;
	__atomic_store_n(&ed->nr_array_pages, ed->nr_array_pages + 1,
			 __ATOMIC_RELEASE);
	/* Pending ports of this page now show PENDING; they queue when
	 * unmasked.  Those whose vcpu has no control block stay private. */
	for (uint32_t i = 0; i < WORDS_PER_PAGE; i++) {
		struct evtchn *chn = evtchn_of(ed, first + i);

		if (chn && chn->pending && chn->state != ECS_CLOSED)
			fifo_raise_locked(d, first + i, chn, false);
	}
out:
	spin_unlock_irqrestore(&ed->fifo_lock, flags);
	return rc;
}

void evtchn_fifo_teardown(struct domain *d)
{
	struct evtchn_domain *ed = d->evtchn;
	unsigned long flags = spin_lock_irqsave(&ed->fifo_lock);

	for (unsigned int i = 0; i < ed->nr_array_pages; i++) {
		arch_guest_frame_put(d, ed->array[i].gfn);
		ed->array[i].words = NULL;
	}
	ed->nr_array_pages = 0;
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		if (!v || !v->events.control)
			continue;
		arch_guest_frame_put(d, v->events.control_gfn);
		v->events.control = NULL;
		memset(v->events.tail, 0, sizeof(v->events.tail));
	}
	ed->nr_control_blocks = 0;
	spin_unlock_irqrestore(&ed->fifo_lock, flags);
}
