// SPDX-License-Identifier: MIT
/* Unit tests of the credit scheduler's arithmetic (common/sched_credit.c). */
#include <mica/sched_credit.h>

#include "harness.h"

#define PERIOD 30000000ULL

struct dom {
	uint32_t weight, cap;
	unsigned int active;
	uint64_t grant;
};

/* Shares one period among n domains as the scheduler does. */
static void share(struct dom *d, unsigned int n, unsigned int nr_cpus)
{
	struct credit_share s[16], *list = NULL;

	for (unsigned int i = n; i-- > 0;) {
		s[i] = (struct credit_share){ .weight = d[i].weight,
					      .cap = d[i].cap,
					      .active = d[i].active,
					      .grant = 12345,
					      .next = list };
		list = &s[i];
	}
	credit_share_out(list, nr_cpus, PERIOD);
	for (unsigned int i = 0; i < n; i++)
		d[i].grant = s[i].grant;
}

/* Equal weights on one CPU: each of two domains gets half. */
static void equal_weights(void)
{
	struct dom d[2] = { { 256, 0, 1, 0 }, { 256, 0, 1, 0 } };

	share(d, 2, 1);
	CHECK_EQ(d[0].grant, PERIOD / 2);
	CHECK_EQ(d[1].grant, PERIOD / 2);
}

/* Weights 512:256 on one CPU: 2/3 and 1/3. */
static void weighted(void)
{
	struct dom d[2] = { { 512, 0, 1, 0 }, { 256, 0, 1, 0 } };

	share(d, 2, 1);
	CHECK_EQ(d[0].grant, PERIOD * 2 / 3);
	CHECK_EQ(d[1].grant, PERIOD / 3);
}

/* A domain's share is split among its active vcpus; weight counts per
 * active vcpu, and no vcpu is granted more than one CPU. */
static void per_vcpu_split_and_one_cpu_limit(void)
{
	struct dom d[2] = { { 256, 0, 3, 0 }, { 256, 0, 1, 0 } };

	share(d, 2, 4);
	CHECK_EQ(d[0].grant, PERIOD); /* 3/4 of 4 CPUs over 3 vcpus */
	CHECK_EQ(d[1].grant, PERIOD);
	d[1].weight = 65535;
	share(d, 2, 4);
	CHECK_EQ(d[1].grant, PERIOD); /* no more than one CPU */
	CHECK_EQ(d[0].grant, PERIOD); /* the other three CPUs are d0's */
	d[0].active = 6; /* now d0 can use them all: 3 CPUs over 6 */
	share(d, 2, 4);
	CHECK_EQ(d[0].grant, PERIOD / 2);
}

/* A cap of 50% limits a lone domain to half a CPU even when idle CPUs
 * would give it more; a cap above its share changes nothing. */
static void cap(void)
{
	struct dom d[1] = { { 256, 50, 1, 0 } };

	share(d, 1, 2);
	CHECK_EQ(d[0].grant, PERIOD / 2);
	d[0].cap = 150;
	d[0].active = 2;
	share(d, 1, 2);
	CHECK_EQ(d[0].grant, PERIOD * 3 / 4);
	d[0].cap = 400;
	share(d, 1, 2);
	CHECK_EQ(d[0].grant, PERIOD);
}

/* Domains without active vcpus earn nothing and take no share. */
static void inactive(void)
{
	struct dom d[2] = { { 256, 0, 0, 99 }, { 1, 0, 1, 0 } };

	share(d, 2, 1);
	CHECK_EQ(d[0].grant, 0);
	CHECK_EQ(d[1].grant, PERIOD);
	d[1].active = 0;
	share(d, 2, 1);
	CHECK_EQ(d[1].grant, 0);
	share(d, 0, 1); /* an empty list */
}

/* A capped domain's unused share goes to the others by weight: weights
 * 256 : 512 : 4096 with the last capped at 10% of one CPU give 10% and
 * 30% : 60%, not the 1 : 1 of sharing the remainder equally. */
static void cap_leftover_by_weight(void)
{
	struct dom d[3] = { { 256, 0, 1, 0 },
			    { 512, 0, 1, 0 },
			    { 4096, 10, 1, 0 } };

	share(d, 3, 1);
	CHECK_EQ(d[2].grant, PERIOD / 10);
	CHECK_EQ(d[0].grant, PERIOD * 3 / 10);
	CHECK_EQ(d[1].grant, PERIOD * 6 / 10);
	CHECK_EQ(d[0].grant + d[1].grant + d[2].grant, PERIOD);
}

/* A limit that only binds once another domain is held (a second pass):
 * one CPU, equal weights; a capped at 10% is held at once, which lifts
 * b's share to 45%, over its cap of 40%; c, uncapped, gets the rest. */
static void cascade(void)
{
	struct dom d[3] = { { 100, 10, 1, 0 },
			    { 100, 40, 1, 0 },
			    { 100, 0, 1, 0 } };

	share(d, 3, 1);
	CHECK_EQ(d[0].grant, PERIOD / 10);
	CHECK_EQ(d[1].grant, PERIOD * 4 / 10);
	CHECK_EQ(d[2].grant, PERIOD / 2);
}

/* Caps and vcpu counts together: 2 CPUs; a (w 1000, cap 20%), b (w 1000,
 * cap 50%), c (w 10, 1 vcpu), e (w 10, 2 vcpus).  a and b are held at
 * their caps; c and e share the remaining 130% 1 : 2 per domain, 43.3%
 * each vcpu. */
static void caps_and_vcpus(void)
{
	struct dom d[4] = { { 1000, 20, 1, 0 },
			    { 1000, 50, 1, 0 },
			    { 10, 0, 1, 0 },
			    { 10, 0, 2, 0 } };

	share(d, 4, 2);
	CHECK_EQ(d[0].grant, PERIOD / 5);
	CHECK_EQ(d[1].grant, PERIOD / 2);
	CHECK_EQ(d[2].grant, PERIOD * 13 / 30);
	CHECK_EQ(d[3].grant, PERIOD * 13 / 30);
}

/* Every domain limited: each at its limit, the rest of the CPUs idle. */
static void all_limited(void)
{
	struct dom d[2] = { { 256, 30, 1, 0 }, { 512, 0, 1, 0 } };

	share(d, 2, 4);
	CHECK_EQ(d[0].grant, PERIOD * 3 / 10);
	CHECK_EQ(d[1].grant, PERIOD);
}

/* Extreme weights, 64 vcpus and 64 CPUs do not overflow: the heavy
 * domain is held at one CPU per vcpu and the light one gets the rest;
 * with all 64 CPUs wanted by the heavy one, the light one a sliver. */
static void no_overflow(void)
{
	struct dom d[2] = { { 65535, 0, 32, 0 }, { 1, 0, 32, 0 } };

	share(d, 2, 64);
	CHECK_EQ(d[0].grant, PERIOD);
	CHECK_EQ(d[1].grant, PERIOD);
	d[0].active = 64;
	d[1].active = 1;
	share(d, 2, 64);
	CHECK(d[0].grant < PERIOD && d[0].grant > PERIOD - PERIOD / 1000);
	CHECK(d[1].grant > 0 && d[1].grant < PERIOD / 1000);
}

static void clamp(void)
{
	CHECK_INT(credit_clamp(5, PERIOD), 5);
	CHECK_INT(credit_clamp((int64_t)PERIOD * 3, PERIOD), (int64_t)PERIOD);
	CHECK_INT(credit_clamp(-(int64_t)PERIOD * 3, PERIOD), -(int64_t)PERIOD);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(equal_weights),
		TEST_CASE(weighted),
		TEST_CASE(per_vcpu_split_and_one_cpu_limit),
		TEST_CASE(cap),
		TEST_CASE(inactive),
		TEST_CASE(no_overflow),
		TEST_CASE(cap_leftover_by_weight),
		TEST_CASE(cascade),
		TEST_CASE(caps_and_vcpus),
		TEST_CASE(all_limited),
		TEST_CASE(clamp),
	};

	return run_tests("sched_credit", cases,
			 sizeof(cases) / sizeof(cases[0]));
}
