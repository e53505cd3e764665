/* SPDX-License-Identifier: MIT */
/*
 * Reading counters "at the same moment" as a reference clock, for clock
 * calibration and the time self-tests.
 *
 * A virtual CPU (QEMU/TCG, or any hypervisor below us) can be stalled for
 * milliseconds between two instructions.  A stall between a read of the
 * reference and a read of the counter being measured skews the pair by
 * the stall: 10 ms against a 50 ms calibration interval once made the
 * TSC look 21% faster than it is.  So each reading is bracketed by two
 * reference reads, retried until the bracket is narrow, and the tightest
 * one seen is kept: its error is at most half its spread.
 */
#ifndef MICA_CLOCK_SAMPLE_H
#define MICA_CLOCK_SAMPLE_H

#include <mica/types.h>

#define CLOCK_SAMPLE_COUNTERS 2

struct clock_sample {
	uint64_t ref_ns; /* reference time: the bracket's midpoint */
	uint64_t spread_ns; /* width of the bracket */
	uint64_t counter[CLOCK_SAMPLE_COUNTERS];
};

struct clock_source {
	uint64_t (*ref_ns)(void); /* the reference, in ns */
	/* Reads the counters being measured into c[]. */
	void (*read)(uint64_t c[CLOCK_SAMPLE_COUNTERS], void *arg);
	void *arg;
};

/*
 * Takes up to 'tries' bracketed readings, stopping at the first whose
 * spread is at most max_spread_ns; *out is the tightest one.  Returns
 * true if that one is within max_spread_ns.
 */
bool clock_sample(const struct clock_source *src, uint64_t max_spread_ns,
		  unsigned int tries, struct clock_sample *out);

#endif
