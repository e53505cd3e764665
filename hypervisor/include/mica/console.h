/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor console: printk() formats a message, stores it in the
 * in-memory log ring (always, whatever the level) and writes it to the
 * enabled console drivers if its level passes "loglvl=".
 *
 * Command line: console=com1[,e9][,none]  loglvl=err|warn|info|debug
 */
#ifndef MICA_CONSOLE_H
#define MICA_CONSOLE_H

#include <mica/compiler.h>
#include <mica/types.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

struct console_driver {
	const char *name; /* as named in console= */
	void (*init)(void);
	void (*write)(const char *s, size_t len);
	/* Optional: copies up to len bytes of pending input; never waits. */
	size_t (*read)(char *buf, size_t len);
	bool enabled;
};

/* Drivers are placed in the "mica_consoles" section by the arch code. */
#define REGISTER_CONSOLE(drv)                                                 \
	static struct console_driver *const __console_##drv __used __section( \
		"mica_consoles") = &drv

void console_init(void);
void printk_level(enum log_level level, const char *fmt, ...) __printf(2, 3);
void vprintk_level(enum log_level level, const char *fmt, va_list ap);

#define pr_err(...) printk_level(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk_level(LOG_WARN, __VA_ARGS__)
#define pr_info(...) printk_level(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk_level(LOG_DEBUG, __VA_ARGS__)
#define printk(...) printk_level(LOG_INFO, __VA_ARGS__)

/*
 * Crash path: from now on printk never waits for the console lock (another
 * CPU may have died holding it) and every level is printed.
 */
void console_force_unlock(void);

/*
 * Copies up to 'len' bytes of the log ring, starting at absolute offset
 * *pos (0 = oldest kept), into buf.  Advances *pos; returns the byte count.
 * Bytes overwritten before they were read are skipped.  len 0 only moves
 * *pos up to the oldest byte held.
 */
size_t console_log_read(uint64_t *pos, char *buf, size_t len);

/*
 * Copies up to 'len' bytes typed on the enabled console drivers that have
 * input (the serial line) into buf, without waiting; returns the count.
 * Dom0 reads them with MICA_CONSOLEIO_read_input.
 */
size_t console_read_input(char *buf, size_t len);

#endif
