/* SPDX-License-Identifier: MIT */
/*
 * arch-x86/context.h - the complete architectural state of an x86-64 PV
 * vcpu, as exchanged by vcpu.h MICA_VCPUOP_initialise (a guest starting its
 * own secondary vcpus), domctl.h MICA_DOMCTL_get/set_vcpu_context (the
 * toolstack building, debugging, saving and restoring domains), and the
 * migration stream.
 *
 * Notes:
 *   1. Frame fields are gfns (for PV: mfns); the toolstack rewrites them to
 *      pfns in a save image and back on restore.
 *   2. On set, everything is validated as the corresponding hypercall would
 *      validate it (selectors, trap table, callbacks, GDT frames, LDT,
 *      debug registers, FPU image, I/O privilege: vcpu.h
 *      MICA_VCPUOP_initialise note 4); the L4 named by kernel_pt_base_gfn
 *      (and user_pt_base_gfn if not 0) is validated and pinned for the
 *      vcpu, and the GDT and LDT frames are typed as descriptor pages.
 *      Every new reference is taken before the vcpu's old ones are
 *      dropped; a refused context changes nothing.  A set context takes
 *      effect the next time the vcpu runs; the vcpu must be down or paused.
 *   3. The event upcall mask and pending bits are not here: they live in the
 *      vcpu_info in guest memory and travel with it.
 *   4. Extended FPU state beyond the legacy FXSAVE image (AVX and later
 *      XSAVE components) is not in this structure; it will get its own
 *      domctl (see docs/abi.md, open items).  On set, such state is reset
 *      to its initial (XINIT) value.
 */
#ifndef MICA_PUBLIC_ARCH_X86_CONTEXT_H
#define MICA_PUBLIC_ARCH_X86_CONTEXT_H

#include "../mica.h"
#include "layout.h"
#include "pv.h"

/* General-purpose registers, in Linux pt_regs order for the first 15.
 * Selectors are zero-extended into 64-bit slots. */
struct mica_cpu_user_regs {
	uint64_t r15;
	uint64_t r14;
	uint64_t r13;
	uint64_t r12;
	uint64_t rbp;
	uint64_t rbx;
	uint64_t r11;
	uint64_t r10;
	uint64_t r9;
	uint64_t r8;
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t rsi;
	uint64_t rdi;
	uint64_t rip;
	uint64_t cs; /* RPL 0 = vcpu in guest kernel mode, 3 = user */
	uint64_t rflags; /* IF and IOPL here are ignored; see flags/iopl */
	uint64_t rsp;
	uint64_t ss;
	uint64_t ds;
	uint64_t es;
	uint64_t fs;
	uint64_t gs;
};
MICA_STATIC_ASSERT(sizeof(struct mica_cpu_user_regs) == 192,
		   "mica_cpu_user_regs");

/* flags (append-only). */
/* The vcpu is in guest kernel mode (kernel page tables, kernel gs base).
 * Must be set for MICA_VCPUOP_initialise. */
#define MICA_VGCF_IN_KERNEL (1u << 0)
/* The vcpu is up (OUT from get; on set, the toolstack still uses
 * MICA_DOMCTL_unpause / the guest MICA_VCPUOP_up to start it). */
#define MICA_VGCF_ONLINE (1u << 1)
/* The virtual CR0.TS is set (arch-x86/pv.h MICA_HC_fpu_taskswitch). */
#define MICA_VGCF_FPU_TS (1u << 2)
/* fpu[] holds valid state; if clear on set, the FPU starts in its
 * initial (FNINIT) state. */
#define MICA_VGCF_FPU_VALID (1u << 3)
/* On set only (never reported by get): also pin kernel_pt_base_gfn as an
 * L4 (mmu.h T3), unless it is pinned already, as the boot-time builder
 * pins a domain's boot L4 (start_info.h): a domain builder in dom0 sets
 * it with MICA_DOMCTL_set_vcpu_context so that the kernel it starts finds
 * the same state.  The pin reference is dropped again if the context is
 * refused. */
#define MICA_VGCF_PIN_BASE (1u << 4)

struct mica_vcpu_guest_context {
	uint32_t flags; /* MICA_VGCF_* */
	uint32_t pad0;
	uint64_t pad1;
	/* Legacy FPU/SSE state in the 512-byte FXSAVE layout; 16-aligned. */
	uint8_t fpu[512];
	struct mica_cpu_user_regs user_regs;
	/* Trap table, indexed by vector (address 0 = no handler); the vector
	 * field of each entry must equal its index. */
	struct mica_trap_info trap_table[256];
	/* LDT: linear address and entry count (0 = no LDT). */
	uint64_t ldt_base;
	uint64_t ldt_entries;
	/* GDT: frames and entry count (arch-x86/pv.h MICA_HC_set_gdt). */
	uint64_t gdt_frames[MICA_GDT_MAX_GUEST_FRAMES];
	uint64_t gdt_entries;
	/* Stack for entries from user mode (MICA_HC_stack_switch). */
	uint64_t kernel_ss;
	uint64_t kernel_sp;
	/* Page-table bases: L4 gfns (mmu.h NEW_BASEPTR / NEW_USER_BASEPTR).
	 * user_pt_base_gfn 0 = no user page tables yet. */
	uint64_t kernel_pt_base_gfn;
	uint64_t user_pt_base_gfn;
	/* Debug registers: 0-3, (4, 5 unused, 0), 6, 7. */
	uint64_t debugreg[8];
	/* Callback entry points and MICA_CALLBACKF_* flags, indexed by
	 * MICA_CALLBACK_*; address 0 = not registered. */
	uint64_t callback[MICA_CALLBACK_SLOTS];
	uint16_t callback_flags[MICA_CALLBACK_SLOTS];
	/* Segment bases and the user gs selector (MICA_HC_set_segment_base). */
	uint64_t fs_base;
	uint64_t gs_base_kernel;
	uint64_t gs_base_user;
	uint64_t gs_user_sel;
	/* Virtual I/O privilege (physdev.h). */
	uint32_t iopl;
	uint32_t iobitmap_nr_ports;
	uint64_t iobitmap_gaddr;
	uint64_t reserved[9]; /* zero */
};
MICA_STATIC_ASSERT(offsetof(struct mica_vcpu_guest_context, fpu) == 16,
		   "fpu image is 16-byte aligned");
MICA_STATIC_ASSERT(offsetof(struct mica_vcpu_guest_context, user_regs) == 528,
		   "user_regs offset");
MICA_STATIC_ASSERT(offsetof(struct mica_vcpu_guest_context, trap_table) == 720,
		   "trap_table offset");
MICA_STATIC_ASSERT(sizeof(struct mica_vcpu_guest_context) == 5248,
		   "mica_vcpu_guest_context");

#endif /* MICA_PUBLIC_ARCH_X86_CONTEXT_H */
