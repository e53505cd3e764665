/* SPDX-License-Identifier: MIT */
/*
 * The register frame built by the exception entry code (entry.S): general
 * registers pushed by software, then vector and error code, then the frame
 * the CPU pushed.  Offsets for assembly come from asm-offsets.c.
 */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#include <mica/types.h>

struct cpu_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx;
	uint64_t r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
	uint64_t vector;
	uint64_t error_code;
	/* Pushed by the CPU. */
	uint64_t rip, cs, rflags, rsp, ss;
};

#endif
