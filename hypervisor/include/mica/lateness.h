/* SPDX-License-Identifier: MIT */
/*
 * The latency probe (public/sysctl.h MICA_SYSCTL_lateness): a periodic
 * software timer per online CPU that records how late it runs, i.e. the
 * longest time a CPU stayed in the hypervisor without reaching a point
 * where pending softirqs run.
 */
#ifndef MICA_LATENESS_H
#define MICA_LATENESS_H

struct mica_sysctl_lateness;

/* Carries out one sysctl request; 0 or -EINVAL. */
long lateness_probe(struct mica_sysctl_lateness *l);

#endif
