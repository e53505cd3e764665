/* SPDX-License-Identifier: MIT */
/*
 * The code and stack selectors a PV vcpu returns to user mode on
 * (public/arch-x86/pv.h, MICA_HC_iret note 1): Mica's flat ones or the
 * guest's own GDT/LDT selectors.  A return the CPU would refuse becomes
 * the exception a native IRET raises, delivered to the guest kernel as
 * from user mode at the return target; so does a fault of Mica's own
 * exit IRETQ (a descriptor changed after the check, a rip beyond a 32-bit
 * code segment's limit).
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/lib.h>
#include <mica/sched.h>
#include <asm/layout.h>
#include <asm/pv.h>
#include <asm/pv_desc.h>
#include <asm/pv_segments.h>
#include <asm/smp.h>
#include <asm/traps.h>

/* LAR's access-rights word (descriptor bits 40..55 at bits 8..23). */
#define AR_WRITABLE (1u << 9) /* data */
#define AR_CODE (1u << 11)
#define AR_S (1u << 12)
#define AR_P (1u << 15)
#define AR_L (1u << 21)

#define SEL_RPL 3u
#define SEL_TI 4u

/* A selector of the guest's own GDT or LDT (not null, not Mica's). */
static bool guest_table_selector(uint64_t sel)
{
	return sel <= 0xffff && (sel & ~(uint64_t)SEL_RPL) &&
	       ((sel & SEL_TI) || (sel & ~7ULL) < GDT_RESERVED_BYTE);
}

/*
 * The access rights of sel's descriptor in the loaded GDT/LDT (the running
 * vcpu's), false if none: beyond the table, or a descriptor LAR does not
 * show for RPL 3 (DPL below 3, a type it ignores).  Guest descriptors
 * obey the pv.h rules (DPL 3, no conforming code, no gates).
 */
static bool access_rights(uint16_t sel, uint32_t *ar)
{
	uint32_t r = 0;
	bool ok;

	/* clang-format off */
	__asm__("lar %w2, %1\n\tsetz %0" : "=q"(ok), "+r"(r) : "r"(sel) : "cc");
	/* clang-format on */
	*ar = r;
	return ok;
}

uint64_t pv_code_linear(uint64_t cs, uint64_t rip, bool *long_mode)
{
	uint64_t d;
	uint32_t ar;

	*long_mode = cs != GUEST_CS32;
	if (cs == GUEST_CS64 || cs == GUEST_CS32)
		return *long_mode ? rip : (uint32_t)rip;
	*long_mode = guest_table_selector(cs) &&
		     access_rights((uint16_t)(cs | SEL_RPL), &ar) &&
		     (ar & AR_L);
	if (*long_mode || !guest_table_selector(cs))
		return rip;
	/* 32- or 16-bit code: base + eip, in 32 bits. */
	d = pv_loaded_descriptor((uint16_t)cs);
	return (uint32_t)(((d >> 16) & 0xffffff) | ((d >> 56) << 24)) +
	       (uint32_t)rip;
}

unsigned int pv_user_segments_fault(uint64_t cs, uint64_t ss, uint32_t *error)
{
	uint32_t ar;

	*error = 0;
	/* cs: Mica's flat code selectors, or guest code that is present. */
	if ((cs | SEL_RPL) != GUEST_CS64 && (cs | SEL_RPL) != GUEST_CS32) {
		if (!(cs & ~(uint64_t)SEL_RPL))
			return 13; /* null: #GP(0) */
		*error = (uint32_t)(cs & 0xfffc);
		if (!guest_table_selector(cs) ||
		    !access_rights((uint16_t)(cs | SEL_RPL), &ar) ||
		    !(ar & AR_S) || !(ar & AR_CODE))
			return 13;
		if (!(ar & AR_P))
			return 11; /* #NP(cs) */
	}
	/* ss: Mica's flat data selector, or present writable guest data. */
	if ((ss | SEL_RPL) != GUEST_DS) {
		*error = 0;
		if (!(ss & ~(uint64_t)SEL_RPL))
			return 13; /* a null ss cannot be loaded at CPL 3 */
		*error = (uint32_t)(ss & 0xfffc);
		if (!guest_table_selector(ss) ||
		    !access_rights((uint16_t)(ss | SEL_RPL), &ar) ||
		    !(ar & AR_S) || (ar & AR_CODE) || !(ar & AR_WRITABLE))
			return 13;
		if (!(ar & AR_P))
			return 12; /* #SS(ss) */
	}
	*error = 0;
	return 0;
}

__hot_path void pv_exit_segments(struct vcpu *v, struct cpu_regs *regs)
{
	/*
	 * Kernel mode, and anything but a guest table selector with RPL 3:
	 * Mica's flat selectors.  A guest selector stays (user mode on LDT
	 * code, a stack of its own); if its descriptor no longer loads, the
	 * IRETQ faults and pv_exit_iret_fault() hands that to the guest.
	 */
	if (v->arch.kernel_mode || (regs->cs & SEL_RPL) != SEL_RPL ||
	    !guest_table_selector(regs->cs)) {
		if (regs->cs != GUEST_CS32)
			regs->cs = GUEST_CS64;
	}
	if (v->arch.kernel_mode || (regs->ss & SEL_RPL) != SEL_RPL ||
	    !guest_table_selector(regs->ss))
		regs->ss = GUEST_DS;
}

void __noreturn pv_exit_iret_fault(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	/* The IRETQ's operand, untouched above the CPU's frame for this
	 * fault (no IST for vectors 11-13). */
	const uint64_t *iret = (const uint64_t *)regs->rsp;
	struct cpu_regs g = *regs;

	/* The registers hold the guest's (popped before the IRETQ). */
	g.rip = iret[0];
	g.cs = iret[1];
	g.rflags = iret[2];
	g.rsp = iret[3];
	g.ss = iret[4];
	if (!v || !(g.cs & SEL_RPL))
		fatal_trap(regs, "fault of the exit IRETQ, no guest frame");
	/* The guest frame at the top of the stack: the CPU's frame and the
	 * GPRs pushed for this fault overwrote its lower part. */
	*guest_frame() = g; /* regs is gone now: it overlaps */
	pv_inject_exception(guest_frame(), (unsigned int)g.vector,
			    (int)g.error_code);
	pv_return_to_guest();
}
