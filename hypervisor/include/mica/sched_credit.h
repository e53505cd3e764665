/* SPDX-License-Identifier: MIT */
/*
 * Credit arithmetic of the scheduler, kept pure so that host unit tests can
 * check it (tests/unit/hypervisor/test_sched_credit.c).
 */
#ifndef MICA_SCHED_CREDIT_H
#define MICA_SCHED_CREDIT_H

#include <mica/types.h>

/*
 * What each active vcpu of a domain earns in one period of 'period_ns' on
 * 'nr_cpus' CPUs.  The domain's share is nr_cpus * period_ns * (weight *
 * active) / weight_sum, where weight_sum adds weight * active over every
 * domain; it is split evenly among its 'active' vcpus, but no vcpu gets
 * more than one CPU's worth (period_ns) and no domain more than cap% of one
 * CPU (cap 0: none).  0 if active or weight_sum is 0.
 */
uint64_t credit_vcpu_grant(uint32_t weight, uint32_t cap, unsigned int active,
			   uint64_t weight_sum, unsigned int nr_cpus,
			   uint64_t period_ns);

/* Credit after adding a grant: at most one period hoarded, at most one
 * period owed (so a long-running vcpu recovers within a period). */
int64_t credit_clamp(int64_t credit, uint64_t period_ns);

#endif
