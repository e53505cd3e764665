/* SPDX-License-Identifier: MIT */
/*
 * Credit arithmetic of the scheduler, kept pure so that host unit tests can
 * check it (tests/unit/hypervisor/test_sched_credit.c).
 */
#ifndef MICA_SCHED_CREDIT_H
#define MICA_SCHED_CREDIT_H

#include <mica/types.h>

/* One domain's part in a period's accounting (common/schedule.c). */
struct credit_share {
	uint32_t weight; /* IN: 1..65535 */
	uint32_t cap; /* IN: % of one CPU, 0 = none */
	unsigned int active; /* IN: its vcpus that may use CPU this period */
	bool limited; /* scratch: held at its limit */
	uint64_t grant; /* OUT: ns each active vcpu earns */
	struct credit_share *next;
};

/*
 * Shares one period of 'period_ns' on 'nr_cpus' CPUs among the domains on
 * 'list' in proportion to weight * active, except that no domain gets more
 * than its limit: cap% of one CPU (cap 0: none) and one CPU per active
 * vcpu.  What a limited domain cannot use goes to the others, again by
 * weight (water-filling), so weights hold exactly among the unlimited ones
 * and the CPUs stay busy while anyone can use them.  Each domain's share
 * is split evenly among its active vcpus (grant); domains with no active
 * vcpu get 0.  Weights below 2^16 and up to 64 vcpus per domain keep the
 * products below 2^64 for up to 64 CPUs and periods up to 4 s.
 */
void credit_share_out(struct credit_share *list, unsigned int nr_cpus,
		      uint64_t period_ns);

/* Credit after adding a grant: at most one period hoarded, at most one
 * period owed (so a long-running vcpu recovers within a period). */
int64_t credit_clamp(int64_t credit, uint64_t period_ns);

#endif
