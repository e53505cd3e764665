/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for asm/cpu.h: what spinlock.h needs.  The real interrupt
 * controls execute cli/sti and popf, which fault or do nothing useful in a
 * user process; the tests are single-threaded, so no-ops keep the locking
 * code paths intact.
 */
#ifndef ASM_CPU_H
#define ASM_CPU_H

#include <mica/types.h>

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

static inline void local_irq_disable(void)
{
}

static inline void local_irq_enable(void)
{
}

static inline unsigned long local_irq_save(void)
{
	return 0x200; /* "interrupts were enabled" */
}

static inline void local_irq_restore(unsigned long flags)
{
	(void)flags;
}

#endif
