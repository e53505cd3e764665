/* SPDX-License-Identifier: MIT */
/*
 * Timing for the bench guests.  The machine runs many QEMUs on few host
 * cores, so a long timed loop mostly measures how often the host preempted
 * QEMU.  BENCH_BEST runs the body in short batches and keeps the fastest
 * batch: a batch the host left alone shows the real cost (TCG's own costs,
 * such as its TLB flush on a CR3 write, are in every batch).
 */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include <stdint.h>
#include "public/sysctl.h"

/* Iterations per batch: short enough to fit between host preemptions. */
#define BENCH_BATCH 100

static inline uint64_t bench_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Keeps in *best the smaller of *best and the cycles since t0. */
static inline void bench_keep_best(uint64_t *best, uint64_t t0)
{
	uint64_t t = bench_rdtsc() - t0;

	if (t < *best)
		*best = t;
}

/*
 * BENCH_BEST(total, body...): runs 'body' total times (a multiple of
 * BENCH_BATCH) in batches of BENCH_BATCH; evaluates to the fastest batch's
 * cycles per iteration.
 */
#define BENCH_BEST(total, ...)                                                \
	({                                                                    \
		uint64_t bench_best = UINT64_MAX;                             \
		for (unsigned int bench_b = 0;                                \
		     bench_b < (total) / BENCH_BATCH; bench_b++) {            \
			uint64_t bench_t0 = bench_rdtsc();                    \
			for (unsigned int bench_i = 0; bench_i < BENCH_BATCH; \
			     bench_i++) {                                     \
				__VA_ARGS__;                                  \
			}                                                     \
			bench_keep_best(&bench_best, bench_t0);               \
		}                                                             \
		bench_best / BENCH_BATCH;                                     \
	})

/*
 * Mica's hot-path event counters (public/sysctl.h MICA_SYSCTL_perfc, dom0
 * only), summed over every CPU.  Benchmarks print them per iteration, so
 * that a change in the number of expensive events (CR3 writes, flushes,
 * IRETs) shows whatever the machine's load does to the timings.
 */
struct bench_counters {
	long error; /* of the sysctl (-EPERM outside dom0); 0: read */
	uint64_t count[MICA_PERFC_MAX];
};

void bench_counters_read(struct bench_counters *c);
/* One counter (MICA_PERFC_*), summed over every CPU; a failed read is a
 * test error. */
uint64_t perfc_total(unsigned int counter);

/* Prints "bench: COUNTER_per_WHAT N.NN count" for every counter that moved
 * by at least 0.005 per iteration between the two reads (nothing if
 * either read failed). */
void bench_counters_report(const char *what,
			   const struct bench_counters *before,
			   const struct bench_counters *after,
			   uint64_t iterations);

#endif /* GUEST_BENCH_H */
