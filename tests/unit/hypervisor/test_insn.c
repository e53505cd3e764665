/* SPDX-License-Identifier: MIT */
/* The PV emulation decoder (arch/x86/pv/insn.c). */
#include <string.h>

#include "harness.h"

#include <mica/errno.h>
#include <asm/insn.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct decode_case {
	uint8_t bytes[16];
	unsigned int n;
	enum insn_op op;
	unsigned int len, size, reg, gpr;
	int port; /* -1: dx */
	bool forced;
};

static void decode_table(void)
{
	static const struct decode_case cases[] = {
		{ { 0xe4, 0x80 }, 2, INSN_IN, 2, 1, 0, 0, 0x80, false },
		{ { 0xe5, 0x71 }, 2, INSN_IN, 2, 4, 0, 0, 0x71, false },
		{ { 0x66, 0xe5, 0x71 }, 3, INSN_IN, 3, 2, 0, 0, 0x71, false },
		{ { 0xe6, 0x43 }, 2, INSN_OUT, 2, 1, 0, 0, 0x43, false },
		{ { 0xe7, 0x10 }, 2, INSN_OUT, 2, 4, 0, 0, 0x10, false },
		{ { 0xec }, 1, INSN_IN, 1, 1, 0, 0, -1, false },
		{ { 0xed }, 1, INSN_IN, 1, 4, 0, 0, -1, false },
		{ { 0x66, 0xef }, 2, INSN_OUT, 2, 2, 0, 0, -1, false },
		{ { 0xee }, 1, INSN_OUT, 1, 1, 0, 0, -1, false },
		/* REX.W does not widen port I/O. */
		{ { 0x48, 0xed }, 2, INSN_IN, 2, 4, 0, 0, -1, false },
		{ { 0x0f, 0xa2 }, 2, INSN_CPUID, 2, 0, 0, 0, 0, false },
		{ { 0x0f, 0x32 }, 2, INSN_RDMSR, 2, 0, 0, 0, 0, false },
		{ { 0x0f, 0x30 }, 2, INSN_WRMSR, 2, 0, 0, 0, 0, false },
		{ { 0xf4 }, 1, INSN_HLT, 1, 0, 0, 0, 0, false },
		{ { 0xfa }, 1, INSN_CLI, 1, 0, 0, 0, 0, false },
		{ { 0xfb }, 1, INSN_STI, 1, 0, 0, 0, 0, false },
		{ { 0x0f, 0x06 }, 2, INSN_CLTS, 2, 0, 0, 0, 0, false },
		/* mov %cr0, %rax; mov %rbx, %cr3; mov %cr2, %r9 */
		{ { 0x0f, 0x20, 0xc0 },
		  3,
		  INSN_MOV_FROM_CR,
		  3,
		  0,
		  0,
		  0,
		  0,
		  false },
		{ { 0x0f, 0x22, 0xdb }, 3, INSN_MOV_TO_CR, 3, 0, 3, 3, 0, false },
		{ { 0x41, 0x0f, 0x20, 0xd1 },
		  4,
		  INSN_MOV_FROM_CR,
		  4,
		  0,
		  2,
		  9,
		  0,
		  false },
		/* mov %r8, %cr8 (REX.R + REX.B) */
		{ { 0x45, 0x0f, 0x22, 0xc0 },
		  4,
		  INSN_MOV_TO_CR,
		  4,
		  0,
		  8,
		  8,
		  0,
		  false },
		/* mov %db7, %rcx; mov %rdx, %db0; the mod bits are ignored */
		{ { 0x0f, 0x21, 0xf9 },
		  3,
		  INSN_MOV_FROM_DR,
		  3,
		  0,
		  7,
		  1,
		  0,
		  false },
		{ { 0x0f, 0x23, 0x02 }, 3, INSN_MOV_TO_DR, 3, 0, 0, 2, 0, false },
		/* Segment override and rep prefixes are skipped. */
		{ { 0x2e, 0xf3, 0xec }, 3, INSN_IN, 3, 1, 0, 0, -1, false },
		/* The forced-emulation prefix. */
		{ { 0x0f, 0x0b, 'm', 'i', 'c', 'a', 0x0f, 0xa2 },
		  8,
		  INSN_CPUID,
		  8,
		  0,
		  0,
		  0,
		  0,
		  true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct decode_case *c = &cases[i];
		struct insn in;

		CHECK_INT(insn_decode(c->bytes, c->n, &in), 0);
		CHECK_EQ(in.op, c->op);
		CHECK_EQ(in.len, c->len);
		CHECK_EQ(in.forced, c->forced);
		if (c->op == INSN_IN || c->op == INSN_OUT) {
			CHECK_EQ(in.size, c->size);
			CHECK_EQ(in.port_in_dx, c->port < 0);
			if (c->port >= 0)
				CHECK_EQ(in.port, c->port);
		}
		if (c->op >= INSN_MOV_FROM_CR) {
			CHECK_EQ(in.reg, c->reg);
			CHECK_EQ(in.gpr, c->gpr);
		}
		/* Extra bytes after the instruction change nothing. */
		CHECK_INT(insn_decode(c->bytes, 15, &in), 0);
		CHECK_EQ(in.len, c->len);
	}
}

static void not_emulated(void)
{
	static const uint8_t cases[][4] = {
		{ 0x90 }, /* nop */
		{ 0x0f, 0x0b, 0x90 }, /* plain ud2 */
		{ 0x0f, 0x31 }, /* rdtsc: native */
		{ 0x0f, 0x01, 0xd1 }, /* xsetbv */
		{ 0xf0, 0x0f, 0x20, 0xc0 }, /* lock mov cr (AMD cr8) */
		{ 0x6c }, /* insb */
		{ 0x6f }, /* outsd */
		{ 0xcd, 0x80 }, /* int $0x80 */
		{ 0x0f, 0x09 }, /* wbinvd */
	};
	uint8_t forced_other[] = { 0x0f, 0x0b, 'm', 'i', 'c', 'a', 0x0f, 0x32 };
	struct insn in;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_INT(insn_decode(cases[i], 4, &in), -EINVAL);
	/* Only cpuid may follow the prefix. */
	CHECK_INT(insn_decode(forced_other, sizeof(forced_other), &in),
		  -EINVAL);
}

static void truncated(void)
{
	static const uint8_t full[][8] = {
		{ 0x0f, 0x0b, 'm', 'i', 'c', 'a', 0x0f, 0xa2 },
		{ 0x0f, 0x20, 0xc0 },
		{ 0x66, 0xe5, 0x80 },
	};
	static const unsigned int len[] = { 8, 3, 3 };
	struct insn in;

	for (size_t i = 0; i < ARRAY_SIZE(full); i++)
		for (unsigned int n = 0; n < len[i]; n++)
			CHECK_INT(insn_decode(full[i], n, &in), -EFAULT);
	/* 15 prefixes and no opcode: never read past the limit. */
	{
		uint8_t many[16];

		memset(many, 0x66, sizeof(many));
		CHECK_INT(insn_decode(many, sizeof(many), &in), -EFAULT);
	}
}

static void random_bytes(void)
{
	/* Whatever the bytes, the decoder answers within 15 bytes. */
	for (unsigned int i = 0; i < 100000; i++) {
		uint8_t b[15];
		struct insn in;
		int rc;

		for (unsigned int j = 0; j < sizeof(b); j++)
			b[j] = (uint8_t)test_random();
		rc = insn_decode(b, (unsigned int)test_random_below(16), &in);
		CHECK(rc == 0 || rc == -EINVAL || rc == -EFAULT);
		if (rc == 0)
			CHECK(in.len >= 1 && in.len <= 15);
	}
}

static void soft_int(void)
{
	static const struct {
		uint8_t bytes[16];
		unsigned int n;
		bool long_mode;
		int rc;
		unsigned int vec, len;
	} cases[] = {
		{ { 0xcc }, 1, true, 0, 3, 1 },
		{ { 0xcd, 0x80 }, 2, true, 0, 0x80, 2 },
		{ { 0xce }, 1, false, 0, 4, 1 },
		{ { 0x2e, 0x2e, 0xcc }, 3, true, 0, 3, 3 }, /* mov_ss_trap */
		{ { 0x3e, 0x48, 0xcd, 0x03 }, 4, true, 0, 3, 4 },
		{ { 0xf0, 0x66, 0xf3, 0x65, 0xcd, 0x21 }, 6, false, 0, 0x21, 6 },
		/* 14 prefixes and int3: 15 bytes, the most the CPU takes. */
		{ { 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
		    0x2e, 0x2e, 0x2e, 0x2e, 0xcc },
		  15,
		  true,
		  0,
		  3,
		  15 },
		/* 14 prefixes and int imm8: 16 bytes, too long. */
		{ { 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
		    0x2e, 0x2e, 0x2e, 0x2e, 0xcd, 0x03 },
		  16,
		  true,
		  -EINVAL,
		  0,
		  0 },
		/* 0x40 is inc %eax in 32-bit code, not a prefix. */
		{ { 0x40, 0xcc }, 2, false, -EINVAL, 0, 0 },
		{ { 0x40, 0xcc }, 2, true, 0, 3, 2 },
		{ { 0x0f, 0x0b }, 2, true, -EINVAL, 0, 0 },
		{ { 0xf1 }, 1, true, -EINVAL, 0, 0 }, /* icebp: never a #GP */
		/* Too few bytes to tell. */
		{ { 0x2e, 0x2e }, 2, true, -EFAULT, 0, 0 },
		{ { 0xcd }, 1, true, -EFAULT, 0, 0 },
		{ { 0 }, 0, true, -EFAULT, 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned int vec = 999, len = 999;

		CHECK_INT(insn_soft_int(cases[i].bytes, cases[i].n,
					cases[i].long_mode, &vec, &len),
			  cases[i].rc);
		if (cases[i].rc)
			continue;
		CHECK_EQ(vec, cases[i].vec);
		CHECK_EQ(len, cases[i].len);
	}
	/* Whatever the bytes, the answer comes within 15 of them. */
	for (unsigned int i = 0; i < 100000; i++) {
		uint8_t b[15];
		unsigned int vec, len;
		int rc;

		for (unsigned int j = 0; j < sizeof(b); j++)
			b[j] = (uint8_t)test_random();
		rc = insn_soft_int(b, (unsigned int)test_random_below(16),
				   test_random() & 1, &vec, &len);
		CHECK(rc == 0 || rc == -EINVAL || rc == -EFAULT);
		if (rc == 0)
			CHECK(len >= 1 && len <= 15 && vec < 256);
	}
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(decode_table), TEST_CASE(not_emulated),
		TEST_CASE(truncated),	 TEST_CASE(random_bytes),
		TEST_CASE(soft_int),
	};

	return run_tests("insn", cases, ARRAY_SIZE(cases));
}
