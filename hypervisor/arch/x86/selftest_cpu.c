/* SPDX-License-Identifier: MIT */
/* Self-tests of the x86 machine layer: page tables, time, SMP. */
#include <mica/clock_sample.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/selftest.h>
#include <mica/spinlock.h>
#include <mica/time.h>
#include <asm/atomic.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/smp.h>
#include <asm/time.h>

extern const char __text_start[], __rodata_start[], __data_start[];

static int expect_mapping(const char *what, uintptr_t va, bool present,
			  bool writable, bool executable)
{
	unsigned int level;
	uint64_t *e = paging_lookup(va, &level);
	bool w, x;

	if (!e != !present) {
		selftest_fail("%s (%lx) is %smapped", what, va,
			      e ? "" : "not ");
		return -EINVAL;
	}
	if (!e)
		return 0;
	w = *e & PTE_W;
	x = !(*e & PTE_NX);
	if (w != writable || x != executable) {
		selftest_fail("%s (%lx): writable %d executable %d", what, va,
			      w, x);
		return -EINVAL;
	}
	return 0;
}

/* W^X everywhere, and the stack guard pages really are holes. */
static int test_paging_wx(void)
{
	uintptr_t block = this_cpu()->stack_block;

	return expect_mapping("text", (uintptr_t)__text_start, true, false,
			      true) ||
	       expect_mapping("rodata", (uintptr_t)__rodata_start, true, false,
			      false) ||
	       expect_mapping("data", (uintptr_t)__data_start, true, true,
			      false) ||
	       expect_mapping(
		       "direct-map alias of text",
		       (uintptr_t)maddr_to_virt(virt_to_maddr(__text_start)),
		       true, false, false) ||
	       expect_mapping("heap (direct map)",
			      (uintptr_t)maddr_to_virt(0x200000 - PAGE_SIZE),
			      true, true, false) ||
	       expect_mapping("guard page under the stacks", block, false,
			      false, false) ||
	       expect_mapping("guard page under the primary stack",
			      block + (STACK_PAGE_PRIMARY - 1) * PAGE_SIZE,
			      false, false, false) ||
	       expect_mapping("primary stack",
			      block + STACK_PAGE_PRIMARY * PAGE_SIZE, true,
			      true, false);
}
SELFTEST(paging_wx, test_paging_wx);

static int within_one_percent(const char *what, uint64_t measured,
			      uint64_t expected)
{
	uint64_t diff = measured > expected ? measured - expected :
					      expected - measured;

	if (diff * 100 > expected) {
		selftest_fail("%s: %lu ns measured, %lu ns expected", what,
			      measured, expected);
		return -ERANGE;
	}
	return 0;
}

/*
 * Under emulation a busy host can stall the virtual CPU between two clock
 * reads, which skews a comparison of clocks by the stall.  So each sample
 * of a clock is bracketed by two HPET reads and taken again until they are
 * close (mica/clock_sample.h); a measurement gets a few tries on top.
 */
#define SAMPLE_SLACK_NS 20000ULL
#define SAMPLE_TRIES 1000
#define CLOCK_TRIES 5

static void read_system_time(uint64_t c[CLOCK_SAMPLE_COUNTERS], void *arg)
{
	(void)arg;
	c[0] = system_time_ns();
	c[1] = 0;
}

static void read_lapic_timer(uint64_t c[CLOCK_SAMPLE_COUNTERS], void *arg)
{
	(void)arg;
	c[0] = lapic_timer_current();
	c[1] = 0;
}

/* read's c[0] over 'span' ns of HPET time: *hpet_ns elapsed. */
static int measure(void (*read)(uint64_t *, void *), uint64_t span,
		   uint64_t *hpet_ns, uint64_t *v0, uint64_t *v1)
{
	const struct clock_source src = { hpet_read_ns, read, NULL };
	struct clock_sample s0, s1;

	if (!clock_sample(&src, SAMPLE_SLACK_NS, SAMPLE_TRIES, &s0))
		return -EBUSY;
	while (hpet_read_ns() - s0.ref_ns < span)
		cpu_relax();
	if (!clock_sample(&src, SAMPLE_SLACK_NS, SAMPLE_TRIES, &s1))
		return -EBUSY;
	*hpet_ns = s1.ref_ns - s0.ref_ns;
	*v0 = s0.counter[0];
	*v1 = s1.counter[0];
	return 0;
}

/* System time (TSC) against the HPET over 100 ms. */
static int tsc_once(void)
{
	uint64_t hpet_ns, s0, s1;
	int rc = measure(read_system_time, 100000000ULL, &hpet_ns, &s0, &s1);

	return rc ? rc : within_one_percent("system time", s1 - s0, hpet_ns);
}

static int test_time_tsc_vs_hpet(void)
{
	int rc = -1;

	if (!hpet_available()) {
		selftest_fail("no HPET");
		return SELFTEST_SKIP;
	}
	for (unsigned int attempt = 0; attempt < CLOCK_TRIES && rc; attempt++)
		rc = tsc_once();
	return rc;
}
SELFTEST(time_tsc_vs_hpet, test_time_tsc_vs_hpet);

/*
 * The LAPIC timer against the HPET.  Its rate is what calibration decides:
 * after 50 ms by the HPET, a 100 ms one-shot must have counted 50 ms of
 * ticks, within 1%.  Then the interrupt itself must not come early, and
 * must come.
 */
static int lapic_rate_once(void)
{
	uint64_t hz = this_cpu()->lapic_timer_hz, hpet_ns, c0, c1;
	int rc;

	lapic_timer_set_ns(100000000ULL);
	rc = measure(read_lapic_timer, 50000000ULL, &hpet_ns, &c0, &c1);
	lapic_timer_oneshot(0);
	if (rc)
		return rc;
	return within_one_percent("LAPIC timer rate",
				  (uint32_t)(c0 - c1) * 1000000000ULL / hz,
				  hpet_ns);
}

static int test_time_lapic_timer_vs_hpet(void)
{
	volatile uint64_t *irqs = &this_cpu()->timer_irqs;
	uint64_t before, h0, h1;
	int rc = -1;

	if (!hpet_available()) {
		selftest_fail("no HPET");
		return SELFTEST_SKIP;
	}
	for (unsigned int attempt = 0; attempt < CLOCK_TRIES && rc; attempt++)
		rc = lapic_rate_once();
	if (rc)
		return rc;

	before = *irqs;
	h0 = hpet_read_ns();
	lapic_timer_set_ns(100000000ULL);
	while (*irqs == before && hpet_read_ns() - h0 < 1000000000ULL)
		cpu_relax();
	h1 = hpet_read_ns();
	if (*irqs == before) {
		selftest_fail("no timer interrupt within 1 s");
		return -EBUSY;
	}
	if (h1 - h0 < 99000000ULL) {
		selftest_fail("100 ms one-shot fired after %lu ns", h1 - h0);
		return -ERANGE;
	}
	return 0;
}
SELFTEST(time_lapic_timer_vs_hpet, test_time_lapic_timer_vs_hpet);

/*
 * Every CPU runs a per-CPU test: its cpu_info must match its APIC, its
 * stack must be its own, and it hammers a shared lock-protected counter,
 * which must end up as the sum of the increments each CPU counted.
 *
 * Each CPU stops after SMP_ITERATIONS or at a common deadline, whichever
 * comes first.  With a fixed 20000 rounds each, a 4-CPU boot on a loaded
 * 2-core host once went past its 180 s limit after alloc_exhaustion, and
 * of the tests that follow only this one has no bound on its run time: a
 * ticket lock hands over in order, so each hand-over to a virtual CPU
 * whose host thread is not running waits for the host to schedule it.
 * Correctness (no lost update) does not depend on the number of rounds.
 */
#define SMP_ITERATIONS 20000
#define SMP_TIME_NS 300000000ULL

struct smp_test {
	spinlock_t lock;
	uint64_t counter;
	uint64_t deadline;
	atomic_t ran;
	atomic_t errors;
	uint64_t done[NR_CPUS]; /* increments by each CPU */
};

static void smp_test_on_cpu(void *arg)
{
	struct smp_test *t = arg;
	struct cpu_info *ci = this_cpu();
	uintptr_t sp = (uintptr_t)&ci;
	unsigned int i;

	if (ci != cpu_infos[ci->cpu_id] || ci->apic_id != lapic_id() ||
	    sp < ci->stack_block || sp >= ci->stack_block + STACK_SIZE)
		atomic_inc(&t->errors);
	ci->selftest_token = 0x1000 + ci->cpu_id;
	for (i = 0; i < SMP_ITERATIONS &&
		    (i == 0 || system_time_ns() < READ_ONCE(t->deadline));
	     i++) {
		spin_lock(&t->lock);
		t->counter++;
		spin_unlock(&t->lock);
	}
	t->done[ci->cpu_id] = i;
	atomic_inc(&t->ran);
}

static int test_smp_all_cpus(void)
{
	static struct smp_test t;
	uint64_t expected = 0;

	if (nr_cpus_online < 2) {
		selftest_fail("only one CPU online");
		return SELFTEST_SKIP;
	}
	spin_lock_init(&t.lock);
	t.deadline = system_time_ns() + SMP_TIME_NS;
	smp_call_others(smp_test_on_cpu, &t);
	smp_test_on_cpu(&t);
	if ((unsigned int)atomic_read(&t.ran) != nr_cpus_online ||
	    atomic_read(&t.errors)) {
		selftest_fail("%d of %u CPUs ran, %d errors",
			      atomic_read(&t.ran), nr_cpus_online,
			      atomic_read(&t.errors));
		return -EINVAL;
	}
	for (unsigned int cpu = 0; cpu < nr_cpus_online; cpu++)
		expected += t.done[cpu];
	if (t.counter != expected) {
		selftest_fail("lost updates: counter %lu, expected %lu",
			      t.counter, expected);
		return -EINVAL;
	}
	for (unsigned int cpu = 0; cpu < nr_cpus_online; cpu++) {
		if (cpu_infos[cpu]->selftest_token != 0x1000 + cpu) {
			selftest_fail("CPU%u did not run its own test", cpu);
			return -EINVAL;
		}
	}
	return 0;
}
SELFTEST(smp_all_cpus, test_smp_all_cpus);
