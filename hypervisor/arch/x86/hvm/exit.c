/* SPDX-License-Identifier: MIT */
/*
 * Exit-handling steps that SVM and VMX do alike, around the back ends'
 * own decoding (asm/hvm.h "Shared by the back ends"): port I/O on rax,
 * the EFER and PAT rules, nested page faults, the interrupt to inject
 * before an entry, the guest-owned debug registers, and the general
 * registers of struct mica_hvm_vcpu_context.
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <asm/debugreg.h>
#include <asm/hvm.h>
#include <asm/msr-index.h>
#include <asm/page.h>
#include <public/hvm/hvm.h>

uint64_t *hvm_gpr(struct hvm_gprs *r, unsigned int n)
{
	uint64_t *const regs[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
		&r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
		&r->r12, &r->r13, &r->r14, &r->r15,
	};

	return regs[n & 15];
}

void hvm_io_insn(struct vcpu *v, uint16_t port, unsigned int size, bool in)
{
	struct hvm_gprs *r = &v->arch.hvm->regs;
	uint32_t val = (uint32_t)r->rax;

	hvm_handle_io(v, port, size, in, &val);
	if (!in)
		return;
	if (size == 4)
		r->rax = val; /* a 32-bit write clears bits 63:32 */
	else if (size == 2)
		r->rax = (r->rax & ~0xffffULL) | (val & 0xffff);
	else
		r->rax = (r->rax & ~0xffULL) | (val & 0xff);
}

bool hvm_pat_valid(uint64_t pat)
{
	for (unsigned int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (i * 8));

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

int hvm_efer_write(uint64_t old, uint64_t val, bool paging, uint64_t *efer)
{
	/* LMA is the CPU's; LME may change only with paging off. */
	val &= ~(uint64_t)EFER_LMA;
	if ((val & ~(uint64_t)HVM_EFER_GUEST_WRITABLE) ||
	    (paging && ((val ^ old) & EFER_LME)))
		return -1;
	*efer = val | (old & EFER_LMA);
	return 0;
}

int hvm_msr_insn(struct vcpu *v, bool write, struct hvm_msr_regs *m)
{
	struct hvm_gprs *r = &v->arch.hvm->regs;
	uint32_t msr = (uint32_t)r->rcx;
	uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;
	int rc = 0;

	if (!write) {
		if (msr == MSR_EFER)
			val = m->efer;
		else if (msr == MSR_PAT)
			val = m->pat;
		else
			rc = hvm_msr_read(v, msr, &val);
		if (!rc) {
			r->rax = (uint32_t)val;
			r->rdx = val >> 32;
		}
	} else if (msr == MSR_EFER) {
		rc = hvm_efer_write(m->efer, val, m->paging, &m->efer);
	} else if (msr == MSR_PAT) {
		if (hvm_pat_valid(val))
			m->pat = val;
		else
			rc = -1;
	} else {
		rc = hvm_msr_write(v, msr, val);
	}
	return rc;
}

void hvm_handle_nested_fault(struct vcpu *v, uint64_t gpa, bool write,
			     bool fetch, bool delivering, uint64_t info)
{
	/* An access made while delivering an event (the IDT, the stack
	 * pushes) is not the instruction's: emulating that instruction for
	 * it would run it while the event is re-injected, again and again.
	 * An IDT or a stack in MMIO is not a working guest. */
	if (delivering) {
		domain_crash(v->domain,
			     "nested page fault at gpa %lx while delivering an "
			     "event (info %lx)",
			     gpa, info);
		return;
	}
	if (!p2m_lookup(v->domain, gpa >> PAGE_SHIFT)) {
		hvm_handle_unmapped_access(v, gpa, write, fetch);
		return;
	}
	domain_crash(v->domain, "nested page fault at gpa %lx (info %lx)", gpa,
		     info);
}

int hvm_intr_assist(struct vcpu *v, bool blocked, bool *window)
{
	int cookie = hvm_intr_next(v);

	*window = cookie >= 0 && blocked;
	if (cookie < 0 || blocked)
		return -1;
	return (int)hvm_intr_ack(v, cookie);
}

bool hvm_nmi_pending(const struct vcpu *v)
{
	return __atomic_load_n(&v->arch.hvm->nmi_pending, __ATOMIC_ACQUIRE);
}

bool hvm_nmi_take(struct vcpu *v)
{
	return __atomic_exchange_n(&v->arch.hvm->nmi_pending, false,
				   __ATOMIC_ACQ_REL);
}

void hvm_dr_load(const uint64_t dr[4])
{
	write_dr0(dr[0]);
	write_dr1(dr[1]);
	write_dr2(dr[2]);
	write_dr3(dr[3]);
}

void hvm_dr_save(uint64_t dr[4])
{
	dr[0] = read_dr0();
	dr[1] = read_dr1();
	dr[2] = read_dr2();
	dr[3] = read_dr3();
}

void hvm_context_gprs_out(const struct hvm_gprs *r,
			  struct mica_hvm_vcpu_context *c)
{
	c->rax = r->rax, c->rbx = r->rbx, c->rcx = r->rcx, c->rdx = r->rdx;
	c->rsi = r->rsi, c->rdi = r->rdi, c->rbp = r->rbp, c->rsp = r->rsp;
	c->r8 = r->r8, c->r9 = r->r9, c->r10 = r->r10, c->r11 = r->r11;
	c->r12 = r->r12, c->r13 = r->r13, c->r14 = r->r14, c->r15 = r->r15;
	c->rip = r->rip, c->rflags = r->rflags;
}

int hvm_context_gprs_in(struct hvm_gprs *r,
			const struct mica_hvm_vcpu_context *c)
{
	/* DR6/DR7 bits 63:32 are reserved zero: VMX loads DR6 into the CPU
	 * itself (mov to DR6 with them set faults in Mica), DR7 and the SVM
	 * DR6 would fail the VM entry; CR0/CR4 alike. */
	if ((c->efer & ~(HVM_EFER_GUEST_WRITABLE | EFER_LMA)) ||
	    !hvm_pat_valid(c->pat) || (c->dr6 >> 32) || (c->dr7 >> 32) ||
	    (c->cr0 >> 32) || (c->cr4 >> 32))
		return -EINVAL;
	r->rax = c->rax, r->rbx = c->rbx, r->rcx = c->rcx, r->rdx = c->rdx;
	r->rsi = c->rsi, r->rdi = c->rdi, r->rbp = c->rbp, r->rsp = c->rsp;
	r->r8 = c->r8, r->r9 = c->r9, r->r10 = c->r10, r->r11 = c->r11;
	r->r12 = c->r12, r->r13 = c->r13, r->r14 = c->r14, r->r15 = c->r15;
	r->rip = c->rip, r->rflags = c->rflags;
	return 0;
}
