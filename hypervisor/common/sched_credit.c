/* SPDX-License-Identifier: MIT */
/* Credit arithmetic; see mica/sched_credit.h. */
#include <mica/sched_credit.h>

/* The most a domain may use in one period. */
static uint64_t share_limit(const struct credit_share *s, uint64_t period_ns)
{
	uint64_t limit = (uint64_t)s->active * period_ns;

	if (s->cap && (uint64_t)s->cap * period_ns / 100 < limit)
		limit = (uint64_t)s->cap * period_ns / 100;
	return limit;
}

void credit_share_out(struct credit_share *list, unsigned int nr_cpus,
		      uint64_t period_ns)
{
	uint64_t left = (uint64_t)nr_cpus * period_ns, weight_sum = 0;
	bool changed = true;

	for (struct credit_share *s = list; s; s = s->next) {
		s->grant = 0;
		s->limited = !s->active;
		if (s->active)
			weight_sum += (uint64_t)s->weight * s->active;
	}
	/*
	 * Hold every domain whose proportional share reaches its limit at the
	 * limit and share what is left among the others; their shares only
	 * grow, so each pass holds at least one more or ends.
	 */
	while (changed && weight_sum) {
		uint64_t pass_left = left, pass_sum = weight_sum;

		changed = false;
		for (struct credit_share *s = list; s; s = s->next) {
			uint64_t w = (uint64_t)s->weight * s->active, limit;

			if (s->limited)
				continue;
			limit = share_limit(s, period_ns);
			if (pass_left * w / pass_sum < limit)
				continue;
			s->limited = true;
			s->grant = limit / s->active;
			left -= limit;
			weight_sum -= w;
			changed = true;
		}
	}
	for (struct credit_share *s = list; s; s = s->next)
		if (!s->limited)
			s->grant = left * ((uint64_t)s->weight * s->active) /
				   weight_sum / s->active;
}

int64_t credit_clamp(int64_t credit, uint64_t period_ns)
{
	if (credit > (int64_t)period_ns)
		return (int64_t)period_ns;
	if (credit < -(int64_t)period_ns)
		return -(int64_t)period_ns;
	return credit;
}
