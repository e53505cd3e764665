/* SPDX-License-Identifier: MIT */
/*
 * Ending a run.  Under QEMU with "-device isa-debug-exit,iobase=0xf4" the
 * emulator exits with status (code << 1) | 1; under Bochs the shutdown port
 * ends it.  On real machines every CPU halts with interrupts off.
 */
#ifndef MICA_SHUTDOWN_H
#define MICA_SHUTDOWN_H

#include <mica/compiler.h>

enum exit_code {
	EXIT_POWEROFF = 0, /* QEMU status 1: clean end, all tests passed */
	EXIT_TESTS_FAILED = 1, /* QEMU status 3 */
	EXIT_PANIC = 2, /* QEMU status 5: crash report printed */
};

/* Stops this CPU and, through the emulator, the whole machine. */
void __noreturn machine_exit(enum exit_code code);

/* Halts this CPU forever with interrupts disabled. */
void __noreturn cpu_halt_forever(void);

/*
 * panic: prints the message and a backtrace of the calling CPU, stops the
 * other CPUs and ends the machine with EXIT_PANIC.  Safe from any context.
 */
void __noreturn panic(const char *fmt, ...) __printf(1, 2);

#define BUG_ON(cond)                                                    \
	do {                                                            \
		if (unlikely(cond))                                     \
			panic("BUG at %s:%d: %s\n", __FILE__, __LINE__, \
			      #cond);                                   \
	} while (0)

#endif
