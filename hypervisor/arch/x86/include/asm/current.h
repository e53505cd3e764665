/* SPDX-License-Identifier: MIT */
/*
 * The vcpu running on this CPU, in cpu_info beside the guest frame: the
 * hot paths read it with no call and no shared cache line.  The scheduler
 * sets it (arch_set_current) together with its run queue's current.
 */
#ifndef ASM_CURRENT_H
#define ASM_CURRENT_H

#include <asm/smp.h>

struct vcpu;

static inline struct vcpu *arch_current_vcpu(void)
{
	return this_cpu()->current;
}

static inline void arch_set_current(struct vcpu *v)
{
	this_cpu()->current = v;
}

#endif
