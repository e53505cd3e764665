/* SPDX-License-Identifier: MIT */
/*
 * Interdomain event channels between two real domains
 * (public/event_channel.h): the builder offers a domU's store and console
 * ports to dom0 (start_info.h); dom0 binds the store port, and the two
 * domains bounce an event back and forth, each blocking in
 * MICA_SCHEDOP_block until the other's event wakes it.  Closing dom0's end
 * makes the domU's port unbound again.  Neither side can reach the other's
 * ports beyond what was offered.  Prints the interdomain round trip as a
 * "bench:" line.
 */
#include "events.h"
#include "hypercall.h"
#include "lib.h"
#include "test.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/sched.h"

const char test_title[] = "interdomain event channels";

#define PEER 1 /* the domU's id: the first domain after dom0 */
#define ROUNDS 2000
#define WAIT_NS 20000000000ULL /* a generous bound on every wait */

static uint32_t my_port;
static volatile uint64_t received;
static bool echo; /* the domU answers every event */

static void on_event(uint32_t port)
{
	if (port != my_port)
		return;
	received++;
	if (echo)
		evtchn_send(my_port);
}

static long status(uint16_t dom, uint32_t port, struct mica_evtchn_status *st)
{
	*st = (struct mica_evtchn_status){ .dom = dom, .port = port };
	return evtchn_op(MICA_EVTCHNOP_status, st);
}

/* Blocks until 'received' reaches n; false after WAIT_NS. */
static bool wait_received(uint64_t n)
{
	uint64_t end = system_time() + WAIT_NS;

	for (;;) {
		events_mask();
		if (received >= n) {
			events_unmask();
			return true;
		}
		if (system_time() > end) {
			events_unmask();
			return false;
		}
		hypercall_sched_op(MICA_SCHEDOP_block, NULL);
	}
}

/* Yields until the port's state is 'state'; false after WAIT_NS. */
static bool wait_state(uint32_t port, uint32_t state)
{
	uint64_t end = system_time() + WAIT_NS;
	struct mica_evtchn_status st;

	while (system_time() < end) {
		if (!status(MICA_DOMID_SELF, port, &st) && st.state == state)
			return true;
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
	}
	return false;
}

static uint64_t peer_param(uint32_t index)
{
	struct mica_domctl op = {
		.cmd = MICA_DOMCTL_get_param,
		.interface_version = MICA_DOMCTL_INTERFACE_VERSION,
		.domid = PEER,
	};

	op.u.param.index = index;
	if (hypercall_domctl(&op))
		test_error("get_param %u of d%u failed", index, PEER);
	return op.u.param.value;
}

static void dom0_bind_errors(uint32_t store, uint32_t console)
{
	struct mica_evtchn_bind_interdomain b = { .remote_dom = PEER };

	b.remote_port = store;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &b),
		       -MICA_EINVAL, "binding a port that is already bound");
	b.remote_port = 0;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &b),
		       -MICA_EINVAL, "binding port 0");
	b.remote_port = 1u << 20;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &b),
		       -MICA_EINVAL, "binding a port beyond the limit");
	b.remote_dom = 999;
	b.remote_port = console;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &b),
		       -MICA_ESRCH, "binding to a domain that does not exist");
}

static void dom0_main(void)
{
	struct mica_evtchn_bind_interdomain b = { .remote_dom = PEER };
	struct mica_evtchn_status st;
	uint32_t store = peer_param(MICA_DOMPARAM_STORE_EVTCHN);
	uint32_t console = peer_param(MICA_DOMPARAM_CONSOLE_EVTCHN);
	uint64_t t0, t1;

	if (!store || !console || store == console)
		test_fail("domU ring ports: store %u, console %u", store,
			  console);
	if (status(PEER, store, &st) || st.state != MICA_EVTCHN_STATE_unbound ||
	    st.remote_dom != 0)
		test_fail("domU store port: state %u, offered to d%u", st.state,
			  st.remote_dom);

	b.remote_port = store;
	if (evtchn_op(MICA_EVTCHNOP_bind_interdomain, &b))
		test_error("cannot bind d%u's store port %u", PEER, store);
	my_port = b.local_port;
	if (status(MICA_DOMID_SELF, my_port, &st) ||
	    st.state != MICA_EVTCHN_STATE_interdomain ||
	    st.remote_dom != PEER || st.remote_port != store)
		test_fail("our end: state %u, peer d%u port %u", st.state,
			  st.remote_dom, st.remote_port);
	dom0_bind_errors(store, console);
	port_unmask(my_port);

	t0 = __builtin_ia32_rdtsc();
	for (uint64_t i = 1; i <= ROUNDS; i++) {
		evtchn_send(my_port);
		if (!wait_received(i)) {
			test_fail("round %lu: no answer from d%u", i, PEER);
			return;
		}
	}
	t1 = __builtin_ia32_rdtsc();
	printk("bench: event_channel_interdomain_round_trip %lu cycles\n",
	       (t1 - t0) / ROUNDS);

	test_expect_rc(evtchn_close(my_port), 0, "closing our end");
	if (status(PEER, store, &st) || st.state != MICA_EVTCHN_STATE_unbound ||
	    st.remote_dom != 0)
		test_fail("after close, d%u's port: state %u, offered to d%u",
			  PEER, st.state, st.remote_dom);
}

static void peer_hostile(void)
{
	struct mica_evtchn_bind_interdomain b = { .remote_dom = 0 };
	struct mica_evtchn_alloc_unbound a = { .dom = 0, .remote_dom = 0 };
	struct mica_evtchn_status st;

	/* dom0's ports are not offered to us. */
	for (uint32_t p = 1; p < 8; p++) {
		b.remote_port = p;
		test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &b),
			       -MICA_EINVAL, "binding one of dom0's ports");
	}
	/* Our console port is offered to dom0, not to ourselves. */
	b.remote_dom = MICA_DOMID_SELF;
	b.remote_port = start_info->console_evtchn;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &b),
		       -MICA_EINVAL, "binding our own port offered to dom0");
	test_expect_rc(status(0, 1, &st), -MICA_EPERM,
		       "reading the status of dom0's port");
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_alloc_unbound, &a), -MICA_EPERM,
		       "allocating a port in dom0");
}

static void peer_main(void)
{
	struct mica_evtchn_status st;

	my_port = start_info->store_evtchn;
	if (!my_port || !start_info->console_evtchn ||
	    my_port == start_info->console_evtchn)
		test_fail("ring ports: store %u, console %u", my_port,
			  start_info->console_evtchn);
	/* Offered to dom0, or already bound by it: dom0 may be faster. */
	if (status(MICA_DOMID_SELF, my_port, &st) ||
	    (st.state != MICA_EVTCHN_STATE_unbound &&
	     st.state != MICA_EVTCHN_STATE_interdomain) ||
	    st.remote_dom != 0)
		test_fail("store port: state %u, remote d%u", st.state,
			  st.remote_dom);
	peer_hostile();
	port_unmask(my_port);
	echo = true;
	if (!wait_state(my_port, MICA_EVTCHN_STATE_interdomain)) {
		test_fail("dom0 never bound the store port");
		return;
	}
	if (!wait_received(ROUNDS)) {
		test_fail("got %lu of %u events", received, ROUNDS);
		return;
	}
	if (!wait_state(my_port, MICA_EVTCHN_STATE_unbound))
		test_fail("the port did not become unbound when dom0 closed");
	/* Sending on an unbound port does nothing, successfully. */
	test_expect_rc(evtchn_send(my_port), 0, "sending on an unbound port");
}

void test_main(void)
{
	const char *role = cmdline_value("role");

	events_setup();
	event_handler = on_event;
	if (role && !strncmp(role, "peer", 4))
		peer_main();
	else
		dom0_main();
	test_pass();
}
