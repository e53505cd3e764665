/* SPDX-License-Identifier: MIT */
/*
 * printk: formatted text to the hypervisor console (public/console.h,
 * MICA_CONSOLEIO_write).  Text is gathered in a small buffer and written in
 * as few hypercalls as possible, so a short message reaches the log in one
 * piece.
 */
#include "test.h"

#include "public/console.h"

#define PRINTK_CHUNK 256 /* <= MICA_CONSOLEIO_MAX_WRITE */

struct printk_buffer {
	char text[PRINTK_CHUNK];
	uint32_t used;
};

static void printk_flush(struct printk_buffer *b)
{
	/* Nothing to do about a failed write: this is the only way out. */
	if (b->used)
		hypercall_console_io(MICA_CONSOLEIO_write, b->used, b->text);
	b->used = 0;
}

static void printk_put(void *ctx, char c)
{
	struct printk_buffer *b = ctx;

	if (b->used == sizeof(b->text))
		printk_flush(b);
	b->text[b->used++] = c;
}

void vprintk(const char *fmt, va_list ap)
{
	struct printk_buffer b = { .used = 0 };

	format(printk_put, &b, fmt, ap);
	printk_flush(&b);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
