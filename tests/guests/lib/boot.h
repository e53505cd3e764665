/* SPDX-License-Identifier: MIT */
/*
 * What the guest found at its entry point: the vcpu state of start_info.h
 * ("Initial vcpu state"), recorded by head.S before anything changes it.
 * Shared between head.S (byte offsets) and C (struct boot_regs).
 */
#ifndef GUEST_BOOT_H
#define GUEST_BOOT_H

#define BOOT_REG_RAX 0
#define BOOT_REG_RBX 8
#define BOOT_REG_RCX 16
#define BOOT_REG_RDX 24
#define BOOT_REG_RSI 32
#define BOOT_REG_RDI 40
#define BOOT_REG_RBP 48
#define BOOT_REG_RSP 56
#define BOOT_REG_R8 64
#define BOOT_REG_R9 72
#define BOOT_REG_R10 80
#define BOOT_REG_R11 88
#define BOOT_REG_R12 96
#define BOOT_REG_R13 104
#define BOOT_REG_R14 112
#define BOOT_REG_R15 120
#define BOOT_REG_RFLAGS 128 /* real rflags: IF reads 1 (arch-x86/pv.h) */
#define BOOT_REG_CS 136
#define BOOT_REG_SS 144
#define BOOT_REG_DS 152
#define BOOT_REG_ES 160
#define BOOT_REG_FS 168
#define BOOT_REG_GS 176
#define BOOT_REGS_SIZE 184

#ifndef __ASSEMBLY__
#include <stdint.h>

struct boot_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rflags;
	uint64_t cs, ss, ds, es, fs, gs; /* selectors, zero-extended */
};
_Static_assert(sizeof(struct boot_regs) == BOOT_REGS_SIZE, "boot_regs");

/* Written once by head.S, read-only afterwards. */
extern struct boot_regs boot_regs;

/* The image as linked (page-aligned bounds; see guest.ld.S). */
extern char __image_start[], __image_end[];

/*
 * The end of the builder's initial mapping: start_info.h L9 is "at least
 * 512 KiB of free, mapped pages, and then up to the next 4 MiB boundary"
 * from the top of the boot stack.  Valid once head.S has run.
 */
uint64_t boot_mapping_end(void);

struct mica_start_info;
/* The C entry point, called by head.S on the guest's own stack. */
void __attribute__((noreturn)) guest_main(struct mica_start_info *si);
#endif

#endif /* GUEST_BOOT_H */
