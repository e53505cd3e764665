// SPDX-License-Identifier: MIT
/*
 * Unit tests of the FIFO event queues (common/event_fifo.c, the H1/H2/M2
 * rules and note 4 of public/event_channel.h): linking and unlinking,
 * priorities, masked events, moves between vcpus, private pending before
 * a control block or array page exists, close, and a guest that corrupts
 * its own queue.  The "guest" here is a consumer following G1-G5 over the
 * same words the hypervisor writes.
 */
#include <stdlib.h>
#include <string.h>

#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/heap.h>

#include "../../../hypervisor/common/event_internal.h"
#include "harness.h"

#define NR_VCPUS 3
#define NR_GUEST_PAGES 8
#define WORDS MICA_EVTCHN_FIFO_WORDS_PER_PAGE
#define LINKED MICA_EVTCHN_FIFO_LINKED
#define PENDING MICA_EVTCHN_FIFO_PENDING
#define MASKED MICA_EVTCHN_FIFO_MASKED
#define LINK_MASK MICA_EVTCHN_FIFO_LINK_MASK
#define DEFQ MICA_EVTCHN_FIFO_PRIORITY_DEFAULT

/* The host's heap stands in for the hypervisor's. */
void *xzalloc(size_t size)
{
	return calloc(1, size);
}

void xfree(void *p)
{
	free(p);
}

/* Guest frames: gfn k is guest_pages[k]; references counted. */
static uint8_t guest_pages[NR_GUEST_PAGES][4096] __attribute__((aligned(4096)));
static int frame_refs[NR_GUEST_PAGES];
static struct mica_vcpu_info vinfo[NR_VCPUS];
static unsigned int wakes[NR_VCPUS];

int arch_guest_frame_get(struct domain *d, uint64_t gfn, void **va)
{
	(void)d;
	if (gfn >= NR_GUEST_PAGES)
		return -EINVAL;
	frame_refs[gfn]++;
	*va = guest_pages[gfn];
	return 0;
}

void arch_guest_frame_put(struct domain *d, uint64_t gfn)
{
	(void)d;
	frame_refs[gfn]--;
}

struct mica_vcpu_info *arch_vcpu_info(struct vcpu *v)
{
	return &vinfo[v->id];
}

void evtchn_vcpu_wake(struct vcpu *v)
{
	wakes[v->id]++;
}

/* The arch upcall hook: counts calls with the old pending byte; takes
 * the wake-up over (returns true) for vcpus in arch_takes_upcall. */
static unsigned int upcall_calls[NR_VCPUS], upcall_was_pending[NR_VCPUS];
static bool arch_takes_upcall[NR_VCPUS];

bool arch_evtchn_upcall(struct vcpu *v, struct mica_vcpu_info *vi,
			bool was_pending)
{
	if (vi != &vinfo[v->id] || !vi->evtchn_upcall_pending)
		return false; /* the test sees it: wakes without a call */
	upcall_calls[v->id]++;
	upcall_was_pending[v->id] += was_pending;
	return arch_takes_upcall[v->id];
}

static struct domain *d;
static struct evtchn_domain *ed;

/* gfns: control blocks of vcpus 0..2 are 0..2, array pages 4.. */
#define CONTROL_GFN(v) (v)
#define ARRAY_GFN(k) (4 + (k))

static struct mica_evtchn_fifo_control *control(unsigned int v)
{
	return (void *)(guest_pages[CONTROL_GFN(v)] + 64);
}

static mica_event_word_t *word(uint32_t port)
{
	return (mica_event_word_t *)guest_pages[ARRAY_GFN(port / WORDS)] +
	       port % WORDS;
}

static void setup(void)
{
	memset(guest_pages, 0, sizeof(guest_pages));
	memset(frame_refs, 0, sizeof(frame_refs));
	memset(vinfo, 0, sizeof(vinfo));
	memset(wakes, 0, sizeof(wakes));
	memset(upcall_calls, 0, sizeof(upcall_calls));
	memset(upcall_was_pending, 0, sizeof(upcall_was_pending));
	memset(arch_takes_upcall, 0, sizeof(arch_takes_upcall));
	d = calloc(1, sizeof(*d));
	ed = calloc(1, sizeof(*ed));
	d->evtchn = ed;
	d->max_vcpus = NR_VCPUS;
	d->max_evtchn_ports = 4 * WORDS;
	for (unsigned int i = 0; i < NR_VCPUS; i++) {
		d->vcpus[i] = calloc(1, sizeof(struct vcpu));
		d->vcpus[i]->id = i;
		d->vcpus[i]->domain = d;
	}
	ed->nr_buckets = 4 * WORDS / EVTCHN_PER_BUCKET;
	ed->bucket = calloc(ed->nr_buckets, sizeof(*ed->bucket));
	for (uint32_t b = 0; b < ed->nr_buckets; b++)
		ed->bucket[b] =
			calloc(EVTCHN_PER_BUCKET, sizeof(struct evtchn));
}

static void teardown(void)
{
	evtchn_fifo_teardown(d);
	for (unsigned int i = 0; i < NR_GUEST_PAGES; i++)
		CHECK_INT(frame_refs[i], 0);
	for (uint32_t b = 0; b < ed->nr_buckets; b++)
		free(ed->bucket[b]);
	free(ed->bucket);
	free(ed->array);
	for (unsigned int i = 0; i < NR_VCPUS; i++)
		free(d->vcpus[i]);
	free(ed);
	free(d);
}

/* A bound IPI-style port on vcpu v at priority q, MASKED as bind leaves
 * it, then unmasked unless asked. */
static struct evtchn *bind(uint32_t port, unsigned int v, unsigned int q,
			   bool unmask)
{
	struct evtchn *chn = evtchn_of(ed, port);

	chn->state = ECS_IPI;
	chn->notify_vcpu = (uint16_t)v;
	chn->priority = (uint8_t)q;
	evtchn_fifo_bind(d, port, chn);
	if (unmask)
		evtchn_fifo_unmask(d, port, chn);
	return chn;
}

static void raise(uint32_t port)
{
	evtchn_fifo_raise(d, port, evtchn_of(ed, port));
}

/* Registers vcpu v's control block and (once) array pages 0..n-1. */
static void init_vcpu(unsigned int v)
{
	CHECK_INT(evtchn_fifo_init_control(d, d->vcpus[v], CONTROL_GFN(v), 64),
		  0);
}

/* Adds array page k (the next one). */
static void init_array(unsigned int k)
{
	CHECK_INT(evtchn_fifo_expand_array(d, ARRAY_GFN(k)), 0);
}

/*
 * The guest's consumer for vcpu v (G1-G5): takes every queue, most urgent
 * first, and writes the ports it handles to out[] (at most max).  Returns
 * how many.  Entries found not PENDING (or MASKED) are skipped.
 */
static uint32_t local_head[NR_VCPUS][MICA_EVTCHN_FIFO_PRIORITIES];
static unsigned int skipped;

static unsigned int consume(unsigned int v, uint32_t *out, unsigned int max)
{
	struct mica_evtchn_fifo_control *cb = control(v);
	unsigned int n = 0;
	uint32_t ready;

	vinfo[v].evtchn_upcall_pending = 0;
	ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
	while (ready) {
		unsigned int q = (unsigned int)__builtin_ctz(ready);
		uint32_t port, old;

		if (!local_head[v][q])
			local_head[v][q] = cb->head[q];
		port = local_head[v][q];
		if (!port || port >= 4 * WORDS) {
			local_head[v][q] = 0;
			ready &= ~(1u << q);
			continue;
		}
		old = __atomic_fetch_and(word(port), ~(LINKED | LINK_MASK),
					 __ATOMIC_SEQ_CST);
		local_head[v][q] = old & LINK_MASK;
		if (!local_head[v][q])
			ready &= ~(1u << q);
		if ((old & PENDING) && !(old & MASKED)) {
			__atomic_fetch_and(word(port), ~PENDING,
					   __ATOMIC_SEQ_CST);
			if (n < max)
				out[n++] = port;
		} else {
			skipped++;
		}
		ready |= __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
	}
	return n;
}

static void test_link_unlink(void)
{
	uint32_t got[8];

	setup();
	init_vcpu(0);
	init_array(0);
	bind(5, 0, DEFQ, true);
	bind(6, 0, DEFQ, true);
	bind(9, 0, DEFQ, true);
	CHECK_EQ(*word(5), 0);
	raise(5);
	CHECK_EQ(*word(5), PENDING | LINKED);
	CHECK_EQ(control(0)->head[DEFQ], 5);
	CHECK_EQ(control(0)->ready, 1u << DEFQ);
	CHECK_EQ(vinfo[0].evtchn_upcall_pending, 1);
	CHECK_INT(wakes[0], 1);
	raise(6);
	raise(9);
	CHECK_EQ(*word(5), PENDING | LINKED | 6); /* linked to the tail */
	CHECK_EQ(*word(6), PENDING | LINKED | 9);
	CHECK_EQ(control(0)->head[DEFQ], 5); /* HEAD only for a new queue */
	CHECK_INT(wakes[0], 1); /* READY was already set */
	raise(6); /* already queued: nothing changes */
	CHECK_EQ(*word(6), PENDING | LINKED | 9);
	CHECK_INT(consume(0, got, 8), 3);
	CHECK_EQ(got[0], 5);
	CHECK_EQ(got[1], 6);
	CHECK_EQ(got[2], 9);
	CHECK_EQ(*word(5) | *word(6) | *word(9), 0);
	/* The queue is empty: the next event is a new HEAD. */
	raise(6);
	CHECK_EQ(control(0)->head[DEFQ], 6);
	CHECK_EQ(*word(6), PENDING | LINKED);
	CHECK_INT(wakes[0], 2);
	CHECK_INT(consume(0, got, 8), 1);
	CHECK_EQ(got[0], 6);
	teardown();
}

static void test_priorities(void)
{
	uint32_t got[8];

	setup();
	init_vcpu(0);
	init_array(0);
	bind(10, 0, 9, true);
	bind(11, 0, 2, true);
	bind(12, 0, 9, true);
	bind(13, 0, MICA_EVTCHN_FIFO_PRIORITY_MAX, true);
	raise(10);
	raise(11);
	raise(12);
	raise(13);
	CHECK_EQ(control(0)->ready, (1u << 9) | (1u << 2) | 1u);
	CHECK_EQ(control(0)->head[2], 11);
	CHECK_EQ(control(0)->head[9], 10);
	/* Most urgent queue first, FIFO within a queue. */
	CHECK_INT(consume(0, got, 8), 4);
	CHECK_EQ(got[0], 13);
	CHECK_EQ(got[1], 11);
	CHECK_EQ(got[2], 10);
	CHECK_EQ(got[3], 12);
	teardown();
}

static void test_masked(void)
{
	uint32_t got[8];
	struct evtchn *chn;

	setup();
	init_vcpu(0);
	init_array(0);
	chn = bind(20, 0, DEFQ, false); /* still MASKED */
	CHECK_EQ(*word(20), MASKED);
	raise(20);
	raise(20);
	CHECK_EQ(*word(20), MASKED | PENDING); /* H1: pending, not linked */
	CHECK_EQ(control(0)->ready, 0);
	CHECK_INT(wakes[0], 0);
	CHECK(evtchn_fifo_is_pending(d, 20, chn));
	evtchn_fifo_unmask(d, 20, chn); /* M2: queued now */
	CHECK_EQ(*word(20), PENDING | LINKED);
	CHECK_EQ(control(0)->head[DEFQ], 20);
	CHECK_INT(wakes[0], 1);
	/* The guest masks it again while queued: skipped, stays pending. */
	__atomic_fetch_or(word(20), MASKED, __ATOMIC_SEQ_CST);
	CHECK_INT(consume(0, got, 8), 0);
	CHECK_EQ(*word(20), MASKED | PENDING);
	evtchn_fifo_unmask(d, 20, chn);
	CHECK_INT(consume(0, got, 8), 1);
	CHECK_EQ(got[0], 20);
	/* Unmasking with nothing pending queues nothing. */
	evtchn_fifo_unmask(d, 20, chn);
	CHECK_EQ(*word(20), 0);
	CHECK_EQ(control(0)->ready, 0);
	teardown();
}

static void test_move_between_vcpus(void)
{
	uint32_t got[8];
	struct evtchn *a;

	setup();
	init_vcpu(0);
	init_vcpu(1);
	init_array(0);
	a = bind(30, 0, DEFQ, true);
	bind(31, 0, DEFQ, true);
	raise(30);
	/* Moved while LINKED: stays on vcpu 0's queue (note 1). */
	a->notify_vcpu = 1;
	raise(30);
	CHECK_EQ(control(1)->ready, 0);
	CHECK_INT(consume(0, got, 8), 1);
	CHECK_EQ(got[0], 30);
	/* Now it goes to vcpu 1, and vcpu 0 forgets it as its tail. */
	raise(30);
	CHECK_EQ(control(1)->head[DEFQ], 30);
	CHECK_EQ(control(1)->ready, 1u << DEFQ);
	CHECK_INT(wakes[1], 1);
	raise(31); /* vcpu 0: a new HEAD, not linked behind 30 */
	CHECK_EQ(control(0)->head[DEFQ], 31);
	CHECK_EQ(*word(30) & LINK_MASK, 0);
	CHECK_INT(consume(1, got, 8), 1);
	CHECK_EQ(got[0], 30);
	CHECK_INT(consume(0, got, 8), 1);
	CHECK_EQ(got[0], 31);
	/* A priority change is a move to another queue too. */
	raise(31);
	a = evtchn_of(ed, 31);
	CHECK_INT(consume(0, got, 8), 1);
	a->priority = 3;
	raise(31);
	raise(30); /* on vcpu 1 */
	CHECK_EQ(control(0)->head[3], 31);
	CHECK_EQ(control(0)->ready, 1u << 3);
	CHECK_INT(consume(0, got, 8), 1);
	CHECK_INT(consume(1, got, 8), 1);
	CHECK_EQ(got[0], 30);
	teardown();
}

static void test_private_pending(void)
{
	uint32_t got[8];
	struct evtchn *chn, *far;

	setup();
	/* No control block yet: the event waits in the port. */
	chn = bind(40, 2, DEFQ, false);
	raise(40);
	CHECK(chn->pending);
	CHECK(evtchn_fifo_is_pending(d, 40, chn));
	CHECK_INT(evtchn_fifo_expand_array(d, ARRAY_GFN(0)), -ENXIO);
	init_vcpu(0);
	init_array(0);
	/* The array page shows it PENDING (and MASKED, as bound). */
	CHECK_EQ(*word(40), MASKED | PENDING);
	/* A port beyond the array waits privately as well. */
	far = bind(WORDS + 3, 0, DEFQ, false);
	raise(WORDS + 3);
	CHECK(far->pending);
	evtchn_fifo_unmask(d, WORDS + 3, far); /* no word to unmask yet */
	init_array(1);
	CHECK_EQ(*word(WORDS + 3), MASKED | PENDING);
	evtchn_fifo_unmask(d, WORDS + 3, far);
	CHECK_INT(consume(0, got, 8), 1);
	CHECK_EQ(got[0], WORDS + 3);
	/* vcpu 2 registers: unmasking queues its waiting event there. */
	evtchn_fifo_unmask(d, 40, chn);
	CHECK_EQ(control(0)->ready, 0);
	init_vcpu(2);
	CHECK_INT(evtchn_fifo_init_control(d, d->vcpus[2], CONTROL_GFN(2), 64),
		  -EEXIST);
	CHECK_EQ(control(2)->head[DEFQ], 40);
	CHECK_INT(consume(2, got, 8), 1);
	CHECK_EQ(got[0], 40);
	/* Bad offsets and frames. */
	CHECK_INT(evtchn_fifo_init_control(d, d->vcpus[1], CONTROL_GFN(1), 4),
		  -EINVAL);
	CHECK_INT(evtchn_fifo_init_control(d, d->vcpus[1], CONTROL_GFN(1),
					   4096 - 64),
		  -EINVAL);
	CHECK_INT(evtchn_fifo_init_control(d, d->vcpus[1], 99, 0), -EINVAL);
	teardown();
}

static void test_close_while_queued(void)
{
	uint32_t got[8];
	struct evtchn *chn;

	setup();
	init_vcpu(0);
	init_array(0);
	chn = bind(50, 0, DEFQ, true);
	bind(51, 0, DEFQ, true);
	raise(50);
	raise(51);
	evtchn_fifo_close(d, 50, chn);
	CHECK_EQ(*word(50) & (PENDING | MASKED), MASKED);
	skipped = 0;
	CHECK_INT(consume(0, got, 8), 1);
	CHECK_EQ(got[0], 51);
	CHECK_INT(skipped, 1);
	CHECK(!evtchn_fifo_is_pending(d, 50, chn));
	teardown();
}

/* The guest scribbles over its queue: only its own events suffer, and the
 * hypervisor never follows a LINK or HEAD it did not write. */
static void test_hostile_guest(void)
{
	uint32_t got[8];

	setup();
	init_vcpu(0);
	init_array(0);
	bind(60, 0, DEFQ, true);
	bind(61, 0, DEFQ, true);
	bind(62, 0, DEFQ, true);
	raise(60);
	/* A LINK in the tail: the next event starts a new HEAD. */
	__atomic_fetch_or(word(60), 777, __ATOMIC_SEQ_CST);
	raise(61);
	CHECK_EQ(control(0)->head[DEFQ], 61);
	CHECK_EQ(*word(60) & LINK_MASK, 777);
	/* LINKED cleared behind the hypervisor's back: a new HEAD too. */
	__atomic_fetch_and(word(61), ~LINKED, __ATOMIC_SEQ_CST);
	raise(62);
	CHECK_EQ(control(0)->head[DEFQ], 62);
	CHECK_EQ(*word(61) & LINK_MASK, 0);
	/* Garbage HEAD and READY: the consumer copes, the queue recovers. */
	control(0)->head[5] = 0x1ffff;
	control(0)->ready |= 1u << 5;
	CHECK_INT(consume(0, got, 8), 1);
	CHECK_EQ(got[0], 62);
	/* 61, no longer LINKED, queues again; 60 stays LINKED (and lost)
	 * until the guest clears it and unmasks. */
	raise(60);
	raise(61);
	CHECK_INT(consume(0, got, 8), 1);
	CHECK_EQ(got[0], 61);
	CHECK_EQ(*word(60) & (LINKED | PENDING), LINKED | PENDING);
	__atomic_fetch_and(word(60), ~(LINKED | LINK_MASK), __ATOMIC_SEQ_CST);
	evtchn_fifo_unmask(d, 60, evtchn_of(ed, 60));
	CHECK_INT(consume(0, got, 8), 1);
	CHECK_EQ(got[0], 60);
	teardown();
}

/* Many events over many ports and vcpus: each raise ends up handled
 * exactly once per raise-while-not-pending, none lost. */
static void test_random_storm(void)
{
	static uint32_t expected[256];
	uint32_t got[512];
	unsigned int handled[256] = { 0 };

	setup();
	for (unsigned int v = 0; v < NR_VCPUS; v++)
		init_vcpu(v);
	init_array(0);
	for (uint32_t p = 1; p < 256; p++)
		bind(p, p % NR_VCPUS, (unsigned int)(p % 16), true);
	memset(expected, 0, sizeof(expected));
	for (unsigned int round = 0; round < 200; round++) {
		for (unsigned int k = 0; k < 50; k++) {
			uint32_t p = 1 + (uint32_t)test_random_below(255);

			if (!(*word(p) & PENDING))
				expected[p]++;
			raise(p);
			if (test_random_below(8) == 0) {
				struct evtchn *chn = evtchn_of(ed, p);

				if (!(*word(p) & LINKED)) {
					chn->notify_vcpu =
						(uint16_t)test_random_below(
							NR_VCPUS);
				}
			}
		}
		for (unsigned int v = 0; v < NR_VCPUS; v++) {
			unsigned int n = consume(v, got, 512);

			for (unsigned int i = 0; i < n; i++)
				handled[got[i]]++;
		}
	}
	for (uint32_t p = 1; p < 256; p++)
		CHECK_EQ(handled[p], expected[p]);
	teardown();
}

/*
 * The arch hook (HVM upcall vector): called once per new queue head with
 * the pending byte already set and its old value; when it takes the
 * vcpu over, the common code does not wake it.
 */
static void test_arch_upcall_hook(void)
{
	uint32_t got[8];

	setup();
	init_vcpu(0);
	init_vcpu(1);
	init_array(0);
	bind(5, 0, DEFQ, true);
	bind(6, 0, 3, true);
	bind(7, 1, DEFQ, true);
	arch_takes_upcall[0] = true;
	raise(5);
	CHECK_INT(upcall_calls[0], 1);
	CHECK_INT(upcall_was_pending[0], 0);
	CHECK_INT(wakes[0], 0); /* taken over */
	raise(5); /* no new head: no call */
	CHECK_INT(upcall_calls[0], 1);
	raise(6); /* a new head on another queue, pending still 1 */
	CHECK_INT(upcall_calls[0], 2);
	CHECK_INT(upcall_was_pending[0], 1);
	CHECK_INT(consume(0, got, 8), 2); /* clears pending first */
	raise(5);
	CHECK_INT(upcall_calls[0], 3);
	CHECK_INT(upcall_was_pending[0], 1); /* 0 -> 1 again */
	CHECK_INT(wakes[0], 0);
	raise(7); /* vcpu 1: the hook declines, the common wake */
	CHECK_INT(upcall_calls[1], 1);
	CHECK_INT(wakes[1], 1);
	CHECK_EQ(vinfo[1].evtchn_upcall_pending, 1);
	teardown();
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_link_unlink),
		TEST_CASE(test_priorities),
		TEST_CASE(test_masked),
		TEST_CASE(test_move_between_vcpus),
		TEST_CASE(test_private_pending),
		TEST_CASE(test_close_while_queued),
		TEST_CASE(test_hostile_guest),
		TEST_CASE(test_random_storm),
		TEST_CASE(test_arch_upcall_hook),
	};

	return run_tests("event_fifo", cases, sizeof(cases) / sizeof(cases[0]));
}
