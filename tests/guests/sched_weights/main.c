/* SPDX-License-Identifier: MIT */
/*
 * Weighted and capped fairness between real domains (public/domctl.h
 * sched_credit, get_vcpu_info): one CPU, QEMU's instruction-counted clock
 * (run.conf), dom0 and three CPU-burning domUs a, b, c (domains file).
 * dom0 sets their credit parameters and measures each domU's running time
 * over a window while itself sleeping:
 *   phase 1  weights 256 : 512 : 768, no cap: shares 1 : 2 : 3;
 *   phase 2  c capped at 10% of the CPU (its weight 4096 would claim more):
 *            c gets 10%, and a and b share the rest 1 : 2 (the capped
 *            domain's unused share goes to the others by weight);
 * both phases keep the CPU busy (work conserving).  It also checks the
 * parameters read back and the refusals (weight 0 or above 65535, a cap
 * above 100% per vcpu, no such domain); domU c tries to raise its own
 * weight and is refused with -EPERM.  The domUs burn until a fixed system
 * time, then report.  Sixteen idle domUs sleep meanwhile: the credit
 * accounting (perfc credit_vcpus) must visit only the busy domains' vcpus
 * each period, not theirs.
 */
#include "events.h"
#include "logwait.h"
#include "bench.h"
#include "test.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "public/sysctl.h"

const char test_title[] = "credit scheduler: weights and caps between domains";

#define NR_DOMUS 3
#define MS 1000000UL
#define PHASE1_START (1200 * MS)
#define PHASE1_END (3200 * MS)
#define PHASE2_START (3700 * MS)
#define PHASE2_END (5700 * MS)
#define BURN_UNTIL (6200 * MS)
#define CAP_C 10
#define NR_IDLE 16 /* idle domUs next to the burners (domains file) */
#define PERIOD_MS 30 /* the credit accounting period */

static long domctl(struct mica_domctl *op, uint32_t cmd, uint16_t domid)
{
	op->cmd = cmd;
	op->interface_version = MICA_DOMCTL_INTERFACE_VERSION;
	op->domid = domid;
	return hypercall_domctl(op);
}

static long set_credit(uint16_t domid, uint32_t weight, uint32_t cap)
{
	struct mica_domctl op = { 0 };

	op.u.sched_credit.weight = weight;
	op.u.sched_credit.cap = cap;
	return domctl(&op, MICA_DOMCTL_set_sched_credit, domid);
}

static uint64_t cpu_time(uint16_t domid)
{
	struct mica_domctl op = { 0 };

	op.u.vcpu_info.vcpu = 0;
	if (domctl(&op, MICA_DOMCTL_get_vcpu_info, domid))
		test_error("get_vcpu_info of d%u failed", domid);
	return op.u.vcpu_info.cpu_time;
}

static void sleep_until(uint64_t t)
{
	uint64_t now = system_time();

	if (now < t)
		events_sleep(t - now);
}

static uint64_t credit_vcpus(void)
{
	return perfc_total(MICA_PERFC_credit_vcpus);
}

/*
 * Running time of d1..d3 (and the window) over [start, end]; also checks
 * that the credit accounting visits only the busy domains' vcpus each
 * period, not the NR_IDLE idle domains' (it is O(active)).
 */
static void measure(uint64_t start, uint64_t end, uint64_t ran[NR_DOMUS],
		    uint64_t *window)
{
	uint64_t t0, t1, before[NR_DOMUS], visits, periods;

	sleep_until(start);
	t0 = system_time();
	visits = credit_vcpus();
	for (unsigned int i = 0; i < NR_DOMUS; i++)
		before[i] = cpu_time((uint16_t)(i + 1));
	sleep_until(end);
	t1 = system_time();
	for (unsigned int i = 0; i < NR_DOMUS; i++)
		ran[i] = cpu_time((uint16_t)(i + 1)) - before[i];
	visits = credit_vcpus() - visits;
	*window = t1 - t0;
	periods = *window / (PERIOD_MS * MS);
	printk("  %lu ms: a %lu, b %lu, c %lu ms; %lu vcpu visits in %lu "
	       "accounting periods\n",
	       *window / MS, ran[0] / MS, ran[1] / MS, ran[2] / MS, visits,
	       periods);
	/* Three burners and dom0 (counted twice when it is found idle). */
	if (!periods || visits > periods * (NR_DOMUS + 3))
		test_fail("accounting visited %lu vcpus in %lu periods: not "
			  "O(active) beside %u idle domains",
			  visits, periods, NR_IDLE);
}

/* want_x100 = 100 * x / y, within +-tol_pct percent of it. */
static void check_ratio(const char *what, uint64_t x, uint64_t y,
			uint64_t want_x100, uint64_t tol_pct)
{
	uint64_t got = y ? x * 100 / y : ~0ULL;
	uint64_t lo = want_x100 * (100 - tol_pct) / 100;
	uint64_t hi = want_x100 * (100 + tol_pct) / 100;

	printk("  %s: %lu.%02lu (want %lu.%02lu)\n", what, got / 100, got % 100,
	       want_x100 / 100, want_x100 % 100);
	if (got < lo || got > hi)
		test_fail("%s: %lu/100, want %lu/100 +-%lu%%", what, got,
			  want_x100, tol_pct);
}

static void check_busy(uint64_t ran[NR_DOMUS], uint64_t window)
{
	uint64_t sum = ran[0] + ran[1] + ran[2];

	if (sum * 100 < window * 90)
		test_fail("the domUs ran %lu of %lu ms: CPU left idle",
			  sum / MS, window / MS);
}

static void check_params(void)
{
	struct mica_domctl op = { 0 };

	test_expect_rc(set_credit(1, 0, 0), -MICA_EINVAL, "weight 0");
	test_expect_rc(set_credit(1, 65536, 0), -MICA_EINVAL, "weight 65536");
	test_expect_rc(set_credit(1, 256, 101), -MICA_EINVAL,
		       "cap 101%% for one vcpu");
	test_expect_rc(set_credit(1, 256, 0xffffffff), -MICA_EINVAL,
		       "cap 2^32-1");
	test_expect_rc(set_credit(999, 256, 0), -MICA_ESRCH, "no such domain");
	if (test_expect_rc(domctl(&op, MICA_DOMCTL_get_sched_credit, 3), 0,
			   "get c") &&
	    (op.u.sched_credit.weight != 4096 ||
	     op.u.sched_credit.cap != CAP_C))
		test_fail("c reads back weight %u cap %u",
			  op.u.sched_credit.weight, op.u.sched_credit.cap);
}

static void dom0(void)
{
	static const char *const done[NR_DOMUS] = {
		"(d1) Test result: SUCCESS", "(d2) Test result: SUCCESS",
		"(d3) Test result: SUCCESS"
	};
	bool seen[NR_DOMUS] = { false };
	uint64_t ran[NR_DOMUS], window;

	printk("phase 1: weights 256 : 512 : 768\n");
	if (set_credit(1, 256, 0) || set_credit(2, 512, 0) ||
	    set_credit(3, 768, 0)) {
		test_error("set_sched_credit failed");
		return;
	}
	measure(PHASE1_START, PHASE1_END, ran, &window);
	check_busy(ran, window);
	check_ratio("b/a", ran[1], ran[0], 200, 20);
	check_ratio("c/a", ran[2], ran[0], 300, 20);

	printk("phase 2: c weight 4096 capped at %u%%\n", CAP_C);
	if (set_credit(3, 4096, CAP_C)) {
		test_error("set_sched_credit failed");
		return;
	}
	check_params();
	measure(PHASE2_START, PHASE2_END, ran, &window);
	check_busy(ran, window);
	check_ratio("c/window", ran[2], window, CAP_C, 20);
	check_ratio("b/a", ran[1], ran[0], 200, 20);

	if (log_wait_for(done, seen, NR_DOMUS, 60) != NR_DOMUS)
		test_fail("not every domU reported SUCCESS");
}

static void domu(void)
{
	volatile uint64_t spins = 0;

	if (cmdline_value("idle")) {
		sleep_until(BURN_UNTIL);
		return;
	}
	if (cmdline_value("greedy"))
		test_expect_rc(set_credit(MICA_DOMID_SELF, 65535, 0),
			       -MICA_EPERM, "a domU raising its own weight");
	while (system_time() < BURN_UNTIL)
		spins++;
	printk("burnt until %lu ms\n", BURN_UNTIL / MS);
}

void test_main(void)
{
	events_map_shared_info();
	if (start_info->flags & MICA_START_INFO_INITDOMAIN)
		dom0();
	else
		domu();
	test_pass();
}
