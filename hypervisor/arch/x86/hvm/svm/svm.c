/* SPDX-License-Identifier: MIT */
/*
 * The AMD SVM back end of the HVM layer (asm/hvm.h): per-CPU enabling,
 * one VMCB per vcpu, ASIDs, intercepts, exit decoding and event injection.
 * Guest memory is reached only through the domain's nested page tables
 * (hvm/p2m.c).
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <asm/cpu.h>
#include <asm/debugreg.h>
#include <asm/hvm.h>
#include <asm/msr-index.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <public/hvm/hvm.h>

#include "vmcb.h"

#define MSR_VM_CR 0xc0010114
#define VM_CR_SVMDIS (1ULL << 4)
#define MSR_VM_HSAVE_PA 0xc0010117
#define EFER_SVME (1ULL << 12)

#define X86_CR0_PE 0x1
#define X86_CR0_ET 0x10
#define X86_CR0_PG 0x80000000ULL
#define RFLAGS_IF 0x200
#define PAT_DEFAULT 0x0007040600070406ULL

#define VECTOR_UD 6
#define VECTOR_GP 13
#define VECTOR_NMI 2

struct svm_vcpu {
	struct vmcb *vmcb;
	paddr_t vmcb_pa;
	uint32_t asid;
	unsigned int asid_cpu;
	uint64_t asid_generation;
	/* DR0-3 are not in the VMCB: once the guest touches them, the
	 * intercept goes and they are loaded before and saved after each
	 * run of the vcpu (Mica itself never uses them). */
	bool dr_live;
	uint64_t dr[4];
	/* The guest's NMI blocking, which the VMCB does not keep: set when
	 * an NMI is injected, with the IRET intercept on; the IRET exit
	 * (taken before the IRET runs) leaves iret_rip, and the blocking
	 * ends at the first exit past that instruction. */
	bool nmi_blocked;
	bool iret_seen;
	uint64_t iret_rip;
	/* VMCB_CLEAN_* groups Mica changed since the last VMRUN, and the
	 * CPU of that VMRUN (-1: none yet): svm_vcpu_run's clean_bits. */
	uint32_t dirty;
	int run_cpu;
};

/* Per CPU: the host state vmload restores after each exit, and ASIDs. */
struct svm_cpu {
	paddr_t host_vmcb_pa;
	paddr_t last_vmcb_pa; /* the VMCB of the last VMRUN here */
	uint32_t next_asid;
	uint64_t asid_generation;
};

static struct svm_cpu svm_cpus[NR_CPUS];
static uint32_t max_asid; /* CPUID 0x8000000A EBX: ASIDs 1..max-1 */
static bool has_nrips; /* next_rip in the VMCB */
static bool has_vmcb_clean; /* clean_bits honoured (else always 0) */
/* Shared by every VMCB: intercept every port, and every MSR but those
 * vmload/vmsave switch (they are the guest's own). */
static paddr_t iopm_pa, msrpm_pa;

void svm_vmrun(struct hvm_gprs *regs, paddr_t vmcb_pa, paddr_t host_vmcb_pa);

/* CPUID 0x80000001 ECX bit 2 (SVM), 0x8000000A EDX bit 0 (nested
 * paging); VM_CR exists whenever SVM does. */
bool svm_supported(void)
{
	uint32_t a, b, c, d, max_ext;

	cpuid_count(0x80000000, 0, &max_ext, &b, &c, &d);
	if (max_ext < 0x8000000a)
		return false;
	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	if (!(c & (1u << 2)))
		return false;
	cpuid_count(0x8000000a, 0, &a, &b, &c, &d);
	return (d & 1) && !(rdmsr(MSR_VM_CR) & VM_CR_SVMDIS);
}

static paddr_t alloc_zeroed(unsigned int order, uint8_t fill)
{
	struct page_info *pg = alloc_pages(order, OWNER_HYPERVISOR);

	if (!pg)
		return 0;
	memset(page_to_virt(pg), fill, PAGE_SIZE << order);
	return (paddr_t)page_to_mfn(pg) << PAGE_SHIFT;
}

/* The MSR permission map: two bits (read, write) per MSR in three
 * 2 KiB ranges; a clear bit lets the guest reach the MSR. */
static void msrpm_allow(uint8_t *pm, uint32_t msr)
{
	uint32_t base;

	if (msr < 0x2000)
		base = 0;
	else if (msr - 0xc0000000u < 0x2000)
		base = 0x800, msr -= 0xc0000000u;
	else
		base = 0x1000, msr -= 0xc0010000u;
	pm[base + msr / 4] &= (uint8_t) ~(3u << ((msr % 4) * 2));
}

static int svm_global_init(void)
{
	static const uint32_t guest_msrs[] = {
		MSR_STAR,
		MSR_LSTAR,
		MSR_CSTAR,
		MSR_SYSCALL_MASK,
		MSR_FS_BASE,
		MSR_GS_BASE,
		MSR_KERNEL_GS_BASE,
		0x174 /* SYSENTER_CS */,
		0x175 /* SYSENTER_ESP */,
		0x176 /* SYSENTER_EIP */,
	};
	uint32_t a, b, c, d;

	cpuid_count(0x8000000a, 0, &a, &b, &c, &d);
	max_asid = b;
	has_nrips = d & (1u << 3);
	has_vmcb_clean = d & (1u << 5);
	iopm_pa = alloc_zeroed(2, 0xff); /* 12 KiB used */
	msrpm_pa = alloc_zeroed(1, 0xff); /* 8 KiB */
	if (!iopm_pa || !msrpm_pa || max_asid < 2)
		return -ENOMEM;
	for (unsigned int i = 0; i < ARRAY_SIZE(guest_msrs); i++)
		msrpm_allow(maddr_to_virt(msrpm_pa), guest_msrs[i]);
	return 0;
}

static int svm_cpu_init(void)
{
	struct svm_cpu *sc = &svm_cpus[this_cpu()->cpu_id];
	paddr_t hsave;
	int rc;

	if (!iopm_pa) {
		rc = svm_global_init();
		if (rc)
			return rc;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return -ENODEV; /* disabled by the firmware */
	hsave = alloc_zeroed(0, 0);
	sc->host_vmcb_pa = alloc_zeroed(0, 0);
	if (!hsave || !sc->host_vmcb_pa)
		return -ENOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	/* This CPU's TR, LDTR (none), syscall MSRs: restored after each
	 * exit.  Mica never relies on FS, GS or their bases. */
	__asm__ __volatile__("vmsave %%rax" ::"a"(sc->host_vmcb_pa) : "memory");
	sc->next_asid = 1;
	sc->asid_generation = 1;
	return 0;
}

static struct svm_vcpu *svm(const struct vcpu *v)
{
	return v->arch.hvm->backend;
}

static int svm_vcpu_create(struct vcpu *v)
{
	struct svm_vcpu *s = xzalloc(sizeof(*s));
	struct vmcb *vmcb;

	if (!s)
		return -ENOMEM;
	s->vmcb_pa = alloc_zeroed(0, 0);
	if (!s->vmcb_pa) {
		xfree(s);
		return -ENOMEM;
	}
	vmcb = s->vmcb = maddr_to_virt(s->vmcb_pa);
	v->arch.hvm->backend = s;
	s->dirty = VMCB_CLEAN_ALL;
	s->run_cpu = -1;

	/* Debug registers 0-3 are not in the VMCB: the guest must not see
	 * or set the host's (or another vcpu's) breakpoints. */
	vmcb->intercept_dr = 0x000f000f;
	vmcb->intercept_misc1 =
		INTERCEPT1_INTR | INTERCEPT1_NMI | INTERCEPT1_SMI |
		INTERCEPT1_INIT | INTERCEPT1_CPUID | INTERCEPT1_RSM |
		INTERCEPT1_INVD | INTERCEPT1_HLT | INTERCEPT1_INVLPGA |
		INTERCEPT1_IOIO | INTERCEPT1_MSR | INTERCEPT1_TASK_SWITCH |
		INTERCEPT1_SHUTDOWN;
	vmcb->intercept_misc2 = INTERCEPT2_VMRUN | INTERCEPT2_VMMCALL |
				INTERCEPT2_VMLOAD | INTERCEPT2_VMSAVE |
				INTERCEPT2_STGI | INTERCEPT2_CLGI |
				INTERCEPT2_SKINIT | INTERCEPT2_XSETBV;
	vmcb->iopm_base_pa = iopm_pa;
	vmcb->msrpm_base_pa = msrpm_pa;
	vmcb->vintr = VINTR_MASKING;
	vmcb->np_enable = 1;
	vmcb->n_cr3 = v->domain->arch.hvm->p2m_root;
	vmcb->g_pat = PAT_DEFAULT;
	vmcb->efer = EFER_SVME;
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *s = svm(v);

	if (!s)
		return;
	free_pages(mfn_to_page(s->vmcb_pa >> PAGE_SHIFT), 0);
	xfree(s);
	v->arch.hvm->backend = NULL;
}

static void set_seg(struct vmcb_seg *s, uint16_t sel, uint64_t base,
		    uint32_t limit, uint16_t attrib)
{
	s->sel = sel;
	s->base = base;
	s->limit = limit;
	s->attrib = attrib;
}

/* public/hvm/hvm.h "Boot state". */
static void svm_vcpu_reset_real_mode(struct vcpu *v, uint16_t cs, uint16_t ip)
{
	struct svm_vcpu *sv = svm(v);
	struct vmcb *vmcb = sv->vmcb;
	const uint16_t data = 0x93, code = 0x9b; /* present, accessed */

	/* INIT ends NMI blocking. */
	sv->nmi_blocked = sv->iret_seen = false;
	vmcb->intercept_misc1 &= ~INTERCEPT1_IRET;
	sv->dirty = VMCB_CLEAN_ALL;
	set_seg(&vmcb->cs, cs, (uint64_t)cs << 4, 0xffff, code);
	set_seg(&vmcb->ds, 0, 0, 0xffff, data);
	set_seg(&vmcb->es, 0, 0, 0xffff, data);
	set_seg(&vmcb->fs, 0, 0, 0xffff, data);
	set_seg(&vmcb->gs, 0, 0, 0xffff, data);
	set_seg(&vmcb->ss, 0, 0, 0xffff, data);
	set_seg(&vmcb->gdtr, 0, 0, 0xffff, 0);
	set_seg(&vmcb->idtr, 0, 0, 0x3ff, 0);
	set_seg(&vmcb->ldtr, 0, 0, 0xffff, 0x82);
	set_seg(&vmcb->tr, 0, 0, 0xffff, 0x8b);
	vmcb->cpl = 0;
	vmcb->cr0 = X86_CR0_ET;
	vmcb->cr3 = vmcb->cr4 = 0;
	vmcb->efer = EFER_SVME;
	vmcb->dr6 = 0xffff0ff0;
	vmcb->dr7 = 0x400;
	memset(&v->arch.hvm->regs, 0, sizeof(v->arch.hvm->regs));
	v->arch.hvm->regs.rip = ip;
	v->arch.hvm->regs.rflags = 0x2;
}

static void svm_inject_exception(struct vcpu *v, unsigned int vector,
				 int error_code)
{
	struct vmcb *vmcb = svm(v)->vmcb;
	uint64_t ev = vector | EVENT_TYPE_EXCEPTION | EVENT_VALID;

	/* Real mode pushes no error codes. */
	if (error_code >= 0 && (vmcb->cr0 & X86_CR0_PE))
		ev |= EVENT_ERROR_VALID |
		      ((uint64_t)(uint32_t)error_code << 32);
	vmcb->eventinj = ev;
}

/* A fresh ASID when the vcpu comes to a CPU it did not last run on, or
 * the CPU ran out and started a new generation (flushing its TLB). */
static void assign_asid(struct svm_vcpu *s)
{
	unsigned int cpu = this_cpu()->cpu_id;
	struct svm_cpu *sc = &svm_cpus[cpu];

	s->vmcb->tlb_control = 0;
	if (s->asid_cpu == cpu && s->asid_generation == sc->asid_generation)
		return;
	if (sc->next_asid >= max_asid) {
		sc->asid_generation++;
		sc->next_asid = 1;
	}
	s->asid = sc->next_asid++;
	s->asid_cpu = cpu;
	s->asid_generation = sc->asid_generation;
	s->vmcb->asid = s->asid;
	s->vmcb->tlb_control = 1; /* the ASID may hold stale entries */
	s->dirty |= VMCB_CLEAN_ASID;
}

static void advance_rip(struct vcpu *v, unsigned int len)
{
	struct vmcb *vmcb = svm(v)->vmcb;

	v->arch.hvm->regs.rip = has_nrips ? vmcb->next_rip :
					    v->arch.hvm->regs.rip + len;
}

static void handle_ioio(struct vcpu *v, struct vmcb *vmcb)
{
	uint64_t info = vmcb->exitinfo1;
	unsigned int size = (info >> IOIO_SZ_SHIFT) & 7;
	uint16_t port = (uint16_t)(info >> IOIO_PORT_SHIFT);

	if (info & IOIO_STR) {
		hvm_emulate_insn(v); /* ins/outs: the emulator does the I/O */
		return;
	}
	size = size == 4 ? 4 : size == 2 ? 2 : 1;
	hvm_io_insn(v, port, size, info & IOIO_IN);
	v->arch.hvm->regs.rip = vmcb->exitinfo2; /* the next instruction */
}

/* The MSRs whose state is in the VMCB; the rest is the common code's. */
static void handle_msr(struct vcpu *v, struct vmcb *vmcb)
{
	struct hvm_msr_regs m = {
		.efer = vmcb->efer & ~EFER_SVME,
		.pat = vmcb->g_pat,
		.paging = vmcb->cr0 & X86_CR0_PG,
	};

	if (hvm_msr_insn(v, vmcb->exitinfo1 != 0, &m)) {
		svm_inject_exception(v, VECTOR_GP, 0);
		return;
	}
	if (vmcb->efer != (m.efer | EFER_SVME)) {
		vmcb->efer = m.efer | EFER_SVME;
		svm(v)->dirty |= VMCB_CLEAN_CRX;
	}
	if (vmcb->g_pat != m.pat) {
		vmcb->g_pat = m.pat;
		svm(v)->dirty |= VMCB_CLEAN_NP;
	}
	advance_rip(v, 2);
}

static void handle_exit(struct vcpu *v, struct vmcb *vmcb)
{
	uint64_t code = vmcb->exitcode;

	switch (code) {
	case VMEXIT_INTR:
	case VMEXIT_NMI:
	case VMEXIT_SMI:
		break; /* taken by Mica when svm_vmrun set GIF */
	case VMEXIT_INIT:
		break; /* a physical INIT: guests get only their vcpus' IPIs */
	case VMEXIT_VINTR:
		break; /* an interrupt window: svm_intr_assist injects now */
	case VMEXIT_IRET:
		/* The IRET runs when the guest goes on: no more exits for
		 * it; the blocking ends once the guest is past it. */
		vmcb->intercept_misc1 &= ~INTERCEPT1_IRET;
		svm(v)->dirty |= VMCB_CLEAN_INTERCEPTS;
		svm(v)->iret_seen = true;
		svm(v)->iret_rip = v->arch.hvm->regs.rip;
		break;
	case VMEXIT_CPUID:
		hvm_handle_cpuid(v);
		advance_rip(v, 2);
		break;
	case VMEXIT_VMMCALL:
		advance_rip(v, 3);
		hvm_handle_hypercall(v);
		break;
	case VMEXIT_HLT:
		advance_rip(v, 1);
		hvm_handle_hlt(v);
		break;
	case VMEXIT_IOIO:
		handle_ioio(v, vmcb);
		break;
	case VMEXIT_MSR:
		handle_msr(v, vmcb);
		break;
	case VMEXIT_INVD:
		advance_rip(v, 2); /* caches stay coherent: a no-op */
		break;
	case VMEXIT_VMRUN:
	case VMEXIT_VMLOAD:
	case VMEXIT_VMSAVE:
	case VMEXIT_STGI:
	case VMEXIT_CLGI:
	case VMEXIT_SKINIT:
	case VMEXIT_INVLPGA:
	case VMEXIT_XSETBV:
	case VMEXIT_RSM:
		svm_inject_exception(v, VECTOR_UD, -1); /* hvm.h P6 */
		break;
	case VMEXIT_NPF:
		hvm_handle_nested_fault(v, vmcb->exitinfo2,
					vmcb->exitinfo1 & NPF_WRITE,
					vmcb->exitinfo1 & NPF_FETCH,
					vmcb->exitintinfo & EVENT_VALID,
					vmcb->exitinfo1);
		break;
	case VMEXIT_SHUTDOWN:
		domain_crash(v->domain, "triple fault (shutdown) at rip %lx",
			     v->arch.hvm->regs.rip);
		break;
	case VMEXIT_INVALID:
		domain_crash(v->domain, "VMRUN refused the guest state");
		break;
	default:
		if (code >= VMEXIT_DR0_READ && code <= VMEXIT_DR15_WRITE &&
		    (code & 0xf) < 4) {
			/* The first DR0-3 access: they become the guest's
			 * own; the instruction runs again without exit. */
			svm(v)->dr_live = true;
			vmcb->intercept_dr = 0;
			svm(v)->dirty |= VMCB_CLEAN_INTERCEPTS;
		} else if (code >= VMEXIT_DR0_READ &&
			   code <= VMEXIT_DR15_WRITE) {
			domain_crash(v->domain,
				     "debug register access (exit %lx)", code);
		} else
			domain_crash(v->domain,
				     "unexpected SVM exit %lx (info %lx %lx) "
				     "at rip %lx",
				     code, vmcb->exitinfo1, vmcb->exitinfo2,
				     v->arch.hvm->regs.rip);
		break;
	}
}

/*
 * Before each entry: inject the interrupt the guest should take next, or,
 * when it cannot take one now (rflags.IF clear, an interrupt shadow, an
 * event being delivered), ask for a VINTR exit as soon as it can.
 */
/*
 * An NMI for the guest: injected unless it is in its NMI handler (until
 * past its IRET), in an interrupt shadow, or an event is on its way in.
 * Once the IRET exit was seen, the next exit past it unblocks; with IF
 * clear an interrupt window brings that exit right after an IRET that
 * sets IF, else the NMI waits for the guest's next exit (an interrupt
 * window exits only with IF set).  True if a window is wanted for it.
 */
static bool svm_nmi_assist(struct vcpu *v, struct svm_vcpu *s,
			   struct vmcb *vmcb)
{
	if (s->iret_seen && v->arch.hvm->regs.rip != s->iret_rip)
		s->nmi_blocked = s->iret_seen = false;
	if (!hvm_nmi_pending(v))
		return false;
	if (s->nmi_blocked)
		return s->iret_seen && !(v->arch.hvm->regs.rflags & RFLAGS_IF);
	/* An event on its way in, or a shadow: a window when IF allows. */
	if ((vmcb->eventinj & EVENT_VALID) || (vmcb->interrupt_shadow & 1))
		return true;
	if (!hvm_nmi_take(v))
		return false;
	vmcb->eventinj = VECTOR_NMI | EVENT_TYPE_NMI | EVENT_VALID;
	s->nmi_blocked = true;
	vmcb->intercept_misc1 |= INTERCEPT1_IRET;
	s->dirty |= VMCB_CLEAN_INTERCEPTS;
	return false;
}

static void svm_intr_assist(struct vcpu *v, struct vmcb *vmcb)
{
	struct svm_vcpu *s = svm(v);
	bool nmi_window = svm_nmi_assist(v, s, vmcb);
	uint64_t vintr = vmcb->vintr;
	uint32_t icpt = vmcb->intercept_misc1;
	bool window;
	int vec = hvm_intr_assist(v,
				  (vmcb->eventinj & EVENT_VALID) ||
					  !(v->arch.hvm->regs.rflags &
					    RFLAGS_IF) ||
					  (vmcb->interrupt_shadow & 1),
				  &window);

	vintr &= ~(VINTR_IRQ | VINTR_IGN_TPR | VINTR_PRIO_MASK);
	icpt &= ~INTERCEPT1_VINTR;
	if (vec >= 0) {
		vmcb->eventinj = (unsigned int)vec | EVENT_TYPE_INTR |
				 EVENT_VALID;
	} else if (window || nmi_window) {
		vintr |= VINTR_IRQ | VINTR_IGN_TPR | VINTR_PRIO_MASK;
		icpt |= INTERCEPT1_VINTR;
	}
	if (vintr != vmcb->vintr) {
		vmcb->vintr = vintr;
		s->dirty |= VMCB_CLEAN_TPR;
	}
	if (icpt != vmcb->intercept_misc1) {
		vmcb->intercept_misc1 = icpt;
		s->dirty |= VMCB_CLEAN_INTERCEPTS;
	}
}

/* What the common handlers and the emulator read after an exit. */
static void save_exit_state(struct hvm_vcpu *h, const struct vmcb *vmcb)
{
	h->cpl = vmcb->cpl;
	h->mode64 = (vmcb->efer & EFER_LMA) && (vmcb->cs.attrib & (1u << 9));
	h->interrupts_enabled = vmcb->rflags & RFLAGS_IF;
	h->cr0 = vmcb->cr0;
	h->cr3 = vmcb->cr3;
	h->cr4 = vmcb->cr4;
	h->efer = vmcb->efer & ~EFER_SVME;
	h->seg_base[HVM_SEG_ES] = vmcb->es.base;
	h->seg_base[HVM_SEG_CS] = vmcb->cs.base;
	h->seg_base[HVM_SEG_SS] = vmcb->ss.base;
	h->seg_base[HVM_SEG_DS] = vmcb->ds.base;
	h->seg_base[HVM_SEG_FS] = vmcb->fs.base;
	h->seg_base[HVM_SEG_GS] = vmcb->gs.base;
	h->cs_db = vmcb->cs.attrib & SEG_ATTR_DB;
}

/*
 * Only the groups Mica changed are reloaded from the VMCB; all of them
 * when the VMCB last ran on another CPU (whose cached copy this CPU
 * does not have) or another VMCB ran here since.
 */
static void svm_clean_bits(struct svm_vcpu *s)
{
	unsigned int cpu = this_cpu()->cpu_id;
	struct svm_cpu *sc = &svm_cpus[cpu];

	if (s->run_cpu != (int)cpu || sc->last_vmcb_pa != s->vmcb_pa)
		s->dirty = VMCB_CLEAN_ALL;
	s->vmcb->clean_bits = has_vmcb_clean ? VMCB_CLEAN_ALL & ~s->dirty : 0;
	s->dirty = 0;
	s->run_cpu = (int)cpu;
	sc->last_vmcb_pa = s->vmcb_pa;
}

static void svm_vcpu_run(struct vcpu *v)
{
	struct svm_vcpu *s = svm(v);
	struct vmcb *vmcb = s->vmcb;
	struct hvm_vcpu *h = v->arch.hvm;

	assign_asid(s);
	vmcb->rax = h->regs.rax;
	vmcb->rsp = h->regs.rsp;
	vmcb->rip = h->regs.rip;
	vmcb->rflags = h->regs.rflags;
	svm_intr_assist(v, vmcb);
	if (s->dr_live)
		hvm_dr_load(s->dr);
	svm_clean_bits(s); /* last: nothing changes the VMCB after it */

	svm_vmrun(&h->regs, s->vmcb_pa,
		  svm_cpus[this_cpu()->cpu_id].host_vmcb_pa);

	if (s->dr_live)
		hvm_dr_save(s->dr);

	h->regs.rax = vmcb->rax;
	h->regs.rsp = vmcb->rsp;
	h->regs.rip = vmcb->rip;
	h->regs.rflags = vmcb->rflags;
	save_exit_state(h, vmcb);
	vmcb->eventinj = 0;
	/* An event whose delivery the exit interrupted is delivered again. */
	if (vmcb->exitintinfo & EVENT_VALID)
		vmcb->eventinj = vmcb->exitintinfo;
	handle_exit(v, vmcb);
	/* An instruction Mica completed (advanced or emulated) leaves no
	 * STI or MOV SS shadow behind it (as under VMX). */
	if (h->regs.rip != vmcb->rip) {
		vmcb->interrupt_shadow &= ~1ULL;
	} else if ((vmcb->interrupt_shadow & 1) &&
		   (h->regs.rflags & RFLAGS_IF) && hvm_insn_is_hlt(v)) {
		/* An exit between sti and hlt.  QEMU's VMRUN does not
		 * restore the shadow, so an interrupt injected now would
		 * run before the hlt, which would then sleep for good: the
		 * hlt completes here instead, as the CPU would have run it. */
		h->regs.rip++;
		vmcb->interrupt_shadow &= ~1ULL;
		hvm_handle_hlt(v);
	}
}

static void seg_out(struct mica_hvm_segment *o, const struct vmcb_seg *s)
{
	o->sel = s->sel;
	o->attr = s->attrib;
	o->limit = s->limit;
	o->base = s->base;
}

static void seg_in(struct vmcb_seg *s, const struct mica_hvm_segment *i)
{
	s->sel = i->sel;
	s->attrib = i->attr & 0xfff;
	s->limit = i->limit;
	s->base = i->base;
}

static void svm_get_context(struct vcpu *v, struct mica_hvm_vcpu_context *c)
{
	const struct vmcb *vmcb = svm(v)->vmcb;

	hvm_context_gprs_out(&v->arch.hvm->regs, c);
	c->cr0 = vmcb->cr0, c->cr2 = vmcb->cr2, c->cr3 = vmcb->cr3;
	c->cr4 = vmcb->cr4, c->efer = vmcb->efer & ~EFER_SVME;
	c->dr6 = vmcb->dr6, c->dr7 = vmcb->dr7;
	seg_out(&c->es, &vmcb->es);
	seg_out(&c->cs, &vmcb->cs);
	seg_out(&c->ss, &vmcb->ss);
	seg_out(&c->ds, &vmcb->ds);
	seg_out(&c->fs, &vmcb->fs);
	seg_out(&c->gs, &vmcb->gs);
	seg_out(&c->gdtr, &vmcb->gdtr);
	seg_out(&c->ldtr, &vmcb->ldtr);
	seg_out(&c->idtr, &vmcb->idtr);
	seg_out(&c->tr, &vmcb->tr);
	c->star = vmcb->star, c->lstar = vmcb->lstar, c->cstar = vmcb->cstar;
	c->sfmask = vmcb->sfmask, c->kernel_gs_base = vmcb->kernel_gs_base;
	c->sysenter_cs = vmcb->sysenter_cs;
	c->sysenter_esp = vmcb->sysenter_esp;
	c->sysenter_eip = vmcb->sysenter_eip;
	c->pat = vmcb->g_pat;
}

static int svm_set_context(struct vcpu *v,
			   const struct mica_hvm_vcpu_context *c)
{
	struct vmcb *vmcb = svm(v)->vmcb;

	if (hvm_context_gprs_in(&v->arch.hvm->regs, c))
		return -EINVAL;
	svm(v)->dirty = VMCB_CLEAN_ALL;
	vmcb->cr0 = c->cr0, vmcb->cr2 = c->cr2, vmcb->cr3 = c->cr3;
	vmcb->cr4 = c->cr4, vmcb->efer = c->efer | EFER_SVME;
	vmcb->dr6 = c->dr6, vmcb->dr7 = c->dr7;
	seg_in(&vmcb->es, &c->es);
	seg_in(&vmcb->cs, &c->cs);
	seg_in(&vmcb->ss, &c->ss);
	seg_in(&vmcb->ds, &c->ds);
	seg_in(&vmcb->fs, &c->fs);
	seg_in(&vmcb->gs, &c->gs);
	seg_in(&vmcb->gdtr, &c->gdtr);
	seg_in(&vmcb->ldtr, &c->ldtr);
	seg_in(&vmcb->idtr, &c->idtr);
	seg_in(&vmcb->tr, &c->tr);
	vmcb->cpl = (c->ss.attr >> 5) & 3;
	vmcb->star = c->star, vmcb->lstar = c->lstar, vmcb->cstar = c->cstar;
	vmcb->sfmask = c->sfmask, vmcb->kernel_gs_base = c->kernel_gs_base;
	vmcb->sysenter_cs = c->sysenter_cs;
	vmcb->sysenter_esp = c->sysenter_esp;
	vmcb->sysenter_eip = c->sysenter_eip;
	vmcb->g_pat = c->pat;
	vmcb->eventinj = 0;
	return 0;
}

const struct hvm_backend svm_backend = {
	.name = "AMD SVM",
	.cpu_init = svm_cpu_init,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_reset_real_mode = svm_vcpu_reset_real_mode,
	.vcpu_run = svm_vcpu_run,
	.inject_exception = svm_inject_exception,
	.hypercall_insn = { 0x0f, 0x01, 0xd9 }, /* vmmcall */
	.get_context = svm_get_context,
	.set_context = svm_set_context,
};
