/* SPDX-License-Identifier: MIT */
/*
 * Event-channel IPIs between the vcpus of one guest (public/event_channel.h
 * bind_ipi, send, close; public/vcpu.h up/down): 4 CPUs, 5 vcpus.  Vcpus
 * 1-3 come up with vcpu_op and take upcalls on their own FIFO queues (the
 * library's consumer serves each vcpu from its control block).  Checked:
 * every event reaches the vcpu its port is bound to and no other; two
 * ping-pongs between pairs of vcpus, where each event must arrive exactly
 * once or the bounce stops; a storm of all vcpus sending to all others,
 * after which every receiver has seen every message posted to it (no lost
 * wake-up); a port's MASKED bit and a vcpu's upcall mask hold events back
 * until cleared, and then deliver one; a port closed while pending or while
 * queued on a vcpu with upcalls masked is never delivered, and its number,
 * re-bound, starts clean; hostile: IPI ports bound to a vcpu beyond the
 * domain (-ENOENT), to a vcpu that is down (events wait and arrive when it
 * comes up, and only then) and to a vcpu never initialised and without a
 * control block (events wait privately until both exist).
 */
#include "boot.h"
#include "events.h"
#include "hypercall.h"
#include "test.h"
#include "vcpu.h"
#include "public/errno.h"
#include "public/sched.h"

const char test_title[] = "SMP: event-channel IPIs between vcpus";

#define NR_VCPUS 4 /* the ones that run the phases */
#define SPARE_VCPU 4 /* exists (dom0_max_vcpus=5), started late */
#define NPORTS 64
#define PINGS 1000
#define STORM_SENDS 500
#define WAIT_MS 20000ULL

static uint32_t ipi[NR_VCPUS + 1]; /* ipi[v] is bound to vcpu v */
static volatile uint32_t owner[NPORTS]; /* vcpu a port is bound to */
static volatile uint64_t got[VCPU_MAX][NPORTS]; /* events per vcpu, port */
static volatile uint32_t misrouted, misrouted_port, misrouted_vcpu;

enum phase { PH_COUNT, PH_PINGPONG, PH_STORM };
static volatile enum phase phase;
static volatile uint64_t posted[NR_VCPUS], seen[NR_VCPUS];

static void wait_ms(uint64_t ms)
{
	uint64_t end = system_time() + ms * 1000000;

	while (system_time() < end)
		__builtin_ia32_pause();
}

static uint64_t load(volatile uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Spins until *p == want or 'ms' pass; returns whether it got there. */
static bool wait_for(volatile uint64_t *p, uint64_t want, uint64_t ms)
{
	uint64_t end = system_time() + ms * 1000000;

	while (load(p) != want)
		if (system_time() > end)
			return false;
	return true;
}

static void on_event(uint32_t port)
{
	unsigned int self = vcpu_self();

	if (port >= NPORTS || owner[port] != self) {
		misrouted_port = port;
		misrouted_vcpu = self;
		__atomic_fetch_add(&misrouted, 1, __ATOMIC_SEQ_CST);
		return;
	}
	__atomic_fetch_add(&got[self][port], 1, __ATOMIC_SEQ_CST);
	if (self >= NR_VCPUS || port != ipi[self])
		return;
	if (phase == PH_PINGPONG) {
		/* Odd vcpus answer every ping; even ones stop at PINGS. */
		if ((self & 1) || load(&got[self][port]) < PINGS)
			evtchn_send(ipi[self ^ 1]);
	} else if (phase == PH_STORM) {
		/* PENDING is clear: a later post raises the port again. */
		seen[self] = load(&posted[self]);
	}
}

/* The phases: vcpu 0 sets cmd and bumps cmd_seq; workers run it. */
static void (*volatile cmd)(unsigned int id);
static volatile uint64_t cmd_seq, cmd_done;
static volatile uint32_t alive[VCPU_MAX];
static volatile unsigned int down_id; /* who goes down on cmd NULL */

static void worker(unsigned int id)
{
	uint64_t mine = load(&cmd_seq);

	events_unmask();
	__atomic_store_n(&alive[id], 1, __ATOMIC_RELEASE);
	for (;;) {
		while (load(&cmd_seq) == mine)
			__builtin_ia32_pause();
		mine = load(&cmd_seq);
		if (!cmd && id == down_id) {
			/* go down (the library's vcpu_main does it) */
			__atomic_store_n(&alive[id], 0, __ATOMIC_RELEASE);
			__atomic_fetch_add(&cmd_done, 1, __ATOMIC_SEQ_CST);
			return;
		}
		if (cmd)
			cmd(id);
		__atomic_fetch_add(&cmd_done, 1, __ATOMIC_SEQ_CST);
	}
}

/* Runs fn on the 'n' workers 1..n that are up (and on vcpu 0 if self0). */
static bool run(void (*fn)(unsigned int id), unsigned int n, bool self0)
{
	uint64_t before = load(&cmd_done);

	cmd = fn;
	__atomic_fetch_add(&cmd_seq, 1, __ATOMIC_SEQ_CST);
	if (self0 && fn)
		fn(0);
	if (!wait_for(&cmd_done, before + n, WAIT_MS)) {
		test_fail("workers did not finish a phase (%lu of %u)",
			  load(&cmd_done) - before, n);
		return false;
	}
	return true;
}

static void start_vcpu(unsigned int id)
{
	struct mica_vcpu_guest_context c;
	uint64_t end = system_time() + WAIT_MS * 1000000;

	vcpu_context_init(&c, id, worker);
	c.callback[MICA_CALLBACK_event] = (uint64_t)event_entry;
	if (!test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, id, &c), 0,
			    "initialise vcpu %u", id) ||
	    !test_expect_rc(vcpu_op(MICA_VCPUOP_up, id, 0), 0, "up vcpu %u",
			    id))
		return;
	while (!__atomic_load_n(&alive[id], __ATOMIC_ACQUIRE))
		if (system_time() > end) {
			test_fail("vcpu %u never started", id);
			return;
		}
}

static long bind_ipi(uint32_t vcpu, uint32_t *port)
{
	long rc = evtchn_bind_ipi(vcpu, port);

	if (!rc && *port < NPORTS) {
		owner[*port] = vcpu;
		port_unmask(*port);
	} else if (!rc) {
		test_error("port %u beyond the test's table", *port);
	}
	return rc;
}

static uint64_t total_got(uint32_t port)
{
	uint64_t n = 0;

	for (unsigned int v = 0; v < VCPU_MAX; v++)
		n += load(&got[v][port]);
	return n;
}

static void clear_counts(void)
{
	memset((void *)got, 0, sizeof(got));
}

/* Each vcpu sends STORM_SENDS messages to every other one. */
static void storm(unsigned int id)
{
	for (unsigned int i = 0; i < STORM_SENDS; i++)
		for (unsigned int d = 0; d < NR_VCPUS; d++) {
			if (d == id)
				continue;
			__atomic_fetch_add(&posted[d], 1, __ATOMIC_SEQ_CST);
			evtchn_send(ipi[d]);
		}
}

static void kick_pair(unsigned int id)
{
	if (id == 2)
		evtchn_send(ipi[3]);
}

static void mask_upcalls(unsigned int id)
{
	(void)id;
	events_mask();
}

static void unmask_upcalls(unsigned int id)
{
	(void)id;
	events_unmask();
}

static void test_routing(void)
{
	printk("each vcpu sends to each vcpu once\n");
	clear_counts();
	for (unsigned int s = 0; s < NR_VCPUS; s++)
		for (unsigned int d = 0; d < NR_VCPUS; d++) {
			test_expect_rc(evtchn_send(ipi[d]), 0, "send to %u", d);
			if (!wait_for(&got[d][ipi[d]], s + 1, WAIT_MS))
				test_fail("vcpu %u: IPI %u not delivered", d,
					  ipi[d]);
		}
	wait_ms(5);
	for (unsigned int d = 0; d < NR_VCPUS; d++)
		if (total_got(ipi[d]) != NR_VCPUS)
			test_fail("port %u: %lu events, want %u", ipi[d],
				  total_got(ipi[d]), NR_VCPUS);
}

static void test_pingpong(void)
{
	printk("ping-pong 0<->1 and 2<->3, %u round trips each\n", PINGS);
	clear_counts();
	phase = PH_PINGPONG;
	evtchn_send(ipi[1]);
	run(kick_pair, NR_VCPUS - 1, false);
	for (unsigned int v = 0; v < NR_VCPUS; v++)
		if (!wait_for(&got[v][ipi[v]], PINGS, 3 * WAIT_MS))
			test_fail("ping-pong stalled: vcpu %u got %lu of %u", v,
				  load(&got[v][ipi[v]]), PINGS);
	wait_ms(10);
	phase = PH_COUNT;
	for (unsigned int v = 0; v < NR_VCPUS; v++)
		if (load(&got[v][ipi[v]]) != PINGS)
			test_fail("vcpu %u: %lu pings, want exactly %u", v,
				  load(&got[v][ipi[v]]), PINGS);
}

static void test_storm(void)
{
	uint64_t want = (uint64_t)STORM_SENDS * (NR_VCPUS - 1);

	printk("storm: %u sends from every vcpu to every other\n", STORM_SENDS);
	clear_counts();
	phase = PH_STORM;
	run(storm, NR_VCPUS - 1, true);
	for (unsigned int d = 0; d < NR_VCPUS; d++) {
		if (load(&posted[d]) != want)
			test_error("vcpu %u: %lu posted, want %lu", d,
				   load(&posted[d]), want);
		if (!wait_for(&seen[d], want, WAIT_MS))
			test_fail("storm: vcpu %u saw %lu of %lu messages "
				  "(lost wake-up)",
				  d, load(&seen[d]), want);
		printk("  vcpu %u: %lu events for %lu messages\n", d,
		       load(&got[d][ipi[d]]), want);
		if (!load(&got[d][ipi[d]]) || load(&got[d][ipi[d]]) > want)
			test_fail("vcpu %u: %lu events for %lu sends", d,
				  load(&got[d][ipi[d]]), want);
	}
	phase = PH_COUNT;
}

static void test_masking(void)
{
	printk("port mask and vcpu upcall mask\n");
	clear_counts();
	port_mask(ipi[1]);
	for (unsigned int i = 0; i < 10; i++)
		evtchn_send(ipi[1]);
	wait_ms(20);
	if (total_got(ipi[1]))
		test_fail("masked port %u delivered", ipi[1]);
	if (!(*event_word(ipi[1]) & MICA_EVTCHN_FIFO_PENDING))
		test_fail("masked port %u not PENDING", ipi[1]);
	port_unmask(ipi[1]);
	if (!wait_for(&got[1][ipi[1]], 1, WAIT_MS))
		test_fail("unmasked port %u not delivered", ipi[1]);

	run(mask_upcalls, NR_VCPUS - 1, false);
	for (unsigned int i = 0; i < 10; i++)
		evtchn_send(ipi[2]);
	wait_ms(20);
	if (load(&got[2][ipi[2]]))
		test_fail("vcpu 2 took an upcall while masked");
	run(unmask_upcalls, NR_VCPUS - 1, false);
	if (!wait_for(&got[2][ipi[2]], 1, WAIT_MS))
		test_fail("vcpu 2: no event after unmasking upcalls");
	wait_ms(10);
	if (total_got(ipi[1]) != 1 || total_got(ipi[2]) != 1)
		test_fail("masking: %lu and %lu events, want one each",
			  total_got(ipi[1]), total_got(ipi[2]));
}

static void test_close_pending(void)
{
	uint64_t skipped;
	uint32_t port;

	printk("close while pending and while queued\n");
	clear_counts();
	/* Masked and PENDING, then closed: never delivered. */
	port_mask(ipi[1]);
	evtchn_send(ipi[1]);
	test_expect_rc(evtchn_close(ipi[1]), 0, "close pending %u", ipi[1]);
	test_expect_rc(evtchn_send(ipi[1]), -MICA_EINVAL, "send on closed");
	test_expect_rc(bind_ipi(1, &port), 0, "re-bind to vcpu 1");
	if (port != ipi[1])
		test_fail("re-bind got port %u, not the lowest free %u", port,
			  ipi[1]);
	wait_ms(20);
	if (total_got(port))
		test_fail("closed pending port delivered after re-bind");
	test_expect_rc(evtchn_send(port), 0, "send on re-bound %u", port);
	if (!wait_for(&got[1][port], 1, WAIT_MS))
		test_fail("re-bound port %u not delivered", port);

	/* Queued on vcpu 2 (LINKED, PENDING) while its upcalls are masked,
	 * then closed: the consumer finds it not PENDING and skips it. */
	run(mask_upcalls, NR_VCPUS - 1, false);
	skipped = events_skipped;
	evtchn_send(ipi[2]);
	if (!(*event_word(ipi[2]) & MICA_EVTCHN_FIFO_LINKED))
		test_fail("port %u not queued for masked vcpu 2", ipi[2]);
	test_expect_rc(evtchn_close(ipi[2]), 0, "close queued %u", ipi[2]);
	run(unmask_upcalls, NR_VCPUS - 1, false);
	wait_ms(20);
	if (total_got(ipi[2]))
		test_fail("closed queued port %u delivered", ipi[2]);
	if (events_skipped == skipped)
		test_fail("the closed queued port was not seen and skipped");
	test_expect_rc(bind_ipi(2, &port), 0, "re-bind to vcpu 2");
	ipi[2] = port;
	test_expect_rc(evtchn_send(port), 0, "send on re-bound %u", port);
	if (!wait_for(&got[2][port], 1, WAIT_MS))
		test_fail("re-bound port %u not delivered to vcpu 2", port);
	wait_ms(10);
	if (total_got(port) != 1)
		test_fail("re-bound port %u: %lu events", port,
			  total_got(port));
}

static void test_hostile(void)
{
	struct mica_evtchn_bind_vcpu bv = { 0 };
	struct mica_evtchn_init_control ic = { 0 };
	struct mica_evtchn_status st = { 0 };
	uint32_t port;

	printk("hostile IPI bindings\n");
	clear_counts();
	test_expect_rc(evtchn_bind_ipi(SPARE_VCPU + 1, &port), -MICA_ENOENT,
		       "bind_ipi to vcpu beyond max_vcpus");
	test_expect_rc(evtchn_bind_ipi(0xffffffff, &port), -MICA_ENOENT,
		       "bind_ipi to vcpu 0xffffffff");
	test_expect_rc(evtchn_bind_ipi(1U << 16, &port), -MICA_ENOENT,
		       "bind_ipi to vcpu 65536");
	bv.port = ipi[1];
	bv.vcpu = 2;
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_vcpu, &bv), -MICA_EINVAL,
		       "bind_vcpu moves an IPI");
	st.dom = MICA_DOMID_SELF;
	st.port = ipi[3];
	if (test_expect_rc(evtchn_op(MICA_EVTCHNOP_status, &st), 0,
			   "status of %u", ipi[3]) &&
	    (st.state != MICA_EVTCHN_STATE_ipi || st.vcpu != 3))
		test_fail("status: state %u vcpu %u, want ipi on 3", st.state,
			  st.vcpu);

	/* vcpu 3 goes down: its events wait in its queue. */
	down_id = 3;
	run(NULL, NR_VCPUS - 1, false);
	while (vcpu_op(MICA_VCPUOP_is_up, 3, 0) == 1)
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
	for (unsigned int i = 0; i < 50; i++)
		test_expect_rc(evtchn_send(ipi[3]), 0, "send to down vcpu 3");
	wait_ms(30);
	if (total_got(ipi[3]))
		test_fail("a down vcpu took an event (or it went elsewhere)");
	if ((*event_word(ipi[3]) &
	     (MICA_EVTCHN_FIFO_PENDING | MICA_EVTCHN_FIFO_LINKED)) !=
	    (MICA_EVTCHN_FIFO_PENDING | MICA_EVTCHN_FIFO_LINKED))
		test_fail("event for down vcpu 3 not queued: word %#x",
			  *event_word(ipi[3]));
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 3, 0), 0, "up vcpu 3 again");
	if (!wait_for(&got[3][ipi[3]], 1, WAIT_MS))
		test_fail("vcpu 3 back up: queued IPI not delivered");

	/* The spare vcpu: never initialised, no control block yet. */
	test_expect_rc(bind_ipi(SPARE_VCPU, &ipi[SPARE_VCPU]), 0,
		       "bind_ipi to the uninitialised vcpu %u", SPARE_VCPU);
	for (unsigned int i = 0; i < 20; i++)
		evtchn_send(ipi[SPARE_VCPU]);
	ic.vcpu = SPARE_VCPU + 1;
	ic.control_gfn = virt_to_mfn(&ipi);
	test_expect_rc(evtchn_op(MICA_EVTCHNOP_init_control, &ic), -MICA_ENOENT,
		       "init_control of a vcpu beyond the domain");
	test_expect_rc(events_init_control_vcpu(SPARE_VCPU), 0,
		       "init_control of the down vcpu %u", SPARE_VCPU);
	wait_ms(20);
	if (total_got(ipi[SPARE_VCPU]))
		test_fail("the uninitialised vcpu's IPI was delivered");
	start_vcpu(SPARE_VCPU);
	if (!wait_for(&got[SPARE_VCPU][ipi[SPARE_VCPU]], 1, WAIT_MS))
		test_fail("vcpu %u started: its waiting IPI never came",
			  SPARE_VCPU);
	wait_ms(10);
	if (total_got(ipi[3]) != 1 || total_got(ipi[SPARE_VCPU]) != 1)
		test_fail("waiting IPIs: %lu and %lu events, want one each",
			  total_got(ipi[3]), total_got(ipi[SPARE_VCPU]));
}

void test_main(void)
{
	for (unsigned int p = 0; p < NPORTS; p++)
		owner[p] = 0xff;
	events_setup();
	event_handler = on_event;
	for (unsigned int v = 1; v < NR_VCPUS; v++)
		if (events_init_control_vcpu(v))
			test_error("init_control for vcpu %u", v);
	for (unsigned int v = 0; v < NR_VCPUS; v++)
		if (bind_ipi(v, &ipi[v]))
			test_error("bind_ipi to vcpu %u", v);
	if (vcpu_op(MICA_VCPUOP_is_up, SPARE_VCPU, 0) < 0) {
		test_error("needs %u vcpus (dom0_max_vcpus)", SPARE_VCPU + 1);
		return;
	}
	events_unmask();
	for (unsigned int v = 1; v < NR_VCPUS; v++)
		start_vcpu(v);

	test_routing();
	test_pingpong();
	test_storm();
	test_masking();
	test_close_pending();
	test_hostile();
	if (misrouted)
		test_fail("%u events on the wrong vcpu (last: port %u on %u)",
			  misrouted, misrouted_port, misrouted_vcpu);
	printk("%lu events, %lu upcalls, %lu skipped\n", events_handled,
	       upcalls_taken, events_skipped);
	test_pass();
}
