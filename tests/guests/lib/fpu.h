/* SPDX-License-Identifier: MIT */
/*
 * SSE state for the FPU tests (fpu, fpu_domains, vcpu_context, domctl): all
 * sixteen XMM registers and MXCSR moved to and from memory, distinctive
 * patterns, and the FXSAVE-image offsets of public/arch-x86/context.h.
 * The guests are built with -mno-sse, so compiled code never touches
 * these registers between the asm statements.
 */
#ifndef GUEST_FPU_H
#define GUEST_FPU_H

#include <stdint.h>

/* Offsets in the 512-byte FXSAVE image (context.h fpu[]). */
#define FXSAVE_FCW 0
#define FXSAVE_MXCSR 24
#define FXSAVE_XMM0 160

#define MXCSR_DEFAULT 0x1f80u

/* clang-format off */
static inline void fpu_xmm_load(const uint8_t regs[16][16])
{
	__asm__ __volatile__(
		"movdqu 0(%0), %%xmm0\n movdqu 16(%0), %%xmm1\n"
		"movdqu 32(%0), %%xmm2\n movdqu 48(%0), %%xmm3\n"
		"movdqu 64(%0), %%xmm4\n movdqu 80(%0), %%xmm5\n"
		"movdqu 96(%0), %%xmm6\n movdqu 112(%0), %%xmm7\n"
		"movdqu 128(%0), %%xmm8\n movdqu 144(%0), %%xmm9\n"
		"movdqu 160(%0), %%xmm10\n movdqu 176(%0), %%xmm11\n"
		"movdqu 192(%0), %%xmm12\n movdqu 208(%0), %%xmm13\n"
		"movdqu 224(%0), %%xmm14\n movdqu 240(%0), %%xmm15\n"
		::"r"(regs) : "memory");
}

static inline void fpu_xmm_store(uint8_t regs[16][16])
{
	__asm__ __volatile__(
		"movdqu %%xmm0, 0(%0)\n movdqu %%xmm1, 16(%0)\n"
		"movdqu %%xmm2, 32(%0)\n movdqu %%xmm3, 48(%0)\n"
		"movdqu %%xmm4, 64(%0)\n movdqu %%xmm5, 80(%0)\n"
		"movdqu %%xmm6, 96(%0)\n movdqu %%xmm7, 112(%0)\n"
		"movdqu %%xmm8, 128(%0)\n movdqu %%xmm9, 144(%0)\n"
		"movdqu %%xmm10, 160(%0)\n movdqu %%xmm11, 176(%0)\n"
		"movdqu %%xmm12, 192(%0)\n movdqu %%xmm13, 208(%0)\n"
		"movdqu %%xmm14, 224(%0)\n movdqu %%xmm15, 240(%0)\n"
		::"r"(regs) : "memory");
}
/* clang-format on */

static inline uint32_t fpu_mxcsr(void)
{
	uint32_t v;

	__asm__ __volatile__("stmxcsr %0" : "=m"(v));
	return v;
}

static inline void fpu_set_mxcsr(uint32_t v)
{
	__asm__ __volatile__("ldmxcsr %0" ::"m"(v));
}

/* Byte j of xmm r for a given seed: differs per seed, register and byte. */
static inline void fpu_xmm_pattern(uint8_t regs[16][16], unsigned int seed)
{
	for (unsigned int r = 0; r < 16; r++)
		for (unsigned int j = 0; j < 16; j++)
			regs[r][j] = (uint8_t)(seed * 37 + r * 16 + j + 1);
}

/* The index of the first register that differs, or -1. */
static inline int fpu_xmm_diff(const uint8_t a[16][16], const uint8_t b[16][16])
{
	for (unsigned int r = 0; r < 16; r++)
		for (unsigned int j = 0; j < 16; j++)
			if (a[r][j] != b[r][j])
				return (int)r;
	return -1;
}

#endif /* GUEST_FPU_H */
