/* SPDX-License-Identifier: MIT */
/*
 * bench.h - the few helpers the Linux micro-benchmarks share.  Each
 * benchmark is a static program that prints one line
 *     bench: <metric> <value> <unit>
 * which scripts/bench.sh collects (and later divides, Mica by native).
 *
 * Timing is adaptive: an operation is repeated in growing batches until a
 * batch takes at least BENCH_MIN_NS, so the same program gives stable
 * numbers both on hardware and under QEMU's (slow) emulation.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_MIN_NS 300000000ull /* 0.3 s per measured batch */

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void bench_die(const char *what)
{
	perror(what);
	exit(1);
}

/*
 * Runs op(n) (which performs n operations) in batches of growing n until
 * one batch lasts BENCH_MIN_NS; returns nanoseconds per operation.
 */
static inline double bench_measure(void (*op)(unsigned long n))
{
	unsigned long n = 1;

	op(1); /* warm up: first-touch faults, caches */
	for (;;) {
		uint64_t t0 = bench_now_ns(), dt;

		op(n);
		dt = bench_now_ns() - t0;
		if (dt >= BENCH_MIN_NS || n >= (1ul << 30))
			return (double)dt / (double)n;
		n = dt < BENCH_MIN_NS / 16 ? n * 8 : n * 2;
	}
}

/* Prints the result line; value is in nanoseconds, shown in `unit`. */
static inline void bench_report(const char *metric, double ns, const char *unit)
{
	double div = 1.0;

	if (unit[0] == 'u')
		div = 1e3;
	else if (unit[0] == 'm')
		div = 1e6;
	printf("bench: %s %.3f %s\n", metric, ns / div, unit);
	fflush(stdout);
}

#endif /* BENCH_H */
