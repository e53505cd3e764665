/* SPDX-License-Identifier: MIT */
/*
 * A decoder for exactly the instructions Mica emulates for PV guests
 * (pv/emulate.c): port I/O, cpuid, rdmsr/wrmsr, hlt, cli, sti, clts and
 * moves to and from control and debug registers.  Anything else is
 * "not emulated" and the guest gets the fault it caused.  Pure code:
 * tests/unit/hypervisor/test_insn.c runs it on the host.
 */
#ifndef ASM_INSN_H
#define ASM_INSN_H

#include <mica/types.h>

#define INSN_MAX_LEN 15

enum insn_op {
	INSN_IN, /* in  al/ax/eax, imm8 or dx */
	INSN_OUT, /* out imm8 or dx, al/ax/eax */
	INSN_CPUID,
	INSN_RDMSR,
	INSN_WRMSR,
	INSN_HLT,
	INSN_CLI,
	INSN_STI,
	INSN_CLTS,
	INSN_MOV_FROM_CR, /* mov crN, gpr */
	INSN_MOV_TO_CR, /* mov gpr, crN */
	INSN_MOV_FROM_DR,
	INSN_MOV_TO_DR,
};

struct insn {
	enum insn_op op;
	unsigned int len; /* bytes, prefixes included */
	unsigned int size; /* port I/O operand size: 1, 2 or 4 */
	bool port_in_dx; /* else the port is 'port' */
	uint8_t port;
	unsigned int reg; /* control/debug register number (REX.R applied) */
	unsigned int gpr; /* general register, x86 numbering (REX.B applied) */
	bool forced; /* cpuid behind the forced-emulation prefix */
};

/*
 * Decodes the instruction at buf[0..avail).  Returns 0 and fills *insn;
 * -EFAULT if avail bytes are too few to tell (the instruction runs into
 * bytes that could not be read); -EINVAL if it is not one of the above
 * (or has prefixes that change its meaning, such as lock).
 */
int insn_decode(const uint8_t *buf, unsigned int avail, struct insn *insn);

/*
 * The software interrupt at buf[0..avail) (`int3`, `int imm8`, `into`,
 * after any prefixes the CPU ignores: legacy ones, lock, and REX in
 * 64-bit code), for the #GP a guest's `int n` raises (pv/traps.c).
 * Returns 0 with its vector and length (prefixes included, at most 15);
 * -EFAULT if avail bytes are too few to tell; -EINVAL if it is not one.
 */
int insn_soft_int(const uint8_t *buf, unsigned int avail, bool long_mode,
		  unsigned int *vec, unsigned int *len);

#endif
