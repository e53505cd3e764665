/* SPDX-License-Identifier: MIT */
/*
 * vcpu timers, run state and vcpu_info placement (public/vcpu.h): one-shot
 * and periodic timers raise VIRQ_TIMER through the FIFO queues and never
 * fire early; MICA_TIMER_FUTURE, stop, short periods and other vcpus'
 * timers behave as specified; expiries coalesce while masked.
 */
#include "events.h"
#include "hypercall.h"
#include "test.h"
#include "public/errno.h"
#include "public/sched.h"

const char test_title[] = "vcpu timers, runstate, register_info";

#define MS 1000000ULL
/*
 * How long to wait for events that must come: only an upper bound for
 * "never came", so generous; a loaded host can stall the vcpu for tens of
 * milliseconds (checks of early firing are by deadline, not by this).
 */
#define WAIT_LIMIT (2000 * MS)

static uint32_t timer_port;
static volatile uint64_t timer_events, last_event_time;

static void on_event(uint32_t port)
{
	if (port == timer_port) {
		timer_events++;
		last_event_time = system_time();
	}
}

static long singleshot(uint64_t timeout, uint32_t flags)
{
	struct mica_vcpu_singleshot_timer t = { timeout, flags, 0 };

	return vcpu_op(MICA_VCPUOP_set_singleshot_timer, 0, &t);
}

static long periodic(uint32_t vcpu, uint64_t period)
{
	struct mica_vcpu_periodic_timer t = { period };

	return vcpu_op(MICA_VCPUOP_set_periodic_timer, vcpu, &t);
}

/* Waits (blocking) until 'n' timer events arrived or 'limit' ns passed. */
static void wait_events(uint64_t n, uint64_t limit)
{
	uint64_t end = system_time() + limit;

	while (timer_events < n && system_time() < end) {
		events_mask();
		if (timer_events >= n)
			break;
		hypercall_sched_op(MICA_SCHEDOP_block, NULL);
	}
	events_unmask();
}

static void spin_for(uint64_t ns)
{
	uint64_t end = system_time() + ns;

	while (system_time() < end)
		;
}

static void check_singleshot(void)
{
	static const uint64_t deltas[] = { 1 * MS, 3 * MS, 200000, 10 * MS };
	struct mica_vcpu_singleshot_timer bad = { 0, 0, 1 };

	printk("one-shot timers\n");
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t n, deadline;
		unsigned int tries = 0;
		long rc;

		/* MICA_TIMER_FUTURE rightly refuses a deadline that passed
		 * before the call: a loaded host can stall us that long
		 * (once over 1 ms).  Only a refusal in time is wrong. */
		do {
			n = timer_events;
			deadline = system_time() + deltas[i];
			rc = singleshot(deadline, MICA_TIMER_FUTURE);
		} while (rc == -MICA_ETIME && system_time() >= deadline &&
			 ++tries < 10);
		test_expect_rc(rc, 0, "one-shot in %lu ns", deltas[i]);
		wait_events(n + 1, WAIT_LIMIT);
		if (timer_events != n + 1)
			test_fail("one-shot %u: %lu events", i,
				  timer_events - n);
		else if (last_event_time < deadline)
			test_fail("one-shot fired %lu ns early",
				  deadline - last_event_time);
	}
	test_expect_rc(singleshot(system_time() - MS, MICA_TIMER_FUTURE),
		       -MICA_ETIME, "MICA_TIMER_FUTURE in the past");
	test_expect_rc(singleshot(system_time(), 2), -MICA_EINVAL,
		       "unknown timer flag");
	test_expect_rc(vcpu_op(MICA_VCPUOP_set_singleshot_timer, 0, &bad),
		       -MICA_EINVAL, "one-shot with pad0");
	test_expect_rc(vcpu_op(MICA_VCPUOP_set_singleshot_timer, 0,
			       (void *)0x10),
		       -MICA_EFAULT, "one-shot argument unreadable");

	/* In the past without the flag: fires at once. */
	uint64_t n = timer_events;
	test_expect_rc(singleshot(system_time() - MS, 0), 0, "past timeout");
	wait_events(n + 1, WAIT_LIMIT);
	if (timer_events != n + 1)
		test_fail("a past timeout did not fire at once");

	/*
	 * Stopped before it fires: nothing.  A loaded host can stall us
	 * past the deadline between setting and stopping, when firing is
	 * right: such a try proves nothing, and the next one has longer.
	 */
	uint64_t delay = 5 * MS;
	unsigned int tries;
	for (tries = 0; tries < 6; tries++, delay *= 2) {
		uint64_t deadline, stopped;

		events_mask();
		n = timer_events;
		deadline = system_time() + delay;
		test_expect_rc(singleshot(deadline, 0), 0, "one-shot");
		test_expect_rc(vcpu_op(MICA_VCPUOP_stop_singleshot_timer, 0,
				       NULL),
			       0, "stop the one-shot");
		stopped = system_time();
		events_unmask();
		if (stopped >= deadline)
			continue;
		spin_for(delay + 10 * MS);
		if (timer_events != n)
			test_fail("a stopped one-shot fired");
		break;
	}
	if (tries == 6)
		test_fail("could not stop a one-shot of up to %lu ns in time",
			  delay / 2);
}

static void check_periodic(void)
{
	uint64_t n, start, period = 2 * MS;

	printk("periodic timer\n");
	test_expect_rc(periodic(0, MICA_VCPU_TIMER_MIN_PERIOD_NS - 1),
		       -MICA_EINVAL, "period below the minimum");
	/* dom0 has a vcpu per CPU (two here): vcpu 1 exists but is not us. */
	test_expect_rc(periodic(1, period), -MICA_EINVAL,
		       "another vcpu's timer");
	test_expect_rc(periodic(40, period), -MICA_ENOENT, "vcpu 40's timer");
	n = timer_events;
	start = system_time();
	test_expect_rc(periodic(0, period), 0, "periodic 2 ms");
	wait_events(n + 5, WAIT_LIMIT);
	if (timer_events < n + 5)
		test_fail("periodic: %lu events in %llu ns", timer_events - n,
			  WAIT_LIMIT);
	else if (last_event_time < start + 5 * period)
		test_fail("5 periods ended %lu ns early",
			  start + 5 * period - last_event_time);

	/* Masked for ten periods: the expiries coalesce into one event. */
	events_mask();
	n = timer_events;
	spin_for(10 * period);
	events_unmask();
	if (timer_events != n + 1)
		test_fail("10 masked periods gave %lu events, expected 1",
			  timer_events - n);

	test_expect_rc(vcpu_op(MICA_VCPUOP_stop_periodic_timer, 0, NULL), 0,
		       "stop the periodic timer");
	spin_for(period); /* one may have been on its way */
	n = timer_events;
	spin_for(5 * period);
	if (timer_events != n)
		test_fail("stopped periodic timer fired %lu times",
			  timer_events - n);

	/* Periods so long that now + period wraps mean "never" (they once
	 * made an expiry in the past that re-fired forever: a livelock). */
	for (uint64_t p = ~0ULL; p >= ~0ULL - MS; p -= MS) {
		n = timer_events;
		test_expect_rc(periodic(0, p), 0, "periodic %#lx ns", p);
		spin_for(5 * MS);
		if (timer_events != n)
			test_fail("periodic %#lx ns fired %lu times", p,
				  timer_events - n);
	}
	test_expect_rc(vcpu_op(MICA_VCPUOP_stop_periodic_timer, 0, NULL), 0,
		       "stop the huge periodic timer");
}

static struct mica_vcpu_runstate_info area __attribute__((aligned(64)));

static void check_runstate(void)
{
	struct mica_vcpu_runstate_info r;
	struct mica_vcpu_register_area reg;
	uint64_t sum = 0, n = timer_events;

	printk("run state\n");
	test_expect_rc(vcpu_op(MICA_VCPUOP_get_runstate, 0, &r), 0,
		       "get_runstate");
	for (unsigned int i = 0; i < MICA_RUNSTATE_NR; i++)
		sum += r.time[i];
	if (r.state != MICA_RUNSTATE_running || r.version != 0)
		test_fail("runstate: state %u version %u", r.state, r.version);
	if (r.time[MICA_RUNSTATE_blocked] == 0)
		test_fail("no blocked time after blocking");
	if (sum > r.state_entry_time || r.state_entry_time > system_time())
		test_fail("runstate times: sum %lu, entry %lu", sum,
			  r.state_entry_time);
	reg.gaddr = (uint64_t)&area + 4;
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_runstate, 0, &reg),
		       -MICA_EINVAL, "misaligned runstate area");
	reg.gaddr = ((uint64_t)&area | 4095) - 7;
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_runstate, 0, &reg),
		       -MICA_EINVAL, "runstate area crossing a page");
	reg.gaddr = 0x1000;
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_runstate, 0, &reg),
		       -MICA_EFAULT, "runstate area unmapped");
	reg.gaddr = (uint64_t)&area;
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_runstate, 0, &reg), 0,
		       "register_runstate");
	/*
	 * Block until a one-shot wakes us: the registered area must then
	 * show the blocked time that get_runstate shows (it is published
	 * when the vcpu is switched back in).  The one-shot may fire before
	 * we block (a loaded host once stalled this vcpu for over 2 ms in
	 * between, so it never blocked and the area rightly stayed the
	 * same): then try again with a longer timeout.
	 */
	test_expect_rc(vcpu_op(MICA_VCPUOP_get_runstate, 0, &r), 0,
		       "get_runstate");
	uint64_t blocked = r.time[MICA_RUNSTATE_blocked], delay = 2 * MS;
	unsigned int tries;
	for (tries = 0; tries < 6; tries++, delay *= 2) {
		n = timer_events;
		singleshot(system_time() + delay, 0);
		wait_events(n + 1, 50 * MS + delay);
		test_expect_rc(vcpu_op(MICA_VCPUOP_get_runstate, 0, &r), 0,
			       "get_runstate");
		if (r.time[MICA_RUNSTATE_blocked] > blocked)
			break;
	}
	if (tries == 6)
		test_fail("never blocked for a one-shot of up to %lu ns",
			  delay / 2);
	else if (area.time[MICA_RUNSTATE_blocked] !=
			 r.time[MICA_RUNSTATE_blocked] ||
		 (area.version & 1))
		test_fail("registered area not updated: blocked %lu -> %lu, "
			  "get_runstate says %lu",
			  blocked, area.time[MICA_RUNSTATE_blocked],
			  r.time[MICA_RUNSTATE_blocked]);
	reg.gaddr = 0;
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_runstate, 0, &reg), 0,
		       "unregister the runstate area");
}

static uint8_t info_page[4096] __attribute__((aligned(4096)));

static void check_register_info(void)
{
	struct mica_vcpu_register_info ri = { 0 };
	uint64_t n = timer_events;

	printk("register_info\n");
	ri.gfn = virt_to_mfn(info_page);
	ri.offset = 32;
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_info, 0, &ri), -MICA_EINVAL,
		       "misaligned vcpu_info");
	ri.offset = 64;
	ri.pad0 = 1;
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_info, 0, &ri), -MICA_EINVAL,
		       "register_info with pad0");
	ri.pad0 = 0;
	ri.gfn = virt_to_mfn((void *)start_info->pt_base);
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_info, 0, &ri), -MICA_EBUSY,
		       "vcpu_info in a page table");
	ri.gfn = 0x200;
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_info, 0, &ri), -MICA_EPERM,
		       "vcpu_info in a hypervisor frame");
	ri.gfn = virt_to_mfn(info_page);
	events_mask();
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_info, 0, &ri), 0,
		       "register_info");
	vcpu_info = (void *)(info_page + 64);
	test_expect_rc(vcpu_op(MICA_VCPUOP_register_info, 0, &ri), -MICA_EEXIST,
		       "register_info twice");
	if (vcpu_info->evtchn_upcall_mask != 1 || !vcpu_info->time.version)
		test_fail("vcpu_info was not copied");
	/* Events and time now go through the new place. */
	singleshot(system_time() + 1 * MS, 0);
	wait_events(n + 1, WAIT_LIMIT);
	if (timer_events != n + 1)
		test_fail("no timer event through the moved vcpu_info");
}

void test_main(void)
{
	events_setup();
	event_handler = on_event;
	if (evtchn_bind_virq(MICA_VIRQ_TIMER, 0, &timer_port))
		test_error("cannot bind VIRQ_TIMER");
	port_unmask(timer_port);
	test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, 0, NULL), -MICA_EBUSY,
		       "initialise of the running vcpu");
	test_expect_rc(vcpu_op(99, 0, NULL), -MICA_ENOSYS, "unknown vcpu_op");
	/* The upcall vector is for HVM guests (vcpu.h): a PV caller is
	 * refused whatever the vector. */
	for (uint32_t vec = 0; vec <= 0x100; vec += 0x80) {
		struct mica_vcpu_upcall_vector uv = { .vector = vec };

		test_expect_rc(vcpu_op(MICA_VCPUOP_set_upcall_vector, 0, &uv),
			       -MICA_EOPNOTSUPP, "PV set_upcall_vector %#x",
			       vec);
	}
	check_singleshot();
	check_periodic();
	check_runstate();
	check_register_info();
	test_pass();
}
