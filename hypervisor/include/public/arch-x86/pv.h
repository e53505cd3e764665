/* SPDX-License-Identifier: MIT */
/*
 * arch-x86/pv.h - the x86-64 PV CPU interface: how the hypervisor enters the
 * guest kernel (trap table, callbacks, stack frames), how the guest kernel
 * returns (iret), and the privileged CPU state it manages through
 * hypercalls instead of instructions (segment bases, GDT/LDT descriptors,
 * CR0.TS, debug registers).
 *
 * Read arch-x86/layout.h first for the privilege model (kernel and user both
 * in ring 3, told apart by page tables and by the RPL in saved frames).
 *
 * ------------------------------------------------------------------------
 * Entering the guest kernel: the bounce frame
 * ------------------------------------------------------------------------
 * When the hypervisor delivers an exception, a software interrupt (`int n`
 * allowed by the trap table), an event upcall, a system call or an NMI to
 * the guest kernel, it:
 *   1. switches to guest kernel mode if the vcpu was in user mode: kernel
 *      page tables, kernel gs base, and the stack set by MICA_HC_stack_switch;
 *      in kernel mode it keeps the current rsp (aligned down to 16 bytes);
 *   2. pushes this frame on that stack (higher addresses at the top):
 *
 *          +--------------------+
 *          | ss                 |  interrupted ss (RPL as interrupted mode)
 *          | rsp                |  interrupted rsp
 *          | rflags             |  interrupted rflags, with IF = virtual IF
 *          | cs                 |  interrupted cs, RPL 0 = kernel, 3 = user
 *          | rip                |  interrupted rip
 *          | error code         |  only for vectors with one (8, 10-14, 17)
 *          | r11                |  interrupted r11
 *          | rcx                |  interrupted rcx   <- new rsp
 *          +--------------------+
 *
 *      The failsafe callback additionally finds, below rcx, the four data
 *      selectors it failed to load: ds (lowest), es, fs, gs.
 *   3. if the trap entry or callback says so (MICA_TRAP_MASK_EVENTS,
 *      MICA_CALLBACKF_MASK_EVENTS; always for the event callback), sets
 *      evtchn_upcall_mask = 1 (clears the virtual IF);
 *   4. jumps to the handler with cs = MICA_FLAT_KERNEL_CS and all other
 *      registers as they were, except rcx and r11 (they held the hypervisor's
 *      return rip/rflags: the hypervisor returns with `sysret` when it can)
 *      and rflags: TF, NT, RF and AC are cleared (AC because the kernel runs
 *      in ring 3, where it would check alignment), and for the syscall,
 *      syscall32 and sysenter callbacks also DF, as `syscall` with the
 *      usual flag mask leaves it.  The frame keeps the interrupted rflags.
 * The handler pops rcx and r11 first (`pop %rcx; pop %r11`) and then sees
 * exactly the frame the CPU would have pushed natively.
 *
 * rflags.IF in the frame is the virtual IF (1 = evtchn_upcall_mask was 0);
 * the real IF is always 1 while guest code runs.  rflags.IOPL in the frame is
 * the virtual IOPL (physdev.h).
 *
 * Vector-specific notes:
 *   1. #PF (14): the faulting address is in vcpu_info.arch.cr2.  The
 *      error code's U/S bit (2) says whether the guest was in user mode,
 *      as on bare metal (the CPU itself ran at CPL 3 either way).
 *   2. #DB (1): the cause is in DR6, read with MICA_HC_get_debugreg(6); the
 *      guest clears it with MICA_HC_set_debugreg(6, 0).
 *   3. #NM (7): delivered when the virtual CR0.TS is set
 *      (MICA_HC_fpu_taskswitch); the hypervisor clears the virtual TS before
 *      delivery, so the handler may use the FPU at once.
 *   4. #DF (8) and #MC (18) never reach the guest; the hypervisor handles
 *      them (a guest whose kernel stack is unusable is crashed).
 *   5. NMIs reach the guest only through the NMI callback (dom0: hardware
 *      NMIs; any guest: NMIs sent to it), never through the trap table.  No
 *      further NMI is delivered until the guest's next MICA_HC_iret.
 *   6. External interrupts never use the trap table: hardware interrupts
 *      and everything else arrive as event channels via the event callback.
 *   7. If the frame cannot be written (the kernel stack is unmapped or
 *      read-only), or an entry from user mode finds no kernel stack
 *      (MICA_HC_stack_switch never called), the hypervisor crashes the
 *      domain (MICA_SHUTDOWN_crash).
 *
 * ------------------------------------------------------------------------
 * Returning: MICA_HC_iret
 * ------------------------------------------------------------------------
 * `iretq` does not work from ring 3 for the guest's purposes (it could not
 * switch page tables or the virtual IF).  The guest instead arranges a
 * struct mica_iret_frame on its stack and jumps (not calls) to the iret slot
 * of the hypercall page:
 *
 *          hardware-style frame: rip, cs, rflags, rsp, ss   (already there)
 *          push  flags                   (MICA_IRET_*)
 *          jmp   hypercall_page + MICA_HC_iret * 32
 *
 * The stub pushes r11, rcx and rax (so all three are restored on return),
 * loads the hypercall number and enters the hypervisor, which:
 *   1. pops the frame and checks cs/ss: RPL 0 returns to guest kernel
 *      mode, on the flat selectors only (MICA_FLAT_KERNEL_CS or
 *      MICA_FLAT_RING3_CS32, and MICA_FLAT_KERNEL_SS); RPL 3 returns to
 *      guest user mode, on the flat selectors or on code and stack
 *      selectors of the guest's own GDT or LDT (note 5); cs and ss with
 *      different RPLs, RPL 1 or 2, or selectors above 0xffff crash the
 *      domain.  It switches page tables and gs base when returning to
 *      user mode;
 *   2. sets evtchn_upcall_mask = !rflags.IF, and if that unmasks events with
 *      an upcall pending, delivers it at once instead of returning;
 *   3. restores rax, rcx, r11 from the frame, unless MICA_IRET_FROM_SYSCALL
 *      is set: then rcx and r11 may instead hold the user rip and rflags
 *      (the `sysret` convention), which lets the hypervisor return with
 *      `sysret`;
 *   4. re-enables NMI delivery (vector note 5).
 * MICA_HC_iret never returns to its caller.  A frame that cannot be read or
 * is invalid (selectors as in 1., flags other than MICA_IRET_*, user mode
 * with no user L4, a non-canonical rip in kernel mode) crashes the domain
 * (there is nothing to return an error to).  A non-canonical rsp is not
 * checked: the guest's first use of it faults, in the guest.
 *
 *   5. User-mode selectors.  A return to user mode loads cs and ss as a
 *      native IRET to CPL 3 would, and fails as it would: the exception
 *      goes to the guest kernel as raised by user mode at the return
 *      target (the bounce frame holds the frame's rip, cs, rflags, rsp and
 *      ss, and rax/rcx/r11 as the iret restored them), through the trap
 *      table like any other:
 *        cs null                                          #GP(0)
 *        cs not a code descriptor of the guest's GDT/LDT
 *          (beyond the table, data, Mica's reserved entries
 *          other than the flat code selectors)            #GP(cs & ~3)
 *        cs not present                                   #NP(cs & ~3)
 *        ss null                                          #GP(0)
 *        ss not a writable data descriptor of the
 *          guest's GDT/LDT or MICA_FLAT_USER_SS           #GP(ss & ~3)
 *        ss not present                                   #SS(ss & ~3)
 *        rip non-canonical                                #GP(0)
 *      (The descriptor rules below make every guest descriptor DPL 3 and
 *      non-conforming.)  cs may be 64-bit, 32-bit or 16-bit code; in 32-
 *      and 16-bit code rip is an offset from the segment base.  The
 *      hypervisor returns to such selectors with IRETQ (never `sysret`),
 *      which loads the descriptors again: if that faults (another vcpu
 *      changed the descriptor meanwhile, rip beyond a 32-bit segment's
 *      limit), the fault goes to the guest the same way, with the error
 *      code the CPU gave.  The guest's selectors stay in use across
 *      interrupts and hypervisor work while user mode runs on them; a
 *      `syscall` from them returns on the flat ones, as on hardware.
 *      On hardware, a return to a 16-bit stack segment in 32- or 16-bit
 *      code leaves bits 63:16 of rsp undefined (the CPU's, as natively
 *      without espfix; they may hold bits of the hypervisor's stack
 *      address, which the fixed layout does not hide).
 */
#ifndef MICA_PUBLIC_ARCH_X86_PV_H
#define MICA_PUBLIC_ARCH_X86_PV_H

#include "../mica.h"
#include "layout.h"

/* The frame MICA_HC_iret consumes, lowest address first (rsp points at
 * rax). */
struct mica_iret_frame {
	uint64_t rax;
	uint64_t rcx;
	uint64_t r11;
	uint64_t flags; /* MICA_IRET_* */
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
};
MICA_STATIC_ASSERT(sizeof(struct mica_iret_frame) == 72, "mica_iret_frame");
MICA_STATIC_ASSERT(offsetof(struct mica_iret_frame, rip) == 32,
		   "hardware-style part starts after flags");

/* Returning to user mode from a system call; see note 3 above. */
#define MICA_IRET_FROM_SYSCALL (1u << 0)

/*
 * ------------------------------------------------------------------------
 * MICA_HC_set_trap_table: register exception and software-interrupt handlers.
 *
 *     long mica_set_trap_table(uint64_t table_gaddr);
 *
 *   IN  table_gaddr  array of struct mica_trap_info, ended by an entry with
 *                    address == 0; at most 256 entries before the end.
 *                    table_gaddr == 0 clears every handler.
 *   Returns 0.
 * Notes:
 *   1. Entries update the vcpu's table one vector at a time; vectors not
 *      named keep their handler.  Each vcpu has its own table.
 *   2. flags bits 0-1 (DPL): the least privileged guest mode that may raise
 *      the vector with `int n` / `int3` / `into`: 0 = guest kernel only,
 *      3 = guest user too.  An `int n` from a mode with too little privilege
 *      is delivered as #GP with error code (vector << 3) | 2, as on hardware.
 *      As on hardware, the instruction may carry prefixes (up to 15 bytes
 *      in all) and follow a MOV SS; the frame's rip is the next
 *      instruction's.
 *   3. MICA_TRAP_MASK_EVENTS: clear the virtual IF on entry (an interrupt
 *      gate rather than a trap gate).
 *   4. A fault with no handler (address 0) crashes the domain.
 * Errors: -MICA_EFAULT, -MICA_EINVAL (cs not a ring-3 code selector,
 *   address non-canonical or inside the hypervisor range, DPL 1 or 2,
 *   unknown flag, pad != 0), -MICA_E2BIG (more than 256 entries).
 * ------------------------------------------------------------------------
 */
struct mica_trap_info {
	uint8_t vector; /* 0..255 */
	uint8_t flags; /* DPL in bits 0-1, MICA_TRAP_* */
	uint16_t cs; /* code selector, normally MICA_FLAT_KERNEL_CS */
	uint32_t pad0;
	uint64_t address; /* handler entry; 0 = none */
};
MICA_STATIC_ASSERT(sizeof(struct mica_trap_info) == 16, "mica_trap_info");

#define MICA_TRAP_DPL_MASK 0x3u
#define MICA_TRAP_MASK_EVENTS (1u << 2)

/*
 * ------------------------------------------------------------------------
 * MICA_HC_callback_op: register the entry points that are not vectors.
 *
 *     long mica_callback_op(uint32_t cmd, uint64_t arg_gaddr);
 *
 * MICA_CALLBACKOP_register: IN struct mica_callback_register.
 * MICA_CALLBACKOP_unregister: IN struct mica_callback_unregister.
 *   Returns 0.
 * Callback types:
 *   MICA_CALLBACK_event      event upcall (shared_info.h); always entered
 *                            with events masked.  Required before any event
 *                            can be delivered.
 *   MICA_CALLBACK_failsafe   the hypervisor could not load a data selector
 *                            (ds/es/fs/gs) while returning to the guest; the
 *                            frame carries them (see above) and the guest
 *                            fixes or zeroes them and returns with iret.
 *   MICA_CALLBACK_syscall    `syscall` from 64-bit guest user mode.
 *   MICA_CALLBACK_syscall32  `syscall` from 32-bit (compat) user mode.
 *   MICA_CALLBACK_sysenter   `sysenter` from 32-bit user mode.
 *   MICA_CALLBACK_nmi        NMIs (vector note 5).
 * The syscall-like callbacks are entered in kernel mode on the stack from
 * MICA_HC_stack_switch with the frame above (rcx/r11 in the frame hold
 * the user's rcx/r11, which `syscall` had set to rip/rflags).
 * For `sysenter` the frame is the one a `syscall` would give: rip after
 * the instruction, cs MICA_FLAT_USER_CS32, the user's rflags and rsp
 * (the CPU's SYSENTER would keep neither rip nor rsp), and rcx/r11 as
 * the user had them (`sysenter` does not change them).  The hypervisor
 * takes it from the fault the CPU raises for it (it keeps
 * MSR_IA32_SYSENTER_CS at 0: #GP; AMD CPUs: #UD in long mode), so it
 * works on every CPU.  Without a sysenter callback, and from 64-bit user
 * mode or kernel mode, `sysenter` is that fault (#GP(0) or #UD), delivered
 * through the trap table; without a syscall32 callback, a compat `syscall`
 * is #UD.
 * Errors: -MICA_EFAULT, -MICA_EINVAL (address non-canonical or in the
 *   hypervisor range, unknown flag, pad != 0, unregistering the event
 *   callback), -MICA_ENOSYS (unknown type).
 * ------------------------------------------------------------------------
 */
#define MICA_CALLBACKOP_register 0
#define MICA_CALLBACKOP_unregister 1

#define MICA_CALLBACK_event 0
#define MICA_CALLBACK_failsafe 1
#define MICA_CALLBACK_syscall 2
#define MICA_CALLBACK_syscall32 3
#define MICA_CALLBACK_sysenter 4
#define MICA_CALLBACK_nmi 5
/* Capacity of per-vcpu callback tables (context.h); types stay below it. */
#define MICA_CALLBACK_SLOTS 8

/* Clear the virtual IF on entry (ignored for the event callback, which
 * always masks). */
#define MICA_CALLBACKF_MASK_EVENTS (1u << 0)

struct mica_callback_register {
	uint16_t type; /* IN: MICA_CALLBACK_* */
	uint16_t flags; /* IN: MICA_CALLBACKF_* */
	uint32_t pad0;
	uint64_t address; /* IN: entry point */
};
MICA_STATIC_ASSERT(sizeof(struct mica_callback_register) == 16,
		   "mica_callback_register");

struct mica_callback_unregister {
	uint16_t type; /* IN: MICA_CALLBACK_* */
	uint16_t pad0[3];
};
MICA_STATIC_ASSERT(sizeof(struct mica_callback_unregister) == 8,
		   "mica_callback_unregister");

/*
 * ------------------------------------------------------------------------
 * MICA_HC_stack_switch: set the guest kernel stack for entries from user
 * mode (the PV counterpart of TSS.rsp0).
 *
 *     long mica_stack_switch(uint64_t ss, uint64_t rsp);
 *
 *   Returns 0.  Per vcpu; Linux calls it on every context switch.
 * Errors: -MICA_EINVAL (ss not a ring-3 writable data selector, rsp
 *   non-canonical or inside the hypervisor range).
 * ------------------------------------------------------------------------
 */

/*
 * ------------------------------------------------------------------------
 * MICA_HC_set_segment_base: set a segment base or the user gs selector.
 *
 *     long mica_set_segment_base(uint32_t which, uint64_t value);
 *
 *   MICA_SEGBASE_fs           fs base (one value, used in both modes).
 *   MICA_SEGBASE_gs_kernel    gs base while in guest kernel mode.
 *   MICA_SEGBASE_gs_user      gs base while in guest user mode.
 *   MICA_SEGBASE_gs_user_sel  load `value` (a selector) as the user-mode gs
 *                             selector; this also sets the user gs base from
 *                             the descriptor (0 for a null selector).  Null,
 *                             MICA_FLAT_RING3_DS or a selector of the
 *                             guest's own GDT or LDT that loads (a 32-bit
 *                             TLS entry); one that does not load is refused
 *                             and leaves gs null.
 *   Returns 0.
 * Notes:
 *   1. The hypervisor swaps the two gs bases on every kernel/user
 *      transition, as `swapgs` would; the guest never executes `swapgs`.
 *   2. CR4.FSGSBASE is clear for PV guests in ABI 1.0: `wrfsbase` and
 *      friends raise #UD.  Use this hypercall.
 * Errors: -MICA_EINVAL (non-canonical base, bad selector), -MICA_ENOSYS
 *   (unknown `which`).
 * ------------------------------------------------------------------------
 */
#define MICA_SEGBASE_fs 0
#define MICA_SEGBASE_gs_kernel 1
#define MICA_SEGBASE_gs_user 2
#define MICA_SEGBASE_gs_user_sel 3

/*
 * ------------------------------------------------------------------------
 * Descriptor tables
 * ------------------------------------------------------------------------
 * MICA_HC_set_gdt: install the guest part of this vcpu's GDT.
 *
 *     long mica_set_gdt(uint64_t frame_list_gaddr, uint32_t nr_entries);
 *
 *   IN  frame_list_gaddr  array of ceil(nr_entries / 512) uint64_t gfns.
 *   IN  nr_entries        1..MICA_GDT_FIRST_RESERVED_ENTRY.
 *   Returns 0.
 *   The frames become descriptor pages (mmu.h page types) and every entry
 *   is validated; the previous GDT frames are released.  Entries from
 *   MICA_GDT_FIRST_RESERVED_ENTRY up are the hypervisor's (layout.h).
 *   Errors: -MICA_EFAULT, -MICA_EINVAL (nr_entries out of range, an entry
 *   fails the rules below), -MICA_EPERM (frame not the caller's),
 *   -MICA_EBUSY (a frame has writable mappings or another type).
 *
 * MICA_HC_update_descriptor: change one GDT or LDT entry.
 *
 *     long mica_update_descriptor(uint64_t maddr, uint64_t descriptor);
 *
 *   IN  maddr       (gfn << 12) | offset of the 8-byte entry; 8-aligned.
 *   IN  descriptor  the new 8 bytes, checked by the rules below.
 *   Returns 0.  Works on frames in use as GDT/LDT pages and on ordinary
 *   frames (which must be able to take a writable reference).
 *   Errors: -MICA_EINVAL (misaligned, bad descriptor, bad gfn),
 *   -MICA_EPERM (frame not the caller's), -MICA_EBUSY (frame is a page
 *   table).
 *
 * The LDT is set with mmu.h MICA_MMUEXT_SET_LDT; its pages are checked by
 * the same rules when it is installed.
 *
 * The guest loads selectors of its GDT and LDT itself (mov to ds/es/fs/gs,
 * far jumps and returns).  The hypervisor reloads ds, es, fs and gs when
 * the vcpu is switched back onto a CPU; one that no longer loads (the
 * guest changed its descriptor meanwhile) is replaced by the null selector
 * and the failsafe callback is entered with the four original selectors
 * (MICA_CALLBACK_failsafe above); with no failsafe callback registered the
 * domain is crashed.
 *
 * Descriptor rules (each 8-byte entry of a guest GDT or LDT page):
 *   1. Not present (P, bit 47, clear): accepted whatever the other bits.
 *   2. Present code or data segment (S, bit 44, set): DPL (bits 45-46) must
 *      be 3; a 64-bit code segment (L, bit 53) must have D (bit 54) clear;
 *      conforming code segments (type bit 42 with bit 43) are refused.
 *      Base and limit are not restricted: in 64-bit mode they are ignored
 *      for cs/ds/es/ss, and 32-bit segments cannot reach the hypervisor
 *      range, which lies above 4 GiB.
 *   3. Present system descriptors (S clear: LDT, TSS, call/interrupt/trap
 *      gates) are refused.  (So no 16-byte descriptor can straddle entries.)
 *   4. The CPU may set the accessed bit (bit 40) of an entry at any time.
 *   Anything else fails with -MICA_EINVAL.
 */

/*
 * ------------------------------------------------------------------------
 * MICA_HC_fpu_taskswitch: set or clear the virtual CR0.TS.
 *
 *     long mica_fpu_taskswitch(uint32_t set);
 *
 *   set != 0: the next FPU/SSE/AVX instruction raises #NM to the guest.
 *   set == 0: clear it (the PV `clts`).
 *   Returns 0.  Never fails.  (Eager-FPU guests such as current Linux never
 *   set it.)
 * ------------------------------------------------------------------------
 */

/*
 * ------------------------------------------------------------------------
 * MICA_HC_set_debugreg / MICA_HC_get_debugreg: the vcpu's DR0-3, DR6, DR7.
 *
 *     long mica_set_debugreg(uint32_t reg, uint64_t value);
 *     long mica_get_debugreg(uint32_t reg);
 *
 *   reg 0-3: breakpoint addresses: canonical and outside the hypervisor
 *            range.
 *   reg 6:   status; the guest writes it to clear bits.
 *   reg 7:   control: GD (bit 13) must be 0; reserved bits as the CPU
 *            requires; I/O breakpoints (R/W = 10b) are refused.
 *   reg 4, 5 and > 7 are invalid.
 *   set returns 0; get returns the register's value, and fails only for an
 *   invalid reg, so a caller passing a valid reg treats any result as the
 *   value.  Breakpoints fire in both guest modes; the vcpu's registers are
 *   loaded whenever it runs.
 * Errors: -MICA_EINVAL (invalid reg or value).
 * ------------------------------------------------------------------------
 */

/*
 * ------------------------------------------------------------------------
 * Privileged instructions
 * ------------------------------------------------------------------------
 * Guest code runs in ring 3, so privileged instructions fault.  The
 * hypervisor emulates a few of them, in the modes listed; everything else
 * (and everything listed when the mode or value is not allowed) is
 * delivered to the guest as the #GP(0) the instruction raised:
 *
 *   instruction          modes    effect
 *   cpuid                both     arch-x86/cpuid.h (filtered view)
 *   in, out (not ins/outs) both   physdev.h rules; emulated on the real
 *                                 port when allowed
 *   rdmsr / wrmsr        kernel   FS_BASE, GS_BASE (this mode's gs base),
 *                                 KERNEL_GS_BASE (the other mode's): read
 *                                 and written (canonical values); TSC read;
 *                                 EFER and PAT read, and "written" only
 *                                 with the value they have
 *   cli / sti            kernel   set / clear evtchn_upcall_mask (the
 *                                 virtual IF); a pending upcall is
 *                                 delivered after sti
 *   hlt                  kernel   as MICA_SCHEDOP_block (sched.h)
 *   clts                 kernel   MICA_HC_fpu_taskswitch(0)
 *   mov from cr0         kernel   PE MP ET NE WP AM PG, and TS = virtual TS
 *   mov to cr0           kernel   only TS may differ from the value read
 *   mov from cr2         kernel   vcpu_info.arch.cr2
 *   mov from cr3         kernel   machine address of the kernel L4
 *   mov from cr4         kernel   PSE, PAE, OSFXSR, OSXMMEXCPT and OSXSAVE
 *                                 as the hypervisor set them
 *   mov to/from dr0-3, dr6, dr7
 *                        kernel   MICA_HC_set_debugreg / get_debugreg
 * rdtsc and rdtscp run natively.  Writes to cr3 and cr4 are refused (use
 * mmu.h NEW_BASEPTR).  An emulated instruction completes as on hardware
 * (rip moves past it).
 */

#endif /* MICA_PUBLIC_ARCH_X86_PV_H */
