/* SPDX-License-Identifier: MIT */
/*
 * TSC-based system time and LAPIC timer calibration.
 *
 * system_time_ns = (((tsc - tsc_at_boot) << shift) * mul) >> 32, with
 * mul = 10^9 * 2^32 / (tsc_hz << shift) below 2^32: one shift and one
 * multiply on the hot path, exactly what guests get in their time info
 * (public/time.h).
 */
#include <mica/clock_sample.h>
#include <mica/console.h>
#include <mica/shutdown.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/muldiv.h>
#include <asm/smp.h>
#include <asm/time.h>

#define CALIBRATE_MS 50

struct time_info time_info;
static uint64_t tsc_at_boot;
static uint32_t tsc_mul; /* ns per shifted TSC tick, 0.32 fixed point */
static int tsc_shift; /* >= 0: slow TSCs are scaled up first */

static uint64_t tsc_to_ns(uint64_t delta)
{
	return (uint64_t)(((unsigned __int128)(delta << tsc_shift) * tsc_mul) >>
			  32);
}

void time_scale(uint32_t *mul, int8_t *shift, uint64_t *tsc_now,
		uint64_t *ns_now)
{
	*mul = tsc_mul;
	*shift = (int8_t)tsc_shift;
	*tsc_now = rdtsc();
	*ns_now = tsc_to_ns(*tsc_now - tsc_at_boot);
}

uint64_t system_time_ns(void)
{
	if (!tsc_mul)
		return 0;
	return tsc_to_ns(rdtsc() - tsc_at_boot);
}

void udelay(uint64_t us)
{
	uint64_t end = system_time_ns() + us * 1000;

	if (!tsc_mul) {
		pit_wait_us((uint32_t)us);
		return;
	}
	while (system_time_ns() < end)
		cpu_relax();
}

void mdelay(uint64_t ms)
{
	udelay(ms * 1000);
}

/*
 * Calibration readings are bracketed by HPET reads (mica/clock_sample.h):
 * a stall of the virtual CPU between a reference read and the counter
 * reads once skewed a calibration by 21%, so that system time ran slow
 * and the time self-tests failed on a loaded host.  A bracket of 20 us
 * bounds the error to 20 us in CALIBRATE_MS, 0.04%.
 */
#define CALIBRATE_SPREAD_NS 20000ULL
#define CALIBRATE_TRIES 1000

static void read_tsc_lapic(uint64_t c[CLOCK_SAMPLE_COUNTERS], void *arg)
{
	(void)arg;
	c[0] = rdtsc();
	c[1] = lapic_timer_current();
}

/*
 * Measures the TSC and the LAPIC timer over one reference interval.
 * Returns the interval's length in ns according to the reference.
 */
static uint64_t measure(uint64_t *tsc_ticks, uint64_t *lapic_ticks)
{
	const struct clock_source src = { hpet_read_ns, read_tsc_lapic, NULL };
	struct clock_sample s0, s1;
	uint64_t t0, t1;
	uint32_t l0, l1;

	lapic_timer_start_free();
	if (hpet_available()) {
		bool tight = clock_sample(&src, CALIBRATE_SPREAD_NS,
					  CALIBRATE_TRIES, &s0);

		while (hpet_read_ns() - s0.ref_ns < CALIBRATE_MS * 1000000ULL)
			cpu_relax();
		tight &= clock_sample(&src, CALIBRATE_SPREAD_NS,
				      CALIBRATE_TRIES, &s1);
		if (!tight)
			pr_warn("time: calibration readings up to %lu ns "
				"apart (a busy host?)\n",
				s0.spread_ns > s1.spread_ns ? s0.spread_ns :
							      s1.spread_ns);
		*tsc_ticks = s1.counter[0] - s0.counter[0];
		*lapic_ticks = (uint32_t)(s0.counter[1] - s1.counter[1]);
		return s1.ref_ns - s0.ref_ns;
	}
	/* The PIT is only a stopwatch: no bracket to take. */
	t0 = rdtsc();
	l0 = lapic_timer_current();
	pit_wait_us(CALIBRATE_MS * 1000);
	t1 = rdtsc();
	l1 = lapic_timer_current();
	*tsc_ticks = t1 - t0;
	*lapic_ticks = l0 - l1;
	return CALIBRATE_MS * 1000000ULL;
}

void time_init(void)
{
	uint64_t tsc_ticks, lapic_ticks, ns;

	uint32_t a, b, c, d;

	cpuid_count(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000007) {
		cpuid_count(0x80000007, 0, &a, &b, &c, &d);
		time_info.tsc_invariant = d & (1u << 8);
	}
	time_info.hpet_period_fs = hpet_init();
	time_info.reference = time_info.hpet_period_fs ? "hpet" : "pit";
	ns = measure(&tsc_ticks, &lapic_ticks);
	if (!ns || !tsc_ticks)
		panic("time: calibration against the %s failed\n",
		      time_info.reference);
	time_info.tsc_hz = muldiv64(tsc_ticks, 1000000000ULL, ns);
	time_info.lapic_hz = muldiv64(lapic_ticks, 1000000000ULL, ns);
	this_cpu()->lapic_timer_hz = time_info.lapic_hz;
	/* Below 1 GHz, ns per tick exceeds 1: scale the TSC up first. */
	for (tsc_shift = 0; (time_info.tsc_hz << tsc_shift) <= 1000000000ULL;
	     tsc_shift++)
		;
	tsc_mul = (uint32_t)muldiv64(1000000000ULL, 1ULL << 32,
				     time_info.tsc_hz << tsc_shift);
	tsc_at_boot = rdtsc() - tsc_ticks; /* time starts at calibration */
	lapic_timer_oneshot(0);
}

void lapic_timer_set_ns(uint64_t ns)
{
	uint64_t ticks =
		muldiv64(ns, this_cpu()->lapic_timer_hz, 1000000000ULL);

	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xffffffffULL)
		ticks = 0xffffffffULL;
	lapic_timer_oneshot((uint32_t)ticks);
}

void arch_timer_program(uint64_t deadline_ns)
{
	uint64_t now;

	if (!deadline_ns) {
		lapic_timer_oneshot(0);
		return;
	}
	now = system_time_ns();
	lapic_timer_set_ns(deadline_ns > now ? deadline_ns - now : 1);
}
