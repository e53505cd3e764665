/* SPDX-License-Identifier: MIT */
/*
 * The instruction emulator of the HVM layer (hvm/emulate.c): decodes one
 * instruction from bytes the caller fetched and carries it out on a
 * register file through callbacks for memory (linear addresses) and port
 * I/O.  It covers what device drivers use on MMIO and string port I/O:
 *   mov (88-8b, c6/c7, a0-a3), movzx/movsx (0f b6/b7/be/bf), xchg (86/87),
 *   add/or/and/sub/xor/cmp (00-3b, 80/81/83), test (84/85, f6/f7 /0),
 *   movs, stos, lods (a4/a5, aa/ab, ac/ad), ins, outs (6c-6f),
 * with rep, operand/address size, segment and REX prefixes, in 16-, 32-
 * and 64-bit code.  Pure code: host unit tests in tests/unit/hypervisor.
 */
#ifndef ASM_X86_EMULATE_H
#define ASM_X86_EMULATE_H

#include <mica/types.h>

/* Register numbers: the x86 encoding. */
enum {
	X86_RAX,
	X86_RCX,
	X86_RDX,
	X86_RBX,
	X86_RSP,
	X86_RBP,
	X86_RSI,
	X86_RDI,
};

#define X86_SEG_ES 0
#define X86_SEG_CS 1
#define X86_SEG_SS 2
#define X86_SEG_DS 3
#define X86_SEG_FS 4
#define X86_SEG_GS 5

/* Callback results. */
#define X86EMUL_OK 0
#define X86EMUL_UNHANDLED (-1) /* not an instruction this emulator does */
#define X86EMUL_FAULT (-2) /* a callback failed (unmapped, no device) */
/* A callback cannot finish the access now (a device model must answer
 * first, hvm/ioreq.c): the instruction stops before it and is executed
 * again later.  x86_emulate returns it only when nothing is committed;
 * iterations a rep completed before it stand (X86EMUL_OK, rip stays). */
#define X86EMUL_RETRY (-3)

struct x86_emulate_ops {
	/* size 1, 2, 4 or 8 at a linear address. */
	int (*read)(void *ctx, uint64_t la, unsigned int size, uint64_t *val);
	int (*write)(void *ctx, uint64_t la, unsigned int size, uint64_t val);
	int (*io_in)(void *ctx, uint16_t port, unsigned int size,
		     uint32_t *val);
	int (*io_out)(void *ctx, uint16_t port, unsigned int size,
		      uint32_t val);
};

struct x86_emulate_ctx {
	/* In/out: the registers (x86 encoding order), rip, rflags. */
	uint64_t gpr[16];
	uint64_t rip, rflags;
	/* In: the code's mode (2, 4 or 8: the default operand/address
	 * size, 8 for 64-bit code), segment bases (X86_SEG_*), the bytes
	 * at rip (up to 15), and the most iterations of a rep instruction
	 * to do in one call (the rest runs when it is executed again). */
	unsigned int mode;
	uint64_t seg_base[6];
	uint8_t insn[15];
	unsigned int insn_len;
	unsigned int max_reps;
	const struct x86_emulate_ops *ops;
	void *ops_ctx;
	/* Out: the decoded length (rip moved past it unless a rep is
	 * unfinished), and the linear address of the failing access with
	 * X86EMUL_FAULT. */
	unsigned int len;
	uint64_t fault_la;
	/* Out, kept up to date during the call: iterations of a rep
	 * instruction completed by it (0 for other instructions). */
	unsigned int reps_done;
};

/* X86EMUL_OK, X86EMUL_UNHANDLED (nothing changed), X86EMUL_RETRY
 * (nothing to commit) or X86EMUL_FAULT (registers may hold the iterations
 * a rep completed). */
int x86_emulate(struct x86_emulate_ctx *c);

#endif
