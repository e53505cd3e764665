/* SPDX-License-Identifier: MIT */
/*
 * Structure offsets for assembly.  Compiled to assembly only; the build
 * turns each "->NAME value" marker into "#define NAME value".
 */
#include <asm/regs.h>
#include <asm/smp.h>

#define DEFINE(sym, val) __asm__ __volatile__("\n->" #sym " %0" ::"i"(val))
#define OFFSET(sym, type, member) DEFINE(sym, __builtin_offsetof(type, member))

void asm_offsets(void);
void asm_offsets(void)
{
	OFFSET(REGS_rip, struct cpu_regs, rip);
	OFFSET(REGS_vector, struct cpu_regs, vector);
	OFFSET(REGS_cs, struct cpu_regs, cs);
	OFFSET(REGS_rsp, struct cpu_regs, rsp);
	DEFINE(REGS_SIZE, sizeof(struct cpu_regs));
	DEFINE(CPU_INFO_SIZE, sizeof(struct cpu_info));
	OFFSET(CPU_INFO_guest_rsp, struct cpu_info, guest_rsp);
}
