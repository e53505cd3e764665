/* SPDX-License-Identifier: MIT */
/*
 * Event channels (public/event_channel.h): every operation and its errors,
 * loopback interdomain channels and IPIs delivering real upcalls through
 * the FIFO queues, priorities and FIFO order, masking, thousands of ports
 * over several array pages, events raised before the queues existed, and
 * a guest that corrupts its own queues or hands Mica bad frames.
 */
#include "events.h"
#include "hypercall.h"
#include "layout.h"
#include "test.h"
#include "public/errno.h"

const char test_title[] = "event channels: ops, FIFO delivery, hostile use";

#define LIMIT 4096 /* EVTCHN_DEFAULT_MAX_PORTS */

static uint32_t seen[64];
static volatile unsigned int nr_seen;

static void record(uint32_t port)
{
	if (nr_seen < 64)
		seen[nr_seen] = port;
	nr_seen++;
}

static void seen_reset(void)
{
	nr_seen = 0;
}

/* Checks that exactly the ports 'want' were handled, in that order. */
static void expect_seen(const char *what, const uint32_t *want, unsigned int n)
{
	if (nr_seen != n) {
		test_fail("%s: %u events handled, expected %u", what, nr_seen,
			  n);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		if (seen[i] != want[i])
			test_fail("%s: event %u was port %u, expected %u", what,
				  i, seen[i], want[i]);
}

static struct mica_evtchn_status status_of(uint32_t port)
{
	struct mica_evtchn_status s = { 0 };

	s.dom = MICA_DOMID_SELF;
	s.port = port;
	if (evtchn_op(MICA_EVTCHNOP_status, &s))
		test_fail("status of port %u failed", port);
	return s;
}

static long set_priority(uint32_t port, uint32_t prio)
{
	struct mica_evtchn_set_priority p = { port, prio };

	return evtchn_op(MICA_EVTCHNOP_set_priority, &p);
}

static long unmask_op(uint32_t port, uint32_t pad)
{
	struct mica_evtchn_port_op op = { port, pad };

	return evtchn_op(MICA_EVTCHNOP_unmask, &op);
}

static uint32_t early_a, early_b;

/* Before any control block: ports work, events wait privately. */
static void check_before_registration(void)
{
	struct mica_evtchn_expand_array e = { virt_to_mfn(__image_start) };

	printk("before init_control\n");
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_expand_array, &e), -MICA_ENXIO,
		       "expand_array without a control block");
	test_expect_rc(evtchn_loopback(&early_a, &early_b), 0,
		       "loopback pair before registration");
	test_expect_rc(evtchn_send(early_a), 0, "send before registration");
}

static void check_registration(void)
{
	struct mica_evtchn_init_control c = { 0 };
	uint64_t l4 = virt_to_mfn((void *)start_info->pt_base);
	struct mica_evtchn_expand_array e;
	uint32_t want[1];

	printk("init_control and expand_array\n");
	c.control_gfn = virt_to_mfn(&seen);
	c.offset = 4;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, &c), -MICA_EINVAL,
		       "init_control at a misaligned offset");
	c.offset = 4096 - 64;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, &c), -MICA_EINVAL,
		       "init_control block crossing the page end");
	c.offset = 0;
	c.pad0 = 1;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, &c), -MICA_EINVAL,
		       "init_control with pad0 != 0");
	c.pad0 = 0;
	c.vcpu = 7;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, &c), -MICA_ENOENT,
		       "init_control for vcpu 7");
	c.vcpu = 0;
	c.control_gfn = l4;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, &c), -MICA_EBUSY,
		       "init_control on our L4 page table");
	c.control_gfn = 0x200;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, &c), -MICA_EPERM,
		       "init_control on a hypervisor frame");
	c.control_gfn = 1ULL << 40;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, &c), -MICA_EINVAL,
		       "init_control on a frame beyond RAM");
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, (void *)0x10),
		       -MICA_EFAULT, "init_control argument unreadable");
	test_expect_rc(events_init_control(), 0, "init_control");
	test_expect_rc(events_init_control(), -MICA_EEXIST,
		       "init_control twice");

	e.array_gfn = l4;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_expand_array, &e), -MICA_EBUSY,
		       "expand_array with a page table");
	e.array_gfn = 0x200;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_expand_array, &e), -MICA_EPERM,
		       "expand_array with a hypervisor frame");
	test_expect_rc(events_expand_array(), 0, "expand_array");

	/* The early event shows as PENDING (and MASKED: ports start so). */
	if (*event_word(early_b) !=
	    (MICA_EVTCHN_FIFO_PENDING | MICA_EVTCHN_FIFO_MASKED))
		test_fail("early port %u word %#x, expected PENDING|MASKED",
			  early_b, *event_word(early_b));
	if (*event_word(early_a) != MICA_EVTCHN_FIFO_MASKED)
		test_fail("port %u word %#x, expected MASKED", early_a,
			  *event_word(early_a));
	/* Now deliver it: unmask the port (M2) and enable events. */
	seen_reset();
	port_unmask(early_b);
	events_unmask();
	want[0] = early_b;
	expect_seen("event raised before registration", want, 1);
}

static void check_status_and_errors(void)
{
	struct mica_evtchn_status s;
	struct mica_evtchn_bind_interdomain bi = { 0 };
	struct mica_evtchn_alloc_unbound au = { 0 };
	struct mica_evtchn_reset r = { MICA_DOMID_SELF, { 0, 0, 0 } };
	struct mica_evtchn_port_op op = { early_a, 1 };

	printk("status and argument errors\n");
	s = status_of(early_a);
	if (s.state != MICA_EVTCHN_STATE_interdomain || s.remote_dom != 0 ||
	    s.remote_port != early_b || s.vcpu != 0 ||
	    s.priority != MICA_EVTCHN_FIFO_PRIORITY_DEFAULT)
		test_fail("status of %u: state %u remote %u:%u vcpu %u prio %u",
			  early_a, s.state, s.remote_dom, s.remote_port, s.vcpu,
			  s.priority);
	if (status_of(0).state != MICA_EVTCHN_STATE_closed ||
	    status_of(LIMIT + 5).state != MICA_EVTCHN_STATE_closed ||
	    status_of(0xffffffff).state != MICA_EVTCHN_STATE_closed)
		test_fail("ports 0 and beyond the limit are not closed");
	s = (struct mica_evtchn_status){ 0 };
	s.dom = MICA_DOMID_SELF;
	s.pad0 = 1;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_status, &s), -MICA_EINVAL,
		       "status with pad0");
	s.pad0 = 0;
	s.dom = 77;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_status, &s), -MICA_ESRCH,
		       "status in a domain that does not exist");

	test_expect_rc(evtchn_send(0), -MICA_EINVAL, "send on port 0");
	test_expect_rc(evtchn_send(LIMIT), -MICA_EINVAL, "send at the limit");
	test_expect_rc(evtchn_send(0x80000000), -MICA_EINVAL,
		       "send far beyond the limit");
	test_expect_rc(evtchn_send(1000), -MICA_EINVAL, "send on closed port");
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_send, &op), -MICA_EINVAL,
		       "send with pad0");
	test_expect_rc(evtchn_close(0), -MICA_EINVAL, "close port 0");
	test_expect_rc(evtchn_close(LIMIT + 1), -MICA_EINVAL,
		       "close beyond the limit");
	test_expect_rc(unmask_op(999, 0), -MICA_EINVAL, "unmask closed port");
	test_expect_rc(set_priority(early_a, 16), -MICA_EINVAL, "priority 16");
	test_expect_rc(set_priority(999, 1), -MICA_EINVAL,
		       "priority of a closed port");
	test_expect_rc(evtchn_op(99, &op), -MICA_ENOSYS, "unknown sub-op");

	bi.remote_dom = MICA_DOMID_SELF;
	bi.remote_port = early_a; /* interdomain, not unbound */
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &bi),
		       -MICA_EINVAL, "bind to a bound port");
	bi.remote_port = 0;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &bi),
		       -MICA_EINVAL, "bind to port 0");
	bi.remote_dom = 77;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &bi),
		       -MICA_ESRCH, "bind to a domain that does not exist");
	bi.remote_dom = MICA_DOMID_SELF;
	bi.pad1 = 1;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &bi),
		       -MICA_EINVAL, "bind_interdomain with pad1");
	au.dom = 77;
	au.remote_dom = MICA_DOMID_SELF;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_alloc_unbound, &au), -MICA_ESRCH,
		       "alloc_unbound in a missing domain");
	au.dom = MICA_DOMID_SELF;
	au.remote_dom = 77;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_alloc_unbound, &au), -MICA_ESRCH,
		       "alloc_unbound for a missing remote");
	r.pad0[1] = 1;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_reset, &r), -MICA_EINVAL,
		       "reset with padding");
	r.pad0[1] = 0;
	r.dom = 77;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_reset, &r), -MICA_ESRCH,
		       "reset a missing domain");
}

static void check_virqs_and_ipis(void)
{
	struct mica_evtchn_bind_vcpu bv = { 0, 0 };
	struct mica_evtchn_bind_virq bad = { 0 };
	uint32_t timer, exc, ipi, dummy, want[2];

	printk("VIRQ and IPI ports\n");
	test_expect_rc(evtchn_bind_virq(MICA_NR_VIRQS, 0, &dummy), -MICA_EINVAL,
		       "bind virq %u", MICA_NR_VIRQS);
	test_expect_rc(evtchn_bind_virq(17, 0, &dummy), -MICA_EINVAL,
		       "bind undefined virq 17");
	test_expect_rc(evtchn_bind_virq(MICA_VIRQ_TIMER, 3, &dummy),
		       -MICA_ENOENT, "bind virq on vcpu 3");
	bad.virq = MICA_VIRQ_DEBUG;
	bad.pad0 = 1;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_virq, &bad), -MICA_EINVAL,
		       "bind_virq with pad0");
	test_expect_rc(evtchn_bind_virq(MICA_VIRQ_TIMER, 0, &timer), 0,
		       "bind VIRQ_TIMER");
	test_expect_rc(evtchn_bind_virq(MICA_VIRQ_TIMER, 0, &dummy),
		       -MICA_EEXIST, "bind VIRQ_TIMER twice");
	test_expect_rc(evtchn_bind_virq(MICA_VIRQ_DOM_EXC, 0, &exc), 0,
		       "bind global VIRQ_DOM_EXC (we are privileged)");
	test_expect_rc(evtchn_bind_virq(MICA_VIRQ_DOM_EXC, 0, &dummy),
		       -MICA_EEXIST, "bind VIRQ_DOM_EXC twice");
	if (status_of(timer).state != MICA_EVTCHN_STATE_virq ||
	    status_of(timer).virq != MICA_VIRQ_TIMER)
		test_fail("status of the timer port");
	test_expect_rc(evtchn_send(timer), -MICA_EINVAL, "send on a VIRQ port");
	bv.port = timer;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_vcpu, &bv), -MICA_EINVAL,
		       "bind_vcpu of a per-vcpu VIRQ");
	bv.port = exc;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_vcpu, &bv), 0,
		       "bind_vcpu of a global VIRQ");
	bv.vcpu = 40; /* beyond any domain's vcpus */
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_vcpu, &bv), -MICA_ENOENT,
		       "bind_vcpu to vcpu 40");

	test_expect_rc(evtchn_bind_ipi(40, &dummy), -MICA_ENOENT,
		       "bind_ipi on vcpu 40");
	test_expect_rc(evtchn_bind_ipi(0, &ipi), 0, "bind_ipi");
	bv.port = ipi;
	bv.vcpu = 0;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_vcpu, &bv), -MICA_EINVAL,
		       "bind_vcpu of an IPI port");
	if (status_of(ipi).state != MICA_EVTCHN_STATE_ipi)
		test_fail("status of the IPI port");
	/* An IPI and a loopback send, delivered on the hypercall's return. */
	seen_reset();
	port_unmask(ipi);
	test_expect_rc(evtchn_send(ipi), 0, "send on the IPI port");
	test_expect_rc(evtchn_send(early_b), 0, "send on the loopback pair");
	want[0] = ipi;
	want[1] = early_a;
	port_unmask(early_a);
	expect_seen("IPI then loopback (unmasked late)", want, 2);

	test_expect_rc(evtchn_close(timer), 0, "close the VIRQ port");
	test_expect_rc(evtchn_bind_virq(MICA_VIRQ_TIMER, 0, &timer), 0,
		       "re-bind VIRQ_TIMER after close");
	test_expect_rc(evtchn_close(timer), 0, "close it again");
	test_expect_rc(evtchn_close(exc), 0, "close VIRQ_DOM_EXC");
	test_expect_rc(evtchn_close(ipi), 0, "close the IPI port");
	test_expect_rc(evtchn_close(ipi), -MICA_EINVAL, "close it twice");
}

/* Priorities first, FIFO order within a priority. */
static void check_ordering(void)
{
	static const uint32_t prio[6] = { 7, 3, 7, 3, 0, 15 };
	uint32_t port[6], want[6];

	printk("priority and FIFO order\n");
	for (unsigned int i = 0; i < 6; i++) {
		test_expect_rc(evtchn_bind_ipi(0, &port[i]), 0, "bind_ipi %u",
			       i);
		test_expect_rc(set_priority(port[i], prio[i]), 0,
			       "set_priority %u", prio[i]);
		port_unmask(port[i]);
	}
	events_mask();
	seen_reset();
	for (unsigned int i = 0; i < 6; i++)
		evtchn_send(port[i]);
	evtchn_send(port[0]); /* still pending: coalesces */
	if (nr_seen)
		test_fail("events delivered while masked");
	events_unmask();
	want[0] = port[4];
	want[1] = port[1];
	want[2] = port[3];
	want[3] = port[0];
	want[4] = port[2];
	want[5] = port[5];
	expect_seen("ordering", want, 6);
	if (status_of(port[1]).priority != 3)
		test_fail("status does not show priority 3");

	/* Masking keeps PENDING; unmasking delivers once. */
	printk("per-port masking\n");
	seen_reset();
	port_mask(port[0]);
	evtchn_send(port[0]);
	evtchn_send(port[0]);
	if (nr_seen || !(*event_word(port[0]) & MICA_EVTCHN_FIFO_PENDING) ||
	    (*event_word(port[0]) & MICA_EVTCHN_FIFO_LINKED))
		test_fail("masked port: %u events, word %#x", nr_seen,
			  *event_word(port[0]));
	port_unmask(port[0]);
	expect_seen("masked then unmasked", port, 1);

	/* Closing a port while it sits on a queue: discarded (G4 skips). */
	printk("closing a queued port\n");
	events_mask();
	seen_reset();
	evtchn_send(port[2]);
	evtchn_send(port[0]);
	test_expect_rc(evtchn_close(port[2]), 0, "close a queued port");
	events_unmask();
	expect_seen("queued port closed", port, 1);
	for (unsigned int i = 0; i < 6; i++)
		if (i != 2)
			evtchn_close(port[i]);
}

/* Every port up to the limit, over four array pages. */
static void check_many_ports(void)
{
	static uint32_t ports[LIMIT];
	unsigned int n = 0;
	uint32_t p, high = 0, want[3];
	long rc;

	printk("thousands of ports\n");
	while ((rc = evtchn_bind_ipi(0, &p)) == 0 && n < LIMIT)
		ports[n++] = p;
	test_expect_rc(rc, -MICA_EMFILE, "bind_ipi beyond the port limit");
	for (unsigned int i = 0; i < n; i++)
		high = ports[i] > high ? ports[i] : high;
	if (high != LIMIT - 1)
		test_fail("highest port %u, expected %u", high, LIMIT - 1);
	printk("%u ports bound, highest %u\n", n, high);

	/* Raised before their array pages exist: queued once unmasked. */
	events_mask();
	seen_reset();
	evtchn_send(LIMIT - 1);
	evtchn_send(2500);
	while (event_array_pages * 1024 < LIMIT)
		test_expect_rc(events_expand_array(), 0, "expand_array to %u",
			       (event_array_pages + 1) * 1024);
	test_expect_rc(events_expand_array(), -MICA_ENOSPC,
		       "expand_array beyond the limit");
	if (*event_word(2500) !=
	    (MICA_EVTCHN_FIFO_PENDING | MICA_EVTCHN_FIFO_MASKED))
		test_fail("port 2500 word %#x after expand_array",
			  *event_word(2500));
	port_unmask(2500);
	port_unmask(LIMIT - 1);
	port_unmask(1500);
	evtchn_send(1500);
	events_unmask();
	want[0] = 2500;
	want[1] = LIMIT - 1;
	want[2] = 1500;
	expect_seen("events on high ports", want, 3);

	/* Lowest free first: close two, get them back in order. */
	evtchn_close(3000);
	evtchn_close(2000);
	if (evtchn_bind_ipi(0, &p) || p != 2000)
		test_fail("lowest free port: got %u, expected 2000", p);
	for (unsigned int i = 0; i < n; i++)
		if (ports[i] != 3000 && evtchn_close(ports[i]))
			test_fail("closing port %u", ports[i]);
}

/* The guest scribbles over LINK and HEAD: only its own events suffer. */
static void check_hostile_queues(void)
{
	uint32_t a, b, c, want[1];

	printk("corrupted LINK and HEAD\n");
	evtchn_bind_ipi(0, &a);
	evtchn_bind_ipi(0, &b);
	evtchn_bind_ipi(0, &c);
	port_unmask(a);
	port_unmask(b);
	port_unmask(c);
	set_priority(c, 2);
	events_mask();
	evtchn_send(a);
	evtchn_send(b);
	/* a -> b; point a's LINK at itself and beyond the array, HEAD too. */
	__atomic_fetch_or(event_word(a), MICA_EVTCHN_FIFO_LINK_MASK,
			  __ATOMIC_SEQ_CST);
	*event_word(b) |= a; /* a cycle b -> a */
	fifo_control->head[MICA_EVTCHN_FIFO_PRIORITY_DEFAULT] = 0x1ffff;
	fifo_control->head[5] = 77777;
	fifo_control->ready |= 0xffff;
	evtchn_send(a);
	evtchn_send(b);
	events_unmask();
	printk("still alive after corrupt queues (%lu skipped)\n",
	       events_skipped);
	/* Another queue still works. */
	seen_reset();
	evtchn_send(c);
	want[0] = c;
	expect_seen("clean queue after corruption", want, 1);
	/* The tail word's LINK set by the guest: the next raise starts a
	 * new queue instead of linking. */
	events_mask();
	evtchn_send(c);
	*event_word(c) |= 5;
	seen_reset();
	evtchn_send(a);
	events_unmask();
	printk("after a corrupt tail: %u events\n", nr_seen);
	evtchn_close(a);
	evtchn_close(b);
	evtchn_close(c);
}

static void check_reset(void)
{
	struct mica_evtchn_reset r = { MICA_DOMID_SELF, { 0, 0, 0 } };
	uint32_t a, b, want[1];

	printk("reset\n");
	test_expect_rc(evtchn_loopback(&a, &b), 0, "loopback pair");
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_reset, &r), 0, "reset");
	if (status_of(a).state != MICA_EVTCHN_STATE_closed ||
	    status_of(b).state != MICA_EVTCHN_STATE_closed)
		test_fail("ports survive reset");
	/* The control block and array frames were given back: register
	 * them again and use them. */
	event_array_pages = 0;
	test_expect_rc(events_init_control(), 0, "init_control after reset");
	test_expect_rc(events_expand_array(), 0, "expand_array after reset");
	test_expect_rc(evtchn_loopback(&a, &b), 0, "loopback after reset");
	if (a != 1 || b != 2)
		test_fail("after reset the first ports are %u and %u", a, b);
	port_unmask(b);
	seen_reset();
	evtchn_send(a);
	want[0] = b;
	expect_seen("event after reset", want, 1);
}

void test_main(void)
{
	events_map_shared_info();
	event_handler = record;
	check_before_registration();
	check_registration();
	check_status_and_errors();
	check_virqs_and_ipis();
	check_ordering();
	check_many_ports();
	check_hostile_queues();
	check_reset();
	printk("%lu upcalls, %lu events, %lu skipped\n", upcalls_taken,
	       events_handled, events_skipped);
	test_pass();
}
