/* SPDX-License-Identifier: MIT */
/*
 * TSC-based system time and LAPIC timer calibration.
 *
 * system_time_ns = (((tsc - tsc_at_boot) << shift) * mul) >> 32, with
 * mul = 10^9 * 2^32 / (tsc_hz << shift) below 2^32: one shift and one
 * multiply on the hot path, exactly what guests get in their time info
 * (public/time.h).
 */
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
 * Measures the TSC and the LAPIC timer over one reference interval.
 * Returns the interval's length in ns according to the reference.
 */
static uint64_t measure(uint64_t *tsc_ticks, uint64_t *lapic_ticks)
{
	uint64_t t0, t1, ref0, ref1;
	uint32_t l0, l1;

	lapic_timer_start_free();
	if (hpet_available()) {
		ref0 = hpet_read_ns();
		t0 = rdtsc();
		l0 = lapic_timer_current();
		do {
			ref1 = hpet_read_ns();
		} while (ref1 - ref0 < CALIBRATE_MS * 1000000ULL);
		t1 = rdtsc();
		l1 = lapic_timer_current();
	} else {
		t0 = rdtsc();
		l0 = lapic_timer_current();
		pit_wait_us(CALIBRATE_MS * 1000);
		t1 = rdtsc();
		l1 = lapic_timer_current();
		ref0 = 0;
		ref1 = CALIBRATE_MS * 1000000ULL;
	}
	*tsc_ticks = t1 - t0;
	*lapic_ticks = l0 - l1;
	return ref1 - ref0;
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
