/* SPDX-License-Identifier: MIT */
/*
 * Event channels in an HVM guest, the upcall as an interrupt of the local
 * APIC (public/vcpu.h MICA_VCPUOP_set_upcall_vector): vcpu_info moved
 * into our RAM, a FIFO control block and array page, an IPI port to
 * ourselves.  Each send raises the vector exactly once; sti; hlt wakes on
 * VIRQ_TIMER events of a periodic timer; a masked port does not interrupt
 * until it is unmasked; evtchn_upcall_mask holds the interrupt back and a
 * hypercall (or a hlt) after clearing it releases it; vector 0 stops the
 * interrupts and setting a vector with an upcall owed raises it; bad
 * vectors, padding and vcpus, and the PV-only vcpu_op sub-ops, are refused.
 */
#include "hvm.h"
#include "hypercall.h"
#include "public/errno.h"
#include "public/event_channel.h"
#include "public/sched.h"
#include "public/shared_info.h"
#include "public/vcpu.h"
#include "public/version.h"

const char test_title[] = "event-channel upcalls through a callback vector";

#define VEC 0x70
#define VEC_AP 0x74 /* vcpu 1's */
#define AP_SENDS 100
#define PEER_PINGS 50 /* tests/guests/hvm_evtchn_peer PINGS */
#define VEC_WATCHDOG \
	0x90 /* the APIC timer, so a lost upcall fails, not hangs */
#define SENDS 200
#define TICKS 20
#define SPIN 300 /* exits (cpuid) during which nothing may arrive */

static uint8_t vi_page[4096] __attribute__((aligned(4096)));
static uint8_t control_page[4096] __attribute__((aligned(4096)));
static uint32_t array_page[1024] __attribute__((aligned(4096)));
static uint8_t control_page1[4096] __attribute__((aligned(4096)));
static uint8_t ap_stack[8192] __attribute__((aligned(16)));

static volatile struct mica_vcpu_info *vi, *vi1; /* vcpus 0 and 1 */
static struct mica_evtchn_fifo_control *cbs[2];
static uint32_t ipi_port, timer_port, ap_port, peer_port;
static volatile unsigned int peer_events;
static volatile unsigned int upcalls, ipi_events, timer_events, others;
static volatile unsigned int ap_upcalls, ap_events, ap_spurious, ap_started;
static uint32_t local_heads[2][MICA_EVTCHN_FIFO_PRIORITIES];
static bool keep_pending; /* a guest breaking rule 2 */
static volatile unsigned int watchdogs;

static void watchdog_irq(unsigned int vec)
{
	(void)vec;
	watchdogs++;
	lapic_eoi();
}

static long vcpu_op(uint32_t cmd, uint32_t vcpu, const void *arg)
{
	return HYPERCALL5(MICA_HC_vcpu_op, cmd, vcpu, arg, 0, 0);
}

static long evtchn_op(uint32_t cmd, void *arg)
{
	return HYPERCALL5(MICA_HC_event_channel_op, cmd, arg, 0, 0, 0);
}

static long send(uint32_t port)
{
	struct mica_evtchn_port_op op = { .port = port };

	return evtchn_op(MICA_EVTCHNOP_send, &op);
}

static long set_vector(uint32_t vcpu, uint32_t vector, uint32_t pad)
{
	struct mica_vcpu_upcall_vector u = { .vector = vector, .pad0 = pad };

	return vcpu_op(MICA_VCPUOP_set_upcall_vector, vcpu, &u);
}

static void cheap_hypercall(void)
{
	hypercall_version(MICA_VERSION_GET, 0);
}

/* G1-G5 of event_channel.h on vcpu id's queues. */
static void consume_on(unsigned int id)
{
	struct mica_evtchn_fifo_control *cb = cbs[id];
	uint32_t *local_head = local_heads[id];
	uint32_t ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);

	while (ready) {
		unsigned int q = (unsigned int)__builtin_ctz(ready);
		uint32_t p = local_head[q], old;

		if (!p) {
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			p = __atomic_load_n(&cb->head[q], __ATOMIC_RELAXED);
		}
		if (!p || p >= 1024) {
			ready &= ~(1u << q);
			continue;
		}
		old = __atomic_fetch_and(&array_page[p],
					 ~(MICA_EVTCHN_FIFO_LINKED |
					   MICA_EVTCHN_FIFO_LINK_MASK),
					 __ATOMIC_SEQ_CST);
		local_head[q] = old & MICA_EVTCHN_FIFO_LINK_MASK;
		if (!local_head[q])
			ready &= ~(1u << q);
		if ((old & MICA_EVTCHN_FIFO_MASKED) ||
		    !(old & MICA_EVTCHN_FIFO_PENDING))
			continue;
		__atomic_fetch_and(&array_page[p], ~MICA_EVTCHN_FIFO_PENDING,
				   __ATOMIC_SEQ_CST);
		if (p == ipi_port)
			ipi_events++;
		else if (p == timer_port)
			timer_events++;
		else if (p == ap_port && id == 1)
			ap_events++;
		else if (p == peer_port && id == 0)
			peer_events++;
		else
			others++;
	}
}

static void upcall_irq(unsigned int vec)
{
	(void)vec;
	upcalls++;
	if (!keep_pending)
		vi->evtchn_upcall_pending = 0; /* rule 2: before the scan */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	consume_on(0);
	lapic_eoi();
}

/* A few hundred exits with interrupts on: time for anything owed. */
static void spin_exits(void)
{
	uint32_t r[4];

	for (unsigned int i = 0; i < SPIN; i++)
		cpuid(0, 0, r);
}

/* Waits (interrupts on) until *count reaches want, through exits. */
static bool wait_for(volatile unsigned int *count, unsigned int want)
{
	uint32_t r[4];

	for (unsigned int i = 0; i < 100000 && *count < want; i++)
		cpuid(0, 0, r);
	return *count >= want;
}

static void port_mask(uint32_t p)
{
	__atomic_fetch_or(&array_page[p], MICA_EVTCHN_FIFO_MASKED,
			  __ATOMIC_SEQ_CST);
}

static void port_unmask(uint32_t p)
{
	uint32_t old = __atomic_fetch_and(
		&array_page[p], ~MICA_EVTCHN_FIFO_MASKED, __ATOMIC_SEQ_CST);
	struct mica_evtchn_port_op op = { .port = p };

	if (old & MICA_EVTCHN_FIFO_PENDING) /* M2 */
		test_expect_rc(evtchn_op(MICA_EVTCHNOP_unmask, &op), 0,
			       "unmask port %u", p);
}

static void check_refusals(void)
{
	struct mica_vcpu_register_area ra = { 0 };

	test_expect_rc(set_vector(0, 1, 0), -MICA_EINVAL, "vector 1");
	test_expect_rc(set_vector(0, 0x1f, 0), -MICA_EINVAL, "vector 0x1f");
	test_expect_rc(set_vector(0, 0x100, 0), -MICA_EINVAL, "vector 0x100");
	test_expect_rc(set_vector(0, 0xffffffffu, 0), -MICA_EINVAL,
		       "vector ~0");
	test_expect_rc(set_vector(0, VEC, 1), -MICA_EINVAL, "pad0 set");
	test_expect_rc(set_vector(2, VEC, 0), -MICA_ENOENT, "vcpu 2 of 2");
	/* Rule 6: the PV vcpu sub-ops stay closed to HVM guests. */
	test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, 0, &ra), -MICA_ENOSYS,
		       "VCPUOP_initialise");
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 0, 0), -MICA_ENOSYS,
		       "VCPUOP_up");
	test_expect_rc(vcpu_op(MICA_VCPUOP_down, 0, 0), -MICA_ENOSYS,
		       "VCPUOP_down");
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_runstate, 0, &ra),
		       -MICA_ENOSYS, "VCPUOP_register_runstate");
	test_expect_rc(vcpu_op(MICA_VCPUOP_is_up, 0, 0), 1, "VCPUOP_is_up");
}

static void setup(void)
{
	struct mica_vcpu_register_info ri = {
		.gfn = (uint64_t)(uintptr_t)vi_page >> 12,
		.offset = 64,
	};
	struct mica_evtchn_init_control ic = {
		.control_gfn = (uint64_t)(uintptr_t)control_page >> 12,
		.offset = 0,
		.vcpu = 0,
	};
	struct mica_evtchn_expand_array ea = {
		.array_gfn = (uint64_t)(uintptr_t)array_page >> 12,
	};
	struct mica_evtchn_bind_ipi bi = { .vcpu = 0 };
	struct mica_evtchn_bind_virq bv = { .virq = MICA_VIRQ_TIMER,
					    .vcpu = 0 };
	struct mica_evtchn_init_control bad = ic;

	bad.control_gfn = hvm_start_info->nr_pages; /* past RAM */
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, &bad),
		       -MICA_EINVAL, "init_control past RAM");
	if (!test_expect_rc(vcpu_op(MICA_VCPUOP_register_info, 0, &ri), 0,
			    "register_info") ||
	    !test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, &ic), 0,
			    "init_control") ||
	    !test_expect_rc(evtchn_op(MICA_EVTCHNOP_expand_array, &ea), 0,
			    "expand_array") ||
	    !test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_ipi, &bi), 0,
			    "bind_ipi") ||
	    !test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_virq, &bv), 0,
			    "bind_virq"))
		test_error("event channel setup failed");
	vi = (volatile struct mica_vcpu_info *)(vi_page + 64);
	cbs[0] = (struct mica_evtchn_fifo_control *)control_page;
	ipi_port = bi.port;
	timer_port = bv.port;
	if (vi->evtchn_upcall_mask != 1)
		test_fail("vcpu_info moved with the mask %u, expected 1",
			  vi->evtchn_upcall_mask);
	port_unmask(ipi_port);
	port_unmask(timer_port);
}

/* Each send: exactly one interrupt, one event. */
static void check_sends(void)
{
	for (unsigned int i = 0; i < SENDS; i++) {
		test_expect_rc(send(ipi_port), 0, "send %u", i);
		if (!wait_for(&ipi_events, i + 1)) {
			test_fail("send %u: no event (%u upcalls)", i, upcalls);
			return;
		}
	}
	spin_exits();
	if (upcalls != SENDS || ipi_events != SENDS || others)
		test_fail("%u sends: %u upcalls, %u events, %u stray", SENDS,
			  upcalls, ipi_events, others);
	/* With IF clear, two sends: one interrupt takes both (rule 2). */
	cli();
	send(ipi_port);
	send(ipi_port);
	if (vi->evtchn_upcall_pending != 1)
		test_fail("upcall_pending %u after a send",
			  vi->evtchn_upcall_pending);
	sti();
	spin_exits();
	if (upcalls != SENDS + 1 || ipi_events != SENDS + 1)
		test_fail("two sends with IF clear: %u upcalls, %u events "
			  "(want %u, %u)",
			  upcalls - SENDS, ipi_events - SENDS, 1, 1);
}

/* sti; hlt woken by VIRQ_TIMER of a 1 ms periodic timer. */
static void check_hlt(void)
{
	struct mica_vcpu_periodic_timer pt = { .period_ns = 1000000 };
	unsigned int before = upcalls;

	cli();
	test_expect_rc(vcpu_op(MICA_VCPUOP_set_periodic_timer, 0, &pt), 0,
		       "set_periodic_timer");
	while (timer_events < TICKS) {
		unsigned int t = timer_events;

		sti_hlt(); /* only an interrupt ends it (P5) */
		cli();
		if (upcalls == before && timer_events == t)
			test_fail("hlt ended without an upcall");
		before = upcalls;
	}
	test_expect_rc(vcpu_op(MICA_VCPUOP_stop_periodic_timer, 0, 0), 0,
		       "stop_periodic_timer");
	sti();
	spin_exits();
	printk("%u timer events woke sti; hlt\n", timer_events);
}

/* A masked port stays pending without interrupting; unmask delivers. */
static void check_port_mask(void)
{
	unsigned int u = upcalls, e = ipi_events;

	port_mask(ipi_port);
	for (unsigned int i = 0; i < 3; i++)
		send(ipi_port);
	spin_exits();
	if (upcalls != u || ipi_events != e)
		test_fail("masked port: %u upcalls, %u events", upcalls - u,
			  ipi_events - e);
	if (!(array_page[ipi_port] & MICA_EVTCHN_FIFO_PENDING))
		test_fail("masked port not PENDING after sends");
	port_unmask(ipi_port);
	if (!wait_for(&ipi_events, e + 1))
		test_fail("unmasked port: no event");
	spin_exits();
	if (upcalls != u + 1 || ipi_events != e + 1)
		test_fail("unmask: %u upcalls, %u events, want 1, 1",
			  upcalls - u, ipi_events - e);
}

/*
 * evtchn_upcall_mask: holds the interrupt back across exits; clearing it
 * and making a hypercall (shared_info.h rule 3) releases it, once.  With
 * hlt instead of the hypercall: the hlt takes it.
 */
static void check_upcall_mask(bool by_hlt)
{
	unsigned int u = upcalls, e = ipi_events;

	vi->evtchn_upcall_mask = 1;
	send(ipi_port);
	spin_exits();
	if (upcalls != u || vi->evtchn_upcall_pending != 1)
		test_fail("mask set: %u upcalls, pending %u", upcalls - u,
			  vi->evtchn_upcall_pending);
	send(ipi_port); /* already pending: nothing more to raise */
	if (by_hlt) { /* no exit between the mask's clear and the hlt */
		cli();
		lapic_write(LAPIC_TMICT, 50000000); /* watchdog: 0.5 s */
	}
	vi->evtchn_upcall_mask = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (by_hlt) {
		sti_hlt();
		lapic_write(LAPIC_TMICT, 0);
		if (watchdogs)
			test_fail("hlt woken by the watchdog, not the upcall");
	} else if (vi->evtchn_upcall_pending)
		cheap_hypercall();
	spin_exits();
	if (upcalls != u + 1 || ipi_events != e + 1)
		test_fail("mask released by %s: %u upcalls, %u events, want "
			  "1, 1",
			  by_hlt ? "hlt" : "a hypercall", upcalls - u,
			  ipi_events - e);
}

/*
 * Rule 2: while evtchn_upcall_pending stays 1 (a handler that never clears
 * it) new events raise nothing; the guest finds them when it scans.
 */
static void check_pending_stays(void)
{
	unsigned int u = upcalls, e = ipi_events;

	keep_pending = true;
	send(ipi_port);
	if (!wait_for(&ipi_events, e + 1))
		test_fail("rule 2: first event missing");
	for (unsigned int i = 0; i < 5; i++) {
		send(ipi_port); /* a new queue head each time */
		spin_exits();
		if (upcalls != u + 1)
			test_fail("rule 2: pending still 1, %u upcalls after "
				  "%u more sends",
				  upcalls - u, i + 1);
		cli();
		consume_on(0); /* what a polling guest would do */
		sti();
	}
	keep_pending = false;
	if (ipi_events != e + 6)
		test_fail("rule 2: %u events found, want 6", ipi_events - e);
	vi->evtchn_upcall_pending = 0;
	send(ipi_port);
	if (!wait_for(&ipi_events, e + 7) || upcalls != u + 2)
		test_fail("rule 2: after the clear %u upcalls, want 2",
			  upcalls - u);
}

/* Vector 0: no interrupt, pending still set; a new vector raises it. */
static void check_vector_change(void)
{
	unsigned int u = upcalls, e = ipi_events;

	test_expect_rc(set_vector(0, 0, 0), 0, "vector 0");
	send(ipi_port);
	spin_exits();
	if (upcalls != u || vi->evtchn_upcall_pending != 1)
		test_fail("vector 0: %u upcalls, pending %u", upcalls - u,
			  vi->evtchn_upcall_pending);
	test_expect_rc(set_vector(0, VEC + 1, 0), 0, "vector %#x", VEC + 1);
	if (!wait_for(&ipi_events, e + 1))
		test_fail("vector set with an upcall owed: no event");
	spin_exits();
	if (upcalls != u + 1 || ipi_events != e + 1)
		test_fail("vector set with an upcall owed: %u upcalls, %u "
			  "events",
			  upcalls - u, ipi_events - e);
	send(ipi_port);
	if (!wait_for(&ipi_events, e + 2))
		test_fail("new vector: no event");
}

static void ap_irq(unsigned int vec)
{
	(void)vec;
	ap_upcalls++;
	vi1->evtchn_upcall_pending = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	consume_on(1);
	lapic_eoi();
}

/* vcpu 1: halts for good; only its upcall may end each hlt (P5). */
static void ap_main(unsigned int id)
{
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_TPR, 0);
	ap_started = id;
	for (;;) {
		unsigned int u = ap_upcalls;

		sti_hlt();
		cli();
		if (ap_upcalls == u)
			ap_spurious++;
	}
}

static void send_apic_ipi(unsigned int dest, uint32_t icr)
{
	lapic_write(LAPIC_ICR2, dest << 24);
	lapic_write(LAPIC_ICR, icr);
}

/*
 * vcpu 1, halted on the other CPU, woken by events vcpu 0 sends on a port
 * bound to it: its vector (set by vcpu 0), its vcpu_info and control
 * block; each send is one upcall there and none here.
 */
static void check_other_vcpu(void)
{
	struct mica_vcpu_register_info ri = {
		.gfn = (uint64_t)(uintptr_t)vi_page >> 12,
		.offset = 128,
	};
	struct mica_evtchn_init_control ic = {
		.control_gfn = (uint64_t)(uintptr_t)control_page1 >> 12,
		.vcpu = 1,
	};
	struct mica_evtchn_bind_ipi bi = { .vcpu = 1 };
	unsigned int u = upcalls;

	if (!test_expect_rc(vcpu_op(MICA_VCPUOP_register_info, 1, &ri), 0,
			    "register_info of vcpu 1") ||
	    !test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, &ic), 0,
			    "init_control of vcpu 1") ||
	    !test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_ipi, &bi), 0,
			    "bind_ipi to vcpu 1"))
		return;
	vi1 = (volatile struct mica_vcpu_info *)(vi_page + 128);
	cbs[1] = (struct mica_evtchn_fifo_control *)control_page1;
	ap_port = bi.port;
	port_unmask(ap_port);
	test_expect_rc(set_vector(1, VEC_AP, 0), 0, "vector of vcpu 1");
	vi1->evtchn_upcall_mask = 0;
	ap_main_fn = ap_main;
	ap_stack_top = (uint64_t)(uintptr_t)&ap_stack[sizeof(ap_stack)];
	send_apic_ipi(1, 0x4500); /* INIT */
	send_apic_ipi(1, 0x0600 | 0x08); /* SIPI: 0x8000 */
	if (!wait_for(&ap_started, 1)) {
		test_fail("vcpu 1 did not start");
		return;
	}
	for (unsigned int i = 0; i < AP_SENDS; i++) {
		test_expect_rc(send(ap_port), 0, "send to vcpu 1");
		if (!wait_for(&ap_events, i + 1)) {
			test_fail("vcpu 1: send %u not delivered (%u upcalls)",
				  i, ap_upcalls);
			return;
		}
	}
	spin_exits();
	if (ap_upcalls != AP_SENDS || ap_events != AP_SENDS || ap_spurious ||
	    upcalls != u)
		test_fail("vcpu 1: %u sends, %u upcalls, %u events, %u hlts "
			  "ended without one; vcpu 0: %u upcalls",
			  AP_SENDS, ap_upcalls, ap_events, ap_spurious,
			  upcalls - u);
	printk("vcpu 1 halted: %u upcalls from vcpu 0's sends\n", ap_upcalls);
}

/* Waits for *count to reach want, yielding the CPU to dom0 meanwhile. */
static bool wait_yielding(volatile unsigned int *count, unsigned int want)
{
	for (unsigned int i = 0; i < 200000 && *count < want; i++)
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
	return *count >= want;
}

/*
 * An interdomain channel with dom0 (the PV guest hvm_evtchn_peer), which
 * offers us one unbound port: found by trying its low ports.  Each of our
 * sends is answered by one event, one upcall here.
 */
static void check_interdomain(void)
{
	struct mica_evtchn_bind_interdomain bi = { .remote_dom = 0 };
	unsigned int u = upcalls;
	long rc = -1;

	for (unsigned int t = 0; t < 20000 && rc; t++) {
		for (uint32_t p = 1; p < 64 && rc; p++) {
			bi.remote_port = p;
			rc = evtchn_op(MICA_EVTCHNOP_bind_interdomain, &bi);
		}
		if (rc)
			hypercall_sched_op(MICA_SCHEDOP_yield, 0);
	}
	if (rc) {
		test_fail("dom0 offered no port (%ld)", rc);
		return;
	}
	peer_port = bi.local_port;
	port_unmask(peer_port);
	for (unsigned int i = 0; i < PEER_PINGS; i++) {
		test_expect_rc(send(peer_port), 0, "send to dom0");
		if (!wait_yielding(&peer_events, i + 1)) {
			test_fail("dom0's answer %u never came", i);
			return;
		}
	}
	spin_exits();
	if (peer_events != PEER_PINGS || upcalls - u != PEER_PINGS)
		test_fail("dom0: %u answers, %u upcalls, want %u", peer_events,
			  upcalls - u, PEER_PINGS);
	printk("%u answers from dom0's port %u, one upcall each\n", peer_events,
	       bi.remote_port);
}

void test_main(void)
{
	irq_handlers[VEC] = upcall_irq;
	irq_handlers[VEC + 1] = upcall_irq;
	irq_handlers[VEC_WATCHDOG] = watchdog_irq;
	irq_handlers[VEC_AP] = ap_irq;
	lapic_write(LAPIC_TDCR, 0xb); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, VEC_WATCHDOG);
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_TPR, 0);

	check_refusals();
	setup();
	test_expect_rc(set_vector(0, VEC, 0), 0, "vector %#x", VEC);
	spin_exits();
	if (upcalls)
		test_fail("an upcall before any event (%u)", upcalls);
	vi->evtchn_upcall_mask = 0;
	sti();
	check_sends();
	check_hlt();
	check_port_mask();
	check_upcall_mask(false);
	check_upcall_mask(true);
	check_pending_stays();
	check_vector_change();
	check_interdomain();
	check_other_vcpu();
	cli();
	if (irq_unexpected)
		test_fail("%lu unexpected interrupts", irq_unexpected);
	printk("%u upcalls: %u IPI events, %u timer events\n", upcalls,
	       ipi_events, timer_events);
	test_pass();
}
