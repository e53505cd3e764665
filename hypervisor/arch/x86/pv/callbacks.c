/* SPDX-License-Identifier: MIT */
/*
 * The PV CPU hypercalls that manage entry into and return from the guest
 * kernel: callbacks, the kernel stack, segment bases and iret
 * (public/arch-x86/pv.h).
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/perfc.h>
#include <mica/sched.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/msr-index.h>
#include <asm/pv.h>
#include <asm/pv_segments.h>

static bool is_canonical(uint64_t va)
{
	return ((int64_t)va >> 47) == 0 || ((int64_t)va >> 47) == -1;
}

/* A guest entry point or stack: canonical, outside Mica's range. */
static bool guest_address_ok(uint64_t a)
{
	return is_canonical(a) && guest_range_ok(a, 1);
}

long do_callback_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	struct vcpu *v = current_vcpu();
	struct mica_callback_register reg;
	struct mica_callback_unregister unreg;

	(void)a3;
	(void)a4;
	(void)a5;
	switch (cmd) {
	case MICA_CALLBACKOP_register:
		if (copy_from_guest(&reg, arg, sizeof(reg)))
			return -EFAULT;
		if (reg.type > MICA_CALLBACK_nmi)
			return -ENOSYS;
		if (reg.pad0 || (reg.flags & ~MICA_CALLBACKF_MASK_EVENTS) ||
		    !reg.address || !guest_address_ok(reg.address))
			return -EINVAL;
		v->arch.callback[reg.type] = reg.address;
		v->arch.callback_flags[reg.type] = reg.flags;
		return 0;
	case MICA_CALLBACKOP_unregister:
		if (copy_from_guest(&unreg, arg, sizeof(unreg)))
			return -EFAULT;
		if (unreg.type > MICA_CALLBACK_nmi)
			return -ENOSYS;
		if (unreg.pad0[0] || unreg.pad0[1] || unreg.pad0[2] ||
		    unreg.type == MICA_CALLBACK_event)
			return -EINVAL;
		v->arch.callback[unreg.type] = 0;
		v->arch.callback_flags[unreg.type] = 0;
		return 0;
	default:
		return -ENOSYS;
	}
}

long do_stack_switch(uint64_t ss, uint64_t rsp, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	struct vcpu *v = current_vcpu();

	(void)a3;
	(void)a4;
	(void)a5;
	if ((ss & ~3ULL) != (GUEST_DS & ~3) || (ss & 3) == 1 || (ss & 3) == 2 ||
	    !guest_address_ok(rsp))
		return -EINVAL;
	v->arch.kernel_ss = ss;
	v->arch.kernel_sp = rsp;
	return 0;
}

/*
 * The user gs selector: null, Mica's flat data selector, or a selector of
 * the guest's own GDT or LDT (their descriptors obey the pv.h rules, so
 * loading one grants nothing; a 32-bit guest's TLS is such a GDT entry).
 * Mica's other reserved entries are refused, and so is a selector that
 * does not load (beyond the table, not present, not data or readable
 * code): the exception table catches the fault, gs becomes null.
 * Loading gs clears the base of the mode it is loaded in: it is loaded
 * with the user base active (Mica itself never uses gs).
 */
static long set_user_gs_selector(uint64_t value, bool kernel)
{
	uint16_t sel = (uint16_t)(value | 3), zero = 0;
	bool failed = false;

	if (value > 0xffff)
		return -EINVAL;
	if ((sel & ~3) && !(sel & 4) && (sel & ~7) >= GDT_RESERVED_BYTE &&
	    (sel & ~3) != (GUEST_DS & ~3))
		return -EINVAL;
	if (!(sel & ~3))
		sel = 0;
	/* clang-format off */
	__asm__ __volatile__(
		"	testb %[k], %[k]\n"
		"	jz 1f\n"
		"	swapgs\n"
		"1:	mov %w[s], %%gs\n"
		"2:	testb %[k], %[k]\n"
		"	jz 3f\n"
		"	swapgs\n"
		"3:\n"
		"	.pushsection .text.fixup, \"ax\"\n"
		"4:	movb $1, %[f]\n"
		"	mov %w[z], %%gs\n"
		"	jmp 2b\n"
		"	.popsection\n"
		"	.pushsection .extable, \"a\"\n"
		"	.balign 8\n"
		"	.quad 1b, 4b\n"
		"	.popsection\n"
		: [f] "+m"(failed)
		: [s] "r"(sel), [z] "r"(zero), [k] "q"((uint8_t)kernel)
		: "cc");
	/* clang-format on */
	return failed ? -EINVAL : 0;
}

long do_set_segment_base(uint64_t which, uint64_t value, uint64_t a3,
			 uint64_t a4, uint64_t a5)
{
	struct vcpu *v = current_vcpu();
	bool kernel = v->arch.kernel_mode;

	(void)a3;
	(void)a4;
	(void)a5;
	switch (which) {
	case MICA_SEGBASE_fs:
		if (!is_canonical(value))
			return -EINVAL;
		wrmsr(MSR_FS_BASE, value);
		return 0;
	case MICA_SEGBASE_gs_kernel:
	case MICA_SEGBASE_gs_user:
		if (!is_canonical(value))
			return -EINVAL;
		/* The active base is the one of the current mode. */
		wrmsr((which == MICA_SEGBASE_gs_kernel) == kernel ?
			      MSR_GS_BASE :
			      MSR_KERNEL_GS_BASE,
		      value);
		return 0;
	case MICA_SEGBASE_gs_user_sel:
		return set_user_gs_selector(value, kernel);
	default:
		return -ENOSYS;
	}
}

/* True if sel is a flat guest selector of the given kind with RPL 0. */
static bool kernel_selector_ok(uint64_t sel, uint16_t flat)
{
	return sel == (uint64_t)(flat & ~3);
}

__hot_path void pv_do_iret(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	struct mica_iret_frame f;
	unsigned int fault = 0;
	uint32_t error = 0;
	bool to_user;

	perfc_incr(iret);
	if (copy_from_guest(&f, regs->rsp, sizeof(f))) {
		domain_crash(v->domain, "iret frame at %lx unreadable",
			     regs->rsp);
		return;
	}
	/* RPL 0: kernel mode, on Mica's flat selectors only.  RPL 3: user
	 * mode, on any selectors (checked below).  Nothing else. */
	to_user = (f.cs & 3) == 3;
	if ((f.cs & 3) != (f.ss & 3) || f.cs > 0xffff || f.ss > 0xffff ||
	    (!to_user && ((!kernel_selector_ok(f.cs, GUEST_CS64) &&
			   !kernel_selector_ok(f.cs, GUEST_CS32)) ||
			  !kernel_selector_ok(f.ss, GUEST_DS)))) {
		domain_crash(v->domain, "iret with cs %lx ss %lx", f.cs, f.ss);
		return;
	}
	if (!v->arch.kernel_mode) {
		/* Only the guest kernel makes hypercalls (pv_do_syscall). */
		domain_crash(v->domain, "iret from user mode");
		return;
	}
	if (to_user && !v->arch.cr3_user) {
		/* mmu.h NEW_USER_BASEPTR (a): no user tables, no user mode. */
		domain_crash(v->domain, "iret to user mode with no user L4");
		return;
	}
	if (f.flags & ~(uint64_t)MICA_IRET_FROM_SYSCALL) {
		domain_crash(v->domain, "iret with unknown flags %lx", f.flags);
		return;
	}
	if (to_user)
		fault = pv_user_segments_fault(f.cs, f.ss, &error);
	pv_switch_mode(v, !to_user);
	v->arch.vcpu_info->evtchn_upcall_mask = !(f.rflags & 0x200);
	regs->rax = f.rax;
	regs->rip = f.rip;
	regs->cs = f.cs | 3;
	regs->rflags = f.rflags;
	regs->rsp = f.rsp;
	regs->ss = f.ss | 3;
	if (f.flags & MICA_IRET_FROM_SYSCALL) {
		/* rcx/r11 as SYSCALL left them (pv.h note 3): the exit can
		 * be a SYSRET. */
		regs->rcx = f.rip;
		regs->r11 = pv_guest_rflags(f.rflags);
	} else {
		regs->rcx = f.rcx;
		regs->r11 = f.r11;
	}
	/* Selectors a native IRET would refuse: its fault, from user mode
	 * at the target (pv.h iret note 5). */
	if (fault)
		pv_inject_exception(regs, fault, (int)error);
}

/*
 * Enters a system-call callback: as a bounce, and with DF clear, as
 * SYSCALL leaves it with the flag mask kernels use (their entry code
 * counts on it; the frame keeps the user's DF).  r11 follows rflags, so
 * the exit can still be a SYSRET.
 */
__hot_path static void bounce_to_syscall_callback(struct cpu_regs *regs,
						  unsigned int type)
{
	struct vcpu *v = current_vcpu();

	perfc_incr(syscall_bounces);
	if (pv_bounce(regs, v->arch.callback[type],
		      v->arch.callback_flags[type] & MICA_CALLBACKF_MASK_EVENTS,
		      -1))
		return;
	regs->rflags &= ~(uint64_t)X86_EFLAGS_DF;
	regs->r11 = pv_guest_rflags(regs->rflags);
}

/* A SYSCALL from guest user mode: the guest kernel's syscall callback. */
__hot_path void pv_bounce_syscall(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	unsigned int type = regs->cs == GUEST_CS32 ? MICA_CALLBACK_syscall32 :
						     MICA_CALLBACK_syscall;

	if (!v->arch.callback[type]) {
		/* As on hardware with SYSCALL disabled. */
		regs->vector = 6;
		pv_guest_exception(regs);
		return;
	}
	bounce_to_syscall_callback(regs, type);
}

/*
 * `sysenter` from compat user mode faults into Mica: #GP(0), as
 * MSR_IA32_SYSENTER_CS is 0 here (pv_cpu_init), or #UD on AMD CPUs,
 * which have no SYSENTER in long mode.  With a sysenter callback it
 * becomes that callback (pv.h), after the instruction like a `syscall`;
 * otherwise (and from 64-bit user mode or the guest kernel) the fault
 * stays what the CPU raised.  Called for #GP(0) and #UD from the guest.
 */
bool pv_bounce_sysenter(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	uint8_t insn[2];

	if (v->arch.kernel_mode || regs->cs != GUEST_CS32 ||
	    !v->arch.callback[MICA_CALLBACK_sysenter] ||
	    copy_from_guest(insn, regs->rip, sizeof(insn)) || insn[0] != 0x0f ||
	    insn[1] != 0x34)
		return false;
	regs->rip = (uint32_t)(regs->rip + 2);
	bounce_to_syscall_callback(regs, MICA_CALLBACK_sysenter);
	return true;
}

__hot_path void pv_deliver_upcall(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	struct mica_vcpu_info *vi = v->arch.vcpu_info;

	if (vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask &&
	    v->arch.callback[MICA_CALLBACK_event]) {
		perfc_incr(upcalls);
		pv_bounce(regs, v->arch.callback[MICA_CALLBACK_event], true,
			  -1);
	}
}
