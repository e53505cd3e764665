/* SPDX-License-Identifier: MIT */
/* The guest descriptor rules (arch/x86/pv/desc_check.c, pv.h). */
#include "harness.h"

#include <asm/pv_desc.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define P (1ULL << 47)

static void accepted(void)
{
	static const uint64_t ok[] = {
		0, /* null */
		0x00cff3000000ffffULL, /* flat data, DPL 3 */
		0x00cff7000000ffffULL, /* expand-down data, DPL 3 */
		0x00affb000000ffffULL, /* 64-bit code, DPL 3 */
		0x00cffb000000ffffULL, /* 32-bit code, DPL 3 */
		0x00cff9000000ffffULL, /* accessed code */
		0x12345600789abcdeULL & ~P, /* anything not present */
		0x00af9b000000ffffULL & ~P, /* a ring-0 code, not present */
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		CHECK(pv_descriptor_ok(ok[i]));
}

static void refused(void)
{
	static const uint64_t bad[] = {
		0x00af9b000000ffffULL, /* 64-bit code, DPL 0 */
		0x00afbb000000ffffULL, /* DPL 1 */
		0x00afdb000000ffffULL, /* DPL 2 */
		0x00cf93000000ffffULL, /* data, DPL 0 */
		0x00affe000000ffffULL, /* conforming code, DPL 3 */
		0x00effb000000ffffULL, /* L and D */
		0x0000ec0000000000ULL | 0x8000ULL, /* call gate, DPL 3 */
		0x0000e50000000000ULL, /* task gate */
		0x0000e90000000067ULL, /* TSS */
		0x0000e20000000fffULL, /* LDT */
		0x0000ee0000000000ULL, /* interrupt gate */
		0x0000ef0000000000ULL, /* trap gate */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(!pv_descriptor_ok(bad[i]));
}

/* Every present system descriptor type is refused at every DPL. */
static void all_system_types(void)
{
	for (uint64_t type = 0; type < 16; type++)
		for (uint64_t dpl = 0; dpl < 4; dpl++)
			CHECK(!pv_descriptor_ok(P | (dpl << 45) |
						(type << 40)));
}

/* Every present code/data descriptor with DPL < 3 is refused. */
static void all_low_dpl(void)
{
	for (uint64_t type = 0; type < 16; type++)
		for (uint64_t dpl = 0; dpl < 3; dpl++)
			CHECK(!pv_descriptor_ok(P | (1ULL << 44) | (dpl << 45) |
						(type << 40)));
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(accepted),
		TEST_CASE(refused),
		TEST_CASE(all_system_types),
		TEST_CASE(all_low_dpl),
	};

	return run_tests("desc_check", cases, ARRAY_SIZE(cases));
}
