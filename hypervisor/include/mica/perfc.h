/* SPDX-License-Identifier: MIT */
/*
 * Hot-path event counters (public/sysctl.h, MICA_SYSCTL_perfc).
 *
 * Each CPU counts its own events in its own cache lines (arch_perfc()), with
 * a plain increment: no lock, no atomic, no line shared with another CPU or
 * with the data the hot paths work on.
 */
#ifndef MICA_PERFC_H
#define MICA_PERFC_H

#include <mica/types.h>
#include <public/sysctl.h>
#include <asm/perfc.h>

/* Counters the hypervisor keeps: MICA_PERFC_0 .. PERFC_NR - 1. */
#define PERFC_NR (MICA_PERFC_credit_vcpus + 1)
_Static_assert(PERFC_NR <= MICA_PERFC_MAX, "perfc array too small");

/* Counts one event of kind MICA_PERFC_<name> on this CPU. */
#define perfc_incr(name) (arch_perfc()[MICA_PERFC_##name]++)

/*
 * Copies the counters of 'cpu', or their sum over every online CPU for
 * MICA_PERFC_ALL_CPUS, to count[0 .. PERFC_NR - 1].  0, or -EINVAL for a
 * CPU that does not exist or is offline.
 */
long perfc_read(uint32_t cpu, uint64_t *count);

/* Prints every online CPU's non-zero counters (end of guest_test). */
void perfc_print(void);

#endif
