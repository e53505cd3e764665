/* SPDX-License-Identifier: MIT */
/* x86 time sources: TSC, HPET, PIT, and the local APIC timer. */
#ifndef ASM_TIME_H
#define ASM_TIME_H

#include <mica/types.h>

struct time_info {
	const char *reference; /* "hpet" or "pit" */
	uint64_t tsc_hz;
	uint64_t lapic_hz; /* LAPIC timer input clock (divide by 1) */
	uint64_t hpet_period_fs; /* 0 without HPET */
	bool tsc_invariant; /* CPUID says the TSC rate never changes */
};

extern struct time_info time_info;

/*
 * Calibrates the TSC and the boot CPU's LAPIC timer against the reference
 * and starts system time.  Panics only if no reference works at all.
 */
void time_init(void);

/* Maps and enables the HPET; returns its period in fs, 0 if unusable. */
uint64_t hpet_init(void);

/* The HPET main counter in nanoseconds; 0 without an HPET. */
uint64_t hpet_read_ns(void);
bool hpet_available(void);

/* PIT channel 2 as a one-shot stopwatch (fallback reference). */
void pit_wait_us(uint32_t us);

/*
 * The TSC-to-ns scale (public/time.h form) and a matching (tsc, ns) pair
 * read together, for guests' time info.
 */
void time_scale(uint32_t *mul, int8_t *shift, uint64_t *tsc_now,
		uint64_t *ns_now);

/* Seconds since 1970 at system time 0, from the CMOS clock. */
uint64_t wallclock_boot_seconds(void);

/* Arms this CPU's LAPIC timer to fire after 'ns' nanoseconds. */
void lapic_timer_set_ns(uint64_t ns);

#endif
