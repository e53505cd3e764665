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
	uint64_t sum = 0;

	for (unsigned int i = 0; i < n; i++)
		sum += (uint64_t)d[i].weight * d[i].active;
	for (unsigned int i = 0; i < n; i++)
		d[i].grant = credit_vcpu_grant(d[i].weight, d[i].cap,
					       d[i].active, sum, nr_cpus,
					       PERIOD);
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
	CHECK(d[0].grant < PERIOD / 10);
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
	CHECK_EQ(credit_vcpu_grant(256, 0, 1, 0, 1, PERIOD), 0);
}

/* Extreme weights and 64 CPUs do not overflow. */
static void no_overflow(void)
{
	struct dom d[2] = { { 65535, 0, 32, 0 }, { 1, 0, 32, 0 } };

	share(d, 2, 64);
	CHECK_EQ(d[0].grant, PERIOD);
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
		TEST_CASE(clamp),
	};

	return run_tests("sched_credit", cases,
			 sizeof(cases) / sizeof(cases[0]));
}
