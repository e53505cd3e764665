/* SPDX-License-Identifier: MIT */
/*
 * Console drivers on I/O ports: the 16550 UART at COM1 (115200 8N1) and
 * Bochs/QEMU's port 0xe9 debug console.
 */
#include <mica/console.h>
#include <asm/cpu.h>

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding */
#define UART_RBR 0 /* receive buffer */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0
#define UART_DLM 1
#define LSR_DR 0x01 /* data ready */
#define LSR_THRE 0x20
#define LCR_DLAB 0x80

static bool com1_ready;

static void com1_init(void)
{
	outb(COM1 + UART_IER, 0x00); /* no interrupts: we poll */
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 baud */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	outb(COM1 + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
	com1_ready = true;
}

static void com1_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the hypervisor. */
	for (unsigned int i = 0; i < 100000; i++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, (uint8_t)c);
}

static void com1_write(const char *s, size_t len)
{
	if (!com1_ready)
		com1_init();
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			com1_putc('\r');
		com1_putc(s[i]);
	}
}

/* Polled input: what the receive FIFO holds now. */
static size_t com1_read(char *buf, size_t len)
{
	size_t n = 0;

	if (!com1_ready)
		return 0;
	while (n < len && (inb(COM1 + UART_LSR) & LSR_DR))
		buf[n++] = (char)inb(COM1 + UART_RBR);
	return n;
}

static struct console_driver com1_console = {
	.name = "com1",
	.init = com1_init,
	.write = com1_write,
	.read = com1_read,
};
REGISTER_CONSOLE(com1_console);

static void e9_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		outb(0xe9, (uint8_t)s[i]);
}

static struct console_driver e9_console = {
	.name = "e9",
	.write = e9_write,
};
REGISTER_CONSOLE(e9_console);
