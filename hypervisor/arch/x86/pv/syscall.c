/* SPDX-License-Identifier: MIT */
/* The PV system-call path: hypercalls, and the exit back to the guest. */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/perfc.h>
#include <mica/sched.h>
#include <mica/softirq.h>
#include <asm/cpu.h>
#include <asm/fpu.h>
#include <asm/msr-index.h>
#include <asm/pv.h>
#include <asm/pv_segments.h>
#include <asm/pv_desc.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <public/mica.h>

/* Cleared by SYSCALL on entry to Mica: IF, TF, DF, AC, NT. */
#define SYSCALL_FLAGS_MASK 0x44700

extern const char pv_stub_page_start[], pv_stub_page_end[];
extern const char pv_lstar_stub[], pv_cstar_stub[];

__hot_path bool pv_do_syscall(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	long rc;

	if (!v->arch.kernel_mode) {
		/* A system call of the guest's own user space. */
		pv_bounce_syscall(regs);
	} else if (regs->vector != VECTOR_SYSCALL) {
		domain_crash(v->domain, "32-bit SYSCALL in guest kernel mode");
	} else if (regs->rax == MICA_HC_iret) {
		perfc_incr(hypercalls);
		pv_do_iret(regs); /* never returns to the caller */
	} else {
		perfc_incr(hypercalls);
		rc = hypercall_dispatch(regs->rax, regs->rdi, regs->rsi,
					regs->rdx, regs->r10, regs->r8);
		if (rc != HYPERCALL_PREEMPTED)
			regs->rax = (uint64_t)rc;
	}
	/* Straight on to the exit: one call and return fewer. */
	local_irq_disable();
	return pv_exit_prepare(regs);
}

/* The hypercall stub's `syscall` is 2 bytes (0f 05) before the return
 * address SYSCALL left in rcx, which the frame holds as rip.  rcx is
 * clobbered by the hypercall ABI: it follows rip, so SYSRET can return. */
void arch_hypercall_continuation(unsigned int nr, const uint64_t a[5])
{
	struct cpu_regs *regs = guest_frame();

	regs->rip -= 2;
	regs->rcx = regs->rip;
	regs->rax = nr;
	regs->rdi = a[0];
	regs->rsi = a[1];
	regs->rdx = a[2];
	regs->r10 = a[3];
	regs->r8 = a[4];
}

bool hypercall_preempt_check(void)
{
	/* One instruction after sti, pending interrupts are taken; their
	 * handlers only raise softirqs or answer shootdowns. */
	/* clang-format off */
	__asm__ __volatile__("sti; nop; cli" ::: "memory");
	/* clang-format on */
	return softirq_pending();
}

static bool is_canonical(uint64_t va)
{
	return ((int64_t)va >> 47) == 0 || ((int64_t)va >> 47) == -1;
}

__hot_path bool pv_exit_prepare(struct cpu_regs *regs)
{
	struct cpu_info *ci = this_cpu();
	const struct mica_vcpu_info *vi;
	struct vcpu *v;

	for (;;) {
		while (softirq_pending()) {
			local_irq_enable();
			softirq_run(); /* may switch vcpus: never returns then */
			local_irq_disable();
		}
		v = current_vcpu(); /* after the softirqs: maybe another */
		vi = v->arch.vcpu_info;
		/* The common case decided here, without calls. */
		if (v->arch.failsafe_pending)
			pv_failsafe_check(regs);
		if (vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask)
			pv_deliver_upcall(regs);
		/*
		 * IRETQ to a non-canonical rip would fault in Mica: in user
		 * mode that is the #GP(0) a native IRET raises, at the target
		 * (the handler's rip is canonical); the kernel's own return
		 * crashes.  A non-canonical rsp is the guest's business:
		 * IRETQ loads it unchecked and the guest's first use of it
		 * faults in the guest (user mode may set any rsp before a
		 * syscall).
		 */
		if (!is_canonical(regs->rip) && !v->arch.kernel_mode)
			pv_inject_exception(regs, 13, 0);
		else if (!is_canonical(regs->rip))
			domain_crash(v->domain,
				     "return to non-canonical rip %lx",
				     regs->rip);
		/* A crash (above, or by the failsafe check) stopped this vcpu
		 * and raised SCHEDULE: it must not return to the guest. */
		if (!softirq_pending())
			break;
	}
	/*
	 * Whatever the guest or a hypercall left in the frame, it returns to
	 * ring 3 on the flat guest selectors or (user mode) selectors of its
	 * own tables, with interrupts on and no I/O privilege.
	 */
	pv_exit_segments(v, regs);
	regs->rflags = pv_guest_rflags(regs->rflags);
	if (ci->exit_cr3) {
		/* Last: nothing of Mica runs on the user tables but the exit. */
		write_cr3(ci->exit_cr3);
		ci->exit_cr3 = 0;
	}
	/*
	 * SYSRET returns to GUEST_CS64/GUEST_DS (MSR_STAR) at rip = rcx with
	 * rflags = r11, and leaves rsp to us.  Where the frame already holds
	 * exactly that (after a hypercall, an iret with
	 * MICA_IRET_FROM_SYSCALL, a bounce), it does what IRETQ would, with
	 * no descriptor loads.  rip is canonical (above), so SYSRET cannot
	 * fault in Mica.
	 */
	if (regs->cs == GUEST_CS64 && regs->ss == GUEST_DS &&
	    regs->rcx == regs->rip && regs->r11 == regs->rflags &&
	    !(regs->rflags & ~(uint64_t)X86_EFLAGS_SYSRET_MASK)) {
		perfc_incr(exits_sysret);
		return true;
	}
	perfc_incr(exits_iret);
	return false;
}

void pv_cpu_init(void)
{
	uintptr_t stubs =
		this_cpu()->stack_block + STACK_PAGE_STUBS * PAGE_SIZE;

	wrmsr(MSR_STAR, ((uint64_t)GUEST_CS32 << 48) | ((uint64_t)HV_CS << 32));
	wrmsr(MSR_LSTAR, stubs + (pv_lstar_stub - pv_stub_page_start));
	wrmsr(MSR_CSTAR, stubs + (pv_cstar_stub - pv_stub_page_start));
	wrmsr(MSR_SYSCALL_MASK, SYSCALL_FLAGS_MASK);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* Guest `sysenter` faults into Mica (pv_bounce_sysenter), whatever
	 * the firmware left here. */
	wrmsr(MSR_IA32_SYSENTER_CS, 0);
	fpu_cpu_init();
	cpuid_faulting_cpu_init();
	pv_desc_cpu_init(this_cpu());
	if (this_cpu()->cpu_id == 0)
		pr_info("PV: FPU state by %s (xcr0 %lx), CPUID faulting %s\n",
			fpu_has_xsave ? "XSAVE" : "FXSAVE", fpu_xcr0,
			cpuid_faulting ? "on" : "not available");
}

/*
 * Hypercall N lives at offset N * 32: "mov $N, %eax; syscall; ret", padded
 * with int3.  Guests never build the trapping instruction themselves.
 */
void pv_write_hypercall_page(void *page)
{
	uint8_t *p = page;

	static const uint8_t iret_stub[] = {
		0x41, 0x53, /* push %r11 */
		0x51, /* push %rcx */
		0x50, /* push %rax */
		0xb8, MICA_HC_iret, 0, 0, 0, /* mov $MICA_HC_iret, %eax */
		0x0f, 0x05, /* syscall (never returns) */
	};

	memset(p, 0xcc, MICA_PAGE_SIZE);
	for (unsigned int n = 0; n < MICA_HYPERCALL_PAGE_SLOTS; n++) {
		uint8_t *slot = p + n * MICA_HYPERCALL_SLOT_SIZE;

		slot[0] = 0xb8; /* mov $n, %eax */
		slot[1] = (uint8_t)n;
		slot[2] = slot[3] = slot[4] = 0;
		slot[5] = 0x0f; /* syscall */
		slot[6] = 0x05;
		slot[7] = 0xc3; /* ret */
	}
	/* iret is jumped to with its frame on the stack (pv.h). */
	memcpy(p + MICA_HC_iret * MICA_HYPERCALL_SLOT_SIZE, iret_stub,
	       sizeof(iret_stub));
}
