/* SPDX-License-Identifier: MIT */
/*
 * SMP guests (public/vcpu.h, mmu.h): four vcpus brought up with
 * initialise/up run at the same time on different CPUs, share data with
 * atomics, go down and up again (themselves and each other), see each
 * other's page-table changes once the changer has flushed their TLBs with
 * every flush flavour, and play hostile reference-count games on the same
 * frames from all vcpus at once; the hypervisor's counts stay consistent.
 * Vcpus that wait for the domain's mm lock (grant set-up) while its holder
 * shoots them down (TLB flushes) must answer the shootdown, or both hang.
 */
#include "boot.h"
#include "hypercall.h"
#include "test.h"
#include "vcpu.h"
#include "public/errno.h"
#include "public/grant_table.h"
#include "public/mmu.h"

const char test_title[] = "SMP: vcpu up/down, TLB shootdown, reference races";

#define NR_VCPUS 4
#define PAGE 4096ULL
#define ROUNDS 8
#define GAME_ITERATIONS 400
#define LOCK_ROUNDS 3000
#define PING_PONGS 2000

/* Spare pages at the end of the boot mapping (k pages below its end). */
static uint64_t spare(unsigned int k)
{
	return boot_mapping_end() - k * PAGE;
}

#define SI_VA spare(1) /* shared info, for time */
#define X_VA spare(2) /* remapped between frames A and B */
#define FRAME_VA(i) spare(3 + (i)) /* three frames X rotates through */
#define F_VA spare(6) /* frame F: the object of the reference games */
#define G_VA spare(7) /* frame G: an L1 the games write entries of */
#define W_VA(id) spare(8 + (id)) /* each vcpu's window onto F */

static long mmu_update1(uint64_t ptr, uint64_t val)
{
	struct mica_mmu_update r = { ptr, val };

	return HYPERCALL5(MICA_HC_mmu_update, &r, 1, 0, MICA_DOMID_SELF, 0);
}

static long update_va(uint64_t va, uint64_t pte, uint64_t flags,
		      const uint64_t *mask)
{
	return HYPERCALL5(MICA_HC_update_va_mapping, va, pte, flags, mask, 0);
}

static void wait_ms(uint64_t ms)
{
	uint64_t end = time_ns() + ms * 1000000;

	while (time_ns() < end)
		__builtin_ia32_pause();
}

/* Spins until *p == want or 'ms' pass; returns whether it got there. */
static bool wait_for(volatile uint32_t *p, uint32_t want, uint64_t ms)
{
	uint64_t end = time_ns() + ms * 1000000;

	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) != want)
		if (time_ns() > end)
			return false;
	return true;
}

/*
 * Runs fn on an initialised vcpu whose last function returned: once it is
 * down (vcpu.h's vcpu_main takes it down), point it at fn and up it.
 */
static void restart(unsigned int id, void (*fn)(unsigned int id))
{
	static struct mica_vcpu_guest_context ctx;

	for (unsigned int i = 0; i < 5000 && vcpu_op(MICA_VCPUOP_is_up, id, 0);
	     i++)
		wait_ms(1);
	test_expect_rc(vcpu_op(MICA_VCPUOP_is_up, id, 0), 0,
		       "vcpu %u down before its restart", id);
	vcpu_context_init(&ctx, id, fn); /* only sets the entry function */
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, id, 0), 0, "up(%u)", id);
}

/* ---- concurrency: a ping-pong that only finishes fast if both run ---- */

static volatile uint32_t turn;
static volatile uint32_t arrived;

static void pinger(unsigned int id)
{
	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	for (uint32_t i = 0; i < PING_PONGS; i++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 2 * i + 1)
			__builtin_ia32_pause();
		__atomic_store_n(&turn, 2 * i + 2, __ATOMIC_RELEASE);
	}
	(void)id;
}

static void check_concurrency(void)
{
	uint64_t t0;

	printk("vcpu 1 up; %u ping-pongs through shared memory\n", PING_PONGS);
	test_expect_rc(vcpu_start(1, pinger), 0, "start vcpu 1");
	if (!wait_for(&arrived, 1, 5000)) {
		test_fail("vcpu 1 never ran");
		return;
	}
	t0 = time_ns();
	for (uint32_t i = 0; i < PING_PONGS; i++) {
		__atomic_store_n(&turn, 2 * i + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 2 * i + 2)
			__builtin_ia32_pause();
	}
	t0 = time_ns() - t0;
	printk("  %lu us per round trip\n", t0 / 1000 / PING_PONGS);
	/* Time-sliced on one CPU, each round trip would take two 10 ms
	 * slices; half of that leaves room for a loaded host. */
	if (t0 / PING_PONGS > 10000000)
		test_fail("vcpus 0 and 1 do not run at the same time (%lu ns "
			  "per round trip)",
			  t0 / PING_PONGS);
}

/* ---- up, down, is_up ---- */

static volatile uint64_t counter[NR_VCPUS];
static volatile uint32_t stop_counting;
static volatile uint32_t self_down_phase;

static void count_forever(unsigned int id)
{
	while (!__atomic_load_n(&stop_counting, __ATOMIC_ACQUIRE))
		__atomic_fetch_add(&counter[id], 1, __ATOMIC_RELAXED);
}

static void self_downer(unsigned int id)
{
	__atomic_store_n(&self_down_phase, 1, __ATOMIC_RELEASE);
	test_expect_rc(vcpu_op(MICA_VCPUOP_down, id, 0), 0, "down on self");
	/* Back only after someone brought us up. */
	__atomic_store_n(&self_down_phase, 2, __ATOMIC_RELEASE);
}

/* Whether vcpu 2's counter passes 'from' within a generous bound (a loaded
 * host may leave a vcpu without a physical CPU for a while). */
static bool counts_beyond(uint64_t from)
{
	uint64_t end = time_ns() + 5000000000ULL;

	while (counter[2] == from)
		if (time_ns() > end)
			return false;
	return true;
}

static void check_up_down(void)
{
	static struct mica_vcpu_guest_context ctx;
	uint64_t c;

	printk("is_up, up, down\n");
	test_expect_rc(vcpu_op(MICA_VCPUOP_is_up, 0, 0), 1, "is_up(0)");
	test_expect_rc(vcpu_op(MICA_VCPUOP_is_up, 2, 0), 0, "is_up(2)");
	test_expect_rc(vcpu_op(MICA_VCPUOP_is_up, NR_VCPUS, 0), -MICA_ENOENT,
		       "is_up beyond max_vcpus");
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 2, 0), -MICA_ENXIO,
		       "up before initialise");
	test_expect_rc(vcpu_start(2, count_forever), 0, "start vcpu 2");
	test_expect_rc(vcpu_op(MICA_VCPUOP_is_up, 2, 0), 1, "is_up(2) now");
	vcpu_context_init(&ctx, 2, count_forever);
	test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, 2, &ctx), -MICA_EBUSY,
		       "initialise a running vcpu");
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 2, 0), 0, "up an up vcpu");
	if (!counts_beyond(0))
		test_fail("vcpu 2 does not count");

	/* Down from another vcpu: stopped when the call returns. */
	test_expect_rc(vcpu_op(MICA_VCPUOP_down, 2, 0), 0, "down(2)");
	test_expect_rc(vcpu_op(MICA_VCPUOP_is_up, 2, 0), 0, "is_up(2) down");
	c = counter[2];
	wait_ms(30);
	if (counter[2] != c)
		test_fail("vcpu 2 counted while down (%lu -> %lu)", c,
			  counter[2]);
	test_expect_rc(vcpu_op(MICA_VCPUOP_initialise, 2, &ctx), -MICA_EEXIST,
		       "initialise twice");
	test_expect_rc(vcpu_op(MICA_VCPUOP_down, 2, 0), 0, "down a down vcpu");
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 2, 0), 0, "up(2) again");
	if (!counts_beyond(c))
		test_fail("vcpu 2 did not resume counting after up");

	/* Down on itself: the call returns when it is up again. */
	test_expect_rc(vcpu_start(3, self_downer), 0, "start vcpu 3");
	if (!wait_for(&self_down_phase, 1, 5000))
		test_fail("vcpu 3 never ran");
	for (unsigned int i = 0; i < 1000 && vcpu_op(MICA_VCPUOP_is_up, 3, 0);
	     i++)
		wait_ms(1);
	test_expect_rc(vcpu_op(MICA_VCPUOP_is_up, 3, 0), 0,
		       "vcpu 3 after taking itself down");
	wait_ms(20);
	if (self_down_phase != 1)
		test_fail("vcpu 3's down returned while it was down");
	test_expect_rc(vcpu_op(MICA_VCPUOP_up, 3, 0), 0, "up(3)");
	if (!wait_for(&self_down_phase, 2, 5000))
		test_fail("vcpu 3's down did not return after up");
	__atomic_store_n(&stop_counting, 1, __ATOMIC_RELEASE);
}

/* ---- TLB shootdown ---- */

static volatile uint32_t phase; /* remap rounds completed */
static volatile uint32_t readers_done;
static volatile uint64_t reads[NR_VCPUS], stale[NR_VCPUS];
static volatile uint64_t stale_round[ROUNDS + 1];

/* Round r maps X to frame r % 3, which holds magic_of_round(r). */
static uint64_t magic_of_round(uint32_t r)
{
	return 0x1111000011110000ULL * (r % 3 + 1);
}

/*
 * Reads X_VA all the time (so its translation stays cached).  Once it has
 * seen round r announced, X must show round r's frame, or round r + 1's
 * (remapped, not yet announced), never round r - 1's.
 */
static void reader(unsigned int id)
{
	while (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) <= ROUNDS) {
		uint32_t r = __atomic_load_n(&phase, __ATOMIC_ACQUIRE);
		uint64_t v = *(volatile uint64_t *)X_VA;

		if (r && r <= ROUNDS && v == magic_of_round(r + 2)) {
			stale[id]++;
			stale_round[r]++;
		}
		reads[id]++;
	}
	__atomic_fetch_add(&readers_done, 1, __ATOMIC_SEQ_CST);
}

/* Remaps X to the frame of round r+1 and flushes the readers, each round
 * another way. */
static void remap(uint32_t r)
{
	uint64_t mfn = guest_va_to_mfn(FRAME_VA((r + 1) % 3));
	uint64_t pte = (mfn << 12) | PTE_P | PTE_W;
	uint64_t all = (1ULL << NR_VCPUS) - 1, others = all & ~1ULL;

	switch (r % 4) {
	case 0:
		test_expect_rc(update_va(X_VA, pte,
					 MICA_UVMF_INVLPG | MICA_UVMF_ALL, 0),
			       0, "update_va_mapping INVLPG|ALL");
		break;
	case 1:
		test_expect_rc(update_va(X_VA, pte, MICA_UVMF_NONE, 0), 0,
			       "update_va_mapping, no flush");
		test_expect_rc(guest_mmuext1(MICA_MMUEXT_TLB_FLUSH_MULTI, 0,
					     (uint64_t)&all),
			       0, "TLB_FLUSH_MULTI");
		break;
	case 2:
		test_expect_rc(mmu_update1(guest_l1e_maddr(X_VA), pte), 0,
			       "mmu_update of X's entry");
		test_expect_rc(guest_mmuext1(MICA_MMUEXT_INVLPG_MULTI, X_VA,
					     (uint64_t)&others),
			       0, "INVLPG_MULTI");
		test_expect_rc(guest_mmuext1(MICA_MMUEXT_INVLPG_LOCAL, X_VA, 0),
			       0, "INVLPG_LOCAL");
		break;
	default:
		test_expect_rc(update_va(X_VA, pte,
					 MICA_UVMF_TLB_FLUSH | MICA_UVMF_MULTI,
					 &all),
			       0, "update_va_mapping TLB_FLUSH|MULTI");
		break;
	}
}

static void check_shootdown(void)
{
	uint64_t before[NR_VCPUS], bad_mask = 1ULL << NR_VCPUS;

	printk("TLB shootdown: vcpus 1-3 read a page vcpu 0 remaps\n");
	for (unsigned int i = 0; i < 3; i++)
		*(volatile uint64_t *)FRAME_VA(i) = magic_of_round(i);
	test_expect_rc(update_va(X_VA,
				 (guest_va_to_mfn(FRAME_VA(0)) << 12) | PTE_P |
					 PTE_W,
				 MICA_UVMF_INVLPG | MICA_UVMF_ALL, 0),
		       0, "map frame 0 at X");
	test_expect_rc(update_va(X_VA, 0, MICA_UVMF_INVLPG | MICA_UVMF_MULTI,
				 &bad_mask),
		       -MICA_ENOENT, "flush mask naming vcpu 4");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_TLB_FLUSH_MULTI, 0,
				     (uint64_t)&bad_mask),
		       -MICA_ENOENT, "TLB_FLUSH_MULTI naming vcpu 4");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_TLB_FLUSH_MULTI, 0, 16),
		       -MICA_EFAULT, "TLB_FLUSH_MULTI with an unreadable mask");
	if (*(volatile uint64_t *)X_VA != magic_of_round(0))
		test_fail("X does not show frame 0 after the failed calls");
	for (unsigned int id = 1; id < NR_VCPUS; id++)
		restart(id, reader);
	for (uint32_t r = 0; r < ROUNDS; r++) {
		for (unsigned int id = 1; id < NR_VCPUS; id++)
			before[id] = reads[id];
		/* Every reader has the current mapping cached. */
		for (unsigned int id = 1; id < NR_VCPUS; id++)
			for (unsigned int i = 0;
			     i < 5000 && reads[id] < before[id] + 1000; i++)
				wait_ms(1);
		remap(r);
		__atomic_store_n(&phase, r + 1, __ATOMIC_RELEASE);
	}
	wait_ms(20);
	__atomic_store_n(&phase, ROUNDS + 1, __ATOMIC_RELEASE);
	if (!wait_for(&readers_done, NR_VCPUS - 1, 5000))
		test_fail("readers did not finish");
	for (unsigned int r = 0; r <= ROUNDS; r++)
		if (stale_round[r])
			printk("  round %u: %lu stale reads\n", r,
			       stale_round[r]);
	for (unsigned int id = 1; id < NR_VCPUS; id++) {
		printk("  vcpu %u: %lu reads, %lu stale\n", id, reads[id],
		       stale[id]);
		if (stale[id])
			test_fail("vcpu %u read a stale mapping %lu times "
				  "after the flush",
				  id, stale[id]);
		if (reads[id] < 1000)
			test_error("vcpu %u barely ran (%lu reads)", id,
				   reads[id]);
	}
}

/* ---- hostile reference-count games from every vcpu at once ---- */

static uint64_t f_mfn, g_mfn, w_pte[NR_VCPUS];
static volatile uint32_t game_go, games_done;
static volatile uint32_t game_errors;

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void game_check(long rc, long a, long b, long c, const char *what)
{
	if (rc != a && rc != b && rc != c) {
		if (__atomic_fetch_add(&game_errors, 1, __ATOMIC_SEQ_CST) < 5)
			printk("  vcpu %u: %s returned %ld\n", vcpu_self(),
			       what, rc);
	}
}

static void player(unsigned int id)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL * (id + 1);
	uint64_t ro = g_mfn << 12 | (uint64_t)id * 8;
	uint64_t rw = g_mfn << 12 | (uint64_t)(8 + id) * 8;

	while (!__atomic_load_n(&game_go, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	for (unsigned int i = 0; i < GAME_ITERATIONS; i++) {
		switch (xorshift(&seed) % 5) {
		case 0: /* F as a page table */
			game_check(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE,
						 f_mfn, 0),
				   0, -MICA_EEXIST, -MICA_EBUSY, "pin F");
			break;
		case 1:
			game_check(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, f_mfn,
						 0),
				   0, -MICA_EINVAL, 0, "unpin F");
			break;
		case 2: /* F writable through our own window */
			game_check(update_va(W_VA(id),
					     (f_mfn << 12) | PTE_P | PTE_W,
					     MICA_UVMF_INVLPG, 0),
				   0, -MICA_EBUSY, 0, "map F writable");
			game_check(update_va(W_VA(id), w_pte[id],
					     MICA_UVMF_INVLPG, 0),
				   0, 0, 0, "restore window");
			break;
		case 3: /* F read-only from G: always allowed */
			game_check(mmu_update1(ro, (f_mfn << 12) | PTE_P), 0, 0,
				   0, "G -> F read-only");
			game_check(mmu_update1(ro, 0), 0, 0, 0, "clear G ro");
			break;
		default: /* F writable from G */
			game_check(mmu_update1(rw,
					       (f_mfn << 12) | PTE_P | PTE_W),
				   0, -MICA_EBUSY, 0, "G -> F writable");
			game_check(mmu_update1(rw, 0), 0, 0, 0, "clear G rw");
			break;
		}
	}
	__atomic_fetch_add(&games_done, 1, __ATOMIC_SEQ_CST);
}

static void check_reference_games(void)
{
	printk("reference-count games on one frame from %u vcpus\n", NR_VCPUS);
	f_mfn = guest_va_to_mfn(F_VA);
	g_mfn = guest_va_to_mfn(G_VA);
	for (unsigned int id = 0; id < NR_VCPUS; id++)
		w_pte[id] = (guest_va_to_mfn(W_VA(id)) << 12) | PTE_P | PTE_W;
	/* F and G lose their own writable mappings; G becomes an L1. */
	test_expect_rc(update_va(F_VA, 0, MICA_UVMF_INVLPG | MICA_UVMF_ALL, 0),
		       0, "unmap F");
	test_expect_rc(update_va(G_VA, 0, MICA_UVMF_INVLPG | MICA_UVMF_ALL, 0),
		       0, "unmap G");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, g_mfn, 0), 0,
		       "pin G as L1");
	for (unsigned int id = 1; id < NR_VCPUS; id++)
		restart(id, player);
	__atomic_store_n(&game_go, 1, __ATOMIC_RELEASE);
	player(0);
	if (!wait_for(&games_done, NR_VCPUS, 60000))
		test_fail("the games did not end");
	if (game_errors)
		test_fail("%u unexpected results in the games", game_errors);

	/* Consistent afterwards: F can be unpinned at most once, then mapped
	 * writable, then pinned and unpinned; G's entries hold nothing. */
	game_check(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, f_mfn, 0), 0,
		   -MICA_EINVAL, 0, "final unpin F");
	test_expect_rc(update_va(W_VA(0), (f_mfn << 12) | PTE_P | PTE_W,
				 MICA_UVMF_INVLPG, 0),
		       0, "F writable after the games");
	test_expect_rc(update_va(W_VA(0), w_pte[0], MICA_UVMF_INVLPG, 0), 0,
		       "restore window 0");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_PIN_L1_TABLE, f_mfn, 0), 0,
		       "pin F after the games");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, f_mfn, 0), 0,
		       "unpin F after the games");
	test_expect_rc(guest_mmuext1(MICA_MMUEXT_UNPIN_TABLE, g_mfn, 0), 0,
		       "unpin G");
	test_expect_rc(update_va(G_VA, (g_mfn << 12) | PTE_P | PTE_W,
				 MICA_UVMF_INVLPG | MICA_UVMF_ALL, 0),
		       0, "G writable again");
	for (unsigned int i = 0; i < 512; i++)
		if (((volatile uint64_t *)G_VA)[i])
			test_fail("G entry %u left as %#lx", i,
				  ((volatile uint64_t *)G_VA)[i]);
}

/* ---- lock waiters answer shootdowns (no deadlock) ---- */

static volatile uint32_t lockers_go, lockers_done, locker_errors;

/* Takes the mm lock over and over (grant set-up), interrupts off. */
static void locker(unsigned int id)
{
	struct mica_gnttab_setup_table s;
	uint64_t frame;

	(void)id;
	while (!__atomic_load_n(&lockers_go, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	for (uint32_t i = 0; i < LOCK_ROUNDS; i++) {
		s = (struct mica_gnttab_setup_table){ MICA_DOMID_SELF,	0, 1,
						      (uint64_t)&frame, 0, 0 };
		if (HYPERCALL5(MICA_HC_grant_table_op,
			       MICA_GNTTABOP_setup_table, &s, 1, 0, 0) ||
		    s.status)
			__atomic_fetch_add(&locker_errors, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_fetch_add(&lockers_done, 1, __ATOMIC_SEQ_CST);
}

static void check_lock_vs_shootdown(void)
{
	printk("mm-lock waiters against a shooting lock holder\n");
	for (unsigned int id = 1; id < NR_VCPUS; id++)
		restart(id, locker);
	__atomic_store_n(&lockers_go, 1, __ATOMIC_RELEASE);
	/* Each flush holds the mm lock while it waits for the other vcpus'
	 * CPUs, which may be spinning for that lock. */
	for (uint32_t i = 0; i < LOCK_ROUNDS; i++)
		test_expect_rc(guest_mmuext1(MICA_MMUEXT_TLB_FLUSH_ALL, 0, 0),
			       0, "flush all, round %u", i);
	if (!wait_for(&lockers_done, NR_VCPUS - 1, 60000))
		test_fail("lockers did not finish");
	if (locker_errors)
		test_fail("%u grant set-ups failed", locker_errors);
}

void test_main(void)
{
	if (time_init(SI_VA)) {
		test_error("cannot map shared info");
		return;
	}
	if (vcpu_op(MICA_VCPUOP_is_up, NR_VCPUS - 1, 0) < 0) {
		test_error("needs %u vcpus (run.conf smp=4)", NR_VCPUS);
		return;
	}
	check_concurrency();
	check_up_down();
	check_shootdown();
	check_reference_games();
	check_lock_vs_shootdown();
	printk("event-channel IPIs between vcpus: not here yet (no event "
	       "channels on this branch)\n");
	test_pass();
}
