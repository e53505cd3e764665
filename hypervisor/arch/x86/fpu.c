/* SPDX-License-Identifier: MIT */
/* FPU/SSE/AVX register state (asm/fpu.h). */
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/shutdown.h>
#include <asm/cpu.h>
#include <asm/fpu.h>
#include <asm/processor-flags.h>

#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_EDX_FXSR (1u << 24)
#define CPUID1_EDX_SSE2 (1u << 26)
#define XCR0_X87 (1ULL << 0)
#define XCR0_SSE (1ULL << 1)
#define XCR0_AVX (1ULL << 2)

/* Offsets in the FXSAVE image and the XSAVE header. */
#define FX_FCW 0
#define FX_MXCSR 24
#define XSAVE_HEADER 512

bool fpu_has_xsave;
uint64_t fpu_xcr0;

static void xsetbv(uint32_t index, uint64_t value)
{
	__asm__ __volatile__("xsetbv" ::"c"(index), "a"((uint32_t)value),
			     "d"((uint32_t)(value >> 32)));
}

void fpu_cpu_init(void)
{
	uint32_t a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(d & CPUID1_EDX_FXSR) || !(d & CPUID1_EDX_SSE2))
		panic("CPU lacks FXSR or SSE2\n");
	write_cr0((read_cr0() & ~(uint64_t)(X86_CR0_EM | X86_CR0_TS)) |
		  X86_CR0_MP | X86_CR0_NE);
	write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	if (c & CPUID1_ECX_XSAVE) {
		uint64_t supported;

		cpuid_count(0xd, 0, &a, &b, &c, &d);
		supported = ((uint64_t)d << 32) | a;
		write_cr4(read_cr4() | X86_CR4_OSXSAVE);
		/* Only what the save area has room for (and what the CPUID
		 * filter shows guests). */
		fpu_xcr0 = supported & (XCR0_X87 | XCR0_SSE | XCR0_AVX);
		xsetbv(0, fpu_xcr0);
		fpu_has_xsave = true;
	}
	__asm__ __volatile__("fninit");
}

void fpu_area_init(struct fpu_area *a)
{
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;

	/* All zero: empty x87 stack, zero XMM/YMM, and an XSAVE header whose
	 * XSTATE_BV of 0 means "every component in its initial state". */
	memset(a, 0, sizeof(*a));
	memcpy(a->bytes + FX_FCW, &fcw, sizeof(fcw));
	memcpy(a->bytes + FX_MXCSR, &mxcsr, sizeof(mxcsr));
}

void fpu_save(struct fpu_area *a)
{
	if (fpu_has_xsave)
		__asm__ __volatile__("xsave64 %0"
				     : "=m"(*a)
				     : "a"((uint32_t)fpu_xcr0),
				       "d"((uint32_t)(fpu_xcr0 >> 32)));
	else
		__asm__ __volatile__("fxsave64 %0" : "=m"(*a));
}

void fpu_restore(const struct fpu_area *a)
{
	if (fpu_has_xsave)
		__asm__ __volatile__("xrstor64 %0" ::"m"(*a),
				     "a"((uint32_t)fpu_xcr0),
				     "d"((uint32_t)(fpu_xcr0 >> 32)));
	else
		__asm__ __volatile__("fxrstor64 %0" ::"m"(*a));
}
