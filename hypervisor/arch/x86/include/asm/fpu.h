/* SPDX-License-Identifier: MIT */
/*
 * FPU/SSE/AVX state of vcpus.  Mica itself never uses the FPU (it is built
 * with -mno-sse), so the registers always hold some vcpu's state; they are
 * switched eagerly on every vcpu switch (docs/design.md, "FPU").
 *
 * The save area is XSAVE format where the CPU has XSAVE (components x87,
 * SSE and AVX, as far as the CPU has them), else the 512-byte FXSAVE image;
 * both start with the FXSAVE layout.
 */
#ifndef ASM_FPU_H
#define ASM_FPU_H

#include <mica/types.h>

/* x87 + SSE + AVX: 512 legacy bytes, 64 header bytes, 256 AVX bytes. */
#define FPU_AREA_SIZE 832
#define FPU_LEGACY_SIZE 512 /* the FXSAVE image */

struct fpu_area {
	uint8_t bytes[FPU_AREA_SIZE];
} __attribute__((aligned(64)));

/* What this machine offers guests (set up by fpu_cpu_init on the BSP). */
extern bool fpu_has_xsave;
extern uint64_t fpu_xcr0; /* components in use (XSAVE only) */

/*
 * Per-CPU set-up: CR0.MP/NE, CR4.OSFXSR/OSXMMEXCPT, and with XSAVE also
 * CR4.OSXSAVE and XCR0.  Panics if the machine lacks FXSR or SSE2, which
 * every x86-64 CPU has.
 */
void fpu_cpu_init(void);

/* The initial state of a new vcpu: as after FNINIT, MXCSR 0x1f80, XMM
 * and YMM registers zero. */
void fpu_area_init(struct fpu_area *a);

/* Saves the registers into a / loads them from a.  CR0.TS must be clear. */
void fpu_save(struct fpu_area *a);
void fpu_restore(const struct fpu_area *a);

/*
 * The legacy (FXSAVE-layout) image of a vcpu's state, as vcpu contexts
 * carry it (public/arch-x86/context.h).  fpu_legacy_image_ok says whether
 * fxrstor/xrstor would accept it (no MXCSR bit this CPU reserves).
 * fpu_area_set_legacy makes the area that state with every other XSAVE
 * component (AVX) initial; the image must be ok.  The area must not be
 * in the registers of any CPU meanwhile (the vcpu is not running).
 */
bool fpu_legacy_image_ok(const uint8_t image[FPU_LEGACY_SIZE]);
void fpu_area_set_legacy(struct fpu_area *a,
			 const uint8_t image[FPU_LEGACY_SIZE]);
void fpu_area_get_legacy(const struct fpu_area *a,
			 uint8_t image[FPU_LEGACY_SIZE]);

#endif
