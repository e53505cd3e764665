/* SPDX-License-Identifier: MIT */
/* The HVM instruction emulator (arch/x86/hvm/emulate.c), against a fake
 * memory of two regions (RAM at 0x1000, a "device" at 0xfee00000 that
 * logs accesses) and fake ports. */
#include <string.h>

#include "harness.h"

#include <asm/x86_emulate.h>

#define RAM_BASE 0x1000ULL
#define RAM_SIZE 0x1000
#define DEV_BASE 0xfee00000ULL

static uint8_t ram[RAM_SIZE];
static uint32_t dev_reg[0x400];
static unsigned int dev_reads, dev_writes, last_size;
static uint32_t port_val;
static uint16_t last_port;
static unsigned int ins, outs;
static uint8_t out_bytes[256];
/* Device and port accesses left before one answers X86EMUL_RETRY (a
 * device model must answer first); -1: never. */
static int retry_after = -1;

static bool retry_now(void)
{
	if (retry_after < 0 || retry_after-- > 0)
		return false;
	return true;
}

static int fake_read(void *ctx, uint64_t la, unsigned int size, uint64_t *v)
{
	(void)ctx;
	*v = 0;
	last_size = size;
	if (la >= RAM_BASE && la + size <= RAM_BASE + RAM_SIZE) {
		memcpy(v, ram + (la - RAM_BASE), size);
		return 0;
	}
	if (la >= DEV_BASE && la + size <= DEV_BASE + 0x1000) {
		if (retry_now())
			return X86EMUL_RETRY;
		dev_reads++;
		*v = dev_reg[(la - DEV_BASE) / 4];
		return 0;
	}
	return -1;
}

static int fake_write(void *ctx, uint64_t la, unsigned int size, uint64_t v)
{
	(void)ctx;
	last_size = size;
	if (la >= RAM_BASE && la + size <= RAM_BASE + RAM_SIZE) {
		memcpy(ram + (la - RAM_BASE), &v, size);
		return 0;
	}
	if (la >= DEV_BASE && la + size <= DEV_BASE + 0x1000) {
		if (retry_now())
			return X86EMUL_RETRY;
		dev_writes++;
		dev_reg[(la - DEV_BASE) / 4] = (uint32_t)v;
		return 0;
	}
	return -1;
}

static int fake_in(void *ctx, uint16_t port, unsigned int size, uint32_t *v)
{
	(void)ctx;
	(void)size;
	if (retry_now())
		return X86EMUL_RETRY;
	last_port = port;
	*v = port_val + ins++;
	return 0;
}

static int fake_out(void *ctx, uint16_t port, unsigned int size, uint32_t v)
{
	(void)ctx;
	(void)size;
	if (retry_now())
		return X86EMUL_RETRY;
	last_port = port;
	if (outs < sizeof(out_bytes))
		out_bytes[outs] = (uint8_t)v;
	outs++;
	return 0;
}

static const struct x86_emulate_ops ops = {
	fake_read,
	fake_write,
	fake_in,
	fake_out,
};

static struct x86_emulate_ctx ctx(unsigned int mode, const uint8_t *insn,
				  unsigned int n)
{
	struct x86_emulate_ctx c = { 0 };

	c.mode = mode;
	c.rip = 0x100;
	c.rflags = 0x2;
	c.max_reps = 16;
	c.ops = &ops;
	memcpy(c.insn, insn, n);
	c.insn_len = n;
	return c;
}

#define EMUL(c, mode, ...)                                   \
	do {                                                 \
		static const uint8_t b_[] = { __VA_ARGS__ }; \
		c = ctx(mode, b_, sizeof(b_));               \
	} while (0)

static void mov_store_load(void)
{
	struct x86_emulate_ctx c;

	/* mov %eax, (%rbx) */
	EMUL(c, 8, 0x89, 0x03);
	c.gpr[X86_RAX] = 0xffffffff12345678ULL;
	c.gpr[X86_RBX] = DEV_BASE + 0x80;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(dev_reg[0x20], 0x12345678);
	CHECK_EQ(last_size, 4);
	CHECK_EQ(c.rip, 0x102);
	/* mov 0x80(%rbx), %r9d: REX.R, disp8; zero-extends */
	EMUL(c, 8, 0x44, 0x8b, 0x4b, 0x80);
	c.gpr[X86_RBX] = DEV_BASE + 0x100;
	c.gpr[9] = ~0ULL;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.gpr[9], 0x12345678);
	CHECK_EQ(c.rip, 0x104);
	/* mov %ax, (%rbx) with 0x66: 2 bytes */
	EMUL(c, 8, 0x66, 0x89, 0x03);
	c.gpr[X86_RBX] = RAM_BASE;
	c.gpr[X86_RAX] = 0xabcd;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(last_size, 2);
	CHECK_EQ(ram[0] | (ram[1] << 8), 0xabcd);
	/* movq %rax, (%rbx): REX.W */
	EMUL(c, 8, 0x48, 0x89, 0x03);
	c.gpr[X86_RBX] = RAM_BASE + 8;
	c.gpr[X86_RAX] = 0x1122334455667788ULL;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(last_size, 8);
	CHECK_EQ(ram[15], 0x11);
	/* mov %ah, (%rbx) without REX: ah */
	EMUL(c, 8, 0x88, 0x23);
	c.gpr[X86_RBX] = RAM_BASE + 32;
	c.gpr[X86_RAX] = 0x5a00;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(ram[32], 0x5a);
	/* with a REX prefix, reg 4 is spl */
	EMUL(c, 8, 0x40, 0x88, 0x23);
	c.gpr[X86_RBX] = RAM_BASE + 33;
	c.gpr[X86_RSP] = 0x77;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(ram[33], 0x77);
}

static void addressing(void)
{
	struct x86_emulate_ctx c;

	/* movl $0x99, 0x10(%rbx,%rcx,4): SIB, disp8, imm32 */
	EMUL(c, 8, 0xc7, 0x44, 0x8b, 0x10, 0x99, 0, 0, 0);
	c.gpr[X86_RBX] = DEV_BASE;
	c.gpr[X86_RCX] = 2;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(dev_reg[(0x10 + 8) / 4], 0x99);
	CHECK_EQ(c.rip, 0x108);
	/* RIP-relative: mov %eax, disp32(%rip) -> next rip + disp */
	EMUL(c, 8, 0x89, 0x05, 0x00, 0x0f, 0x00, 0x00);
	c.gpr[X86_RAX] = 0x4242;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(ram[0x106 + 0xf00 - RAM_BASE], 0x42);
	/* 32-bit code, disp32 only (mod 0, rm 5): absolute */
	EMUL(c, 4, 0xa1, 0x80, 0x00, 0xe0, 0xfe); /* mov moffs32, %eax */
	dev_reg[0x20] = 0xdeadbeef;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.gpr[X86_RAX], 0xdeadbeef);
	/* 32-bit code: segment base added, wraps at 4 GiB */
	EMUL(c, 4, 0x8b, 0x03); /* mov (%ebx), %eax */
	c.seg_base[X86_SEG_DS] = 0x1000;
	c.gpr[X86_RBX] = 0x10;
	ram[0x10] = 0x5;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.gpr[X86_RAX] & 0xff, 0x5);
	/* 16-bit code: [bx+si+disp8], 16-bit operand */
	EMUL(c, 2, 0x8b, 0x40, 0x02); /* mov 2(%bx,%si), %ax */
	c.seg_base[X86_SEG_DS] = 0x1000;
	c.gpr[X86_RBX] = 0x10;
	c.gpr[X86_RSI] = 0x4;
	c.gpr[X86_RAX] = 0xffff0000;
	ram[0x16] = 0x34;
	ram[0x17] = 0x12;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.gpr[X86_RAX], 0xffff1234);
	CHECK_EQ(c.rip, 0x103);
	/* fs override in 64-bit mode uses the FS base */
	EMUL(c, 8, 0x64, 0x8b, 0x03);
	c.seg_base[X86_SEG_FS] = RAM_BASE;
	c.gpr[X86_RBX] = 0x16;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.gpr[X86_RAX] & 0xffff, 0x1234);
}

static void movzx_movsx(void)
{
	struct x86_emulate_ctx c;

	ram[0x40] = 0x80;
	ram[0x41] = 0xff;
	EMUL(c, 8, 0x0f, 0xb6, 0x03); /* movzbl (%rbx), %eax */
	c.gpr[X86_RBX] = RAM_BASE + 0x40;
	c.gpr[X86_RAX] = ~0ULL;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.gpr[X86_RAX], 0x80);
	EMUL(c, 8, 0x48, 0x0f, 0xbf, 0x03); /* movswq (%rbx), %rax */
	c.gpr[X86_RBX] = RAM_BASE + 0x40;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.gpr[X86_RAX], 0xffffffffffffff80ULL);
}

static void alu_flags(void)
{
	struct x86_emulate_ctx c;

	dev_reg[0] = 0xf0;
	EMUL(c, 8, 0x83, 0x0b, 0x0f); /* orl $0xf, (%rbx) */
	c.gpr[X86_RBX] = DEV_BASE;
	dev_reads = dev_writes = 0;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(dev_reg[0], 0xff);
	CHECK_EQ(dev_reads, 1);
	CHECK_EQ(dev_writes, 1);
	EMUL(c, 8, 0x85, 0x03); /* test %eax, (%rbx) */
	c.gpr[X86_RBX] = DEV_BASE;
	c.gpr[X86_RAX] = 0x100;
	dev_writes = 0;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK(c.rflags & 0x40); /* ZF */
	CHECK_EQ(dev_writes, 0);
	EMUL(c, 8, 0x81, 0x3b, 0, 1, 0, 0); /* cmpl $0x100, (%rbx) */
	c.gpr[X86_RBX] = DEV_BASE;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK(c.rflags & 0x1); /* CF: 0xff < 0x100 */
	CHECK(c.rflags & 0x80); /* SF */
	CHECK(!(c.rflags & 0x40));
	EMUL(c, 8, 0x01, 0x03); /* add %eax, (%rbx): overflow */
	dev_reg[0] = 0x7fffffff;
	c.gpr[X86_RBX] = DEV_BASE;
	c.gpr[X86_RAX] = 1;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(dev_reg[0], 0x80000000);
	CHECK(c.rflags & 0x800); /* OF */
	CHECK(!(c.rflags & 0x1));
	EMUL(c, 8, 0x23, 0x03); /* and (%rbx), %eax */
	c.gpr[X86_RAX] = 0xffffffff00000001ULL;
	c.gpr[X86_RBX] = DEV_BASE;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.gpr[X86_RAX], 0);
	CHECK(c.rflags & 0x44); /* ZF, PF */
	EMUL(c, 8, 0x87, 0x03); /* xchg %eax, (%rbx) */
	dev_reg[0] = 7;
	c.gpr[X86_RAX] = 9;
	c.gpr[X86_RBX] = DEV_BASE;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.gpr[X86_RAX], 7);
	CHECK_EQ(dev_reg[0], 9);
}

static void strings(void)
{
	struct x86_emulate_ctx c;

	/* rep movsl RAM -> device, 3 elements */
	for (unsigned int i = 0; i < 12; i++)
		ram[0x200 + i] = (uint8_t)i;
	EMUL(c, 8, 0xf3, 0xa5);
	c.gpr[X86_RSI] = RAM_BASE + 0x200;
	c.gpr[X86_RDI] = DEV_BASE + 0x40;
	c.gpr[X86_RCX] = 3;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.gpr[X86_RCX], 0);
	CHECK_EQ(dev_reg[0x12], 0x0b0a0908);
	CHECK_EQ(c.gpr[X86_RDI], DEV_BASE + 0x4c);
	CHECK_EQ(c.rip, 0x102);
	/* rep outsb beyond max_reps: rip stays, rcx counts what is left */
	for (unsigned int i = 0; i < 40; i++)
		ram[0x300 + i] = (uint8_t)('a' + i % 26);
	EMUL(c, 8, 0xf3, 0x6e);
	c.gpr[X86_RSI] = RAM_BASE + 0x300;
	c.gpr[X86_RDX] = 0x3f8;
	c.gpr[X86_RCX] = 40;
	outs = 0;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(outs, 16);
	CHECK_EQ(c.gpr[X86_RCX], 24);
	CHECK_EQ(c.rip, 0x100);
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(outs, 40);
	CHECK_EQ(c.gpr[X86_RCX], 0);
	CHECK_EQ(c.rip, 0x102);
	CHECK_EQ(out_bytes[39], 'a' + 39 % 26);
	CHECK_EQ(last_port, 0x3f8);
	/* std; insw: downwards */
	EMUL(c, 8, 0x66, 0x6d);
	c.rflags |= 0x400;
	c.gpr[X86_RDI] = RAM_BASE + 0x400;
	c.gpr[X86_RDX] = 0x70;
	port_val = 0xbeef;
	ins = 0;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(ram[0x400] | (ram[0x401] << 8), 0xbeef);
	CHECK_EQ(c.gpr[X86_RDI], RAM_BASE + 0x3fe);
	/* 32-bit address size in 64-bit code: rdi zero-extends */
	EMUL(c, 8, 0x67, 0xaa); /* stosb with addr32 */
	c.gpr[X86_RDI] = 0xffffffff00000000ULL | (RAM_BASE + 0x500);
	c.gpr[X86_RAX] = 0x3c;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(ram[0x500], 0x3c);
	CHECK_EQ(c.gpr[X86_RDI], RAM_BASE + 0x501);
	/* rep with rcx 0: nothing, but rip moves */
	EMUL(c, 8, 0xf3, 0xab);
	c.gpr[X86_RCX] = 0;
	c.gpr[X86_RDI] = 0xdead; /* unmapped: never touched */
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.rip, 0x102);
}

static void refused(void)
{
	struct x86_emulate_ctx c;

	/* incl (%rbx): not emulated, nothing changes */
	EMUL(c, 8, 0xff, 0x03);
	c.gpr[X86_RBX] = DEV_BASE;
	dev_reads = dev_writes = 0;
	CHECK_INT(x86_emulate(&c), X86EMUL_UNHANDLED);
	CHECK_EQ(c.rip, 0x100);
	CHECK_EQ(dev_reads + dev_writes, 0);
	/* c7 /1 is not mov */
	EMUL(c, 8, 0xc7, 0x0b, 1, 0, 0, 0);
	CHECK_INT(x86_emulate(&c), X86EMUL_UNHANDLED);
	/* f7 /2 (not) */
	EMUL(c, 8, 0xf7, 0x13);
	CHECK_INT(x86_emulate(&c), X86EMUL_UNHANDLED);
	/* truncated: the SIB and the displacement are missing */
	EMUL(c, 8, 0x89, 0x44);
	CHECK_INT(x86_emulate(&c), X86EMUL_UNHANDLED);
	/* only prefixes */
	EMUL(c, 8, 0x66, 0x66, 0xf3, 0x2e, 0x48);
	CHECK_INT(x86_emulate(&c), X86EMUL_UNHANDLED);
	/* a bad mode */
	EMUL(c, 3, 0x89, 0x03);
	CHECK_INT(x86_emulate(&c), X86EMUL_UNHANDLED);
	/* an unmapped operand: a fault with its address, rip unchanged */
	EMUL(c, 8, 0x89, 0x03);
	c.gpr[X86_RBX] = 0x12345000;
	CHECK_INT(x86_emulate(&c), X86EMUL_FAULT);
	CHECK_EQ(c.fault_la, 0x12345000);
	CHECK_EQ(c.rip, 0x100);
	/* ALU G,E with a fault: the register is not written */
	EMUL(c, 8, 0x0b, 0x03); /* or (%rbx), %eax */
	c.gpr[X86_RBX] = 0x12345000;
	c.gpr[X86_RAX] = 0x1234;
	CHECK_INT(x86_emulate(&c), X86EMUL_FAULT);
	CHECK_EQ(c.gpr[X86_RAX], 0x1234);
}

/* A callback that must wait for a device model: nothing is committed,
 * except the iterations a rep finished before it. */
static void retry(void)
{
	struct x86_emulate_ctx c;

	/* mov (%rbx), %eax: RETRY, rip and rax as they were */
	EMUL(c, 8, 0x8b, 0x03);
	c.gpr[X86_RBX] = DEV_BASE;
	c.gpr[X86_RAX] = 0x55;
	retry_after = 0;
	CHECK_INT(x86_emulate(&c), X86EMUL_RETRY);
	CHECK_EQ(c.rip, 0x100);
	CHECK_EQ(c.gpr[X86_RAX], 0x55);
	CHECK_EQ(c.reps_done, 0);
	/* or %eax, (%rbx): the read passes, the write waits */
	EMUL(c, 8, 0x09, 0x03);
	c.gpr[X86_RBX] = DEV_BASE;
	retry_after = 1;
	CHECK_INT(x86_emulate(&c), X86EMUL_RETRY);
	CHECK_EQ(c.rip, 0x100);
	/* movsl device to device: the write of iteration 0 waits */
	EMUL(c, 8, 0xa5);
	c.gpr[X86_RSI] = DEV_BASE;
	c.gpr[X86_RDI] = DEV_BASE + 0x10;
	retry_after = 1;
	CHECK_INT(x86_emulate(&c), X86EMUL_RETRY);
	CHECK_EQ(c.gpr[X86_RSI], DEV_BASE);
	CHECK_EQ(c.gpr[X86_RDI], DEV_BASE + 0x10);
	/* rep insb, 5 times, the third in waits: two iterations stand */
	EMUL(c, 8, 0xf3, 0x6c);
	c.gpr[X86_RCX] = 5;
	c.gpr[X86_RDI] = RAM_BASE;
	c.gpr[X86_RDX] = 0x60;
	retry_after = 2;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.rip, 0x100);
	CHECK_EQ(c.gpr[X86_RCX], 3);
	CHECK_EQ(c.gpr[X86_RDI], RAM_BASE + 2);
	CHECK_EQ(c.reps_done, 2);
	/* again, the first in waits: RETRY, nothing done */
	retry_after = 0;
	CHECK_INT(x86_emulate(&c), X86EMUL_RETRY);
	CHECK_EQ(c.gpr[X86_RCX], 3);
	CHECK_EQ(c.reps_done, 0);
	/* and the rest runs to the end */
	retry_after = -1;
	CHECK_INT(x86_emulate(&c), X86EMUL_OK);
	CHECK_EQ(c.rip, 0x102);
	CHECK_EQ(c.gpr[X86_RCX], 0);
	CHECK_EQ(c.reps_done, 3);
	/* rep outsw: the first out waits */
	EMUL(c, 8, 0x66, 0xf3, 0x6f);
	c.gpr[X86_RCX] = 2;
	c.gpr[X86_RSI] = RAM_BASE;
	retry_after = 0;
	CHECK_INT(x86_emulate(&c), X86EMUL_RETRY);
	CHECK_EQ(c.gpr[X86_RCX], 2);
	CHECK_EQ(c.gpr[X86_RSI], RAM_BASE);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(mov_store_load), TEST_CASE(addressing),
		TEST_CASE(movzx_movsx),	   TEST_CASE(alu_flags),
		TEST_CASE(strings),	   TEST_CASE(refused),
		TEST_CASE(retry),
	};

	return run_tests("x86_emulate", cases,
			 sizeof(cases) / sizeof(cases[0]));
}
