/* SPDX-License-Identifier: MIT */
/*
 * time.h - how a guest tells the time: per-vcpu system time derived from the
 * TSC, and the wall clock.
 *
 * ------------------------------------------------------------------------
 * System time
 * ------------------------------------------------------------------------
 * "System time" is nanoseconds since the hypervisor booted, the same clock
 * on every vcpu of every domain (so timeouts can be given as absolute system
 * times, see vcpu.h and sched.h).  The hypervisor does not make the guest
 * trap to read it: it publishes, per vcpu, a snapshot (tsc_timestamp,
 * system_time) and the scale from TSC ticks to nanoseconds, and the guest
 * extrapolates with rdtsc:
 *
 *     delta = rdtsc() - t.tsc_timestamp;
 *     if (t.tsc_shift >= 0)
 *             delta <<= t.tsc_shift;
 *     else
 *             delta >>= -t.tsc_shift;
 *     now = t.system_time + (uint64_t)(((unsigned __int128)delta *
 *                                       t.tsc_to_system_mul) >> 32);
 *
 * tsc_to_system_mul is nanoseconds per (shifted) tick as a 0.32 fixed-point
 * fraction, i.e. scaled by 2^32; tsc_shift is chosen so that the fraction is
 * below 1.  The product of a 64-bit delta and the multiplier needs 96 bits.
 *
 * The snapshot is guarded by `version`, a sequence counter (seqlock):
 *  1. The hypervisor increments version (now odd), issues a write barrier,
 *     updates the other fields, issues a write barrier, and increments
 *     version again (now even).  It only ever updates the time info of a
 *     vcpu while that vcpu is not running guest code, or from that vcpu
 *     itself, so an update never takes long.
 *  2. The guest reads version, read barrier, copies the fields, read
 *     barrier, and reads version again; it retries if the two reads differ
 *     or the first was odd.
 *  3. The hypervisor refreshes the snapshot at least once a second and
 *     whenever the vcpu moves to another physical CPU or the TSC scale
 *     changes, so extrapolation error stays small.
 *  4. With MICA_TIME_TSC_STABLE set, the TSC is synchronised and invariant
 *     across all physical CPUs, and readings on different vcpus are
 *     mutually monotonic; without it, a guest needing cross-vcpu
 *     monotonicity must clamp (keep a global last-value).
 *
 * ------------------------------------------------------------------------
 * Wall clock
 * ------------------------------------------------------------------------
 * struct mica_wallclock in the shared-info page gives the wall-clock time
 * (seconds and nanoseconds since 1970-01-01 00:00 UTC) at system time 0.
 * Wall-clock now = wallclock + system time now.  It is guarded by its own
 * version counter with the same protocol.  dom0 sets the host's wall clock
 * with the sysctl MICA_SYSCTL_settime; every domain sees the change.
 */
#ifndef MICA_PUBLIC_TIME_H
#define MICA_PUBLIC_TIME_H

#include "mica.h"

struct mica_vcpu_time_info {
	uint32_t version; /* even: stable; odd: being updated */
	uint32_t pad0;
	uint64_t tsc_timestamp; /* TSC value at system_time */
	uint64_t system_time; /* ns since hypervisor boot */
	uint32_t tsc_to_system_mul; /* ns per shifted tick, times 2^32 */
	int8_t tsc_shift; /* shift TSC delta left (>0) or right (<0) */
	uint8_t flags; /* MICA_TIME_* */
	uint8_t pad1[2];
};
MICA_STATIC_ASSERT(sizeof(struct mica_vcpu_time_info) == 32,
		   "mica_vcpu_time_info");

/* The TSC is invariant and synchronised across physical CPUs (note 4). */
#define MICA_TIME_TSC_STABLE (1u << 0)

struct mica_wallclock {
	uint32_t version; /* same protocol as mica_vcpu_time_info */
	uint32_t nsec; /* 0..999999999 */
	uint64_t sec; /* seconds since the epoch at system time 0 */
};
MICA_STATIC_ASSERT(sizeof(struct mica_wallclock) == 16, "mica_wallclock");

#endif /* MICA_PUBLIC_TIME_H */
