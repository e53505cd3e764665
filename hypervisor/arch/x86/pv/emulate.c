/* SPDX-License-Identifier: MIT */
/*
 * Emulation of the privileged instructions a PV guest may execute
 * (public/arch-x86/pv.h, "Privileged instructions"; physdev.h for port
 * I/O; arch-x86/cpuid.h for CPUID).  Guest code runs in ring 3, so these
 * instructions raise #GP (or #UD after the forced-emulation prefix); the
 * instruction is fetched, decoded (pv/insn.c), checked and emulated, or
 * the guest gets the fault it caused.
 */
#include <mica/domain.h>
#include <mica/guest_access.h>
#include <mica/sched.h>
#include <asm/cpu.h>
#include <asm/debugreg.h>
#include <asm/fpu.h>
#include <asm/insn.h>
#include <asm/ioport.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/pv.h>

#define X86_CR0_AM 0x00040000
#define X86_CR4_PSE 0x00000010

/* Where general register n (x86 numbering) lives in the frame. */
static uint64_t *gpr(struct cpu_regs *regs, unsigned int n)
{
	switch (n) {
	case 0:
		return &regs->rax;
	case 1:
		return &regs->rcx;
	case 2:
		return &regs->rdx;
	case 3:
		return &regs->rbx;
	case 4:
		return &regs->rsp;
	case 5:
		return &regs->rbp;
	case 6:
		return &regs->rsi;
	case 7:
		return &regs->rdi;
	case 8:
		return &regs->r8;
	case 9:
		return &regs->r9;
	case 10:
		return &regs->r10;
	case 11:
		return &regs->r11;
	case 12:
		return &regs->r12;
	case 13:
		return &regs->r13;
	case 14:
		return &regs->r14;
	default:
		return &regs->r15;
	}
}

/* Reads up to INSN_MAX_LEN bytes at rip; returns how many were readable. */
static unsigned int fetch(uint64_t rip, uint8_t *buf)
{
	unsigned int n;

	if (!copy_from_guest(buf, rip, INSN_MAX_LEN))
		return INSN_MAX_LEN;
	for (n = 0; n < INSN_MAX_LEN; n++)
		if (copy_from_guest(buf + n, rip + n, 1))
			break;
	return n;
}

static bool emulate_io(struct vcpu *v, struct cpu_regs *regs,
		       const struct insn *in)
{
	uint16_t port = in->port_in_dx ? (uint16_t)regs->rdx : in->port;
	uint32_t val;

	if (!ioport_access_ok(v, port, in->size))
		return false;
	if (in->op == INSN_OUT) {
		val = (uint32_t)regs->rax;
		if (in->size == 1)
			outb(port, (uint8_t)val);
		else if (in->size == 2)
			__asm__ __volatile__("outw %w0, %w1" ::"a"(val),
					     "Nd"(port));
		else
			outl(port, val);
		return true;
	}
	if (in->size == 1) {
		regs->rax = (regs->rax & ~0xffULL) | inb(port);
	} else if (in->size == 2) {
		uint16_t w;

		__asm__ __volatile__("inw %w1, %w0" : "=a"(w) : "Nd"(port));
		regs->rax = (regs->rax & ~0xffffULL) | w;
	} else {
		__asm__ __volatile__("inl %w1, %0" : "=a"(val) : "Nd"(port));
		regs->rax = val; /* 32-bit results clear the upper half */
	}
	return true;
}

/* The MSRs a PV guest kernel may read (0) or not (-1). */
static int msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v;
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE: /* the current mode's gs base */
	case MSR_KERNEL_GS_BASE: /* the other mode's */
	case MSR_PAT:
		*val = rdmsr(msr);
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc();
		return 0;
	case MSR_EFER:
		*val = rdmsr(MSR_EFER) &
		       (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
		return 0;
	default:
		return -1;
	}
}

static bool canonical(uint64_t va)
{
	return ((int64_t)va >> 47) == 0 || ((int64_t)va >> 47) == -1;
}

static int msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t cur;

	(void)v;
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
		if (!canonical(val))
			return -1;
		wrmsr(msr, val);
		return 0;
	case MSR_EFER:
	case MSR_PAT:
		/* Writing the value they have is allowed (and does nothing). */
		if (msr_read(v, msr, &cur) || cur != val)
			return -1;
		return 0;
	default:
		return -1;
	}
}

static uint64_t virtual_cr0(const struct vcpu *v)
{
	return X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
	       X86_CR0_AM | X86_CR0_PG | (v->arch.fpu_ts ? X86_CR0_TS : 0);
}

static bool emulate_cr(struct vcpu *v, struct cpu_regs *regs,
		       const struct insn *in)
{
	uint64_t *r = gpr(regs, in->gpr);

	if (in->op == INSN_MOV_FROM_CR) {
		switch (in->reg) {
		case 0:
			*r = virtual_cr0(v);
			return true;
		case 2:
			*r = v->arch.vcpu_info->arch.cr2;
			return true;
		case 3:
			*r = v->arch.cr3_kernel;
			return true;
		case 4:
			*r = read_cr4() &
			     (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_OSFXSR |
			      X86_CR4_OSXMMEXCPT | X86_CR4_OSXSAVE);
			return true;
		default:
			return false;
		}
	}
	/* Writes: only CR0.TS may change (the old-style fpu_taskswitch). */
	if (in->reg != 0 || ((*r ^ virtual_cr0(v)) & ~(uint64_t)X86_CR0_TS))
		return false;
	return pv_fpu_taskswitch(v, *r & X86_CR0_TS) == 0;
}

static bool emulate_dr(struct vcpu *v, struct cpu_regs *regs,
		       const struct insn *in)
{
	uint64_t *r = gpr(regs, in->gpr);

	if (in->op == INSN_MOV_FROM_DR)
		return pv_get_debugreg(v, in->reg, r) == 0;
	return pv_set_debugreg(v, in->reg, *r) == 0;
}

static bool emulate_kernel_only(struct vcpu *v, struct cpu_regs *regs,
				const struct insn *in)
{
	uint64_t val;

	switch (in->op) {
	case INSN_RDMSR:
		if (msr_read(v, (uint32_t)regs->rcx, &val))
			return false;
		regs->rax = (uint32_t)val;
		regs->rdx = val >> 32;
		return true;
	case INSN_WRMSR:
		return msr_write(v, (uint32_t)regs->rcx,
				 (regs->rdx << 32) | (uint32_t)regs->rax) == 0;
	case INSN_HLT:
		return sched_block_current() == 0; /* pv.h */
	case INSN_CLI:
		v->arch.vcpu_info->evtchn_upcall_mask = 1;
		return true;
	case INSN_STI:
		/* An upcall that is pending now is delivered on the way out. */
		v->arch.vcpu_info->evtchn_upcall_mask = 0;
		return true;
	case INSN_CLTS:
		return pv_fpu_taskswitch(v, false) == 0;
	case INSN_MOV_FROM_CR:
	case INSN_MOV_TO_CR:
		return emulate_cr(v, regs, in);
	case INSN_MOV_FROM_DR:
	case INSN_MOV_TO_DR:
		return emulate_dr(v, regs, in);
	default:
		return false;
	}
}

bool pv_emulate(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	uint8_t buf[INSN_MAX_LEN];
	struct insn in;
	uint32_t r[4];
	bool done;

	if (insn_decode(buf, fetch(regs->rip, buf), &in))
		return false;
	/* #UD is emulated only behind the prefix, #GP never is then. */
	if (in.forced != (regs->vector == 6))
		return false;
	switch (in.op) {
	case INSN_CPUID:
		guest_cpuid(v, (uint32_t)regs->rax, (uint32_t)regs->rcx, r);
		regs->rax = r[0];
		regs->rbx = r[1];
		regs->rcx = r[2];
		regs->rdx = r[3];
		done = true;
		break;
	case INSN_IN:
	case INSN_OUT:
		done = emulate_io(v, regs, &in);
		break;
	default:
		done = v->arch.kernel_mode && emulate_kernel_only(v, regs, &in);
		break;
	}
	if (done)
		regs->rip += in.len;
	return done;
}
