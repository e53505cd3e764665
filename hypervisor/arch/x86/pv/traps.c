/* SPDX-License-Identifier: MIT */
/*
 * Exceptions raised by PV guest code, the guest's trap table, and the
 * bounce frame that enters the guest kernel (public/arch-x86/pv.h).
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
#include <asm/debugreg.h>
#include <asm/insn.h>
#include <asm/layout.h>
#include <asm/msr-index.h>
#include <asm/pv.h>
#include <asm/pv_segments.h>
#include <asm/pv_trap.h>
#include <asm/smp.h>

#define RFLAGS_IF 0x200
#define RFLAGS_TF 0x100
#define RFLAGS_IOPL 0x3000
#define RFLAGS_NT 0x4000
#define RFLAGS_RF 0x10000

/* Vectors whose exceptions carry an error code (as the CPU pushes it). */
static bool has_error_code(unsigned int vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17;
}

__hot_path void pv_switch_mode(struct vcpu *v, bool kernel)
{
	if (v->arch.kernel_mode == kernel)
		return;
	v->arch.kernel_mode = kernel;
	perfc_incr(mode_switches);
	/* The two gs bases trade places (MSR_KERNEL_GS_BASE holds the
	 * inactive mode's); Mica itself never uses gs. */
	/* clang-format off */
	__asm__ __volatile__("swapgs" ::: "memory");
	/* clang-format on */
	/* A guest may run user mode on its kernel tables (one L4 for both):
	 * then there is nothing to switch, and no TLB to lose. */
	if (v->arch.cr3_user == v->arch.cr3_kernel)
		return;
	/*
	 * To user mode: the exit loads the user L4 (pv_exit_prepare), so
	 * that the little Mica does before it runs on a warm TLB.  To kernel
	 * mode: at once, the kernel stack is written next; unless the user
	 * L4 was never loaded.
	 */
	if (!kernel)
		this_cpu()->exit_cr3 = v->arch.cr3_user;
	else if (this_cpu()->exit_cr3)
		this_cpu()->exit_cr3 = 0;
	else
		write_cr3(v->arch.cr3_kernel);
}

__hot_path int pv_bounce(struct cpu_regs *regs, uint64_t handler,
			 bool mask_events, int error_code)
{
	struct vcpu *v = current_vcpu();
	struct mica_vcpu_info *vi = v->arch.vcpu_info;
	bool from_user = !v->arch.kernel_mode;
	uint64_t frame[8], rsp, rflags;
	unsigned int n = 0;

	if (from_user) {
		if (!v->arch.kernel_sp) {
			domain_crash(v->domain,
				     "entry from user mode at %lx with no "
				     "kernel stack (stack_switch)",
				     regs->rip);
			return -EINVAL;
		}
		rsp = v->arch.kernel_sp;
		/* The CR3 write before the first look at vcpu_info: under
		 * QEMU every page touched on the user L4 is touched (and
		 * refilled) again on the kernel's. */
		pv_switch_mode(v, true);
	} else {
		rsp = regs->rsp;
	}
	rflags = regs->rflags & ~(uint64_t)(RFLAGS_IF | RFLAGS_IOPL);
	if (!vi->evtchn_upcall_mask)
		rflags |= RFLAGS_IF; /* the virtual IF */
	rflags |= (uint64_t)v->arch.iopl << 12; /* the virtual IOPL */
	rsp &= ~15ULL;
	/* Lowest address first: rcx, r11, [error code], rip, cs, ... */
	frame[n++] = regs->rcx;
	frame[n++] = regs->r11;
	if (error_code >= 0)
		frame[n++] = (uint64_t)(unsigned int)error_code;
	frame[n++] = regs->rip;
	frame[n++] = (regs->cs & ~3ULL) | (from_user ? 3 : 0);
	frame[n++] = rflags;
	frame[n++] = regs->rsp;
	frame[n++] = (regs->ss & ~3ULL) | (from_user ? 3 : 0);
	rsp -= n * sizeof(uint64_t);

	if (copy_to_guest(rsp, frame, n * sizeof(uint64_t))) {
		domain_crash(v->domain,
			     "cannot write an exception frame at "
			     "%lx (kernel stack unusable)",
			     rsp);
		return -EFAULT;
	}
	regs->rsp = rsp;
	regs->rip = handler;
	regs->cs = GUEST_CS64;
	regs->ss = GUEST_DS;
	/* AC too: the guest kernel runs in ring 3, where AC with CR0.AM
	 * would check its alignment. */
	regs->rflags &=
		~(uint64_t)(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | X86_EFLAGS_AC);
	/* The handler pops the interrupted rcx/r11 from the frame; the
	 * registers hold the return rip/rflags, as after SYSCALL (pv.h), so
	 * the exit can be a SYSRET. */
	regs->rcx = handler;
	regs->r11 = pv_guest_rflags(regs->rflags);
	if (mask_events)
		vi->evtchn_upcall_mask = 1;
	return 0;
}

/* Delivers 'vec' through the guest's trap table; crashes if none. */
__hot_path static void deliver_trap(struct cpu_regs *regs, unsigned int vec,
				    int error_code)
{
	struct vcpu *v = current_vcpu();
	uint64_t entry = v->arch.trap_table[vec];

	if (!entry) {
		domain_crash(v->domain,
			     "exception %u (error %x) at %lx with no handler",
			     vec, (unsigned int)error_code, regs->rip);
		return;
	}
	perfc_incr(exception_bounces);
	pv_bounce(regs, pv_trap_address(entry),
		  pv_trap_flags(entry) & MICA_TRAP_MASK_EVENTS, error_code);
}

void pv_inject_exception(struct cpu_regs *regs, unsigned int vec,
			 int error_code)
{
	deliver_trap(regs, vec, has_error_code(vec) ? error_code : -1);
}

/*
 * The software interrupt at the guest's cs:rip (asm/insn.h): *vec and its
 * length, or false if the bytes are not one or cannot be read.  One copy
 * up to the end of the page; the next page is read only if the
 * instruction runs into it (a one-byte instruction at the end of a page
 * must not touch it).
 */
static bool decode_soft_int(const struct cpu_regs *regs, unsigned int *vec,
			    unsigned int *len)
{
	bool long_mode;
	uint64_t at = pv_code_linear(regs->cs, regs->rip, &long_mode);
	unsigned int n = PAGE_SIZE - (unsigned int)(at & (PAGE_SIZE - 1));
	uint8_t b[INSN_MAX_LEN];
	int rc;

	if (n > INSN_MAX_LEN)
		n = INSN_MAX_LEN;
	if (copy_from_guest(b, at, n))
		return false;
	rc = insn_soft_int(b, n, long_mode, vec, len);
	if (rc == -EFAULT && n < INSN_MAX_LEN &&
	    !copy_from_guest(b + n, at + n, INSN_MAX_LEN - n))
		rc = insn_soft_int(b, INSN_MAX_LEN, long_mode, vec, len);
	return rc == 0;
}

/*
 * Mica's IDT gates all have DPL 0, so `int n`, `int3` and `into` from the
 * guest arrive as #GP with the IDT bit set in the error code.  The
 * instruction at rip says which it was (decoding it does not depend on how
 * a CPU or emulator fills the error code); it becomes the software interrupt
 * the guest asked for if its trap entry's DPL admits the guest's current
 * mode, else stays the #GP the hardware would give.  Prefixes count (the
 * CPU ignores them: `cs cs int3` is int3, as Linux's mov_ss_trap checks
 * after a MOV SS), and 32- and 16-bit code is read at its segment base.
 */
__hot_path static void software_interrupt(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	unsigned int mode = v->arch.kernel_mode ? 0 : 3;
	int gp_error = (int)regs->error_code;
	unsigned int vec, len;

	if (!decode_soft_int(regs, &vec, &len)) {
		deliver_trap(regs, 13, gp_error);
		return;
	}
	if ((pv_trap_flags(v->arch.trap_table[vec]) & MICA_TRAP_DPL_MASK) <
		    mode ||
	    !v->arch.trap_table[vec]) {
		deliver_trap(regs, 13, (int)(vec << 3) | 2);
		return;
	}
	regs->rip += len; /* a trap: return after the instruction */
	deliver_trap(regs, vec, -1);
}

__hot_path void pv_guest_exception(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	unsigned int vec = (unsigned int)regs->vector;

	if (!v) {
		pr_err("guest-mode exception %u with no vcpu\n", vec);
		return;
	}
	switch (vec) {
	case 8: /* #DF and #MC never reach a guest */
	case 18:
		domain_crash(v->domain, "exception %u", vec);
		return;
	case 1:
		debugreg_note_db(v); /* the guest reads DR6 (pv.h note 2) */
		break;
	case 6:
		/* AMD CPUs have no SYSENTER in long mode. */
		if (pv_bounce_sysenter(regs))
			return;
		if (pv_emulate(regs)) { /* the forced-emulation prefix */
			perfc_incr(emulations);
			return;
		}
		break;
	case 7:
		pv_fpu_device_not_available(v); /* virtual TS: now clear */
		break;
	case 13:
		if ((regs->error_code & 3) == 2) {
			software_interrupt(regs);
			return;
		}
		if (regs->error_code == 0 && pv_bounce_sysenter(regs))
			return;
		if (regs->error_code == 0 && pv_emulate(regs)) {
			perfc_incr(emulations);
			return;
		}
		break;
	case 14:
		v->arch.vcpu_info->arch.cr2 = read_cr2();
		/* The CPU ran at CPL 3 either way: the U/S bit tells the guest
		 * its own mode, as on bare metal. */
		if (v->arch.kernel_mode)
			regs->error_code &= ~4ULL;
		break;
	default:
		break;
	}
	deliver_trap(regs, vec,
		     has_error_code(vec) ? (int)regs->error_code : -1);
}

static bool guest_code_address_ok(uint64_t a)
{
	return guest_range_ok(a, 1) && a != 0;
}

long do_set_trap_table(uint64_t table, uint64_t a2, uint64_t a3, uint64_t a4,
		       uint64_t a5)
{
	struct vcpu *v = current_vcpu();
	struct mica_trap_info ti;

	(void)a2;
	(void)a3;
	(void)a4;
	(void)a5;
	if (!table) {
		memset(v->arch.trap_table, 0, sizeof(v->arch.trap_table));
		return 0;
	}
	for (unsigned int i = 0;; i++) {
		if (copy_from_guest(&ti, table + i * sizeof(ti), sizeof(ti)))
			return -EFAULT;
		if (!ti.address)
			return 0;
		if (i == 256)
			return -E2BIG;
		if (ti.pad0 ||
		    (ti.flags &
		     ~(MICA_TRAP_DPL_MASK | MICA_TRAP_MASK_EVENTS)) ||
		    (ti.flags & MICA_TRAP_DPL_MASK) == 1 ||
		    (ti.flags & MICA_TRAP_DPL_MASK) == 2 ||
		    (ti.cs != GUEST_CS64 && ti.cs != (GUEST_CS64 & ~3)) ||
		    !guest_code_address_ok(ti.address))
			return -EINVAL;
		v->arch.trap_table[ti.vector] = pv_trap_pack(&ti);
	}
}
