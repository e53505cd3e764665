/* SPDX-License-Identifier: MIT */
/*
 * TSC-based system time and LAPIC timer calibration.
 *
 * system_time_ns = ((tsc - tsc_at_boot) * mul) >> 32, with
 * mul = 10^9 * 2^32 / tsc_hz: one multiply on the hot path, the same shape
 * guests will get in their time info.
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
static uint64_t tsc_mul; /* ns per TSC tick, 32.32 fixed point */

uint64_t system_time_ns(void)
{
	if (!tsc_mul)
		return 0;
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_at_boot) *
			   tsc_mul) >>
			  32);
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

	time_info.hpet_period_fs = hpet_init();
	time_info.reference = time_info.hpet_period_fs ? "hpet" : "pit";
	ns = measure(&tsc_ticks, &lapic_ticks);
	if (!ns || !tsc_ticks)
		panic("time: calibration against the %s failed\n",
		      time_info.reference);
	time_info.tsc_hz = muldiv64(tsc_ticks, 1000000000ULL, ns);
	time_info.lapic_hz = muldiv64(lapic_ticks, 1000000000ULL, ns);
	this_cpu()->lapic_timer_hz = time_info.lapic_hz;
	tsc_mul = muldiv64(1000000000ULL, 1ULL << 32, time_info.tsc_hz);
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
