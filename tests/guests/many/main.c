/* SPDX-License-Identifier: MIT */
/*
 * Many domains at once, built by dom0 through domctl: the hypervisor's
 * costs must not grow with the number of domains.
 *
 * dom0 builds NR_DOMAINS small PV domains itself, the way a toolstack
 * does: create, populate six frames, map them (map_foreign), write page
 * tables and a tiny kernel (tiny.S) into them, unmap, offer the domain a
 * port bound to dom0, set vcpu 0's context and unpause.  Each domain writes
 * a cookie into its report page, sends dom0 one event and blocks for good.
 * dom0 times every create+start, from the create call to its event, and
 * they all stay alive together.  Then it checks that every domain is
 * listed and blocked and reported its own cookie, destroys them all, and
 * finds every free page back (sysctl physinfo).
 *
 * Round 1 runs on a cold hypervisor heap and measures what the domains
 * cost the hypervisor; round 2 does it all again on a warm heap, and must
 * end with exactly the free pages of the end of round 1 (a leak of one
 * page per domain would show).  In each round the median create+start
 * time of the 31 domains around the 200th may exceed that of the first 31
 * by at most GROWTH_LIMIT times.  First,
 * NR_EMPTY empty domains measure what an empty domain costs.
 *
 * Along the way: a domain at the top of the id range (only a two-level
 * domain table allows it), ids beyond it refused, and domctl list walked
 * with its cursor over every domain.
 *
 * `make bench` prints domain_create_start_{1st,100th,200th} (round 2,
 * single samples) and hypervisor_bytes_per_domain.
 */
#include "events.h"
#include "test.h"
#include "tiny.h"

#include "public/arch-x86/context.h"
#include "public/arch-x86/layout.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/event_channel.h"
#include "public/memory.h"
#include "public/mmu.h"
#include "public/sched.h"
#include "public/sysctl.h"

const char test_title[] = "hundreds of domains built by dom0: flat create "
			  "cost, every page back";

_Static_assert(TINY_HC_SCHED_OP == MICA_HC_sched_op, "tiny.h");
_Static_assert(TINY_HC_EVENT_CHANNEL_OP == MICA_HC_event_channel_op, "tiny.h");
_Static_assert(TINY_EVTCHNOP_SEND == MICA_EVTCHNOP_send, "tiny.h");
_Static_assert(TINY_SCHEDOP_BLOCK == MICA_SCHEDOP_block, "tiny.h");

#define NR_DOMAINS 256
#define NR_EMPTY 64
/* Creates per timing window: the median of 31 ignores a stall of the host
 * (QEMU shares the machine) that hits up to 15 of them. */
#define WINDOW 31
#define GROWTH_LIMIT 3
#define WAIT_NS 20000000000ULL

/* The tiny domain: pfns 0-3 its page tables, 4 code, 5 report page. */
#define TINY_PAGES 6
#define TINY_VA 0x400000ULL /* code; the report page follows */
#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define L1_INDEX(va) (((va) >> 12) & 511)
#define L2_INDEX(va) (((va) >> 21) & 511)
#define L3_INDEX(va) (((va) >> 30) & 511)
#define L4_INDEX(va) (((va) >> 39) & 511)

extern const uint8_t tiny_guest_start[], tiny_guest_end[];

struct tiny {
	uint16_t domid;
	uint32_t port; /* dom0's end */
	uint64_t report_mfn;
	uint64_t ns; /* create+start, to its event */
};

static struct tiny doms[NR_DOMAINS];
static volatile uint8_t port_fired[4096];
static struct mica_vcpu_guest_context ctx;

static void on_event(uint32_t port)
{
	if (port < sizeof(port_fired))
		port_fired[port] = 1;
}

static long domctl(struct mica_domctl *op, uint32_t cmd, uint16_t domid)
{
	op->cmd = cmd;
	op->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op->domid = domid;
	return hypercall_domctl(op);
}

static uint64_t free_pages(void)
{
	struct mica_sysctl s = { 0 };

	s.cmd = MICA_SYSCTL_physinfo;
	s.interface_version = MICA_SYSCTL_INTERFACE_VERSION;
	if (hypercall_sysctl(&s))
		test_error("physinfo failed");
	return s.u.physinfo.free_pages;
}

/* Where dom0 maps a domain's frames while it builds it: free pages of
 * its own boot mapping (start_info.h L9), which have L1 entries. */
static uint64_t window(void)
{
	return boot_mapping_end() - 8 * 4096;
}

static void unmap_window(unsigned int pages)
{
	for (unsigned int i = 0; i < pages; i++)
		hypercall_update_va_mapping(window() + i * 4096ULL, 0,
					    MICA_UVMF_INVLPG);
}

static long create(uint16_t domid, uint64_t max_pages)
{
	struct mica_domctl op = { 0 };
	long rc;

	op.u.create.max_vcpus = 1;
	op.u.create.max_pages = max_pages;
	rc = domctl(&op, MICA_DOMCTL_create, domid);
	return rc ? rc : op.domid;
}

/* Writes the page tables and the code of a tiny domain whose frames are
 * mapped at the window. */
static void write_tiny_image(const uint64_t *mfn)
{
	uint64_t *l4 = (uint64_t *)window(), *l3 = l4 + 512, *l2 = l3 + 512,
		 *l1 = l2 + 512;
	uint8_t *code = (uint8_t *)(l1 + 512);

	l4[L4_INDEX(TINY_VA)] = (mfn[1] << 12) | PTE_P | PTE_W;
	l3[L3_INDEX(TINY_VA)] = (mfn[2] << 12) | PTE_P | PTE_W;
	l2[L2_INDEX(TINY_VA)] = (mfn[3] << 12) | PTE_P | PTE_W;
	l1[L1_INDEX(TINY_VA)] = (mfn[4] << 12) | PTE_P; /* code: read-only */
	l1[L1_INDEX(TINY_VA) + 1] = (mfn[5] << 12) | PTE_P | PTE_W;
	memcpy(code, tiny_guest_start,
	       (size_t)(tiny_guest_end - tiny_guest_start));
}

/* vcpu 0 starts at the tiny kernel with its port, report page, cookie. */
static long start_tiny(uint16_t domid, uint64_t l4_mfn, uint32_t port)
{
	struct mica_domctl op = { 0 };
	long rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = MICA_VGCF_IN_KERNEL;
	for (unsigned int i = 0; i < 256; i++)
		ctx.trap_table[i].vector = (uint8_t)i;
	ctx.user_regs.rip = TINY_VA;
	ctx.user_regs.cs = MICA_FLAT_KERNEL_CS & ~3; /* RPL 0: kernel mode */
	ctx.user_regs.ss = MICA_FLAT_KERNEL_SS & ~3;
	ctx.user_regs.rflags = 0x2;
	ctx.user_regs.rdi = port;
	ctx.user_regs.rsi = TINY_VA + 4096;
	ctx.user_regs.rdx = 0x7e11000000000000ULL | domid; /* the cookie */
	ctx.kernel_pt_base_gfn = l4_mfn;
	op.u.vcpu_context =
		(struct mica_domctl_vcpu_context){ 0, 0, (uint64_t)&ctx };
	rc = domctl(&op, MICA_DOMCTL_set_vcpu_context, domid);
	if (!rc)
		rc = domctl(&op, MICA_DOMCTL_unpause, domid);
	return rc;
}

/* Blocks until dom0's port has fired; false after the deadline. */
static bool wait_port(uint32_t port, uint64_t deadline)
{
	struct mica_sched_poll poll = { (uint64_t)&port, 1, 0, deadline };

	for (;;) {
		events_mask();
		if (port_fired[port] || system_time() > deadline) {
			events_unmask();
			return port_fired[port];
		}
		hypercall_sched_op(MICA_SCHEDOP_poll, &poll);
		events_unmask(); /* the upcall runs on_event */
	}
}

/* Builds and starts tiny domain t, and waits for its event. */
static bool build_tiny(struct tiny *t)
{
	struct mica_domctl op = { 0 };
	struct mica_evtchn_alloc_unbound au = { 0 };
	struct mica_evtchn_bind_interdomain bi = { 0 };
	uint64_t mfn[TINY_PAGES], t0 = system_time();
	int32_t err[TINY_PAGES];
	long rc = create(MICA_DOMID_ANY, TINY_PAGES + 1);

	char buf[24];

	if (rc < 0) {
		test_fail("create: %s", errno_name(rc, buf));
		return false;
	}
	t->domid = (uint16_t)rc;
	for (unsigned int i = 0; i < TINY_PAGES; i++)
		mfn[i] = i;
	op.u.populate_physmap = (struct mica_memory_reservation){ (uint64_t)mfn,
								  TINY_PAGES, 0,
								  0, 0 };
	if (!test_expect_rc(domctl(&op, MICA_DOMCTL_populate_physmap, t->domid),
			    TINY_PAGES, "populate d%u", t->domid))
		return false;
	op.u.map_foreign =
		(struct mica_domctl_map_foreign){ (uint64_t)mfn, (uint64_t)err,
						  window(), TINY_PAGES, 0 };
	if (!test_expect_rc(domctl(&op, MICA_DOMCTL_map_foreign, t->domid), 0,
			    "map d%u", t->domid))
		return false;
	write_tiny_image(mfn);
	unmap_window(TINY_PAGES); /* its tables may not stay writable */
	t->report_mfn = mfn[5];

	au.dom = t->domid;
	au.remote_dom = 0;
	bi.remote_dom = t->domid;
	if (!test_expect_rc(evtchn_op(MICA_EVTCHNOP_alloc_unbound, &au), 0,
			    "port for d%u", t->domid))
		return false;
	bi.remote_port = au.port;
	if (!test_expect_rc(evtchn_op(MICA_EVTCHNOP_bind_interdomain, &bi), 0,
			    "bind d%u's port", t->domid))
		return false;
	t->port = bi.local_port;
	if (t->port >= sizeof(port_fired)) {
		test_error("dom0 port %u beyond the test's table", t->port);
		return false;
	}
	port_fired[t->port] = 0;
	port_unmask(t->port); /* a new port starts masked */
	if (!test_expect_rc(start_tiny(t->domid, mfn[0], au.port), 0,
			    "start d%u", t->domid))
		return false;
	if (!wait_port(t->port, system_time() + WAIT_NS)) {
		op.u.vcpu_info.vcpu = 0;
		domctl(&op, MICA_DOMCTL_get_vcpu_info, t->domid);
		test_fail("d%u never reported (vcpu flags %#x, ran %lu ns)",
			  t->domid, op.u.vcpu_info.flags,
			  op.u.vcpu_info.cpu_time);
		return false;
	}
	t->ns = system_time() - t0;
	return true;
}

/* The median create+start time of the WINDOW domains from index 'from'. */
static uint64_t window_median(unsigned int from)
{
	_Static_assert(200 + WINDOW / 2 <= NR_DOMAINS, "window in range");
	uint64_t v[WINDOW];

	for (unsigned int i = 0; i < WINDOW; i++) {
		unsigned int j = i;

		v[i] = doms[from + i].ns;
		for (; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t tmp = v[j];

			v[j] = v[j - 1];
			v[j - 1] = tmp;
		}
	}
	return v[WINDOW / 2];
}

/* Every domain is listed (cursor walk, 64 at a time), blocked, and has
 * its own cookie and a successful send in its report page. */
static void check_all(unsigned int n)
{
	static struct mica_domctl_domain_info list[64];
	struct mica_domctl op = { 0 };
	unsigned int seen = 0, blocked = 0, rounds = 0;
	uint16_t cursor = 0;

	do {
		op.u.list =
			(struct mica_domctl_list){ cursor, 0, 64,
						   0,	   0, (uint64_t)list };
		if (!test_expect_rc(domctl(&op, MICA_DOMCTL_list, 0), 0,
				    "list"))
			return;
		for (unsigned int i = 0; i < op.u.list.nr_entries; i++) {
			if (list[i].domid < cursor)
				test_fail("list: d%u after cursor %u",
					  list[i].domid, cursor);
			if (list[i].domid == 0)
				continue;
			seen++;
			blocked += !!(list[i].flags & MICA_DOMINFO_BLOCKED);
			if (list[i].flags & MICA_DOMINFO_SHUTDOWN)
				test_fail("d%u shut down (reason %u)",
					  list[i].domid,
					  list[i].shutdown_reason);
			if (list[i].nr_pages != TINY_PAGES + 1)
				test_fail("d%u has %lu pages", list[i].domid,
					  list[i].nr_pages);
		}
		cursor = op.u.list.next_domid;
	} while (cursor != MICA_DOMID_INVALID && ++rounds < 1000);
	if (seen != n)
		test_fail("list shows %u domains besides dom0, expected %u",
			  seen, n);
	printk("list: %u domains, %u of them blocked now\n", seen, blocked);

	for (unsigned int i = 0; i < n; i++) {
		const volatile uint64_t *r = (const uint64_t *)window();
		struct mica_domctl m = { 0 };
		int32_t err = 0;

		m.u.map_foreign = (struct mica_domctl_map_foreign){
			(uint64_t)&doms[i].report_mfn, (uint64_t)&err, window(),
			1, MICA_FOREIGN_MAP_READONLY
		};
		if (domctl(&m, MICA_DOMCTL_map_foreign, doms[i].domid) || err) {
			test_fail("map d%u's report page: %d", doms[i].domid,
				  err);
			continue;
		}
		if (r[TINY_REPORT_COOKIE / 8] !=
			    (0x7e11000000000000ULL | doms[i].domid) ||
		    r[TINY_REPORT_SEND_RC / 8])
			test_fail("d%u reports cookie %#lx, send %ld",
				  doms[i].domid, r[TINY_REPORT_COOKIE / 8],
				  (long)r[TINY_REPORT_SEND_RC / 8]);
		unmap_window(1);
	}
}

/* Destroys domains, closes dom0's ports to them, waits until their ids
 * are free (destruction may finish after the call). */
static void destroy_all(const uint16_t *ids, const uint32_t *ports,
			unsigned int n)
{
	struct mica_domctl op = { 0 };
	uint64_t deadline;

	for (unsigned int i = 0; i < n; i++) {
		test_expect_rc(domctl(&op, MICA_DOMCTL_destroy, ids[i]), 0,
			       "destroy d%u", ids[i]);
		if (ports)
			test_expect_rc(evtchn_close(ports[i]), 0,
				       "close dom0's port %u", ports[i]);
	}
	deadline = system_time() + WAIT_NS;
	for (unsigned int i = 0; i < n; i++) {
		while (domctl(&op, MICA_DOMCTL_get_info, ids[i]) !=
		       -MICA_ESRCH) {
			if (system_time() > deadline) {
				test_fail("d%u still there after destroy",
					  ids[i]);
				return;
			}
			hypercall_sched_op(MICA_SCHEDOP_yield, NULL);
		}
	}
}

/* NR_EMPTY empty domains: what one costs the hypervisor. */
static void measure_empty(void)
{
	static uint16_t ids[NR_EMPTY];
	uint64_t before = free_pages(), after;

	for (unsigned int i = 0; i < NR_EMPTY; i++) {
		long rc = create(MICA_DOMID_ANY, 0);
		char buf[24];

		if (rc < 0) {
			test_fail("empty domain %u: %s", i,
				  errno_name(rc, buf));
			destroy_all(ids, NULL, i);
			return;
		}
		ids[i] = (uint16_t)rc;
	}
	after = free_pages();
	printk("%u empty domains took %lu pages\n", NR_EMPTY, before - after);
	printk("bench: hypervisor_bytes_per_domain %lu bytes\n",
	       (before - after) * 4096 / NR_EMPTY);
	destroy_all(ids, NULL, NR_EMPTY);
}

/* The domain table reaches the end of the ABI's id range. */
static void check_id_range(void)
{
	struct mica_domctl op = { 0 };
	uint16_t top = MICA_DOMID_FIRST_RESERVED - 1;

	test_expect_rc(create(top, 0), top, "create d%u", top);
	test_expect_rc(domctl(&op, MICA_DOMCTL_get_info, top), 0,
		       "get_info d%u", top);
	test_expect_rc(create(top, 0), -MICA_EEXIST, "create d%u again", top);
	test_expect_rc(create(MICA_DOMID_FIRST_RESERVED, 0), -MICA_EINVAL,
		       "create a reserved domid");
	test_expect_rc(create(0x9000, 0), -MICA_EINVAL,
		       "create beyond the domid range");
	destroy_all(&top, NULL, 1);
}

/* One round: NR_DOMAINS built and alive together, checked, destroyed. */
static void run_round(unsigned int round)
{
	static uint16_t ids[NR_DOMAINS];
	static uint32_t ports[NR_DOMAINS];
	uint64_t before = free_pages(), early, late;
	unsigned int n;

	for (n = 0; n < NR_DOMAINS; n++)
		if (!build_tiny(&doms[n]))
			break;
	printk("round %u: %u domains running; hypervisor cost %lu pages "
	       "beyond their own %u\n",
	       round, n, before - free_pages() - n * (TINY_PAGES + 1UL),
	       n * (TINY_PAGES + 1));
	if (n == NR_DOMAINS) {
		check_all(n);
		early = window_median(0);
		late = window_median(200 - WINDOW / 2); /* around the 200th */
		printk("round %u: create+start 1st %lu ns, 100th %lu ns, "
		       "200th %lu ns, 256th %lu ns; medians of %u: first "
		       "%lu ns, around the 200th %lu ns\n",
		       round, doms[0].ns, doms[99].ns, doms[199].ns,
		       doms[255].ns, WINDOW, early, late);
		if (late > GROWTH_LIMIT * early)
			test_fail("round %u: create+start grew from %lu to %lu "
				  "ns",
				  round, early, late);
		if (round == 2) {
			printk("bench: domain_create_start_1st %lu ns\n",
			       doms[0].ns);
			printk("bench: domain_create_start_100th %lu ns\n",
			       doms[99].ns);
			printk("bench: domain_create_start_200th %lu ns\n",
			       doms[199].ns);
			/* Single samples are noisy under QEMU; the medians
			 * are what the test judges. */
			printk("bench: domain_create_start_median_first31 %lu "
			       "ns\n",
			       early);
			printk("bench: domain_create_start_median_200th %lu "
			       "ns\n",
			       late);
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		ids[i] = doms[i].domid;
		ports[i] = doms[i].port;
	}
	destroy_all(ids, ports, n);
}

void test_main(void)
{
	uint64_t free_end;

	if (!(start_info->flags & MICA_START_INFO_PRIVILEGED)) {
		test_error("the many test runs as dom0");
		return;
	}
	events_setup();
	event_handler = on_event;
	measure_empty();
	check_id_range();
	run_round(1);
	free_end = free_pages();
	run_round(2);
	if (free_pages() != free_end)
		test_fail("free pages %lu after round 2, %lu after round 1",
			  free_pages(), free_end);
	test_pass();
}
