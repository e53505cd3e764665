/* SPDX-License-Identifier: MIT */
/*
 * User-mode code and stack selectors of PV guests (pv/user_segments.c):
 * MICA_HC_iret's checks, the exit's choice, and faults of the exit IRETQ.
 */
#ifndef ASM_PV_SEGMENTS_H
#define ASM_PV_SEGMENTS_H

#include <mica/domain.h>
#include <asm/regs.h>

/*
 * Whether the running vcpu may return to user mode on cs/ss (RPL 3): 0 if
 * both load, else the exception a native IRET raises (13 #GP, 11 #NP for
 * cs, 12 #SS for ss) with its error code in *error.
 */
unsigned int pv_user_segments_fault(uint64_t cs, uint64_t ss, uint32_t *error);

/*
 * The linear address of guest code at cs:rip (the running vcpu's cs, RPL
 * 3), and whether that code is 64-bit: in 32- and 16-bit code, the
 * segment base plus eip, in 32 bits.
 */
uint64_t pv_code_linear(uint64_t cs, uint64_t rip, bool *long_mode);

/* The exit's cs/ss: the frame's guest selectors in user mode, else Mica's
 * flat ones. */
void pv_exit_segments(struct vcpu *v, struct cpu_regs *regs);

/* The exit IRETQ (pv/entry.S), and what do_trap does when it faults:
 * the exception goes to the guest as raised at the return target. */
extern const char pv_exit_iretq[];
void __noreturn pv_exit_iret_fault(struct cpu_regs *regs);

/* Delivers exception 'vec' to the running vcpu through its trap table as
 * raised by the guest at regs (error_code < 0: none); pv/traps.c. */
void pv_inject_exception(struct cpu_regs *regs, unsigned int vec,
			 int error_code);

#endif
