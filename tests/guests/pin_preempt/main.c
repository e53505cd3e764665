/* SPDX-License-Identifier: MIT */
/*
 * Preemptible pinning and unpinning of a large page-table tree (mmu.h T3,
 * mica.h note 6, asm/mm.h PARTIAL): an L4 -> L3 -> 4 L2s -> 96 L1s of 512
 * read-only entries each (about 51000 entries to validate), while a 100 us
 * periodic timer keeps firing.
 *   1. PIN_L4 and UNPIN each take several hypercall parts (the perfc
 *      continuation counter), timer upcalls arrive in between (the guest
 *      runs between the parts), the pinned tree is in force (an L1 cannot
 *      be mapped writable, nor the L4 pinned twice) and, after the unpin,
 *      gone: every one of the 49152 references to the data frame is
 *      dropped, so the frame can be given back (decrease_reservation).
 *   2. Hostile: the timer handler rewrites the pending PIN into a TLB
 *      flush after its first part, abandoning a half-validated tree:
 *      nothing stays stuck: an entry update in the half-done L4 is refused
 *      (it is no table yet), pinning it again carries on and completes,
 *      and the unpin leaves no reference behind.
 *   3. Hostile: the same for an UNPIN abandoned part-way: the half-undone
 *      L4 is busy (cannot be mapped writable) until this vcpu's next pin
 *      of another table, which undoes the abandoned tree first; then every
 *      page is writable again and no reference is left.
 *   4. The domain shuts down with a pin abandoned part-way: it is
 *      destroyed all the same (every page returned).
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

const char test_title[] = "preemptible pin and unpin of a large tree";

#define NL1 96
#define NL2 4
#define ROUNDS 4
#define PERIOD_NS 100000ULL

static uint8_t l1s[NL1][4096] __attribute__((aligned(4096)));
static uint8_t l2s[NL2][4096] __attribute__((aligned(4096)));
static uint8_t l3[4096] __attribute__((aligned(4096)));
static uint8_t l4[4096] __attribute__((aligned(4096)));
static uint8_t data[ROUNDS][4096] __attribute__((aligned(4096)));

static volatile struct mica_mmuext_op op;
static volatile bool abandon;
static volatile uint64_t ticks;
static uint32_t timer_port;

static long mmuext(uint32_t cmd, uint64_t arg1)
{
	struct mica_mmuext_op o = { cmd, 0, arg1, 0 };

	return HYPERCALL5(MICA_HC_mmuext_op, &o, 1, 0, MICA_DOMID_SELF, 0);
}

static uint64_t continuations(void)
{
	return perfc_total(MICA_PERFC_continuations);
}

static const struct guest_ptree tree = { l1s, NL1, l2s, NL2, l3, l4 };

/* Every reference to data[round] is gone: it can be given back. */
static void check_released(unsigned int round)
{
	uint64_t mfn = guest_mfn(data[round]);
	struct mica_memory_reservation r = { (uint64_t)&mfn, 1, 0, 0, 0 };

	if (guest_mmu_update1(guest_l1e_maddr((uint64_t)data[round]), 0))
		test_error("cannot unmap the data page");
	guest_tlb_flush_local();
	if (hypercall_memory_op(MICA_MEMOP_decrease_reservation, &r) != 1)
		test_fail("round %u: the data frame still has references",
			  round);
}

static void on_event(uint32_t port)
{
	if (port != timer_port)
		return;
	ticks++;
	if (abandon) {
		/* The pending op becomes a flush: its tree is left as is. */
		op.cmd = MICA_MMUEXT_TLB_FLUSH_LOCAL;
		op.arg1 = 0;
		abandon = false;
	}
}

/* Runs op (set by the caller) as one mmuext_op; counts what happened. */
static long run_op(uint64_t *parts, uint64_t *upcalls)
{
	uint64_t c0 = continuations(), t0 = ticks;
	long rc = HYPERCALL5(MICA_HC_mmuext_op, &op, 1, 0, MICA_DOMID_SELF, 0);

	*parts = continuations() - c0 + 1;
	*upcalls = ticks - t0;
	return rc;
}

static void set_op(uint32_t cmd, uint64_t mfn)
{
	op.cmd = cmd;
	op.pad0 = 0;
	op.arg1 = mfn;
	op.arg2 = 0;
}

/* Attempts per round: a loaded host may let one op finish in one part. */
#define ATTEMPTS 8

static void unpin_tree(uint64_t l4m)
{
	uint64_t parts, upcalls;

	set_op(MICA_MMUEXT_UNPIN_TABLE, l4m);
	test_expect_rc(run_op(&parts, &upcalls), 0, "unpin the L4");
}

/*
 * Runs op (set) with the timer handler abandoning it after its first
 * part; true if it was abandoned part-way (more than one part), else the
 * op finished in one part and the abandonment came too late.
 */
/*
 * After an attempt that was not abandoned part-way the tree's state is
 * not known: the timer may have turned the op into a flush before it
 * started (nothing done) or it ran to the end.  These bring it to a known
 * state, accepting both starting points.
 */
static void ensure_unpinned(uint64_t l4m)
{
	uint64_t parts, upcalls;
	long rc;

	set_op(MICA_MMUEXT_UNPIN_TABLE, l4m);
	rc = run_op(&parts, &upcalls);
	if (rc && rc != -MICA_EINVAL)
		test_fail("unpin the L4 after an attempt: %ld", rc);
}

static void ensure_pinned(uint64_t l4m)
{
	uint64_t parts, upcalls;
	long rc;

	set_op(MICA_MMUEXT_PIN_L4_TABLE, l4m);
	rc = run_op(&parts, &upcalls);
	if (rc && rc != -MICA_EEXIST)
		test_fail("pin the L4 before an attempt: %ld", rc);
}

static bool run_abandoned(void)
{
	uint64_t parts, upcalls;

	abandon = true;
	test_expect_rc(run_op(&parts, &upcalls), 0, "the abandoned op");
	abandon = false;
	return parts >= 2;
}

static void clean_round(void)
{
	uint64_t parts, upcalls, l4m = guest_mfn(l4);
	bool pin_preempted = false, unpin_preempted = false;

	printk("round 1: pin and unpin\n");
	guest_ptree_build(&tree, data[0]);
	for (unsigned int a = 0;
	     a < ATTEMPTS && !(pin_preempted && unpin_preempted); a++) {
		set_op(MICA_MMUEXT_PIN_L4_TABLE, l4m);
		test_expect_rc(run_op(&parts, &upcalls), 0, "pin the L4");
		printk("  pin: %lu parts, %lu timer upcalls meanwhile\n", parts,
		       upcalls);
		pin_preempted |= parts >= 2 && upcalls;
		test_expect_rc(
			guest_mmu_update1(guest_l1e_maddr((uint64_t)l1s[5]),
					  (guest_mfn(l1s[5]) << 12) | PTE_P |
						  PTE_W),
			-MICA_EBUSY, "map a pinned tree's L1 writable");
		test_expect_rc(mmuext(MICA_MMUEXT_PIN_L4_TABLE, l4m),
			       -MICA_EEXIST, "pin it twice");
		set_op(MICA_MMUEXT_UNPIN_TABLE, l4m);
		test_expect_rc(run_op(&parts, &upcalls), 0, "unpin the L4");
		printk("  unpin: %lu parts, %lu timer upcalls meanwhile\n",
		       parts, upcalls);
		unpin_preempted |= parts >= 2 && upcalls;
		test_expect_rc(mmuext(MICA_MMUEXT_UNPIN_TABLE, l4m),
			       -MICA_EINVAL, "unpin it twice");
	}
	if (!pin_preempted || !unpin_preempted)
		test_fail("not preempted in %u attempts (pin %d, unpin %d)",
			  ATTEMPTS, pin_preempted, unpin_preempted);
	guest_ptree_set_writable(&tree, true);
	check_released(0);
}

static void abandoned_pin(void)
{
	uint64_t parts, upcalls, l4m = guest_mfn(l4);
	unsigned int a;

	printk("round 2: a pin abandoned part-way\n");
	guest_ptree_build(&tree, data[1]);
	for (a = 0; a < ATTEMPTS; a++) {
		set_op(MICA_MMUEXT_PIN_L4_TABLE, l4m);
		if (run_abandoned())
			break;
		ensure_unpinned(l4m); /* not abandoned part-way: again */
	}
	if (a == ATTEMPTS) {
		test_fail("no pin abandoned part-way in %u attempts", ATTEMPTS);
		return;
	}
	test_expect_rc(guest_mmu_update1((l4m << 12) + 8 * 4, 0), -MICA_EINVAL,
		       "update an entry of the half-validated L4");
	set_op(MICA_MMUEXT_PIN_L4_TABLE, l4m);
	test_expect_rc(run_op(&parts, &upcalls), 0, "pin it again");
	test_expect_rc(guest_mmu_update1(
			       guest_l1e_maddr((uint64_t)l1s[NL1 - 1]),
			       (guest_mfn(l1s[NL1 - 1]) << 12) | PTE_P | PTE_W),
		       -MICA_EBUSY, "map an L1 of the finished tree writable");
	unpin_tree(l4m);
	guest_ptree_set_writable(&tree, true);
	check_released(1);
}

static void abandoned_unpin(void)
{
	uint64_t parts, upcalls, l4m = guest_mfn(l4);
	static uint8_t small[4096] __attribute__((aligned(4096)));
	unsigned int a;

	printk("round 3: an unpin abandoned part-way\n");
	guest_ptree_build(&tree, data[2]);
	for (a = 0; a < ATTEMPTS; a++) {
		ensure_pinned(l4m);
		set_op(MICA_MMUEXT_UNPIN_TABLE, l4m);
		if (run_abandoned())
			break;
	}
	if (a == ATTEMPTS) {
		test_fail("no unpin abandoned part-way in %u attempts",
			  ATTEMPTS);
		return;
	}
	/* The half-undone tree is busy until this vcpu's next pin or unpin,
	 * another op, which undoes it first. */
	test_expect_rc(guest_mmu_update1(guest_l1e_maddr((uint64_t)l4),
					 (l4m << 12) | PTE_P | PTE_W),
		       -MICA_EBUSY, "map the half-undone L4 writable");
	memset(small, 0, sizeof(small));
	guest_set_writable(small, false);
	set_op(MICA_MMUEXT_PIN_L1_TABLE, guest_mfn(small));
	test_expect_rc(run_op(&parts, &upcalls), 0, "pin an empty L1");
	test_expect_rc(mmuext(MICA_MMUEXT_UNPIN_TABLE, guest_mfn(small)), 0,
		       "unpin it");
	guest_set_writable(small, true);
	guest_ptree_set_writable(&tree, true);
	check_released(2);
}

void test_main(void)
{
	struct mica_vcpu_periodic_timer t = { PERIOD_NS };

	events_setup();
	event_handler = on_event;
	if (evtchn_bind_virq(MICA_VIRQ_TIMER, 0, &timer_port))
		test_error("cannot bind VIRQ_TIMER");
	port_unmask(timer_port);
	events_unmask();
	if (vcpu_op(MICA_VCPUOP_set_periodic_timer, 0, &t))
		test_error("cannot start the periodic timer");

	clean_round();
	abandoned_pin();
	abandoned_unpin();

	/* Round 4: shut down with a pin abandoned part-way; the domain must
	 * still go away entirely (run.sh fails a machine that does not end,
	 * and the hypervisor logs what it returned). */
	printk("round 4: die with a half-validated tree\n");
	guest_ptree_build(&tree, data[3]);
	for (unsigned int a = 0; a < ATTEMPTS; a++) {
		set_op(MICA_MMUEXT_PIN_L4_TABLE, guest_mfn(l4));
		if (run_abandoned())
			break;
		ensure_unpinned(guest_mfn(l4));
	}
	vcpu_op(MICA_VCPUOP_stop_periodic_timer, 0, 0);
	printk("%lu timer ticks\n", ticks);
	test_pass();
}
