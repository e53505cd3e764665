/* SPDX-License-Identifier: MIT */
/* Debug registers: access and the checks on guest values (pv/debugreg.c). */
#ifndef ASM_DEBUGREG_H
#define ASM_DEBUGREG_H

#include <mica/types.h>

#define DR6_RESERVED_ONES 0xffff0ff0ULL /* DR6 reads these as 1 */
#define DR7_RESERVED_ONES 0x400ULL /* bit 10 reads as 1 */
#define DR7_ENABLES 0xffULL /* L0..G3 */
#define DR7_GD (1ULL << 13)

#define DEFINE_DR_ACCESSORS(n)                                        \
	static inline uint64_t read_dr##n(void)                       \
	{                                                             \
		uint64_t v;                                           \
		__asm__ __volatile__("mov %%db" #n ", %0" : "=r"(v)); \
		return v;                                             \
	}                                                             \
	static inline void write_dr##n(uint64_t v)                    \
	{                                                             \
		__asm__ __volatile__("mov %0, %%db" #n ::"r"(v));     \
	}
DEFINE_DR_ACCESSORS(0)
DEFINE_DR_ACCESSORS(1)
DEFINE_DR_ACCESSORS(2)
DEFINE_DR_ACCESSORS(3)
DEFINE_DR_ACCESSORS(6)
DEFINE_DR_ACCESSORS(7)

struct vcpu;

/*
 * Sets a vcpu's debug register 'reg' (public/arch-x86/pv.h
 * MICA_HC_set_debugreg rules) and loads it into the CPU if v is running
 * here: 0 or -EINVAL.  pv_get_debugreg: 0 and the value in *value, or
 * -EINVAL.
 */
int pv_set_debugreg(struct vcpu *v, unsigned int reg, uint64_t value);
/* The check alone: 0 with *value as the register would hold it (reserved
 * bits as the CPU reads them), or -EINVAL (invalid reg or value). */
int pv_debugreg_check(unsigned int reg, uint64_t *value);
int pv_get_debugreg(const struct vcpu *v, unsigned int reg, uint64_t *value);

/* Context switch: loads next's registers (if it uses any) and disarms
 * prev's; next may be NULL (idle). */
void debugreg_switch(struct vcpu *prev, struct vcpu *next);

/* A #DB: folds DR6 into the running vcpu's virtual DR6 and resets it. */
void debugreg_note_db(struct vcpu *v);

#endif
