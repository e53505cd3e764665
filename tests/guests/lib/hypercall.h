/* SPDX-License-Identifier: MIT */
/*
 * Hypercall wrappers: each one is a `call hypercall_page + N * 32` into the
 * stub the builder wrote in our hypercall page (public/mica.h, "Calling
 * convention").
 *
 * Registers: arguments in rdi, rsi, rdx, r10, r8; the stub loads rax; the
 * result comes back in rax.  rcx, r11 and all five argument registers are
 * clobbered, the rest (and the stack, and rflags.DF) preserved: the asm
 * statements below tell the compiler exactly that.  Pointer arguments are
 * guest virtual addresses (gaddr); narrower integers go zero-extended.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>

#include "public/mica.h"

extern char hypercall_page[MICA_PAGE_SIZE];

/* Hypercall `nr`, a compile-time constant, with five arguments. */
#define HYPERCALL5(nr, a1, a2, a3, a4, a5)                                     \
	({                                                                     \
		register uint64_t rdi_ asm("rdi") = (uint64_t)(a1);            \
		register uint64_t rsi_ asm("rsi") = (uint64_t)(a2);            \
		register uint64_t rdx_ asm("rdx") = (uint64_t)(a3);            \
		register uint64_t r10_ asm("r10") = (uint64_t)(a4);            \
		register uint64_t r8_ asm("r8") = (uint64_t)(a5);              \
		long ret_;                                                     \
                                                                               \
		asm volatile("call hypercall_page + %c[offset]"                \
			     : "=a"(ret_), "+r"(rdi_), "+r"(rsi_), "+r"(rdx_), \
			       "+r"(r10_), "+r"(r8_)                           \
			     : [offset] "i"((nr)*MICA_HYPERCALL_SLOT_SIZE)     \
			     : "rcx", "r11", "memory");                        \
		ret_;                                                          \
	})

/*
 * Hypercall `nr` chosen at run time (0 .. MICA_HYPERCALL_PAGE_SLOTS - 1),
 * for tests that walk the number space.  Same convention, indirect call.
 */
static inline long hypercall_by_number(unsigned int nr, uint64_t a1,
				       uint64_t a2, uint64_t a3, uint64_t a4,
				       uint64_t a5)
{
	register uint64_t rdi asm("rdi") = a1;
	register uint64_t rsi asm("rsi") = a2;
	register uint64_t rdx asm("rdx") = a3;
	register uint64_t r10 asm("r10") = a4;
	register uint64_t r8 asm("r8") = a5;
	char *slot = hypercall_page + nr * MICA_HYPERCALL_SLOT_SIZE;
	long ret;

	asm volatile("call *%[slot]"
		     : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10),
		       "+r"(r8)
		     : [slot] "r"(slot)
		     : "rcx", "r11", "memory");
	return ret;
}

/* version.h */
static inline long hypercall_version(uint32_t cmd, void *arg)
{
	return HYPERCALL5(MICA_HC_version, cmd, arg, 0, 0, 0);
}

/* console.h */
static inline long hypercall_console_io(uint32_t cmd, uint32_t count,
					const void *buf)
{
	return HYPERCALL5(MICA_HC_console_io, cmd, count, buf, 0, 0);
}

/* sched.h */
static inline long hypercall_sched_op(uint32_t cmd, void *arg)
{
	return HYPERCALL5(MICA_HC_sched_op, cmd, arg, 0, 0, 0);
}

/* memory.h */
static inline long hypercall_memory_op(uint32_t cmd, void *arg)
{
	return HYPERCALL5(MICA_HC_memory_op, cmd, arg, 0, 0, 0);
}

/* domctl.h, sysctl.h: the caller fills interface_version. */
static inline long hypercall_domctl(void *domctl)
{
	return HYPERCALL5(MICA_HC_domctl, domctl, 0, 0, 0, 0);
}

static inline long hypercall_sysctl(void *sysctl)
{
	return HYPERCALL5(MICA_HC_sysctl, sysctl, 0, 0, 0, 0);
}

/* mmu.h */
static inline long hypercall_update_va_mapping(uint64_t va, uint64_t pte,
					       uint32_t flags)
{
	return HYPERCALL5(MICA_HC_update_va_mapping, va, pte, flags, 0, 0);
}

#endif /* GUEST_HYPERCALL_H */
