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
#define FX_MXCSR_MASK 28
#define XSAVE_HEADER 512
/* MXCSR bits a CPU that reports no mask supports (all but DAZ). */
#define MXCSR_DEFAULT_MASK 0xffbfu

bool fpu_has_xsave;
uint64_t fpu_xcr0;
static uint32_t mxcsr_mask;

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
	if (!mxcsr_mask) {
		struct fpu_area probe;

		memset(&probe, 0, sizeof(probe));
		__asm__ __volatile__("fxsave64 %0" : "=m"(probe));
		memcpy(&mxcsr_mask, probe.bytes + FX_MXCSR_MASK,
		       sizeof(mxcsr_mask));
		if (!mxcsr_mask)
			mxcsr_mask = MXCSR_DEFAULT_MASK;
	}
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

bool fpu_legacy_image_ok(const uint8_t image[FPU_LEGACY_SIZE])
{
	uint32_t mxcsr;

	memcpy(&mxcsr, image + FX_MXCSR, sizeof(mxcsr));
	return !(mxcsr & ~mxcsr_mask);
}

void fpu_area_set_legacy(struct fpu_area *a,
			 const uint8_t image[FPU_LEGACY_SIZE])
{
	/* XSTATE_BV: x87 and SSE from the image; every other component
	 * (AVX) in its initial state.  XCOMP_BV 0: the standard format. */
	uint64_t xstate_bv = 3;

	memset(a, 0, sizeof(*a));
	memcpy(a->bytes, image, FPU_LEGACY_SIZE);
	memcpy(a->bytes + FX_MXCSR_MASK, &mxcsr_mask, sizeof(mxcsr_mask));
	if (fpu_has_xsave)
		memcpy(a->bytes + XSAVE_HEADER, &xstate_bv, sizeof(xstate_bv));
}

void fpu_area_get_legacy(const struct fpu_area *a,
			 uint8_t image[FPU_LEGACY_SIZE])
{
	memcpy(image, a->bytes, FPU_LEGACY_SIZE);
}
