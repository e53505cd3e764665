/* SPDX-License-Identifier: MIT */
/* Credit arithmetic; see mica/sched_credit.h. */
#include <mica/sched_credit.h>

uint64_t credit_vcpu_grant(uint32_t weight, uint32_t cap, unsigned int active,
			   uint64_t weight_sum, unsigned int nr_cpus,
			   uint64_t period_ns)
{
	uint64_t share, grant;

	if (!active || !weight_sum)
		return 0;
	/* nr_cpus * period <= 64 * 2^32 and weight * active < 2^22 keep the
	 * product below 2^64 for periods up to 4 s. */
	share = (uint64_t)nr_cpus * period_ns * ((uint64_t)weight * active) /
		weight_sum;
	if (cap && share > (uint64_t)cap * period_ns / 100)
		share = (uint64_t)cap * period_ns / 100;
	grant = share / active;
	return grant > period_ns ? period_ns : grant;
}

int64_t credit_clamp(int64_t credit, uint64_t period_ns)
{
	if (credit > (int64_t)period_ns)
		return (int64_t)period_ns;
	if (credit < -(int64_t)period_ns)
		return -(int64_t)period_ns;
	return credit;
}
