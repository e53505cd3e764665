/* SPDX-License-Identifier: MIT */
/* a * b / c with a 128-bit intermediate, without libgcc. */
#ifndef ASM_MULDIV_H
#define ASM_MULDIV_H

#include <mica/types.h>

/* Saturates to UINT64_MAX when the quotient does not fit (or c == 0). */
static inline uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t lo, hi, q, r;

	__asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b));
	if (hi >= c)
		return UINT64_MAX;
	__asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(c));
	(void)r;
	return q;
}

#endif
