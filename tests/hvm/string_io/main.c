/* SPDX-License-Identifier: MIT */
/*
 * String port I/O (hvm.h P2): rep outsb to the UART reaches the console,
 * rep insb from an unclaimed port fills all ones, rep insl reads the PM
 * timer, the direction flag walks downwards, a zero count does nothing,
 * and a long rep runs to the end across several exits (the emulator
 * does at most 128 iterations per exit).
 */
#include "hvm.h"

const char test_title[] = "string I/O: ins/outs with rep";

#define COM1 MICA_HVM_COM1_PORT

static uint8_t big[20000];

void test_main(void)
{
	static const char line[] = "string-io: rep outsb reached the UART\n";
	uint8_t buf[64];
	uint32_t pm[8];
	uint64_t s, d, n;

	s = (uint64_t)line;
	n = sizeof(line) - 1;
	asm volatile("rep outsb"
		     : "+S"(s), "+c"(n)
		     : "d"((uint16_t)COM1)
		     : "memory");
	if (n || s != (uint64_t)line + sizeof(line) - 1)
		test_fail("rep outsb left rcx %lu, rsi %lx", n, s);

	memset(buf, 0x11, sizeof(buf));
	d = (uint64_t)buf;
	n = 32;
	asm volatile("rep insb" : "+D"(d), "+c"(n) : "d"(0x80) : "memory");
	for (unsigned int i = 0; i < sizeof(buf); i++)
		if (buf[i] != (i < 32 ? 0xff : 0x11))
			test_fail("insb byte %u is %x", i, buf[i]);
	if (d != (uint64_t)buf + 32)
		test_fail("rep insb left rdi at +%lu", d - (uint64_t)buf);

	d = (uint64_t)pm;
	n = 8;
	asm volatile("rep insl" : "+D"(d), "+c"(n) : "d"(0xb008) : "memory");
	for (unsigned int i = 1; i < 8; i++)
		if (((pm[i] - pm[i - 1]) & 0xffffff) > 0x100000 || pm[i] >> 24)
			test_fail("PM timer by insl: %x then %x", pm[i - 1],
				  pm[i]);

	/* Downwards: the last word first. */
	memset(buf, 0, sizeof(buf));
	d = (uint64_t)&buf[6];
	n = 4;
	asm volatile("std; rep insw; cld"
		     : "+D"(d), "+c"(n)
		     : "d"(0x1234)
		     : "memory");
	if (d != (uint64_t)buf - 2 || buf[0] != 0xff || buf[7] != 0xff ||
	    buf[8] != 0)
		test_fail("std; rep insw: rdi at %ld, bytes %x %x %x",
			  (long)(d - (uint64_t)buf), buf[0], buf[7], buf[8]);

	d = (uint64_t)buf;
	n = 0;
	buf[0] = 0x5a;
	asm volatile("rep insb" : "+D"(d), "+c"(n) : "d"(0x80) : "memory");
	if (d != (uint64_t)buf || buf[0] != 0x5a)
		test_fail("rep insb with rcx 0 did something");

	d = (uint64_t)big;
	n = sizeof(big);
	asm volatile("rep insb" : "+D"(d), "+c"(n) : "d"(0x80) : "memory");
	if (n || d != (uint64_t)big + sizeof(big) ||
	    big[sizeof(big) - 1] != 0xff || big[0] != 0xff)
		test_fail("long rep insb: rcx %lu, rdi +%lu", n,
			  d - (uint64_t)big);

	/* 32-bit address size (0x67): rdi wraps in edi. */
	d = (uint64_t)buf;
	n = 2;
	asm volatile(".byte 0x67; rep insb"
		     : "+D"(d), "+c"(n)
		     : "d"(0x80)
		     : "memory");
	if (d != (uint64_t)buf + 2)
		test_fail("addr32 rep insb: rdi %lx", d);
	test_pass();
}
