/* SPDX-License-Identifier: MIT */
/*
 * Another vcpu's half-done pin (mmu.h T3): "the tables of that tree that
 * are half done are busy for everything else [-MICA_EBUSY]".
 *
 * vcpu 1 starts a preemptible PIN_L4 of a tree (L4 -> L3 -> 2 L2s -> 48
 * L1s of 512 entries, under a 100 us periodic timer of its own); vcpu 0
 * rewrites vcpu 1's pending op into a TLB flush once it has been
 * preempted, so the tree is left half-validated, and vcpu 1 takes itself
 * down.  Then vcpu 0, which must get -EBUSY at once and not wait for a
 * vcpu that will not come back:
 *   - pins the same L4, pins the half-done L3 directly, pins an L4 of its
 *     own that points at that L3, and unpins the half-done L4;
 *   - afterwards its own L4 has no type left (it can be mapped writable).
 * A call that has not returned after 2 s is given up by vcpu 0's timer
 * handler (it turns the pending op into a flush): Mica once retried such
 * a pin for as long as the other vcpu did not repeat its operation.
 * Last, vcpu 1 comes back up and pins another table, which undoes its
 * abandoned tree first (T3): then vcpu 0 pins and unpins the L4, every
 * page becomes writable again and the data frame can be given back.
 */
#include "events.h"
#include "bench.h"
#include "test.h"
#include "ptree.h"
#include "vcpu.h"
#include "public/errno.h"
#include "public/memory.h"
#include "public/mmu.h"
#include "public/sysctl.h"
#include "public/vcpu.h"

const char test_title[] = "another vcpu's half-done pin is busy";

#define NL1 48
#define NL2 2
#define PERIOD_NS 100000ULL
#define GIVE_UP_NS 2000000000ULL
#define ATTEMPTS 8

static uint8_t l1s[NL1][4096] __attribute__((aligned(4096)));
static uint8_t l2s[NL2][4096] __attribute__((aligned(4096)));
static uint8_t l3[4096] __attribute__((aligned(4096)));
static uint8_t l4[4096] __attribute__((aligned(4096)));
static uint8_t l4b[4096] __attribute__((aligned(4096))); /* vcpu 0's */
static uint8_t small[4096] __attribute__((aligned(4096)));
static uint8_t data[4096] __attribute__((aligned(4096)));

/* vcpu 1's op and what it reports. */
static volatile struct mica_mmuext_op op_a;
static volatile unsigned int a_task; /* 0: the pin to abandon; 1: clean up */
static volatile uint64_t a_c0;
static volatile long a_rc, a_rc2;
static volatile bool a_started, a_finished;

/* vcpu 0's op, given up by its timer handler after GIVE_UP_NS. */
static volatile struct mica_mmuext_op op_b;
static volatile uint64_t b_deadline;
static volatile bool b_in_op, b_gave_up;
static uint32_t timer_port;

static long mmuext(volatile struct mica_mmuext_op *op)
{
	return HYPERCALL5(MICA_HC_mmuext_op, op, 1, 0, MICA_DOMID_SELF, 0);
}

static void set_op(volatile struct mica_mmuext_op *op, uint32_t cmd,
		   uint64_t mfn)
{
	op->cmd = cmd;
	op->pad0 = 0;
	op->arg1 = mfn;
	op->arg2 = 0;
}

static uint64_t continuations(void)
{
	return perfc_total(MICA_PERFC_continuations);
}

static const struct guest_ptree tree = { l1s, NL1, l2s, NL2, l3, l4 };

/* The tree, vcpu 0's copy of its L4 and an empty table, all read-only. */
static void build(void)
{
	guest_ptree_build(&tree, data);
	guest_set_writable(l4b, true);
	memcpy(l4b, l4, sizeof(l4b));
	guest_set_writable(small, true);
	memset(small, 0, sizeof(small));
	guest_set_writable(l4b, false);
	guest_set_writable(small, false);
	guest_tlb_flush_local();
}

/* vcpu 1: its own 100 us timer keeps its long pin preemptible. */
static void vcpu_a(unsigned int id)
{
	struct mica_vcpu_periodic_timer t = { PERIOD_NS };

	if (a_task == 0) {
		vcpu_op(MICA_VCPUOP_set_periodic_timer, id, &t);
		set_op(&op_a, MICA_MMUEXT_PIN_L4_TABLE, guest_mfn(l4));
		a_c0 = continuations();
		a_started = true;
		a_rc = mmuext(&op_a);
		vcpu_op(MICA_VCPUOP_stop_periodic_timer, id, 0);
	} else {
		/* Another pin: the abandoned tree is undone first. */
		set_op(&op_a, MICA_MMUEXT_PIN_L1_TABLE, guest_mfn(small));
		a_rc = mmuext(&op_a);
		set_op(&op_a, MICA_MMUEXT_UNPIN_TABLE, guest_mfn(small));
		a_rc2 = mmuext(&op_a);
	}
	a_finished = true;
	/* Returning takes this vcpu down. */
}

static void wait_down(void)
{
	uint64_t end = system_time() + GIVE_UP_NS;

	while (vcpu_op(MICA_VCPUOP_is_up, 1, 0) == 1)
		if (system_time() > end)
			test_error("vcpu 1 did not go down");
}

static void on_event(uint32_t port)
{
	if (port != timer_port || !b_in_op || system_time() < b_deadline)
		return;
	/* Still retrying after GIVE_UP_NS: the op becomes a flush. */
	op_b.cmd = MICA_MMUEXT_TLB_FLUSH_LOCAL;
	op_b.arg1 = 0;
	b_gave_up = true;
}

/* One op on vcpu 0; -MICA_EAGAIN stands for "never returned". */
static long op_on_b(uint32_t cmd, uint64_t mfn)
{
	long rc;

	set_op(&op_b, cmd, mfn);
	b_gave_up = false;
	b_deadline = system_time() + GIVE_UP_NS;
	b_in_op = true;
	rc = mmuext(&op_b);
	b_in_op = false;
	return b_gave_up ? -MICA_EAGAIN : rc;
}

/*
 * Lets vcpu 1 pin the tree and abandons its op after its first part.
 * True if the tree was left half-validated; otherwise it is left unpinned
 * and untyped for another attempt.
 */
static bool abandon_on_a(void)
{
	uint64_t l4m = guest_mfn(l4);
	bool rewritten = false;

	a_task = 0;
	a_started = a_finished = false;
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 1, 0), 0, "up vcpu 1");
	while (!a_started)
		;
	while (!a_finished && !rewritten) {
		if (continuations() != a_c0) {
			op_a.cmd = MICA_MMUEXT_TLB_FLUSH_LOCAL;
			op_a.arg1 = 0;
			rewritten = true;
		}
	}
	while (!a_finished)
		;
	wait_down();
	if (a_rc)
		test_fail("vcpu 1's op returned %ld", a_rc);
	/* Pinned in full (the rewrite came too late): an entry of the L4
	 * can be updated.  Unpin it (another vcpu's pin is ours too). */
	if (!guest_mmu_update1((l4m << 12) + 8 * 8, 0)) {
		test_expect_rc(op_on_b(MICA_MMUEXT_UNPIN_TABLE, l4m), 0,
			       "unpin a tree vcpu 1 pinned in full");
		return false;
	}
	/* Not started at all (rewritten first): the L4 has no type. */
	if (!guest_remap(l4, true)) {
		guest_set_writable(l4, false);
		guest_tlb_flush_local();
		return false;
	}
	return true;
}

static void check_busy(const char *what, uint32_t cmd, uint64_t mfn)
{
	long rc = op_on_b(cmd, mfn);

	if (rc == -MICA_EAGAIN)
		test_fail("%s: still retrying after %llu ns, waiting for a "
			  "vcpu that is down (mmu.h T3: -EBUSY)",
			  what, GIVE_UP_NS);
	else
		test_expect_rc(rc, -MICA_EBUSY, "%s", what);
}

void test_main(void)
{
	struct mica_vcpu_periodic_timer t = { PERIOD_NS * 10 };
	uint64_t l4m = guest_mfn(l4), dmfn;
	unsigned int a;

	events_setup();
	event_handler = on_event;
	if (evtchn_bind_virq(MICA_VIRQ_TIMER, 0, &timer_port))
		test_error("cannot bind VIRQ_TIMER");
	port_unmask(timer_port);
	events_unmask();
	if (vcpu_op(MICA_VCPUOP_set_periodic_timer, 0, &t))
		test_error("cannot start the periodic timer");
	build();
	a_task = 1; /* a first run that only pins and unpins 'small' */
	test_expect_rc(vcpu_start(1, vcpu_a), 0, "start vcpu 1");
	while (!a_finished)
		;
	wait_down();

	printk("vcpu 1 abandons a pin part-way, then goes down\n");
	for (a = 0; a < ATTEMPTS && !abandon_on_a(); a++)
		;
	if (a == ATTEMPTS) {
		test_fail("no pin abandoned part-way in %u attempts", ATTEMPTS);
		return;
	}
	printk("vcpu 0 meets the half-done tree (attempt %u)\n", a + 1);
	check_busy("pin the half-done L4", MICA_MMUEXT_PIN_L4_TABLE, l4m);
	check_busy("pin its half-done L3", MICA_MMUEXT_PIN_L3_TABLE,
		   guest_mfn(l3));
	check_busy("pin an L4 pointing at the half-done L3",
		   MICA_MMUEXT_PIN_L4_TABLE, guest_mfn(l4b));
	test_expect_rc(guest_remap(l4b, true), 0,
		       "map the refused L4 writable (no type left)");
	guest_set_writable(l4b, false);
	check_busy("unpin the half-done L4", MICA_MMUEXT_UNPIN_TABLE, l4m);
	test_expect_rc(guest_remap(l4, true), -MICA_EBUSY,
		       "map the half-done L4 writable");

	printk("vcpu 1 comes back and pins another table\n");
	a_task = 1;
	a_finished = false;
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 1, 0), 0, "up vcpu 1 again");
	while (!a_finished)
		;
	wait_down();
	test_expect_rc(a_rc, 0, "vcpu 1: pin an empty L1");
	test_expect_rc(a_rc2, 0, "vcpu 1: unpin it");
	test_expect_rc(op_on_b(MICA_MMUEXT_PIN_L4_TABLE, l4m), 0,
		       "pin the undone L4");
	test_expect_rc(op_on_b(MICA_MMUEXT_UNPIN_TABLE, l4m), 0, "unpin it");

	/* Nothing left: every page writable, the data frame releasable. */
	for (unsigned int i = 0; i < NL1; i++)
		guest_set_writable(l1s[i], true);
	for (unsigned int i = 0; i < NL2; i++)
		guest_set_writable(l2s[i], true);
	guest_set_writable(l3, true);
	guest_set_writable(l4, true);
	guest_set_writable(l4b, true);
	guest_set_writable(small, true);
	dmfn = guest_mfn(data);
	struct mica_memory_reservation r = { (uint64_t)&dmfn, 1, 0, 0, 0 };
	if (guest_mmu_update1(guest_l1e_maddr((uint64_t)data), 0))
		test_error("cannot unmap the data page");
	guest_tlb_flush_local();
	if (hypercall_memory_op(MICA_MEMOP_decrease_reservation, &r) != 1)
		test_fail("the data frame still has references");
	vcpu_op(MICA_VCPUOP_stop_periodic_timer, 0, 0);
	test_pass();
}
