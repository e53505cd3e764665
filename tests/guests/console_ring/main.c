/* SPDX-License-Identifier: MIT */
/*
 * The domU console ring end to end (public/io/console.h, docs/boot.md):
 * dom0 finds each domU's console ring and port with domctl get_param, maps
 * the page with map_foreign, binds the offered port, and reads what the
 * domU writes.
 *   d1 writes 600 numbered lines of varying length (about 40 KiB, so the
 *      2 KiB ring wraps many times and its indices pass every offset),
 *      notifying after each chunk and waiting for room when full; dom0
 *      checks every byte in order, then answers "ok <bytes>" on the input
 *      ring, which d1 reads and checks.
 *   d2 is hostile: its first valid line must still arrive, while it
 *      scribbles over out_cons (dom0's index, which dom0 must not trust);
 *      then it moves out_prod more than a ring ahead of what dom0 consumed
 *      and, once dom0 has dropped the connection and bound again, behind
 *      it.  dom0's reader validates prod - cons against the ring size
 *      before it reads a byte, drops the connection (-EPROTO: tells d2 on
 *      the input ring, closes and re-binds the port), and never reads
 *      beyond the ring or into its own buffer's guard.
 */
#include "events.h"
#include "layout.h"
#include "test.h"
#include "public/arch-x86/layout.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/io/console.h"
#include "public/sched.h"

const char test_title[] = "domU console rings read by dom0";

#define NR_DOMUS 2
#define LINES 600
#define POLL_NS 5000000ULL
#define DEADLINE_NS 60000000000ULL
#define BUF_SIZE 256
#define GUARD 0x5a

/* The text d1 writes: line k, 20..83 characters and a newline. */
static unsigned int line_text(unsigned int k, char *buf)
{
	int n = snprintf(buf, 96, "d1 console line %04u:", k);

	for (unsigned int i = 0; i < (k * 7) % 64; i++)
		buf[n++] = (char)('a' + (k + i) % 26);
	buf[n++] = '\n';
	return (unsigned int)n;
}

static long status(uint16_t dom, uint32_t port, struct mica_evtchn_status *s)
{
	*s = (struct mica_evtchn_status){ .dom = dom, .port = port };
	return evtchn_op(MICA_EVTCHNOP_status, s);
}

/* Waits for an event on one of the ports, or POLL_NS. */
static void wait_ports(uint32_t *ports, unsigned int n)
{
	struct mica_sched_poll p = { (uint64_t)ports, n, 0, 0 };

	p.timeout = system_time() + POLL_NS;
	events_mask();
	hypercall_sched_op(MICA_SCHEDOP_poll, &p);
	events_unmask();
}

/* ====================================================================== */
/* The guests (front ends).                                               */

static volatile struct mica_console_ring *my_ring(void)
{
	const uint64_t *m2p = (const uint64_t *)MICA_M2P_VIRT_START;

	return (volatile struct mica_console_ring
			*)(GUEST_VIRT_BASE +
			   (m2p[start_info->console_mfn] << 12));
}

/* Writes len bytes, waiting for room; notifies after each chunk. */
static void ring_write(volatile struct mica_console_ring *r, const char *s,
		       unsigned int len)
{
	uint32_t port = start_info->console_evtchn;
	uint64_t deadline = system_time() + DEADLINE_NS;

	while (len) {
		uint32_t prod = r->out_prod;
		uint32_t room = MICA_CONSOLE_OUT_SIZE -
				(prod - __atomic_load_n(&r->out_cons,
							__ATOMIC_ACQUIRE));

		if (!room || room > MICA_CONSOLE_OUT_SIZE) {
			if (system_time() > deadline) {
				test_fail("no room in the console ring");
				return;
			}
			wait_ports(&port, 1);
			continue;
		}
		while (room && len) {
			r->out[MICA_CONSOLE_OUT_MASK(prod)] = (uint8_t)*s++;
			prod++;
			room--;
			len--;
		}
		__atomic_store_n(&r->out_prod, prod, __ATOMIC_RELEASE);
		evtchn_send(port);
	}
}

/* Reads the input ring until a newline (or n - 1 bytes). */
static void ring_read_line(volatile struct mica_console_ring *r, char *buf,
			   unsigned int n)
{
	uint32_t port = start_info->console_evtchn;
	uint64_t deadline = system_time() + DEADLINE_NS;
	unsigned int len = 0;

	buf[0] = 0;
	while (len + 1 < n) {
		uint32_t cons = r->in_cons;
		uint32_t prod = __atomic_load_n(&r->in_prod, __ATOMIC_ACQUIRE);

		if (prod - cons > MICA_CONSOLE_IN_SIZE) {
			test_fail("dom0 wrote a bad in_prod %u (cons %u)", prod,
				  cons);
			return;
		}
		if (prod == cons) {
			if (system_time() > deadline) {
				test_fail("no input from dom0");
				return;
			}
			wait_ports(&port, 1);
			continue;
		}
		buf[len] = (char)r->in[MICA_CONSOLE_IN_MASK(cons)];
		__atomic_store_n(&r->in_cons, cons + 1, __ATOMIC_RELEASE);
		if (buf[len++] == '\n')
			break;
	}
	buf[len] = 0;
}

static void writer(void)
{
	volatile struct mica_console_ring *r = my_ring();
	char line[96], want[32];
	unsigned int total = 0;

	for (unsigned int k = 0; k < LINES; k++) {
		unsigned int n = line_text(k, line);

		ring_write(r, line, n);
		total += n;
	}
	printk("wrote %u lines, %u bytes\n", LINES, total);
	ring_read_line(r, line, sizeof(line));
	snprintf(want, sizeof(want), "ok %u\n", total);
	if (strcmp(line, want))
		test_fail("dom0 answered '%s', want '%s'", line, want);
}

static void hostile(void)
{
	volatile struct mica_console_ring *r = my_ring();
	static const char hello[] = "d2 says hello\n";
	uint64_t deadline = system_time() + DEADLINE_NS;
	struct mica_evtchn_status s;
	char line[64];
	uint32_t prod;

	/* Once dom0 is connected (our port bound): a valid line while
	 * out_cons is scribbled over. */
	while (!status(MICA_DOMID_SELF, start_info->console_evtchn, &s) &&
	       s.state != MICA_EVTCHN_STATE_interdomain) {
		if (system_time() > deadline) {
			test_fail("dom0 never bound the console port");
			return;
		}
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
	}
	r->out_cons = 0x7fff1234;
	ring_write(r, hello, sizeof(hello) - 1);
	r->out_cons = 0xdeadbeef;
	/* Wait until dom0 has read it: its answer. */
	ring_read_line(r, line, sizeof(line));
	if (strcmp(line, "got it\n"))
		test_fail("dom0 answered '%s'", line);
	/* Ahead by more than a ring, garbage in between. */
	prod = r->out_prod;
	for (unsigned int i = 0; i < MICA_CONSOLE_OUT_SIZE; i++)
		r->out[i] = 0xff;
	r->out_cons = prod + 100; /* dom0 must keep its own */
	__atomic_store_n(&r->out_prod, prod + MICA_CONSOLE_OUT_SIZE + 77,
			 __ATOMIC_RELEASE);
	evtchn_send(start_info->console_evtchn);
	ring_read_line(r, line, sizeof(line));
	if (strcmp(line, "dropped\n"))
		test_fail("after prod ahead dom0 answered '%s'", line);
	/* Behind what dom0 consumed (prod - cons wraps to ~4G). */
	__atomic_store_n(&r->out_prod, prod - 1, __ATOMIC_RELEASE);
	evtchn_send(start_info->console_evtchn);
	ring_read_line(r, line, sizeof(line));
	if (strcmp(line, "dropped\n"))
		test_fail("after prod behind dom0 answered '%s'", line);
}

/* ====================================================================== */
/* dom0 (the back end).                                                   */

struct conn {
	uint16_t domid;
	uint32_t remote_port, port;
	volatile struct mica_console_ring *ring;
	uint32_t cons; /* ours: the page's out_cons is only written */
	uint64_t bytes;
	uint8_t buf[BUF_SIZE];
	uint8_t guard[64];
};

static struct conn conns[NR_DOMUS];

/* A domU's ring parameter, once its builder has set it (domUs are built
 * while dom0 runs). */
static uint64_t param(uint16_t domid, uint32_t index)
{
	struct mica_domctl op = { 0 };
	uint64_t deadline = system_time() + DEADLINE_NS;

	do {
		op.cmd = MICA_DOMCTL_get_param;
		op.interface_version = MICA_DOMCTL_INTERFACE_VERSION;
		op.domid = domid;
		op.u.param.index = index;
		if (!hypercall_domctl(&op) && op.u.param.value)
			return op.u.param.value;
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
	} while (system_time() < deadline);
	test_error("d%u never got parameter %u", domid, index);
	return 0;
}

static void bind(struct conn *c)
{
	struct mica_evtchn_bind_interdomain b = { .remote_dom = c->domid };

	b.remote_port = c->remote_port;
	if (!test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &b), 0,
			    "bind d%u's console port %u", c->domid,
			    c->remote_port))
		return;
	c->port = b.local_port;
	port_unmask(c->port);
}

static void connect(struct conn *c, uint16_t domid, uint64_t va)
{
	struct mica_domctl op = { 0 };
	uint32_t port = (uint32_t)param(domid, MICA_DOMPARAM_CONSOLE_EVTCHN);
	uint64_t gfn = param(domid, MICA_DOMPARAM_CONSOLE_PFN);
	int32_t err = 1;
	long rc;

	c->domid = domid;
	c->remote_port = port;
	memset(c->guard, GUARD, sizeof(c->guard));
	op.cmd = MICA_DOMCTL_map_foreign;
	op.interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op.domid = domid;
	op.u.map_foreign = (struct mica_domctl_map_foreign){ (uint64_t)&gfn,
							     (uint64_t)&err, va,
							     1, 0 };
	rc = hypercall_domctl(&op);
	if (rc || err) {
		test_error("cannot map d%u's console ring (frame %#lx): %ld/%d",
			   domid, gfn, rc, err);
		return;
	}
	c->ring = (volatile struct mica_console_ring *)va;
	c->cons = c->ring->out_cons;
	bind(c);
}

/* Writes a line into the guest's input ring (in_cons is the guest's:
 * checked like any index a peer writes). */
static void answer(struct conn *c, const char *s)
{
	volatile struct mica_console_ring *r = c->ring;
	uint32_t prod = r->in_prod;
	uint64_t deadline = system_time() + DEADLINE_NS;

	while (*s) {
		uint32_t used =
			prod - __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);

		if (used > MICA_CONSOLE_IN_SIZE) {
			test_fail("d%u: bad in_cons", c->domid);
			return;
		}
		if (used == MICA_CONSOLE_IN_SIZE) {
			if (system_time() > deadline) {
				test_fail("d%u never read its input", c->domid);
				return;
			}
			wait_ports(&c->port, 1);
			continue;
		}
		r->in[MICA_CONSOLE_IN_MASK(prod)] = (uint8_t)*s++;
		__atomic_store_n(&r->in_prod, ++prod, __ATOMIC_RELEASE);
	}
	evtchn_send(c->port);
}

/*
 * Reads what is waiting into c->buf (at most BUF_SIZE bytes a call).
 * Returns the bytes read, or -MICA_EPROTO for an out_prod more than a
 * ring away from our cons (nothing is read then).
 */
static long console_read(struct conn *c)
{
	volatile struct mica_console_ring *r = c->ring;
	uint32_t prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
	uint32_t cons = c->cons, n = 0;

	if (prod - cons > MICA_CONSOLE_OUT_SIZE)
		return -MICA_EPROTO;
	while (cons != prod && n < BUF_SIZE)
		c->buf[n++] = r->out[MICA_CONSOLE_OUT_MASK(cons++)];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	c->cons = cons;
	__atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
	if (n)
		evtchn_send(c->port);
	return n;
}

/*
 * Drops the connection: closes our end (the guest's port is offered to us
 * again), tells the guest on its input ring and, unless it was the last
 * round, binds again.  The new connection starts past what is there,
 * taken before the guest hears of the drop and writes on.
 */
static void drop(struct conn *c, bool rebind)
{
	struct mica_evtchn_status s;

	test_expect_rc(evtchn_close(c->port), 0, "close d%u's console port",
		       c->domid);
	if (status(c->domid, c->remote_port, &s) ||
	    s.state != MICA_EVTCHN_STATE_unbound || s.remote_dom != 0)
		test_fail("d%u's console port after close: state %u", c->domid,
			  s.state);
	c->cons = c->ring->out_prod;
	answer(c, "dropped\n");
	if (rebind)
		bind(c);
}

static bool guard_intact(const struct conn *c)
{
	for (unsigned int i = 0; i < sizeof(c->guard); i++)
		if (c->guard[i] != GUARD)
			return false;
	return true;
}

static void dom0(void)
{
	struct conn *w = &conns[0], *h = &conns[1];
	char want[96], hello[32];
	unsigned int line = 0, pos = 0, len = line_text(0, want);
	unsigned int hello_len = 0, drops = 0;
	uint64_t deadline = system_time() + DEADLINE_NS;
	uint32_t ports[NR_DOMUS];
	bool text_done = false, hello_answered = false;
	long n;

	connect(w, 1, boot_mapping_end() - 2 * 4096);
	connect(h, 2, boot_mapping_end() - 3 * 4096);
	if (!w->ring || !h->ring)
		return;
	while (!text_done || drops < 2) {
		if (system_time() > deadline) {
			test_fail("stuck: d1 at line %u, d2 dropped %u times",
				  line, drops);
			return;
		}
		ports[0] = w->port;
		ports[1] = h->port;
		wait_ports(ports, drops < 2 ? NR_DOMUS : 1);
		/* d1: every byte in order. */
		n = 0;
		while (!text_done && (n = console_read(w)) > 0) {
			for (long i = 0; i < n && !text_done; i++) {
				if (w->buf[i] != (uint8_t)want[pos]) {
					test_fail("d1 byte %lu (line %u col "
						  "%u): %#x, want %#x",
						  w->bytes, line, pos,
						  w->buf[i], want[pos]);
					return;
				}
				w->bytes++;
				if (++pos == len) {
					pos = 0;
					if (++line == LINES)
						text_done = true;
					else
						len = line_text(line, want);
				}
			}
		}
		if (n < 0) {
			test_fail("d1's ring refused: %ld", n);
			return;
		}
		if (text_done && line == LINES) {
			char ok[32];

			snprintf(ok, sizeof(ok), "ok %lu\n", w->bytes);
			answer(w, ok);
			line++; /* answered */
		}
		/* d2: a line, then garbage indices (disconnected for good
		 * after the second). */
		if (drops == 2)
			continue;
		while ((n = console_read(h)) > 0)
			for (long i = 0; i < n; i++)
				if (hello_len < sizeof(hello) - 1)
					hello[hello_len++] = (char)h->buf[i];
		hello[hello_len] = 0;
		if (n == -MICA_EPROTO) {
			uint32_t ahead = h->ring->out_prod - h->cons;

			printk("d2: out_prod %#x with cons %#x: dropped\n",
			       h->ring->out_prod, h->cons);
			/* First a producer ahead, then one behind. */
			if (!hello_answered ||
			    (drops == 0) != (ahead < (1u << 31)))
				test_fail("d2 dropped out of turn (%u, %#x)",
					  drops, ahead);
			drops++;
			drop(h, drops < 2);
		}
		if (!hello_answered && hello_len &&
		    hello[hello_len - 1] == '\n') {
			if (strcmp(hello, "d2 says hello\n"))
				test_fail("d2 wrote '%s'", hello);
			answer(h, "got it\n");
			hello_answered = true;
		}
	}
	if (!guard_intact(w) || !guard_intact(h))
		test_fail("a reader ran over its buffer");
	printk("d1: %lu bytes in %u lines, ring wrapped %lu times\n", w->bytes,
	       LINES, w->bytes / MICA_CONSOLE_OUT_SIZE);
}

void test_main(void)
{
	events_setup();
	if (!(start_info->flags & MICA_START_INFO_INITDOMAIN))
		port_unmask(start_info->console_evtchn);
	if (start_info->flags & MICA_START_INFO_INITDOMAIN)
		dom0();
	else if (cmdline_value("role") &&
		 !strncmp(cmdline_value("role"), "hostile", 7))
		hostile();
	else
		writer();
	test_pass();
}
