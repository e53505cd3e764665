/* SPDX-License-Identifier: MIT */
/*
 * Device interrupts through the emulated I/O APIC and 8259 PIC (hvm.h
 * P9-P11): the PIT's channel 0 on ISA IRQ 0 reaches I/O APIC pin 2 (the
 * MADT's override) and, with the I/O APIC masked, the PIC in virtual-wire
 * mode through LINT0; the UART's transmitter-empty interrupt on IRQ 4 as
 * an edge and as a level (remote IRR held until EOI, redelivered while
 * the line stays up); masking stops delivery.
 */
#include "hvm.h"

const char test_title[] = "IRQ routing: PIT and UART via I/O APIC and PIC";

#define COM1 MICA_HVM_COM1_PORT
#define IOAPIC ((volatile uint32_t *)0xfec00000UL)
#define VEC_PIT 0x60
#define VEC_UART 0x61
#define PIC_BASE 0x30

static volatile unsigned int pit_ticks, uart_irqs, pic_ticks;
static volatile unsigned int uart_ack_after = 1;
static volatile uint32_t remote_irr_seen;

static void ioapic_write(unsigned int reg, uint32_t v)
{
	IOAPIC[0] = reg;
	IOAPIC[4] = v;
}

static uint32_t ioapic_read(unsigned int reg)
{
	IOAPIC[0] = reg;
	return IOAPIC[4];
}

static void route(unsigned int pin, uint32_t low)
{
	ioapic_write(0x10 + 2 * pin + 1, 0); /* destination: APIC 0 */
	ioapic_write(0x10 + 2 * pin, low);
}

static void pit_irq(unsigned int vec)
{
	(void)vec;
	pit_ticks++;
	lapic_eoi();
}

static void uart_irq(unsigned int vec)
{
	(void)vec;
	uart_irqs++;
	remote_irr_seen |= ioapic_read(0x10 + 2 * 4) & (1u << 14);
	if (uart_irqs >= uart_ack_after)
		(void)inb(COM1 + 2); /* IIR: acknowledges THRE */
	lapic_eoi();
}

static void pic_irq(unsigned int vec)
{
	(void)vec;
	pic_ticks++;
	outb(0x20, 0x20); /* non-specific EOI */
}

static void pit_periodic(uint16_t reload)
{
	outb(0x43, 0x34); /* channel 0, lo/hi, mode 2 */
	outb(0x40, (uint8_t)reload);
	outb(0x40, (uint8_t)(reload >> 8));
}

static void pit_stop(void)
{
	outb(0x43, 0x30); /* mode 0, no count written: stopped */
}

static void wait_until(volatile unsigned int *c, unsigned int n)
{
	for (unsigned long i = 0; i < 300000000UL && *c < n; i++) {
		sti();
		asm volatile("pause");
	}
	cli();
}

static void check_ioapic_regs(void)
{
	uint32_t ver = ioapic_read(1), lo;

	if ((ver & 0xff) != 0x11 || ((ver >> 16) & 0xff) != 23)
		test_fail("I/O APIC version %x", ver);
	for (unsigned int pin = 0; pin < 24; pin++)
		if (!(ioapic_read(0x10 + 2 * pin) & (1u << 16)))
			test_fail("pin %u not masked at reset", pin);
	/* Delivery status and remote IRR are read-only. */
	ioapic_write(0x10 + 2 * 5, 0x15055);
	lo = ioapic_read(0x10 + 2 * 5);
	if (lo != 0x10055)
		test_fail("RTE 5 reads %x after writing 15055, expected 10055",
			  lo);
	ioapic_write(0x10 + 2 * 5, 1u << 16);
}

static void check_pit_ioapic(void)
{
	route(2, VEC_PIT);
	pit_periodic(11932); /* 10 ms */
	wait_until(&pit_ticks, 5);
	if (pit_ticks < 5)
		test_fail("PIT through I/O APIC pin 2: %u ticks", pit_ticks);
	route(2, VEC_PIT | (1u << 16)); /* masked */
	pit_ticks = 0;
	for (volatile unsigned long i = 0; i < 20000000; i++)
		sti();
	cli();
	if (pit_ticks > 1)
		test_fail("PIT ticks through a masked pin: %u", pit_ticks);
	pit_stop();
}

static void check_uart(void)
{
	/* Edge: one interrupt when THRE is enabled, one per byte sent. */
	route(4, VEC_UART);
	outb(COM1 + 4, 0x08); /* OUT2: the line reaches the PIC/APIC */
	outb(COM1 + 1, 0x02);
	wait_until(&uart_irqs, 1);
	if (uart_irqs != 1)
		test_fail("UART THRE edge: %u interrupts", uart_irqs);
	outb(COM1 + 1, 0x00);
	/* Level: not acknowledging at the UART keeps the line up, so each
	 * EOI brings it back until the third handler reads IIR. */
	uart_irqs = 0;
	uart_ack_after = 3;
	route(4, VEC_UART | (1u << 15));
	outb(COM1 + 1, 0x02);
	wait_until(&uart_irqs, 3);
	for (volatile unsigned long i = 0; i < 2000000; i++)
		sti();
	cli();
	if (uart_irqs != 3)
		test_fail("UART THRE level: %u interrupts, expected 3",
			  uart_irqs);
	if (!remote_irr_seen)
		test_fail("remote IRR not set while the level was in service");
	if (ioapic_read(0x10 + 2 * 4) & (1u << 14))
		test_fail("remote IRR still set after the last EOI");
	outb(COM1 + 1, 0x00);
	route(4, 1u << 16);
}

static void check_pic(void)
{
	uint8_t irr;

	outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
	outb(0x21, PIC_BASE);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, PIC_BASE + 8);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0xfe); /* only IRQ 0 */
	outb(0xa1, 0xff);
	if (inb(0x21) != 0xfe)
		test_fail("PIC mask reads %x", inb(0x21));
	irq_handlers[PIC_BASE] = pic_irq;
	pit_periodic(11932);
	wait_until(&pic_ticks, 3);
	if (pic_ticks < 3)
		test_fail("PIT through the PIC: %u ticks", pic_ticks);
	/* Masked at the PIC, the request waits in its IRR. */
	outb(0x21, 0xff);
	for (volatile unsigned long i = 0; i < 20000000; i++)
		;
	outb(0x20, 0x0a); /* OCW3: read IRR */
	irr = inb(0x20);
	if (!(irr & 1))
		test_fail("masked IRQ 0 not pending in the IRR (%x)", irr);
	pit_stop();
}

void test_main(void)
{
	irq_handlers[VEC_PIT] = pit_irq;
	irq_handlers[VEC_UART] = uart_irq;
	lapic_write(LAPIC_SVR, 0x1ff);
	check_ioapic_regs();
	check_pit_ioapic();
	check_uart();
	check_pic();
	if (irq_unexpected)
		test_fail("%lu unexpected interrupts", irq_unexpected);
	printk("PIT %u ticks (I/O APIC), %u (PIC); UART %u\n", pit_ticks,
	       pic_ticks, uart_irqs);
	test_pass();
}
