/* SPDX-License-Identifier: MIT */
/*
 * Blocking (public/sched.h): MICA_SCHEDOP_block sleeps until an event (a
 * timer here) and returns at once when one is already pending, and so does
 * `hlt` in the guest kernel (arch-x86/pv.h: as MICA_SCHEDOP_block);
 * MICA_SCHEDOP_poll waits on PENDING bits of masked ports, with and without
 * a timeout, and refuses bad arguments.
 */
#include "events.h"
#include "hypercall.h"
#include "test.h"
#include "public/errno.h"
#include "public/sched.h"

const char test_title[] = "sched_op block and poll";

#define MS 1000000ULL

static uint32_t timer_port, ipi_port;
static volatile uint64_t timer_events, ipi_events;

static void on_event(uint32_t port)
{
	if (port == timer_port)
		timer_events++;
	if (port == ipi_port)
		ipi_events++;
}

static long singleshot(uint64_t timeout)
{
	struct mica_vcpu_singleshot_timer t = { timeout, 0, 0 };

	return vcpu_op(MICA_VCPUOP_set_singleshot_timer, 0, &t);
}

static long poll(uint32_t *ports, uint32_t n, uint64_t timeout)
{
	struct mica_sched_poll p = { (uint64_t)ports, n, 0, timeout };

	return hypercall_sched_op(MICA_SCHEDOP_poll, &p);
}

static void check_block(void)
{
	uint64_t t0, t1, n;

	printk("block until a timer event\n");
	for (unsigned int i = 0; i < 3; i++) {
		n = timer_events;
		events_mask();
		t0 = system_time();
		singleshot(t0 + 5 * MS);
		test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_block, NULL), 0,
			       "block");
		t1 = system_time();
		if (vcpu_info->evtchn_upcall_mask)
			test_fail("block left events masked");
		if (timer_events == n) /* woken for nothing */
			test_fail("block returned without an event");
		else if (t1 - t0 < 5 * MS)
			test_fail("block returned after %lu ns, before the "
				  "5 ms timer",
				  t1 - t0);
	}

	printk("block with an event already pending\n");
	events_mask();
	n = ipi_events;
	evtchn_send(ipi_port);
	if (ipi_events != n || !vcpu_info->evtchn_upcall_pending)
		test_fail("masked IPI: %lu events, upcall_pending %u",
			  ipi_events - n, vcpu_info->evtchn_upcall_pending);
	singleshot(system_time() + 500 * MS); /* a safety net */
	t0 = system_time();
	hypercall_sched_op(MICA_SCHEDOP_block, NULL);
	t1 = system_time();
	vcpu_op(MICA_VCPUOP_stop_singleshot_timer, 0, NULL);
	if (ipi_events != n + 1)
		test_fail("pending IPI not delivered by block");
	if (t1 - t0 > 100 * MS)
		test_fail("block slept %lu ns with an event pending", t1 - t0);
}

/* hlt is MICA_SCHEDOP_block: it unmasks events and sleeps until one
 * (not a yield, which would return at once: nobody else runs here). */
static void check_hlt(void)
{
	uint64_t t0, t1, n;

	printk("hlt until a timer event\n");
	for (unsigned int i = 0; i < 3; i++) {
		n = timer_events;
		events_mask();
		t0 = system_time();
		singleshot(t0 + 5 * MS);
		__asm__ __volatile__("hlt" ::: "memory");
		t1 = system_time();
		if (vcpu_info->evtchn_upcall_mask)
			test_fail("hlt left events masked");
		if (timer_events == n)
			test_fail("hlt returned without an event");
		else if (t1 - t0 < 5 * MS)
			test_fail("hlt returned after %lu ns, before the 5 ms "
				  "timer",
				  t1 - t0);
	}

	printk("hlt with an event already pending\n");
	events_mask();
	n = ipi_events;
	evtchn_send(ipi_port);
	singleshot(system_time() + 500 * MS); /* a safety net */
	t0 = system_time();
	__asm__ __volatile__("hlt" ::: "memory");
	t1 = system_time();
	vcpu_op(MICA_VCPUOP_stop_singleshot_timer, 0, NULL);
	if (ipi_events != n + 1)
		test_fail("pending IPI not delivered after hlt");
	if (t1 - t0 > 100 * MS)
		test_fail("hlt slept %lu ns with an event pending", t1 - t0);
}

static void check_poll(void)
{
	static uint32_t many[MICA_SCHED_POLL_MAX_PORTS + 1];
	uint32_t ports[2];
	struct mica_sched_poll p = { 0 };
	uint64_t t0, t1;

	printk("poll errors\n");
	ports[0] = ipi_port;
	events_unmask();
	test_expect_rc(poll(ports, 1, 0), -MICA_EINVAL,
		       "poll with events enabled");
	events_mask();
	test_expect_rc(poll(ports, 0, 0), -MICA_EINVAL, "poll on 0 ports");
	for (unsigned int i = 0; i <= MICA_SCHED_POLL_MAX_PORTS; i++)
		many[i] = ipi_port;
	test_expect_rc(poll(many, MICA_SCHED_POLL_MAX_PORTS + 1, 0),
		       -MICA_E2BIG, "poll on 129 ports");
	ports[1] = 999;
	test_expect_rc(poll(ports, 2, 0), -MICA_EINVAL,
		       "poll on an unbound port");
	ports[1] = 0;
	test_expect_rc(poll(ports, 2, 0), -MICA_EINVAL, "poll on port 0");
	test_expect_rc(poll((void *)0x10, 1, 0), -MICA_EFAULT,
		       "poll ports unreadable");
	p.ports_gaddr = (uint64_t)ports;
	p.nr_ports = 1;
	p.pad0 = 1;
	test_expect_rc(hypercall_sched_op(MICA_SCHEDOP_poll, &p), -MICA_EINVAL,
		       "poll with pad0");

	printk("poll with a timeout\n");
	port_mask(ipi_port);
	t0 = system_time();
	test_expect_rc(poll(ports, 1, t0 + 5 * MS), 0, "poll, 5 ms timeout");
	t1 = system_time();
	if (t1 - t0 < 5 * MS)
		test_fail("poll timed out after %lu ns", t1 - t0);
	if (!vcpu_info->evtchn_upcall_mask)
		test_fail("poll changed the upcall mask");

	printk("poll on a pending (masked) port\n");
	evtchn_send(ipi_port);
	t0 = system_time();
	test_expect_rc(poll(ports, 1, t0 + 500 * MS), 0, "poll, pending");
	if (system_time() - t0 > 100 * MS)
		test_fail("poll waited with the port pending");
	port_unmask(ipi_port);
	events_unmask();

	printk("poll without a timeout, woken by the timer's port\n");
	port_mask(timer_port);
	events_mask();
	ports[0] = ipi_port;
	ports[1] = timer_port;
	t0 = system_time();
	singleshot(t0 + 3 * MS);
	test_expect_rc(poll(ports, 2, 0), 0, "poll, no timeout");
	t1 = system_time();
	if (!(*event_word(timer_port) & MICA_EVTCHN_FIFO_PENDING))
		test_fail("poll returned with the timer port not pending");
	if (t1 - t0 < 3 * MS)
		test_fail("poll returned after %lu ns, before the timer",
			  t1 - t0);
	port_unmask(timer_port);
	events_unmask();
}

void test_main(void)
{
	events_setup();
	event_handler = on_event;
	if (evtchn_bind_virq(MICA_VIRQ_TIMER, 0, &timer_port) ||
	    evtchn_bind_ipi(0, &ipi_port))
		test_error("cannot bind the timer and IPI ports");
	port_unmask(timer_port);
	port_unmask(ipi_port);
	check_block();
	check_hlt();
	check_poll();
	test_pass();
}
