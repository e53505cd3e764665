/* SPDX-License-Identifier: MIT */
/*
 * The instruction emulator on MMIO (hvm.h P4, P7, P10), through the local
 * APIC's TPR and LDR and an I/O APIC redirection entry: mov in every
 * form drivers use (register, immediate, SIB addressing, moffs-free
 * 64-bit code), movzx, or/and/xor/add/sub/cmp/test with their flags,
 * xchg, movs between RAM and a register, stos; accesses that are not
 * aligned 32-bit ones read 0 and write nothing.
 */
#include "hvm.h"

const char test_title[] = "MMIO emulation on the local and I/O APIC";

#define TPR ((volatile uint32_t *)(LAPIC_BASE + LAPIC_TPR))
#define LDR ((volatile uint32_t *)(LAPIC_BASE + LAPIC_LDR))
#define IOAPIC ((volatile uint32_t *)0xfec00000UL)
#define FLAG_ZF 0x40
#define FLAG_CF 0x01
#define FLAG_SF 0x80

static void expect(const char *what, uint64_t got, uint64_t want)
{
	if (got != want)
		test_fail("%s: %lx, expected %lx", what, got, want);
}

static uint64_t flags_after_test(uint32_t mask)
{
	uint64_t f;

	asm volatile("testl %1, (%2)\n\tpushfq\n\tpopq %0"
		     : "=r"(f)
		     : "r"(mask), "r"(TPR)
		     : "cc", "memory");
	return f;
}

static void check_mov(void)
{
	uint32_t v;
	uint64_t base = LAPIC_BASE, idx = LAPIC_TPR / 4;

	asm volatile("movl $0x31, (%0)" ::"r"(TPR) : "memory");
	expect("mov imm32 -> TPR", *TPR, 0x31);
	asm volatile("movl %1, (%0,%2,4)" ::"r"(base), "r"(0x42u), "r"(idx)
		     : "memory");
	expect("mov with SIB", *TPR, 0x42);
	asm volatile("movl 0x80(%1), %0" : "=r"(v) : "r"(base) : "memory");
	expect("mov disp32(base)", v, 0x42);
	asm volatile("movl (%1), %%r9d\n\tmovl %%r9d, %0"
		     : "=r"(v)
		     : "r"(TPR)
		     : "r9", "memory");
	expect("mov into r9d (REX)", v, 0x42);
	asm volatile("movzbl (%1), %0" : "=r"(v) : "r"(TPR) : "memory");
	expect("movzb (a byte access reads 0)", v, 0);
	asm volatile("movb $0x77, (%0)" ::"r"(TPR) : "memory");
	expect("byte write ignored", *TPR, 0x42);
	asm volatile("movw $0x77, (%0)" ::"r"(TPR) : "memory");
	expect("word write ignored", *TPR, 0x42);
	asm volatile("movq %1, (%0)" ::"r"(TPR), "r"(0x55ULL) : "memory");
	expect("quad write ignored", *TPR, 0x42);
	asm volatile("movl %1, 1(%0)" ::"r"(TPR), "r"(0x66u) : "memory");
	expect("unaligned write ignored", *TPR, 0x42);
	*(volatile uint32_t *)(LAPIC_BASE + LAPIC_PPR) = 0xff;
	expect("PPR (read-only) after a write", *TPR, 0x42);
}

static void check_alu(void)
{
	uint32_t v = 0xf0;

	*TPR = 0x0f;
	asm volatile("orl $0x30, (%0)" ::"r"(TPR) : "memory", "cc");
	expect("or imm8", *TPR, 0x3f);
	asm volatile("andl %1, (%0)" ::"r"(TPR), "r"(0xf3u) : "memory", "cc");
	expect("and reg", *TPR, 0x33);
	asm volatile("xorl $0xff, (%0)" ::"r"(TPR) : "memory", "cc");
	expect("xor imm32", *TPR, 0xcc);
	asm volatile("addl $0x10, (%0)" ::"r"(TPR) : "memory", "cc");
	expect("add", *TPR, 0xdc);
	asm volatile("subl $0x0c, (%0)" ::"r"(TPR) : "memory", "cc");
	expect("sub", *TPR, 0xd0);
	asm volatile("orl (%1), %0" : "+r"(v) : "r"(TPR) : "memory", "cc");
	expect("or from MMIO into a register", v, 0xf0 | 0xd0);
	if (!(flags_after_test(0x0f) & FLAG_ZF))
		test_fail("test with no common bits: ZF clear");
	if (flags_after_test(0x10) & FLAG_ZF)
		test_fail("test with a common bit: ZF set");
	{
		uint64_t f;

		asm volatile("cmpl $0xd1, (%1)\n\tpushfq\n\tpopq %0"
			     : "=r"(f)
			     : "r"(TPR)
			     : "cc", "memory");
		if (!(f & FLAG_CF) || !(f & FLAG_SF) || (f & FLAG_ZF))
			test_fail("cmp 0xd0 with 0xd1: flags %lx", f);
		expect("cmp leaves the register", *TPR, 0xd0);
	}
	v = 0x12;
	asm volatile("xchgl %0, (%1)" : "+r"(v) : "r"(TPR) : "memory");
	expect("xchg: old value", v, 0xd0);
	expect("xchg: new value", *TPR, 0x12);
}

static void check_strings(void)
{
	uint32_t src = 0x21, dst = 0;
	uint64_t s = (uint64_t)&src, d = (uint64_t)TPR, n;

	asm volatile("movsl" : "+S"(s), "+D"(d) : : "memory");
	expect("movs RAM -> TPR", *TPR, 0x21);
	expect("movs advanced rsi", s, (uint64_t)&src + 4);
	s = (uint64_t)TPR;
	d = (uint64_t)&dst;
	asm volatile("movsl" : "+S"(s), "+D"(d) : : "memory");
	expect("movs TPR -> RAM", dst, 0x21);
	d = (uint64_t)TPR;
	asm volatile("stosl" : "+D"(d) : "a"(0x2bu) : "memory");
	expect("stos -> TPR", *TPR, 0x2b);
	/* rep stos over LDR, DFR: both written in turn */
	d = LAPIC_BASE + LAPIC_LDR;
	n = 1;
	asm volatile("rep stosl"
		     : "+D"(d), "+c"(n)
		     : "a"(0x03000000u)
		     : "memory");
	expect("rep stos -> LDR", *LDR, 0x03000000);
	expect("rep stos: rcx", n, 0);
	*TPR = 0;
}

static void check_ioapic(void)
{
	uint32_t v;

	IOAPIC[0] = 0x10 + 2 * 7;
	IOAPIC[4] = 0x1a5a5;
	expect("IOAPIC RTE 7", IOAPIC[4], 0x1a5a5 & ~0x1000u);
	asm volatile("andl $0xffffff00, (%0)" ::"r"(&IOAPIC[4]) : "memory");
	expect("IOAPIC and", IOAPIC[4], 0x1a500 & ~0x1000u);
	IOAPIC[4] = 1u << 16;
	v = *(volatile uint8_t *)&IOAPIC[4];
	expect("IOAPIC byte read", v, 0);
	IOAPIC[0] = 0x40; /* past pin 23 */
	expect("IOAPIC index 0x40 (no register)", IOAPIC[4], 0);
	expect("IOAPIC offset 0x8 reads 0", IOAPIC[2], 0);
}

void test_main(void)
{
	check_mov();
	check_alu();
	check_strings();
	check_ioapic();
	test_pass();
}
