/* SPDX-License-Identifier: MIT */
/*
 * dom0 of the HVM test tests/hvm/ioreq: a device model
 * (public/hvm/ioreq.h).  It registers an ioreq server for domain 1 (after
 * checking that bad domctl arguments are refused), binds one port per
 * vcpu, and serves the test device of ioreq_dev.h: port registers, a byte
 * FIFO, a per-vcpu register, MMIO scratch and a request counter, blocking
 * until Mica notifies it.  Each request is checked (vcpu, port, count,
 * size, range).  On the guest's command it misbehaves once: bogus states
 * and notifications, a changed address or vcpu in the answer, an answer
 * in another vcpu's slot, no answer and the server destroyed under the
 * waiting vcpu, or no answer at all.  At the end (DEV_CMD_FINISH) the
 * guest's vcpu 1 still waits for an answer: domain 1 must pause and
 * unpause, the vcpu's context cannot be set meanwhile, that vcpu must stay
 * blocked without burning CPU, and
 * destroying the domain must take the server and its ports with it.
 * A guest that ends with DEV_CMD_DONE instead (tests/hvm/bench_exits)
 * shuts itself down; with DEV_CMD_LEAVE (tests/hvm/ioreq_gone) this
 * domain shuts down at once, under a vcpu of domain 1 that waits for it.
 * Alone (no domain 1) it skips.
 */
#include "events.h"
#include "hypercall.h"
#include "ioreq_dev.h"
#include "test.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/hvm/hvm.h"
#include "public/hvm/ioreq.h"
#include "public/sched.h"

const char test_title[] = "dom0 of hvm/ioreq: a device model for an HVM domain";

#define HVM_DOMID 1
#define MAX_VCPUS 8
#define WAIT_NS 30000000000ULL

static union {
	struct mica_ioreq slot[MICA_IOREQ_SLOTS_PER_PAGE];
	uint8_t bytes[4096];
} page __attribute__((aligned(4096)));
static uint8_t extra_pages[MICA_IOREQ_MAX_SERVERS][4096]
	__attribute__((aligned(4096)));
static union {
	struct mica_ioreq_buf_page ring;
	uint8_t bytes[4096];
} ring_page __attribute__((aligned(4096)));
static volatile struct mica_ioreq_buf_page *ring = &ring_page.ring;
static uint32_t ring_cons, ring_port;
static bool cons_garbage;
static uint64_t buf_count, buf_sum;

static volatile struct mica_ioreq *slots = page.slot;
static unsigned int nr_vcpus;
static uint32_t server, local_port[MAX_VCPUS], remote_port[MAX_VCPUS];
static uint32_t cmd[MAX_VCPUS];
static bool finished, blackholed, done, leaving;
static uint64_t served;
static uint32_t dom_exc_port;
static struct mica_hvm_vcpu_context hvm_ctx;

/* The device. */
static uint8_t regs[8], scratch[DEV_MMIO_SCRATCH_SIZE], fifo[4096];
static unsigned int fifo_rd, fifo_wr;
static uint32_t vcpu_reg[MAX_VCPUS];

static long domctl(struct mica_domctl *op, uint32_t cmd_, uint16_t domid)
{
	op->cmd = cmd_;
	op->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op->domid = domid;
	return hypercall_domctl(op);
}

static long ioreq_op(uint16_t domid, uint32_t op, uint32_t id, uint32_t type,
		     uint64_t first, uint64_t last, uint32_t *id_out)
{
	struct mica_domctl d;
	long rc;

	memset(&d, 0, sizeof(d));
	d.u.ioreq.op = op;
	d.u.ioreq.id = id;
	d.u.ioreq.type = type;
	d.u.ioreq.first = first;
	d.u.ioreq.last = last;
	rc = domctl(&d, MICA_DOMCTL_ioreq_server, domid);
	if (id_out)
		*id_out = d.u.ioreq.id;
	return rc;
}

static void yield(unsigned int n)
{
	while (n--)
		hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
}

/* A server with our ranges, and our ends of its ports. */
static bool setup_server(void)
{
	struct mica_domctl d;
	uint32_t id;

	if (!test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_create, 0, 0,
				     virt_to_mfn(&page),
				     virt_to_mfn(&ring_page), &id),
			    0, "create"))
		return false;
	server = id;
	ring_cons = 0;
	if (ring->prod || ring->cons || !ring->port) {
		test_fail("ring after create: prod %u cons %u port %u",
			  ring->prod, ring->cons, ring->port);
		return false;
	} else {
		struct mica_evtchn_bind_interdomain b = {
			.remote_dom = HVM_DOMID,
			.remote_port = ring->port,
		};

		if (!test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain,
					      &b),
				    0, "binding the ring's port"))
			return false;
		ring_port = b.local_port;
		port_unmask(ring_port);
	}
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		struct mica_evtchn_bind_interdomain b = {
			.remote_dom = HVM_DOMID,
			.remote_port = slots[i].port,
		};

		if (slots[i].vcpu != i || !slots[i].port ||
		    slots[i].state != MICA_IOREQ_STATE_NONE) {
			test_fail("slot %u after create: vcpu %u port %u "
				  "state %u",
				  i, slots[i].vcpu, slots[i].port,
				  slots[i].state);
			return false;
		}
		if (!test_expect_rc(
			    evtchn_op(MICA_EVTCHNOP_bind_interdomain, &b), 0,
			    "binding slot %u's port %u", i, slots[i].port))
			return false;
		remote_port[i] = slots[i].port;
		local_port[i] = b.local_port;
		port_unmask(b.local_port); /* bound ports start masked */
	}
	memset(&d, 0, sizeof(d));
	d.u.ioreq.op = MICA_IOREQ_OP_map_range;
	d.u.ioreq.id = id;
	d.u.ioreq.type = MICA_IOREQ_TYPE_MMIO;
	d.u.ioreq.flags = MICA_IOREQ_RANGE_BUFFERED;
	d.u.ioreq.first = DEV_BUF_BASE;
	d.u.ioreq.last = DEV_BUF_LAST;
	return test_expect_rc(domctl(&d, MICA_DOMCTL_ioreq_server, HVM_DOMID),
			      0, "map the buffered MMIO page") &&
	       test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, id,
				       MICA_IOREQ_TYPE_PIO, DEV_PORT_FIRST,
				       DEV_PORT_LAST, NULL),
			      0, "map the ports") &&
	       test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, id,
				       MICA_IOREQ_TYPE_MMIO, DEV_MMIO_BASE,
				       DEV_MMIO_LAST, NULL),
			      0, "map the MMIO page");
}

/* Bad arguments, limits, other servers: before the real one. */
static void domctl_checks(void)
{
	struct mica_domctl d;
	uint32_t id, ids[MICA_IOREQ_MAX_SERVERS];
	uint64_t mfn = virt_to_mfn(&page);
	long rc;

	memset(&d, 0, sizeof(d));
	d.u.ioreq.op = MICA_IOREQ_OP_create;
	d.u.ioreq.first = mfn;
	d.u.ioreq.flags = 1;
	test_expect_rc(domctl(&d, MICA_DOMCTL_ioreq_server, HVM_DOMID),
		       -MICA_EINVAL, "create with flags");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_create, 0, 0, mfn, mfn,
				NULL),
		       -MICA_EINVAL, "the same frame for slots and ring");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_create, 0, 0, mfn,
				virt_to_mfn((void *)start_info->pt_base), NULL),
		       -MICA_EBUSY, "a page table as the ring");
	test_expect_rc(ioreq_op(HVM_DOMID, 9, 0, 0, mfn, 0, NULL), -MICA_EINVAL,
		       "unknown op");
	test_expect_rc(ioreq_op(0, MICA_IOREQ_OP_create, 0, 0, mfn, 0, NULL),
		       -MICA_EINVAL, "a server for ourselves (PV)");
	test_expect_rc(ioreq_op(999, MICA_IOREQ_OP_create, 0, 0, mfn, 0, NULL),
		       -MICA_ESRCH, "a server for no domain");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_create, 0, 0,
				1ULL << 40, 0, NULL),
		       -MICA_EINVAL, "a frame beyond memory");
	rc = ioreq_op(HVM_DOMID, MICA_IOREQ_OP_create, 0, 0, 0, 0, NULL);
	if (rc != -MICA_EPERM && rc != -MICA_EINVAL)
		test_fail("create on frame 0 (not ours): %ld", rc);
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_create, 0, 0,
				virt_to_mfn((void *)start_info->pt_base), 0,
				NULL),
		       -MICA_EBUSY, "create on our L4 page table");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_create, 0, 1, mfn, 0,
				NULL),
		       -MICA_EINVAL, "create with a type");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, 12345,
				MICA_IOREQ_TYPE_PIO, 0x600, 0x600, NULL),
		       -MICA_ENOENT, "map_range on no server");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_destroy, 12345, 0, 0,
				0, NULL),
		       -MICA_ENOENT, "destroy no server");

	/* MICA_IOREQ_MAX_SERVERS servers, then no more. */
	for (unsigned int i = 0; i < MICA_IOREQ_MAX_SERVERS; i++)
		test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_create, 0, 0,
					virt_to_mfn(extra_pages[i]), 0,
					&ids[i]),
			       0, "extra server %u", i);
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_create, 0, 0, mfn, 0,
				NULL),
		       -MICA_ENOSPC, "a server beyond the limit");
	id = ids[0];
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, id, 2,
				0x600, 0x600, NULL),
		       -MICA_EINVAL, "range of type 2");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, id,
				MICA_IOREQ_TYPE_PIO, 0x601, 0x600, NULL),
		       -MICA_EINVAL, "range first > last");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, id,
				MICA_IOREQ_TYPE_PIO, 0xfff0, 0x10000, NULL),
		       -MICA_EINVAL, "ports beyond 0xffff");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, id,
				MICA_IOREQ_TYPE_MMIO, 0x1000, 0x1fff, NULL),
		       -MICA_EINVAL, "MMIO over the guest's RAM");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, id,
				MICA_IOREQ_TYPE_MMIO, 0xfee00800, 0xfee00fff,
				NULL),
		       -MICA_EINVAL, "MMIO over the local APIC");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, id,
				MICA_IOREQ_TYPE_MMIO, 0xfebff000, 0xfec00000,
				NULL),
		       -MICA_EINVAL, "MMIO reaching the I/O APIC");
	for (unsigned int i = 0; i < MICA_IOREQ_MAX_RANGES; i++)
		test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, id,
					MICA_IOREQ_TYPE_PIO, 0x600 + 2 * i,
					0x601 + 2 * i, NULL),
			       0, "range %u", i);
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, id,
				MICA_IOREQ_TYPE_MMIO, 0xfe000000, 0xfe000fff,
				NULL),
		       -MICA_ENOSPC, "a range beyond the limit");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, ids[1],
				MICA_IOREQ_TYPE_PIO, 0x5ff, 0x600, NULL),
		       -MICA_EEXIST, "a range overlapping another server's");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_unmap_range, id,
				MICA_IOREQ_TYPE_PIO, 0x600, 0x600, NULL),
		       -MICA_ENOENT, "unmapping part of a range");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_unmap_range, id,
				MICA_IOREQ_TYPE_PIO, 0x600, 0x601, NULL),
		       0, "unmapping a range");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_map_range, ids[1],
				MICA_IOREQ_TYPE_PIO, 0x5ff, 0x600, NULL),
		       0, "the freed ports for another server");
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_destroy, id, 1, 0, 0,
				NULL),
		       -MICA_EINVAL, "destroy with a type");
	memset(&d, 0, sizeof(d));
	d.u.ioreq.op = MICA_IOREQ_OP_map_range;
	d.u.ioreq.id = id;
	d.u.ioreq.type = MICA_IOREQ_TYPE_PIO;
	d.u.ioreq.first = 0x700;
	d.u.ioreq.last = 0x700;
	d.u.ioreq.flags = MICA_IOREQ_RANGE_BUFFERED;
	test_expect_rc(domctl(&d, MICA_DOMCTL_ioreq_server, HVM_DOMID),
		       -MICA_EINVAL, "a buffered range without a ring");
	d.u.ioreq.flags = 2;
	test_expect_rc(domctl(&d, MICA_DOMCTL_ioreq_server, HVM_DOMID),
		       -MICA_EINVAL, "unknown range flags");
	for (unsigned int i = 0; i < MICA_IOREQ_MAX_SERVERS; i++)
		test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_destroy,
					ids[i], 0, 0, 0, NULL),
			       0, "destroying extra server %u", i);
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_destroy, ids[0], 0, 0,
				0, NULL),
		       -MICA_ENOENT, "destroying a server twice");
}

/* Little-endian bytes of an array register file. */
static uint64_t bytes_rw(uint8_t *base, unsigned int off, unsigned int size,
			 bool write, uint64_t data)
{
	uint64_t v = 0;

	for (unsigned int b = 0; b < size; b++) {
		if (write)
			base[off + b] = (uint8_t)(data >> (8 * b));
		else
			v |= (uint64_t)base[off + b] << (8 * b);
	}
	return v;
}

/* Performs request r of vcpu i; the data of a read. */
static uint64_t device(const struct mica_ioreq *r, unsigned int i)
{
	bool write = r->dir == MICA_IOREQ_DIR_WRITE;
	uint64_t a = r->addr;

	if (r->type == MICA_IOREQ_TYPE_MMIO && a >= DEV_BUF_BASE) {
		uint64_t off = a - DEV_BUF_BASE;

		if (write && off + r->size <= DEV_BUF_COUNT) {
			buf_count++;
			buf_sum += r->data;
		}
		if (!write && off == DEV_BUF_COUNT && r->size == 8)
			return buf_count;
		if (!write && off == DEV_BUF_SUM && r->size == 8)
			return buf_sum;
		return 0;
	}
	if (r->type == MICA_IOREQ_TYPE_MMIO) {
		uint64_t off = a - DEV_MMIO_BASE;

		if (off + r->size <= DEV_MMIO_SCRATCH_SIZE)
			return bytes_rw(scratch, (unsigned int)off, r->size,
					write, r->data);
		if (off == DEV_MMIO_COUNT && r->size == 8 && !write)
			return served;
		return 0;
	}
	if (a == DEV_PORT_ID && r->size == 4)
		return DEV_MAGIC;
	if (a >= DEV_PORT_REGS && a + r->size <= DEV_PORT_REGS + sizeof(regs))
		return bytes_rw(regs, (unsigned int)(a - DEV_PORT_REGS),
				r->size, write, r->data);
	if (a == DEV_PORT_FIFO && r->size == 1) {
		if (write) {
			if (fifo_wr - fifo_rd < sizeof(fifo))
				fifo[fifo_wr++ % sizeof(fifo)] =
					(uint8_t)r->data;
			return 0;
		}
		return fifo_rd == fifo_wr ? 0xee :
					    fifo[fifo_rd++ % sizeof(fifo)];
	}
	if (a == DEV_PORT_CMD && r->size == 4 && write) {
		cmd[i] = (uint32_t)r->data;
		if (r->data == DEV_CMD_FINISH)
			finished = true;
		if (r->data == DEV_CMD_DONE)
			done = true;
		if (r->data == DEV_CMD_LEAVE)
			leaving = true;
		if (r->data == DEV_CMD_RING_8_FREE) {
			cons_garbage = true;
			__atomic_store_n(&ring->cons,
					 ring->prod - MICA_IOREQ_BUF_ENTRIES +
						 8,
					 __ATOMIC_RELEASE);
		}
		if (r->data == DEV_CMD_GARBAGE_CONS) {
			cons_garbage = !cons_garbage;
			__atomic_store_n(&ring->cons,
					 ring_cons + (cons_garbage ? 5000 : 0),
					 __ATOMIC_RELEASE);
		}
		return 0;
	}
	if (a == DEV_PORT_VCPU && r->size == 4) {
		if (write)
			vcpu_reg[i] = (uint32_t)r->data;
		return vcpu_reg[i];
	}
	return 0;
}

static void answer(unsigned int i, uint64_t data)
{
	slots[i].data = data;
	__atomic_store_n(&slots[i].state, MICA_IOREQ_STATE_RESPONSE_READY,
			 __ATOMIC_RELEASE);
	evtchn_send(local_port[i]);
}

/* No answer: the server goes under the waiting vcpu, and comes back. */
static void stall(void)
{
	yield(20);
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_destroy, server, 0, 0,
				0, NULL),
		       0, "destroying the server under a waiting vcpu");
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		struct mica_evtchn_status st = { .dom = MICA_DOMID_SELF,
						 .port = local_port[i] };

		if (evtchn_op(MICA_EVTCHNOP_status, &st) ||
		    st.state != MICA_EVTCHN_STATE_unbound)
			test_fail("port %u after the server went: state %u",
				  local_port[i], st.state);
		evtchn_close(local_port[i]);
	}
	evtchn_close(ring_port);
	events_sleep(50000000); /* no server at all while the vcpu goes on */
	setup_server();
}

static bool drain(void);

/* Serves vcpu i's slot if it holds a request; whether it did. */
static bool serve(unsigned int i)
{
	volatile struct mica_ioreq *s = &slots[i];
	struct mica_ioreq r;
	unsigned int o = (i + 1) % nr_vcpus;
	uint32_t c;
	uint64_t data;

	if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) !=
	    MICA_IOREQ_STATE_READY)
		return false;
	drain(); /* what this vcpu posted before the request comes first */
	/* One copy, then checks on the copy. */
	r.addr = s->addr;
	r.data = s->data;
	r.count = s->count;
	r.size = s->size;
	r.dir = s->dir;
	r.type = s->type;
	r.vcpu = s->vcpu;
	r.port = s->port;
	r.pad1 = s->pad1;
	s->state = MICA_IOREQ_STATE_IN_SERVICE;
	if (r.vcpu != i || r.port != remote_port[i] || r.count != 1 || r.pad1 ||
	    r.dir > MICA_IOREQ_DIR_READ || r.type > MICA_IOREQ_TYPE_MMIO ||
	    (r.size != 1 && r.size != 2 && r.size != 4 && r.size != 8) ||
	    (r.type == MICA_IOREQ_TYPE_PIO ?
		     r.size > 4 || r.addr < DEV_PORT_FIRST ||
			     r.addr + r.size - 1 > DEV_PORT_LAST :
		     r.addr < DEV_MMIO_BASE ||
			     r.addr + r.size - 1 > DEV_BUF_LAST) ||
	    (r.dir == MICA_IOREQ_DIR_READ && r.data))
		test_fail("bad request in slot %u: vcpu %u port %u count %u "
			  "size %u dir %u type %u addr %lx data %lx",
			  i, r.vcpu, r.port, r.count, r.size, r.dir, r.type,
			  r.addr, r.data);
	c = cmd[i];
	cmd[i] = 0;
	if (c == DEV_CMD_BLACKHOLE) {
		blackholed = true;
		return true;
	}
	if (c == DEV_CMD_STALL) {
		stall();
		return true;
	}
	data = device(&r, i);
	served++;
	switch (c) {
	case DEV_CMD_GARBAGE_STATE:
		s->state = 0x77;
		evtchn_send(local_port[i]);
		yield(10);
		s->state = MICA_IOREQ_STATE_READY;
		evtchn_send(local_port[i]);
		yield(10);
		s->state = MICA_IOREQ_STATE_NONE;
		s->data = 0xbad;
		evtchn_send(local_port[i]);
		yield(10);
		break;
	case DEV_CMD_CHANGE_ADDR:
		s->addr ^= 4;
		break;
	case DEV_CMD_CHANGE_VCPU:
		s->vcpu ^= 1;
		break;
	case DEV_CMD_WRONG_SLOT: /* vcpu o has no request out now */
		if (o != i) {
			slots[o].data = 0xbad;
			__atomic_store_n(&slots[o].state,
					 MICA_IOREQ_STATE_RESPONSE_READY,
					 __ATOMIC_RELEASE);
			evtchn_send(local_port[o]);
			yield(10);
		}
		break;
	default:
		break;
	}
	answer(i, data);
	return true;
}

/* Consumes the buffered writes (before any request: the order rule of
 * ioreq.h); whether there were any. */
static bool drain(void)
{
	uint32_t prod = __atomic_load_n(&ring->prod, __ATOMIC_ACQUIRE);
	bool any = false;

	if (prod - ring_cons > MICA_IOREQ_BUF_ENTRIES) {
		test_fail("ring prod %u, cons %u", prod, ring_cons);
		ring_cons = prod;
	}
	while (ring_cons != prod) {
		volatile struct mica_ioreq_buf_entry *e =
			&ring->ring[ring_cons % MICA_IOREQ_BUF_ENTRIES];
		struct mica_ioreq r = {
			.addr = e->addr,
			.data = e->data,
			.count = 1,
			.size = e->size,
			.dir = MICA_IOREQ_DIR_WRITE,
			.type = e->type,
		};
		bool pad = false;

		for (unsigned int i = 0; i < sizeof(e->pad); i++)
			pad |= e->pad[i] != 0;
		if (r.type != MICA_IOREQ_TYPE_MMIO || r.addr < DEV_BUF_BASE ||
		    r.addr + r.size - 1 > DEV_BUF_LAST || pad ||
		    (r.size != 1 && r.size != 2 && r.size != 4 && r.size != 8))
			test_fail("bad buffered write %u: type %u addr %lx "
				  "size %u",
				  ring_cons, r.type, r.addr, r.size);
		else
			device(&r, 0);
		ring_cons++;
		any = true;
	}
	if (!cons_garbage)
		__atomic_store_n(&ring->cons, ring_cons, __ATOMIC_RELEASE);
	return any;
}

static bool domain_alive(void)
{
	struct mica_domctl d;

	memset(&d, 0, sizeof(d));
	return !domctl(&d, MICA_DOMCTL_get_info, HVM_DOMID) &&
	       !(d.u.info.flags & (MICA_DOMINFO_SHUTDOWN | MICA_DOMINFO_DYING));
}

static void serve_until_finished(void)
{
	for (;;) {
		bool any = false;

		events_mask();
		any = drain();
		for (unsigned int i = 0; i < nr_vcpus; i++)
			any |= serve(i);
		if (finished || leaving)
			break;
		if (!any && !domain_alive()) {
			events_unmask();
			if (!done)
				test_fail("domain 1 went away before it "
					  "finished (%lu requests served)",
					  served);
			return;
		}
		if (any)
			events_unmask();
		else
			hypercall_sched_op(MICA_SCHEDOP_block, NULL);
	}
	events_unmask();
}

static uint64_t vcpu_state(unsigned int vcpu, uint32_t *flags)
{
	struct mica_domctl d;

	memset(&d, 0, sizeof(d));
	d.u.vcpu_info.vcpu = vcpu;
	if (domctl(&d, MICA_DOMCTL_get_vcpu_info, HVM_DOMID))
		return 0;
	*flags = d.u.vcpu_info.flags;
	return d.u.vcpu_info.cpu_time;
}

/* vcpu 1 waits for an answer that never comes. */
static void end_checks(void)
{
	struct mica_domctl d;
	uint32_t flags = 0;
	uint64_t t0, t1;
	uint64_t end = system_time() + WAIT_NS;

	/* The guest prints its verdict before DEV_CMD_FINISH; vcpu 1 has
	 * sent its last request already (the guest waited for it). */
	if (!blackholed)
		test_fail("vcpu 1's last request never came");
	memset(&d, 0, sizeof(d));
	test_expect_rc(domctl(&d, MICA_DOMCTL_pause, HVM_DOMID), 0,
		       "pausing domain 1");
	memset(&d, 0, sizeof(d));
	if (domctl(&d, MICA_DOMCTL_get_info, HVM_DOMID) ||
	    !(d.u.info.flags & MICA_DOMINFO_PAUSED))
		test_fail("domain 1 not paused: flags %#x", d.u.info.flags);
	/* Its state is not the toolstack's while a request is out. */
	memset(&d, 0, sizeof(d));
	d.u.vcpu_context.vcpu = 1;
	d.u.vcpu_context.context_gaddr = (uint64_t)&hvm_ctx;
	if (test_expect_rc(domctl(&d, MICA_DOMCTL_get_hvm_context, HVM_DOMID),
			   0, "get_hvm_context of the waiting vcpu"))
		test_expect_rc(
			domctl(&d, MICA_DOMCTL_set_hvm_context, HVM_DOMID),
			-MICA_EBUSY, "set_hvm_context of the waiting vcpu");
	memset(&d, 0, sizeof(d));
	test_expect_rc(domctl(&d, MICA_DOMCTL_unpause, HVM_DOMID), 0,
		       "unpausing domain 1");
	events_sleep(20000000);
	t0 = vcpu_state(1, &flags);
	if (!(flags & MICA_VCPUINFO_BLOCKED))
		test_fail("vcpu 1 waiting for its model is not blocked "
			  "(flags %#x)",
			  flags);
	events_sleep(200000000);
	t1 = vcpu_state(1, &flags);
	if (t1 - t0 > 20000000)
		test_fail("vcpu 1 ran %lu ns in 200 ms while waiting", t1 - t0);

	memset(&d, 0, sizeof(d));
	test_expect_rc(domctl(&d, MICA_DOMCTL_destroy, HVM_DOMID), 0,
		       "destroying domain 1 with a vcpu waiting");
	while (system_time() < end) {
		memset(&d, 0, sizeof(d));
		if (domctl(&d, MICA_DOMCTL_get_info, HVM_DOMID) == -MICA_ESRCH)
			break;
		events_sleep(10000000);
	}
	test_expect_rc(ioreq_op(HVM_DOMID, MICA_IOREQ_OP_destroy, server, 0, 0,
				0, NULL),
		       -MICA_ESRCH, "the server of a destroyed domain");
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		struct mica_evtchn_status st = { .dom = MICA_DOMID_SELF,
						 .port = local_port[i] };

		if (evtchn_op(MICA_EVTCHNOP_status, &st) ||
		    st.state != MICA_EVTCHN_STATE_unbound)
			test_fail("port %u after domain 1 went: state %u",
				  local_port[i], st.state);
	}
}

void test_main(void)
{
	struct mica_domctl d;

	memset(&d, 0, sizeof(d));
	if (domctl(&d, MICA_DOMCTL_get_info, HVM_DOMID) == -MICA_ESRCH) {
		test_skip("no domain 1 (run by tests/hvm/run.sh ioreq)");
		return;
	}
	nr_vcpus = d.u.info.max_vcpus;
	if (nr_vcpus > MAX_VCPUS) {
		test_error("domain 1 has %u vcpus", nr_vcpus);
		return;
	}
	events_setup();
	if (evtchn_bind_virq(MICA_VIRQ_DOM_EXC, 0, &dom_exc_port))
		test_error("cannot bind VIRQ_DOM_EXC");
	else
		port_unmask(dom_exc_port);
	domctl_checks();
	if (!setup_server())
		return;
	serve_until_finished();
	printk("served %lu requests\n", served);
	if (finished)
		end_checks();
	test_pass();
}
