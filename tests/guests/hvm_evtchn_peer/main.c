/* SPDX-License-Identifier: MIT */
/*
 * dom0 of the HVM test tests/hvm/evtchn_upcall: the PV end of an
 * interdomain event channel with the HVM domain 1.  It offers one unbound
 * port to domain 1 (the HVM guest finds it by trying to bind each of our
 * low ports) and answers every event from domain 1 with one back, until
 * PINGS have come; the HVM guest checks each answer arrives as one
 * upcall on its vector.  Alone (no domain 1) it skips.
 */
#include "events.h"
#include "hypercall.h"
#include "test.h"
#include "public/domctl.h"
#include "public/errno.h"

const char test_title[] = "dom0 of hvm/evtchn_upcall: interdomain peer";

#define HVM_DOMID 1
#define PINGS 50 /* tests/hvm/evtchn_upcall/main.c PEER_PINGS */
#define WAIT_NS 60000000000ULL

static uint32_t port;
static volatile uint64_t pings;

static void on_event(uint32_t p)
{
	if (p == port)
		pings++;
}

static bool domain1_exists(void)
{
	struct mica_domctl d;

	memset(&d, 0, sizeof(d));
	d.cmd = MICA_DOMCTL_get_info;
	d.interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	d.domid = HVM_DOMID;
	return hypercall_domctl(&d) != -MICA_ESRCH;
}

void test_main(void)
{
	struct mica_evtchn_alloc_unbound u = { MICA_DOMID_SELF, HVM_DOMID, 0 };
	uint64_t answered = 0, deadline;

	if (!domain1_exists()) {
		test_skip(
			"no domain 1 (run by tests/hvm/run.sh evtchn_upcall)");
		return;
	}
	events_setup();
	event_handler = on_event;
	if (!test_expect_rc(evtchn_op(MICA_EVTCHNOP_alloc_unbound, &u), 0,
			    "alloc_unbound for domain 1"))
		return;
	port = u.port;
	port_unmask(port);
	events_unmask();
	deadline = system_time() + WAIT_NS;
	while (answered < PINGS && system_time() < deadline) {
		if (answered < pings) {
			answered++;
			test_expect_rc(evtchn_send(port), 0, "answer %lu",
				       answered);
			continue;
		}
		events_sleep(1000000);
	}
	if (answered != PINGS || pings != PINGS)
		test_fail("%lu pings from domain 1, %lu answered, want %u",
			  pings, answered, PINGS);
	printk("answered %lu events of domain 1 (port %u)\n", answered, port);
	test_pass();
}
