/* SPDX-License-Identifier: MIT */
/* Where this CPU keeps its hot-path counters (mica/perfc.h). */
#ifndef ASM_PERFC_H
#define ASM_PERFC_H

#include <asm/smp.h>

/* This CPU's counters: cpu_info.perfc, in cache lines of their own. */
static inline uint64_t *arch_perfc(void)
{
	return this_cpu()->perfc;
}

/* The counters of an online CPU, or NULL. */
uint64_t *arch_perfc_of_cpu(uint32_t cpu);

#endif
