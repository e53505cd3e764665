/* SPDX-License-Identifier: MIT */
/*
 * Port I/O exits (hvm/hvm.h P1, P2): the emulated 16550's registers, and
 * every other port reading all ones and swallowing writes, including the
 * machine's own devices (the isa-debug-exit port that would end QEMU, the
 * real COM1's neighbours, the PIC, the PCI configuration ports).
 */
#include "hvm.h"

const char test_title[] = "port I/O: emulated UART, unclaimed ports";

#define COM1 MICA_HVM_COM1_PORT

static void check_uart(void)
{
	uint8_t v;

	outb(COM1 + 7, 0x5a); /* scratch */
	if ((v = inb(COM1 + 7)) != 0x5a)
		test_fail("scratch register reads %x, wrote 5a", v);
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x02);
	if (inb(COM1 + 0) != 0x01 || inb(COM1 + 1) != 0x02)
		test_fail("divisor latch does not read back");
	outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
	if ((v = inb(COM1 + 3)) != 0x03)
		test_fail("LCR reads %x, wrote 03", v);
	if (((v = inb(COM1 + 5)) & 0x60) != 0x60)
		test_fail("LSR %x: transmitter not empty", v);
	if ((v = inb(COM1 + 5)) & 0x01)
		test_fail("LSR %x: data ready with no input", v);
	if (!((v = inb(COM1 + 2)) & 0x01))
		test_fail("IIR %x: an interrupt pending", v);
	outb(COM1 + 5, 0x00); /* LSR is read-only */
	if (!(inb(COM1 + 5) & 0x20))
		test_fail("LSR changed by a write");
}

static void check_unclaimed(void)
{
	static const uint16_t ports[] = { 0x80, 0xe9, 0x2f8, 0x3fff, 0xffff };
	uint32_t l;
	uint16_t w;

	for (unsigned int i = 0; i < ARRAY_SIZE(ports); i++) {
		uint8_t b = inb(ports[i]);

		if (b != 0xff)
			test_fail("port %x reads %x, expected ff", ports[i], b);
	}
	if ((w = inw(0x1234)) != 0xffff)
		test_fail("inw 1234 reads %x", w);
	if ((l = inl(0xcfc)) != 0xffffffffu)
		test_fail("inl cfc (PCI data) reads %x", l);
	/* Writes go nowhere: the machine's isa-debug-exit would end QEMU,
	 * 0x20/0x21 would reprogram the real PIC, 0xcf8 select a real PCI
	 * device, 0x64 reset the machine through the keyboard controller. */
	outb(0xf4, 0x00);
	outl(0xf4, 0x1);
	outb(0x21, 0xff);
	outl(0xcf8, 0x80000000u);
	outb(0x64, 0xfe);
	outb(0x3f8 + 8, 'X'); /* just past the UART */
	if ((l = inl(0xcfc)) != 0xffffffffu)
		test_fail("inl cfc after selecting a device reads %x", l);
}

void test_main(void)
{
	check_uart();
	check_unclaimed();
	printk("still running after writes to the machine's exit, PIC, "
	       "PCI and reset ports\n");
	test_pass();
}
