/* SPDX-License-Identifier: MIT */
/*
 * A split-driver pair over a shared ring (public/io/ring.h) between two
 * domains, as PV block and net will be: dom0 is the backend, d1 a
 * frontend, d2 a hostile frontend.
 *
 * Connection: a frontend grants its store page to dom0 at
 * MICA_GRANT_REF_STORE (lib/grant.h) and uses it as a mailbox that lists
 * its rings: per ring, the grant ref of the ring page and an unbound event
 * port offered to dom0.  The backend maps the ring, binds the port, and
 * says so in the mailbox.  Requests carry a grant ref, an offset and a
 * length in one of the frontend's granted data pages, plus a checksum;
 * the backend grant-copies (batched) or maps the data, checks the
 * checksum and every byte against the stream generator, or fills the page
 * for reads, and responds.  Both sides use the ring's notification
 * hold-off, so under load far fewer events than requests are sent.
 *
 * d1 measures the round trip with one request in flight and the
 * throughput with the ring full, streams 8 MiB through copies, 1 MiB
 * through maps and 1 MiB the other way, and prints "bench:" lines.
 *
 * d2's rings misbehave: garbage producer indices (the backend must
 * disconnect it with -EPROTO), bad requests (out-of-range and revoked
 * grant refs, read-only data for reads, bad offsets, lengths and ops: each
 * answered with an error, and the ring keeps working), and a ring whose
 * grant it tries to revoke and then clobbers while mapped, before dying
 * with everything still mapped (the backend notices, unmaps, and d2's
 * memory goes).  The hypervisor must survive all of it.
 */
#include "events.h"
#include "grant.h"
#include "hypercall.h"
#include "lib.h"
#include "test.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/sched.h"

/* x86 is TSO: only store-load order needs a fence (io/ring.h). */
#define mica_ring_wmb() __asm__ __volatile__("" ::: "memory")
#define mica_ring_rmb() __asm__ __volatile__("" ::: "memory")
#define mica_ring_mb() __asm__ __volatile__("mfence" ::: "memory")
#include "public/io/ring.h"

const char test_title[] = "a frontend/backend pair over a shared ring";

#define FRONT 1
#define EVIL 2
#define TIMEOUT_NS 30000000000ULL
#define POLL_NS 5000000ULL /* the longest single wait */

/* ---- the protocol ------------------------------------------------------ */

enum {
	OP_WRITE_COPY = 1, /* backend grant-copies the data out and checks it */
	OP_WRITE_MAP = 2, /* backend maps the page read-only and checks it */
	OP_READ = 3, /* backend writes stream data into the page */
};

struct tr_request {
	uint64_t id;
	uint32_t op;
	uint32_t gref; /* the data page, granted to dom0 */
	uint16_t offset; /* 8-byte aligned; offset + len <= 4096 */
	uint16_t len; /* a multiple of 8, 8..4096 */
	uint32_t csum; /* writes: checksum of the data */
	uint64_t stream_off; /* where the data sits in the stream */
};

struct tr_response {
	uint64_t id;
	int32_t status; /* 0 or -MICA_E* */
	uint32_t csum; /* reads: checksum of the data written */
};

MICA_RING_DEFINE(tr, struct tr_request, struct tr_response);

/* A ring as the mailbox describes it. */
enum { CONN_OFFERED = 1, CONN_CONNECTED, CONN_CLOSING, CONN_CLOSED };

struct conn_info {
	uint32_t ring_ref; /* frontend */
	uint32_t port; /* frontend: unbound, offered to dom0 */
	uint32_t state; /* CONN_*: OFFERED, CLOSING by the frontend */
	int32_t error; /* backend: why it disconnected, or 0 */
	uint64_t requests; /* backend: requests answered */
	uint64_t notifies; /* backend: events sent */
};

#define MAX_CONNS 3
struct mailbox {
	uint32_t magic;
	uint32_t nr_conns; /* frontend: conns offered so far */
	struct conn_info conn[MAX_CONNS];
};
#define MAGIC 0x52494e47 /* "RING" */

/* The stream: word k (bytes 8k..8k+7) is stream_word(k). */
static uint64_t stream_word(uint64_t k)
{
	uint64_t x = (k + 1) * 0x9e3779b97f4a7c15ULL;

	return x ^ (x >> 31);
}

static void stream_fill(uint8_t *p, uint64_t stream_off, unsigned int len)
{
	uint64_t *w = (uint64_t *)(void *)p;

	for (unsigned int i = 0; i < len / 8; i++)
		w[i] = stream_word(stream_off / 8 + i);
}

/* Bytes that differ from the stream (0 if all match). */
static unsigned int stream_check(const volatile uint8_t *p, uint64_t stream_off,
				 unsigned int len)
{
	const volatile uint64_t *w = (const volatile uint64_t *)p;
	unsigned int bad = 0;

	for (unsigned int i = 0; i < len / 8; i++)
		bad += w[i] != stream_word(stream_off / 8 + i);
	return bad;
}

static uint32_t checksum(const volatile uint8_t *p, unsigned int len)
{
	const volatile uint64_t *w = (const volatile uint64_t *)p;
	uint64_t a = 1, b = 0;

	for (unsigned int i = 0; i < len / 8; i++) {
		a += w[i] ^ (w[i] >> 32);
		b += a;
	}
	return (uint32_t)(a ^ (b << 7) ^ (b >> 25));
}

/* Waits for an event on port (or POLL_NS): events masked around the
 * poll, the handler runs when they are unmasked. */
static void wait_port(uint32_t port)
{
	struct mica_sched_poll p = { (uint64_t)&port, 1, 0, 0 };

	p.timeout = system_time() + POLL_NS;
	events_mask();
	hypercall_sched_op(MICA_SCHEDOP_poll, &p);
	events_unmask();
}

static volatile uint64_t events_seen;
static void on_event(uint32_t port)
{
	(void)port;
	events_seen++;
}

/* ====================================================================== */
/* The frontend.                                                          */

#define RING_REF 8 /* + conn */
#define DATA_REF 16 /* DATA_REF + slot */
#define NR_DATA 64 /* one data page per ring slot */

static uint8_t ring_pages[MAX_CONNS][GRANT_PAGE] __attribute__((aligned(4096)));
static uint8_t data_pages[NR_DATA][GRANT_PAGE] __attribute__((aligned(4096)));
static volatile struct mailbox *front_mb;

struct front {
	struct tr_front r;
	uint32_t port;
	unsigned int conn;
	uint64_t notifies; /* events we sent */
	uint64_t next_id;
};

/* Offers ring number conn and waits until the backend has connected. */
static bool front_connect(struct front *f, unsigned int conn)
{
	struct mica_evtchn_alloc_unbound a = { MICA_DOMID_SELF, 0, 0 };
	volatile struct conn_info *ci = &front_mb->conn[conn];
	struct tr_shared *s = (struct tr_shared *)(void *)ring_pages[conn];
	uint64_t end = system_time() + TIMEOUT_NS;

	memset(ring_pages[conn], 0, GRANT_PAGE);
	tr_shared_init(s);
	tr_front_init(&f->r, s, GRANT_PAGE);
	f->conn = conn;
	f->notifies = 0;
	f->next_id = 1;
	if (evtchn_op(MICA_EVTCHNOP_alloc_unbound, &a)) {
		test_error("cannot allocate a port for dom0");
		return false;
	}
	f->port = a.port;
	port_unmask(f->port);
	grant_access(RING_REF + conn, 0, virt_to_mfn(s), false);
	ci->ring_ref = RING_REF + conn;
	ci->port = f->port;
	ci->state = CONN_OFFERED;
	__atomic_store_n(&front_mb->nr_conns, conn + 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&ci->state, __ATOMIC_SEQ_CST) !=
	       CONN_CONNECTED) {
		if (system_time() > end) {
			test_fail("ring %u: the backend never connected", conn);
			return false;
		}
		/* Long naps: d2 waits here while d1 is measured. */
		events_sleep(2000000);
	}
	return true;
}

/* Asks the backend to disconnect, then ends access to the ring page. */
static void front_disconnect(struct front *f)
{
	volatile struct conn_info *ci = &front_mb->conn[f->conn];
	uint64_t end = system_time() + TIMEOUT_NS;

	__atomic_store_n(&ci->state, CONN_CLOSING, __ATOMIC_SEQ_CST);
	evtchn_send(f->port);
	while (__atomic_load_n(&ci->state, __ATOMIC_SEQ_CST) != CONN_CLOSED) {
		if (system_time() > end) {
			test_fail("ring %u: the backend never disconnected",
				  f->conn);
			return;
		}
		events_sleep(100000);
	}
	if (grant_end_access(RING_REF + f->conn))
		test_fail("ring %u: still in use after the backend left",
			  f->conn);
	evtchn_close(f->port);
}

/* Fills request slot for the next id; data page = slot. */
static void front_fill(struct front *f, uint32_t op, uint64_t stream_off,
		       uint16_t len)
{
	mica_ring_idx_t i = f->r.req_prod_pvt;
	unsigned int slot = i & (NR_DATA - 1);
	struct tr_request *rq = MICA_RING_REQUEST(&f->r, i);

	rq->id = f->next_id++;
	rq->op = op;
	rq->gref = DATA_REF + slot;
	rq->offset = 0;
	rq->len = len;
	rq->stream_off = stream_off;
	rq->csum = 0;
	if (op != OP_READ) {
		stream_fill(data_pages[slot], stream_off, len);
		rq->csum = checksum(data_pages[slot], len);
	}
	f->r.req_prod_pvt = i + 1;
}

static void front_push(struct front *f)
{
	int notify;

	MICA_RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->r, notify);
	if (notify) {
		evtchn_send(f->port);
		f->notifies++;
	}
}

/*
 * Streams `total` bytes in requests of `len` with at most `depth` in
 * flight; every response is checked (reads: every byte).  false on the
 * first failure.
 */
static bool front_stream(struct front *f, uint32_t op, uint64_t total,
			 uint16_t len, unsigned int depth)
{
	uint64_t submitted = 0, completed = 0, end = system_time() + TIMEOUT_NS;

	while (completed < total) {
		mica_ring_idx_t prod, cons;
		int work;

		while (submitted < total &&
		       f->r.req_prod_pvt - f->r.rsp_cons < depth) {
			front_fill(f, op, submitted, len);
			submitted += len;
		}
		front_push(f);
		prod = MICA_RING_READ(f->r.shared->rsp_prod);
		mica_ring_rmb(); /* responses after the index covering them */
		if ((mica_ring_idx_t)(prod - f->r.rsp_cons) >
		    (mica_ring_idx_t)(f->r.req_prod_pvt - f->r.rsp_cons)) {
			test_fail("backend's rsp_prod %u beyond our requests",
				  prod);
			return false;
		}
		for (cons = f->r.rsp_cons; cons != prod; cons++) {
			const struct tr_response *rs =
				MICA_RING_RESPONSE(&f->r, cons);
			unsigned int slot = cons & (NR_DATA - 1);
			uint64_t want_id =
				f->next_id - (f->r.req_prod_pvt - cons);

			if (rs->id != want_id || rs->status) {
				test_fail("response %lu: id %lu, status %d",
					  want_id, rs->id, rs->status);
				return false;
			}
			if (op == OP_READ &&
			    (rs->csum != checksum(data_pages[slot], len) ||
			     stream_check(data_pages[slot], completed, len))) {
				test_fail("read at %lu: wrong data", completed);
				return false;
			}
			completed += len;
		}
		f->r.rsp_cons = cons;
		if (completed == total)
			break;
		if (submitted < total &&
		    f->r.req_prod_pvt - f->r.rsp_cons < depth)
			continue;
		MICA_RING_FINAL_CHECK_FOR_RESPONSES(&f->r, work);
		if (!work)
			wait_port(f->port);
		if (system_time() > end) {
			test_fail("stream stalled at %lu of %lu bytes",
				  completed, total);
			return false;
		}
	}
	return true;
}

static void front_main(void)
{
	struct front f;
	volatile struct conn_info *ci;
	uint64_t t0, t1, ns, reqs, back_notifies, back_reqs;
	const unsigned int rounds = 1000;
	const uint64_t total = 8ULL << 20;

	for (unsigned int i = 0; i < NR_DATA; i++)
		grant_access(DATA_REF + i, 0, virt_to_mfn(data_pages[i]),
			     false);
	front_mb = grant_offer_store_page();
	if (!front_mb)
		return;
	__atomic_store_n(&front_mb->magic, MAGIC, __ATOMIC_SEQ_CST);
	if (!front_connect(&f, 0))
		return;
	ci = &front_mb->conn[0];

	/* Round trip: one 64-byte request in flight. */
	t0 = rdtsc();
	if (!front_stream(&f, OP_WRITE_COPY, rounds * 64ULL, 64, 1))
		return;
	t1 = rdtsc();
	printk("bench: ring_round_trip %lu cycles\n", (t1 - t0) / rounds);
	printk("round trips: %lu events sent by us, %lu by the backend, for "
	       "%u requests\n",
	       f.notifies, ci->notifies, rounds);

	/* Throughput: the ring full of 4 KiB writes. */
	f.notifies = 0;
	back_notifies = ci->notifies;
	back_reqs = ci->requests;
	t0 = system_time();
	if (!front_stream(&f, OP_WRITE_COPY, total, 4096, NR_DATA))
		return;
	ns = system_time() - t0;
	reqs = ci->requests - back_reqs;
	back_notifies = ci->notifies - back_notifies;
	printk("bench: ring_throughput %lu MiB/s\n",
	       ns ? (uint64_t)((total >> 20) * 1000000000ULL / ns) : 0);
	printk("throughput: %lu requests, %lu events sent by us, %lu by the "
	       "backend (%lu.%02lu per request)\n",
	       reqs, f.notifies, back_notifies,
	       (f.notifies + back_notifies) / reqs,
	       (f.notifies + back_notifies) * 100 / reqs % 100);
	if (reqs != total / 4096)
		test_fail("the backend answered %lu requests, we sent %lu",
			  reqs, total / 4096);
	if ((f.notifies + back_notifies) * 4 > reqs)
		test_fail("%lu events for %lu requests: no batching",
			  f.notifies + back_notifies, reqs);

	printk("1 MiB through mapped pages, 1 MiB of reads\n");
	if (!front_stream(&f, OP_WRITE_MAP, 1 << 20, 4096, 16) ||
	    !front_stream(&f, OP_READ, 1 << 20, 4096, NR_DATA))
		return;
	front_disconnect(&f);
	for (unsigned int i = 0; i < NR_DATA; i++)
		if (grant_end_access(DATA_REF + i))
			test_fail("data page %u still in use", i);
}

/* ====================================================================== */
/* The hostile frontend.                                                  */

/* One raw request and the status the backend must answer. */
struct bad_request {
	uint32_t op, gref;
	uint16_t offset, len;
	bool bad_csum;
	int32_t want;
	const char *what;
};

#define RO_SLOT 3 /* data page granted read-only */
#define REVOKED_SLOT 5 /* data page whose grant is ended mid-way */

static const struct bad_request bad_requests[] = {
	{ OP_WRITE_COPY, 0xfffffff0u, 0, 64, false, -MICA_ERANGE,
	  "copy from a ref beyond the table" },
	{ OP_WRITE_MAP, 100000, 0, 64, false, -MICA_ERANGE,
	  "map a ref beyond the table" },
	{ OP_WRITE_COPY, 200, 0, 64, false, -MICA_EACCES,
	  "copy from a ref never granted" },
	{ OP_READ, DATA_REF + RO_SLOT, 0, 64, false, -MICA_EACCES,
	  "read into a read-only grant" },
	{ OP_WRITE_COPY, DATA_REF, 4000, 200, false, -MICA_EINVAL,
	  "offset + len beyond the page" },
	{ OP_WRITE_COPY, DATA_REF, 0, 12, false, -MICA_EINVAL,
	  "a length that is no multiple of 8" },
	{ OP_WRITE_COPY, DATA_REF, 0, 0, false, -MICA_EINVAL, "length 0" },
	{ 77, DATA_REF, 0, 64, false, -MICA_EINVAL, "an unknown op" },
	{ OP_WRITE_COPY, DATA_REF, 0, 64, true, -MICA_EIO, "a wrong checksum" },
	{ OP_WRITE_COPY, MICA_GRANT_REF_STORE, 0, 64, false, -MICA_EIO,
	  "the mailbox as data (not stream data)" },
	{ OP_WRITE_COPY, DATA_REF, 0, 64, false, 0,
	  "a good request after all" },
};

/* Sends one request built from b (data from stream offset 0), returns the
 * status the backend answered. */
static int32_t evil_request(struct front *f, const struct bad_request *b)
{
	mica_ring_idx_t i = f->r.req_prod_pvt;
	struct tr_request *rq = MICA_RING_REQUEST(&f->r, i);
	uint64_t end = system_time() + TIMEOUT_NS;
	unsigned int slot = b->gref - DATA_REF;

	if (b->gref >= DATA_REF && slot < NR_DATA)
		stream_fill(data_pages[slot], 0, 4096);
	rq->id = f->next_id++;
	rq->op = b->op;
	rq->gref = b->gref;
	rq->offset = b->offset;
	rq->len = b->len;
	rq->stream_off = 0;
	rq->csum = checksum(data_pages[0], b->len <= 4096 ? b->len : 0) +
		   (b->bad_csum ? 1 : 0);
	f->r.req_prod_pvt = i + 1;
	front_push(f);
	while (MICA_RING_READ(f->r.shared->rsp_prod) == i) {
		if (system_time() > end) {
			test_fail("no response to %s", b->what);
			return 1;
		}
		wait_port(f->port);
	}
	mica_ring_rmb();
	f->r.rsp_cons = i + 1;
	if (MICA_RING_RESPONSE(&f->r, i)->id != rq->id)
		test_fail("%s: answered with the wrong id", b->what);
	return MICA_RING_RESPONSE(&f->r, i)->status;
}

static bool wait_closed(volatile struct conn_info *ci)
{
	uint64_t end = system_time() + TIMEOUT_NS;

	while (__atomic_load_n(&ci->state, __ATOMIC_SEQ_CST) != CONN_CLOSED) {
		if (system_time() > end)
			return false;
		events_sleep(100000);
	}
	return true;
}

static void evil_main(void)
{
	struct front f;
	volatile struct conn_info *ci;
	const struct bad_request good = {
		OP_WRITE_COPY, DATA_REF, 0, 64, false, 0, "a good request"
	};

	for (unsigned int i = 0; i < NR_DATA; i++)
		grant_access(DATA_REF + i, 0, virt_to_mfn(data_pages[i]),
			     i == RO_SLOT);
	front_mb = grant_offer_store_page();
	if (!front_mb)
		return;
	__atomic_store_n(&front_mb->magic, MAGIC, __ATOMIC_SEQ_CST);

	printk("ring 0: garbage producer index\n");
	if (!front_connect(&f, 0))
		return;
	ci = &front_mb->conn[0];
	if (!front_stream(&f, OP_WRITE_COPY, 2 * 4096, 4096, 2))
		return;
	MICA_RING_WRITE(f.r.shared->req_prod, f.r.req_prod_pvt + 0x7fff0000u);
	evtchn_send(f.port);
	if (!wait_closed(ci))
		test_fail("the backend kept a ring with a garbage req_prod");
	test_expect_rc(ci->error, -MICA_EPROTO, "backend's verdict on ring 0");
	if (grant_end_access(RING_REF + 0))
		test_fail("ring 0 still mapped after the disconnect");
	evtchn_close(f.port);

	printk("ring 1: bad requests\n");
	if (!front_connect(&f, 1))
		return;
	ci = &front_mb->conn[1];
	for (unsigned int i = 0; i < ARRAY_SIZE(bad_requests); i++)
		test_expect_rc(evil_request(&f, &bad_requests[i]),
			       bad_requests[i].want, "%s",
			       bad_requests[i].what);
	front_disconnect(&f);
	test_expect_rc(ci->error, 0, "backend's verdict on ring 1");

	printk("ring 2: revoked mid-way, then we die\n");
	if (!front_connect(&f, 2))
		return;
	test_expect_rc(evil_request(&f, &good), 0, "ring 2: a good request");
	if (!grant_end_access(RING_REF + 2))
		test_fail("ended access to a ring page the backend maps");
	/* Clobber the entry under the mapping: E2 says we must not. */
	grant_table[RING_REF + 2].flags = 0;
	grant_table[RING_REF + 2].frame = 0;
	test_expect_rc(evil_request(&f, &good), 0,
		       "ring 2 after its grant entry was clobbered");
	if (grant_end_access(DATA_REF + REVOKED_SLOT))
		test_fail("cannot end access to an idle data page");
	{
		struct bad_request revoked = good;

		revoked.gref = DATA_REF + REVOKED_SLOT;
		revoked.what = "copy from a revoked data grant";
		test_expect_rc(evil_request(&f, &revoked), -MICA_EACCES, "%s",
			       revoked.what);
		revoked.op = OP_WRITE_MAP;
		revoked.what = "map a revoked data grant";
		test_expect_rc(evil_request(&f, &revoked), -MICA_EACCES, "%s",
			       revoked.what);
	}
	/* A last request in flight, and we are gone. */
	front_fill(&f, OP_WRITE_COPY, 0, 4096);
	front_push(&f);
	printk("dying with ring 2 mapped and its port bound\n");
}

/* ====================================================================== */
/* The backend (dom0).                                                    */

#define BATCH 16

static uint8_t mailbox_windows[2][GRANT_PAGE] __attribute__((aligned(4096)));
static uint8_t ring_window[GRANT_PAGE] __attribute__((aligned(4096)));
static uint8_t map_window[GRANT_PAGE] __attribute__((aligned(4096)));
static uint8_t bufs[BATCH][GRANT_PAGE] __attribute__((aligned(4096)));

struct back {
	struct tr_back r;
	uint16_t dom;
	volatile struct conn_info *ci;
	uint32_t port; /* ours */
	uint32_t ring_handle;
	uint64_t errors; /* requests answered with an error */
};

static bool back_connect(struct back *b, uint16_t dom,
			 volatile struct mailbox *mb, unsigned int conn)
{
	struct mica_evtchn_bind_interdomain bind = { .remote_dom = dom };
	uint64_t end = system_time() + TIMEOUT_NS;
	long rc;

	while (__atomic_load_n(&mb->nr_conns, __ATOMIC_SEQ_CST) <= conn) {
		if (system_time() > end) {
			test_fail("d%u never offered ring %u", dom, conn);
			return false;
		}
		events_sleep(100000);
	}
	b->dom = dom;
	b->ci = &mb->conn[conn];
	b->errors = 0;
	rc = grant_map((uint64_t)ring_window, MICA_GNTMAP_host_map,
		       b->ci->ring_ref, dom, &b->ring_handle);
	if (rc) {
		test_fail("d%u ring %u: cannot map ref %u: %ld", dom, conn,
			  b->ci->ring_ref, rc);
		return false;
	}
	bind.remote_port = b->ci->port;
	if (evtchn_op(MICA_EVTCHNOP_bind_interdomain, &bind)) {
		test_fail("d%u ring %u: cannot bind port %u", dom, conn,
			  b->ci->port);
		grant_unmap((uint64_t)ring_window, b->ring_handle);
		return false;
	}
	b->port = bind.local_port;
	port_unmask(b->port);
	tr_back_init(&b->r, (struct tr_shared *)(void *)ring_window,
		     GRANT_PAGE);
	__atomic_store_n(&b->ci->state, CONN_CONNECTED, __ATOMIC_SEQ_CST);
	return true;
}

static void back_disconnect(struct back *b, int32_t error)
{
	b->ci->error = error;
	test_expect_rc(grant_unmap((uint64_t)ring_window, b->ring_handle), 0,
		       "d%u: unmap the ring", b->dom);
	evtchn_close(b->port);
	__atomic_store_n(&b->ci->state, CONN_CLOSED, __ATOMIC_SEQ_CST);
}

static int32_t check_request(const struct tr_request *rq)
{
	if (rq->op < OP_WRITE_COPY || rq->op > OP_READ)
		return -MICA_EINVAL;
	if (!rq->len || (rq->len | rq->offset) & 7 ||
	    rq->offset + rq->len > GRANT_PAGE)
		return -MICA_EINVAL;
	return 0;
}

/* Checks written data: 0, or -EIO (checksum or stream bytes wrong). */
static int32_t check_data(const volatile uint8_t *p,
			  const struct tr_request *rq)
{
	if (checksum(p, rq->len) != rq->csum ||
	    stream_check(p, rq->stream_off, rq->len))
		return -MICA_EIO;
	return 0;
}

static int32_t back_map_and_check(struct back *b, const struct tr_request *rq)
{
	uint32_t h;
	long rc = grant_map((uint64_t)map_window,
			    MICA_GNTMAP_host_map | MICA_GNTMAP_readonly,
			    rq->gref, b->dom, &h);

	if (rc)
		return (int32_t)rc;
	rc = check_data(map_window + rq->offset, rq);
	if (grant_unmap((uint64_t)map_window, h))
		test_fail("d%u: cannot unmap a data page", b->dom);
	return (int32_t)rc;
}

/* Answers n requests (n <= BATCH): grant copies in one call. */
static void back_batch(struct back *b, unsigned int n)
{
	struct tr_request rq[BATCH];
	struct mica_gnttab_copy ops[BATCH];
	int32_t status[BATCH];
	uint32_t csum[BATCH];
	int slot_op[BATCH];
	unsigned int nr_ops = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct mica_gnttab_copy *op = &ops[nr_ops];

		tr_copy_request(&b->r, b->r.req_cons++, &rq[i]);
		status[i] = check_request(&rq[i]);
		csum[i] = 0;
		slot_op[i] = -1;
		if (status[i])
			continue;
		if (rq[i].op == OP_WRITE_MAP) {
			status[i] = back_map_and_check(b, &rq[i]);
			continue;
		}
		memset(op, 0, sizeof(*op));
		op->len = rq[i].len;
		if (rq[i].op == OP_WRITE_COPY) {
			op->source.ref_or_gfn = rq[i].gref;
			op->source.domid = b->dom;
			op->source.offset = rq[i].offset;
			op->dest.ref_or_gfn = virt_to_mfn(bufs[i]);
			op->dest.domid = MICA_DOMID_SELF;
			op->flags = MICA_GNTCOPY_source_gref;
		} else {
			stream_fill(bufs[i], rq[i].stream_off, rq[i].len);
			csum[i] = checksum(bufs[i], rq[i].len);
			op->source.ref_or_gfn = virt_to_mfn(bufs[i]);
			op->source.domid = MICA_DOMID_SELF;
			op->dest.ref_or_gfn = rq[i].gref;
			op->dest.domid = b->dom;
			op->dest.offset = rq[i].offset;
			op->flags = MICA_GNTCOPY_dest_gref;
		}
		slot_op[i] = (int)nr_ops++;
	}
	if (nr_ops && gnttab_op(MICA_GNTTABOP_copy, ops, nr_ops))
		test_fail("d%u: the grant copy call failed", b->dom);
	for (unsigned int i = 0; i < n; i++) {
		struct tr_response *rs =
			MICA_RING_RESPONSE(&b->r, b->r.rsp_prod_pvt++);

		if (slot_op[i] >= 0) {
			status[i] = ops[slot_op[i]].status;
			if (!status[i] && rq[i].op == OP_WRITE_COPY)
				status[i] = check_data(bufs[i], &rq[i]);
		}
		if (status[i])
			b->errors++;
		rs->id = rq[i].id;
		rs->status = status[i];
		rs->csum = csum[i];
	}
	b->ci->requests += n;
}

static bool frontend_gone(struct back *b)
{
	struct mica_evtchn_status st = { .dom = MICA_DOMID_SELF,
					 .port = b->port };

	return evtchn_op(MICA_EVTCHNOP_status, &st) ||
	       st.state != MICA_EVTCHN_STATE_interdomain;
}

/* Serves ring b until the frontend closes it, misbehaves or goes:
 * the error the ring was closed with. */
static int32_t back_serve(struct back *b)
{
	uint64_t end = system_time() + 4 * TIMEOUT_NS;

	for (;;) {
		mica_ring_idx_t prod = MICA_RING_READ(b->r.shared->req_prod);
		mica_ring_idx_t n = prod - b->r.req_cons;
		int notify, work;

		if (n > b->r.nr_ents - (b->r.req_cons - b->r.rsp_prod_pvt)) {
			printk("d%u: req_prod %#x with req_cons %#x: garbage; "
			       "disconnecting\n",
			       b->dom, prod, b->r.req_cons);
			back_disconnect(b, -MICA_EPROTO);
			return -MICA_EPROTO;
		}
		mica_ring_rmb(); /* requests after the index covering them */
		while (n) {
			unsigned int k = n < BATCH ? n : BATCH;

			back_batch(b, k);
			n -= k;
		}
		MICA_RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b->r, notify);
		if (notify) {
			evtchn_send(b->port);
			b->ci->notifies++;
		}
		MICA_RING_FINAL_CHECK_FOR_REQUESTS(&b->r, work);
		if (work)
			continue;
		if (__atomic_load_n(&b->ci->state, __ATOMIC_SEQ_CST) ==
		    CONN_CLOSING) {
			back_disconnect(b, 0);
			return 0;
		}
		if (frontend_gone(b)) {
			printk("d%u: the frontend is gone; disconnecting\n",
			       b->dom);
			back_disconnect(b, -MICA_ENXIO);
			return -MICA_ENXIO;
		}
		if (system_time() > end) {
			test_fail("d%u: the ring never closed", b->dom);
			back_disconnect(b, -MICA_ETIME);
			return -MICA_ETIME;
		}
		wait_port(b->port);
	}
}

static volatile struct mailbox *back_mailbox(uint16_t dom, unsigned int w,
					     uint32_t *handle)
{
	volatile struct mailbox *mb =
		(volatile struct mailbox *)mailbox_windows[w];
	uint64_t end = system_time() + TIMEOUT_NS;

	if (!grant_map_store_page(dom, mailbox_windows[w], handle, TIMEOUT_NS))
		return NULL;
	while (__atomic_load_n(&mb->magic, __ATOMIC_SEQ_CST) != MAGIC) {
		if (system_time() > end) {
			test_error("no magic in d%u's store page", dom);
			return NULL;
		}
		events_sleep(50000);
	}
	return mb;
}

static bool wait_gone(uint16_t domid)
{
	struct mica_domctl op = { 0 };
	uint64_t end = system_time() + TIMEOUT_NS;

	op.cmd = MICA_DOMCTL_get_info;
	op.interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op.domid = domid;
	while (hypercall_domctl(&op) != -MICA_ESRCH) {
		if (system_time() > end)
			return false;
		events_sleep(100000);
	}
	return true;
}

static void back_main(void)
{
	static const int32_t evil_verdict[MAX_CONNS] = { -MICA_EPROTO, 0,
							 -MICA_ENXIO };
	static const uint64_t evil_errors[MAX_CONNS] = {
		0, ARRAY_SIZE(bad_requests) - 1, 2
	};
	volatile struct mailbox *mb;
	struct back b;
	uint32_t h;

	mb = back_mailbox(FRONT, 0, &h);
	if (!mb)
		return;
	if (!back_connect(&b, FRONT, mb, 0))
		return;
	test_expect_rc(back_serve(&b), 0, "d1's ring");
	if (b.errors)
		test_fail("%lu of d1's requests failed", b.errors);
	printk("d1: %lu requests answered, %lu events sent\n",
	       mb->conn[0].requests, mb->conn[0].notifies);
	test_expect_rc(grant_unmap((uint64_t)mailbox_windows[0], h), 0,
		       "unmap d1's mailbox");

	mb = back_mailbox(EVIL, 1, &h);
	if (!mb)
		return;
	for (unsigned int c = 0; c < MAX_CONNS; c++) {
		if (!back_connect(&b, EVIL, mb, c))
			return;
		test_expect_rc(back_serve(&b), evil_verdict[c],
			       "d2's ring %u closed", c);
		/* Ring 2's last request races d2's death: it may be
		 * answered, or fail with -ESRCH (d2 dying). */
		if (b.errors != evil_errors[c] &&
		    (c != 2 || b.errors != evil_errors[c] + 1))
			test_fail("d2's ring %u: %lu requests failed, "
				  "expected %lu",
				  c, b.errors, evil_errors[c]);
	}
	test_expect_rc(grant_unmap((uint64_t)mailbox_windows[1], h), 0,
		       "unmap d2's mailbox");
	if (!wait_gone(EVIL))
		test_fail("d2 lingers after every mapping of it went");
}

void test_main(void)
{
	const char *role = cmdline_value("role");

	events_setup();
	event_handler = on_event;
	if (role && !strncmp(role, "front", 5)) {
		grant_table_init();
		front_main();
	} else if (role && !strncmp(role, "evil", 4)) {
		grant_table_init();
		evil_main();
	} else {
		back_main();
	}
	test_pass();
}
