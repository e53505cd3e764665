/* SPDX-License-Identifier: MIT */
/*
 * Debug registers and CR2 of an HVM guest on one CPU shared with the PV
 * "debugregs" guest as dom0 (which sets breakpoints of its own): DR0-3,
 * DR6, DR7 and CR2 keep what this guest wrote across 300 yields and exits
 * (the first debug register access makes them the guest's own, loaded
 * around each run; CR2 is not in the VMCS and is switched by Mica under
 * VMX), and a data breakpoint in DR0/DR7 raises #DB in the guest with B0
 * in DR6, and no longer once DR7 disables it.
 */
#include "hvm.h"

#include "public/sched.h"

const char test_title[] = "debug registers and CR2 across exits and yields";

#define VECTOR_DB 1
#define DR7_ONES 0x400UL
#define DR7_L0 1UL
#define DR7_RW0_WRITE (1UL << 16)
#define DR7_LEN0_4 (3UL << 18)
#define DR6_ONES 0xffff0ff0UL
#define DR6_B0 1UL
#define ROUNDS 300

static volatile uint32_t watched;

#define READ_DR(n)                                             \
	({                                                     \
		uint64_t v_;                                   \
		asm volatile("mov %%db" #n ", %0" : "=r"(v_)); \
		v_;                                            \
	})
#define WRITE_DR(n, v) asm volatile("mov %0, %%db" #n ::"r"((uint64_t)(v)))

static uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* Yields and exits (CPUID, port I/O); DR0-3, DR7 and CR2 must hold. */
static void check_across_yields(const uint64_t want[4], uint64_t dr7,
				uint64_t cr2, const char *when)
{
	uint32_t r[4];

	for (unsigned int round = 0; round < ROUNDS; round++) {
		uint64_t got[4] = { READ_DR(0), READ_DR(1), READ_DR(2),
				    READ_DR(3) };

		for (unsigned int i = 0; i < 4; i++)
			if (got[i] != want[i])
				test_fail("%s, round %u: DR%u %lx, expected "
					  "%lx",
					  when, round, i, got[i], want[i]);
		if (READ_DR(7) != dr7)
			test_fail("%s, round %u: DR7 %lx, expected %lx", when,
				  round, READ_DR(7), dr7);
		if (read_cr2() != cr2)
			test_fail("%s, round %u: CR2 %lx, expected %lx", when,
				  round, read_cr2(), cr2);
		hypercall_sched_op(MICA_SCHEDOP_yield, 0);
		cpuid(0, 0, r);
		(void)inb(0x80);
	}
}

void test_main(void)
{
	const uint64_t addrs[4] = { 0x111000, 0x222000, 0x333000, 0x444000 };
	uint64_t bp[4], dr6, dr7;

	/* Breakpoint addresses with every breakpoint disabled. */
	WRITE_DR(0, addrs[0]);
	WRITE_DR(1, addrs[1]);
	WRITE_DR(2, addrs[2]);
	WRITE_DR(3, addrs[3]);
	WRITE_DR(7, DR7_ONES);
	asm volatile("mov %0, %%cr2" ::"r"(0xdead5000UL));
	check_across_yields(addrs, DR7_ONES, 0xdead5000UL, "disabled");

	/* A 4-byte data write breakpoint on 'watched'. */
	WRITE_DR(6, DR6_ONES);
	bp[0] = (uint64_t)&watched;
	bp[1] = addrs[1], bp[2] = addrs[2], bp[3] = addrs[3];
	dr7 = DR7_ONES | DR7_L0 | DR7_RW0_WRITE | DR7_LEN0_4;
	WRITE_DR(0, bp[0]);
	WRITE_DR(7, dr7);
	if (PROBE("movl $1, (%0)", ::"r"(&watched)) != VECTOR_DB)
		test_fail("a write to the watched word raised vector %ld, "
			  "expected #DB",
			  (long)fault_vector);
	dr6 = READ_DR(6);
	if (!(dr6 & DR6_B0))
		test_fail("DR6 %lx after the breakpoint: no B0", dr6);
	if (watched != 1)
		test_fail("the watched word holds %u", watched);
	check_across_yields(bp, dr7, 0xdead5000UL, "armed");
	if (READ_DR(6) != dr6)
		test_fail("DR6 %lx after the yields, was %lx", READ_DR(6), dr6);
	/* Still armed after all those exits and yields. */
	if (PROBE("movl $2, (%0)", ::"r"(&watched)) != VECTOR_DB)
		test_fail("the breakpoint did not survive the yields");

	/* Disabled: the write goes through without #DB. */
	WRITE_DR(7, DR7_ONES);
	if (PROBE("movl $3, (%0)", ::"r"(&watched)) != -1 || watched != 3)
		test_fail("a write with DR7 disabled raised vector %ld",
			  (long)fault_vector);
	test_pass();
}
