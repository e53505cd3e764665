/* SPDX-License-Identifier: MIT */
/* Control-register and RFLAGS bits; assembly includes this file. */
#ifndef ASM_PROCESSOR_FLAGS_H
#define ASM_PROCESSOR_FLAGS_H

#define X86_CR0_PE 0x00000001
#define X86_CR0_MP 0x00000002
#define X86_CR0_EM 0x00000004
#define X86_CR0_TS 0x00000008
#define X86_CR0_ET 0x00000010
#define X86_CR0_NE 0x00000020
#define X86_CR0_WP 0x00010000
#define X86_CR0_PG 0x80000000

#define X86_CR4_PAE 0x00000020
#define X86_CR4_DE 0x00000008
#define X86_CR4_PGE 0x00000080
#define X86_CR4_OSFXSR 0x00000200
#define X86_CR4_OSXMMEXCPT 0x00000400
#define X86_CR4_OSXSAVE 0x00040000

#define X86_EFLAGS_FIXED 0x00000002
#define X86_EFLAGS_IF 0x00000200
#define X86_EFLAGS_DF 0x00000400
#define X86_EFLAGS_IOPL 0x00003000
#define X86_EFLAGS_NT 0x00004000
#define X86_EFLAGS_VM 0x00020000
#define X86_EFLAGS_AC 0x00040000
/*
 * The rflags a SYSRET exit may return with: what it loads from r11 (it
 * clears RF, VM and the reserved bits) less TF, which SYSRET turns into a
 * #DB before the first instruction at rcx, where IRETQ traps after it
 * (TF is bit 8).
 */
#define X86_EFLAGS_SYSRET_MASK 0x003c7ed7

#endif
