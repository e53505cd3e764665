/* SPDX-License-Identifier: MIT */
/*
 * The Intel VMX back end of the HVM layer (asm/hvm.h): detection, VMXON
 * per CPU, one VMCS per vcpu (controls fitted to the capability MSRs),
 * EPT from the domain's nested tables (hvm/p2m.c, EPT leaf flavour),
 * VPIDs, exit decoding and event injection.  See docs/hvm.md "VMX".
 *
 * A VMCS is active on at most one CPU.  It stays there after the vcpu
 * leaves (switching is cheap when the vcpu comes back); when the vcpu
 * runs on another CPU, or dies, the old CPU VMCLEARs it first (through a
 * call-function IPI).  Each CPU remembers its current VMCS, and code that
 * needs another vcpu's VMCS loads it and puts the previous one back.
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
#include <asm/layout.h>
#include <asm/msr-index.h>
#include <asm/page.h>
#include <asm/processor-flags.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <public/hvm/hvm.h>

#include "vmcs.h"

#define RFLAGS_IF 0x200
#define RFLAGS_FIXED 0x2
#define PAT_DEFAULT 0x0007040600070406ULL
#define X86_CR0_CD 0x40000000ULL
#define X86_CR0_NW 0x20000000ULL
#define X86_CR4_VMXE 0x2000ULL
#define X86_CR4_PSE 0x10ULL
#define X86_CR4_PCIDE 0x20000ULL
#define X86_CR4_SMEP 0x100000ULL

#define VECTOR_UD 6
#define VECTOR_GP 13
#define VECTOR_NMI 2

/* IA32_MISC_ENABLE, which every Intel CPU has and Linux reads without a
 * fault handler (its 32-bit entry clears XD disable): fast strings on,
 * no branch trace or PEBS; it cannot be changed. */
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MISC_ENABLE_FIXED ((1ULL << 0) | (1ULL << 11) | (1ULL << 12))
/* IA32_BIOS_SIGN_ID: the microcode revision, read after writing 0 and
 * running CPUID; none is loaded, so it reads 0 and writes are dropped. */
#define MSR_IA32_BIOS_SIGN_ID 0x8b
/* IA32_TSC_ADJUST (CPUID shows it on Intel): the guest's TSC is the
 * CPU's, never adjusted; it reads 0 and only 0 may be written. */
#define MSR_IA32_TSC_ADJUST 0x3b

/* CR0 and CR4 bits the guest sees from the read shadows and whose
 * writes exit: NE and VMXE are forced on in VMX operation; PG so that
 * entering and leaving long mode (EFER.LMA, the IA-32e entry control)
 * and PAE paging (the PDPTEs) are done here; OSXSAVE is refused (XCR0 is
 * not switched for HVM yet). */
#define CR0_OWNED (X86_CR0_NE | X86_CR0_PG)
#define CR4_OWNED (X86_CR4_VMXE | X86_CR4_OSXSAVE)
/* CR4 changes after which the guest's TLB entries are flushed. */
#define CR4_PAGING_BITS \
	(X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE | X86_CR4_PCIDE | X86_CR4_SMEP)

/* The guest MSRs the VMCS does not switch, passed through to the guest
 * and swapped by the MSR lists: the guest's stored on exit and loaded on
 * entry (one area per vcpu), the CPU's loaded on exit.  TSC_AUX (what
 * RDTSCP returns in ecx, which Linux sets to its CPU number) only when
 * the CPU has RDTSCP and VMX lets the guest run it: vmx.nr_swapped. */
static const uint32_t swapped_msrs[] = {
	MSR_STAR,	  MSR_LSTAR,	      MSR_CSTAR,
	MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
};
#define NR_SWAPPED_MAX ARRAY_SIZE(swapped_msrs)

struct vmx_msr_entry {
	uint32_t index;
	uint32_t reserved;
	uint64_t data;
};
_Static_assert(sizeof(struct vmx_msr_entry) == 16, "VMX MSR list entry");

struct vmx_vcpu {
	paddr_t vmcs_pa;
	struct vmx_msr_entry *guest_msrs; /* vmx.nr_swapped, own page */
	int active_cpu; /* where the VMCS is active, -1: nowhere */
	bool launched; /* VMLAUNCH done since it became active there */
	uint16_t vpid;
	uint64_t vpid_generation;
	uint64_t cr8; /* the TPR as the guest sees it (no APIC yet) */
	/* The event for the next entry (VM_ENTRY_INTR_INFO), 0: none. */
	uint32_t inject_info;
	uint32_t inject_error;
	uint32_t inject_len;
	uint32_t cpu_ctls; /* the primary controls, as in the VMCS */
	uint32_t pin_ctls; /* the pin-based controls, as in the VMCS */
	/* HOST_CR0 and HOST_CR3 as in the VMCS: written only on change. */
	uint64_t host_cr0, host_cr3;
	uint32_t intr_state; /* GUEST_INTERRUPTIBILITY at the last exit */
	uint64_t cr2; /* not in the VMCS: loaded around each run */
	/* DR0-3 and DR6 are not in the VMCS: once the guest touches a debug
	 * register, MOV DR exiting goes and they are loaded before and
	 * saved after each run of the vcpu (DR7 is in the VMCS). */
	bool dr_live;
	uint64_t dr[4], dr6;
};

/* Per CPU: VMXON region, current VMCS, host state, VPIDs. */
struct vmx_cpu {
	paddr_t vmxon_pa;
	paddr_t current_vmcs; /* 0: none */
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed gdtr; /* reloaded after every exit (limit) */
	uint64_t idtr_base;
	struct vmx_msr_entry *host_msrs; /* vmx.nr_swapped */
	paddr_t host_msrs_pa;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint32_t next_vpid;
	uint64_t vpid_generation;
};

static struct vmx_cpu vmx_cpus[NR_CPUS];

/* The longest a kick waits for a vcpu entered with IF clear
 * (arm_kick_timer): 1 ms. */
#define KICK_TIMEOUT_HZ 1000

/* Fitted once from the capability MSRs (vmx_supported). */
static struct {
	uint32_t revision;
	uint32_t pin, cpu, cpu2, exit, entry;
	/* The preemption timer (arm_kick_timer): present, its rate (TSC
	 * shift), and its start value (set with the first vcpu, once the
	 * TSC is calibrated). */
	bool preempt_timer;
	bool vnmi; /* virtual NMIs and NMI-window exiting */
	unsigned int preempt_shift;
	uint32_t kick_timeout;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool invept_single, invvpid_single;
	paddr_t msr_bitmap_pa;
	unsigned int nr_swapped; /* entries of swapped_msrs in use */
} vmx;

int vmx_enter(struct hvm_gprs *regs, bool launched, const void *host_gdtr);
extern const char vmx_exit[];

/* --------------------------------------------------------------------
 * VMX instructions
 * ------------------------------------------------------------------ */

static void vmwrite(uint64_t field, uint64_t value)
{
	bool fail;

	__asm__ __volatile__("vmwrite %2, %1; setna %0"
			     : "=qm"(fail)
			     : "r"(field), "rm"(value)
			     : "cc", "memory");
	if (fail)
		pr_err("VMX: vmwrite %lx = %lx failed\n", field, value);
}

static uint64_t vmread(uint64_t field)
{
	uint64_t value = 0;

	__asm__ __volatile__("vmread %1, %0"
			     : "=rm"(value)
			     : "r"(field)
			     : "cc");
	return value;
}

static void vmptrld(paddr_t pa)
{
	__asm__ __volatile__("vmptrld %0" ::"m"(pa) : "cc", "memory");
}

static void vmclear(paddr_t pa)
{
	__asm__ __volatile__("vmclear %0" ::"m"(pa) : "cc", "memory");
}

static void invept(unsigned long type, uint64_t eptp)
{
	struct {
		uint64_t eptp, zero;
	} desc = { eptp, 0 };

	__asm__ __volatile__("invept %0, %1" ::"m"(desc), "r"(type)
			     : "cc", "memory");
}

static void invvpid(unsigned long type, uint16_t vpid)
{
	struct {
		uint64_t vpid, addr;
	} desc = { vpid, 0 };

	__asm__ __volatile__("invvpid %0, %1" ::"m"(desc), "r"(type)
			     : "cc", "memory");
}

/* --------------------------------------------------------------------
 * Detection and per-CPU enabling
 * ------------------------------------------------------------------ */

/* The control value: the bits we want, those the CPU forces on
 * (allowed-0, low half), within those it allows (allowed-1, high half);
 * false if a required bit is not allowed. */
static bool fit_controls(uint32_t msr, uint32_t want, uint32_t required,
			 uint32_t *out)
{
	uint64_t cap = rdmsr(msr);
	uint32_t v = (want | (uint32_t)cap) & (uint32_t)(cap >> 32);

	*out = v;
	return (v & required) == required;
}

static bool vmx_refuse(const char *why)
{
	pr_info("HVM: Intel VMX present but not usable: %s\n", why);
	return false;
}

/* CPUID 1 ECX bit 5; FEATURE_CONTROL not locked against VMX; EPT (4
 * levels, write-back, 2 MiB pages, INVEPT), VPID (INVVPID), unrestricted
 * guest, and the EFER/PAT entry and exit controls. */
bool vmx_supported(void)
{
	uint32_t a, b, c, d;
	uint64_t basic, fc, cap;
	bool true_ctls;

	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 5)))
		return false;
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCKED) &&
	    !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return vmx_refuse("disabled by the firmware");
	basic = rdmsr(MSR_IA32_VMX_BASIC);
	if (((basic >> VMX_BASIC_MEMTYPE_SHIFT) & 0xf) != 6 ||
	    ((basic >> 32) & 0x1fff) > PAGE_SIZE)
		return vmx_refuse("VMCS not write-back or above 4 KiB");
	vmx.revision = (uint32_t)basic & 0x7fffffff;
	true_ctls = basic & VMX_BASIC_TRUE_CTLS;

	if (!fit_controls(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
				      MSR_IA32_VMX_PINBASED_CTLS,
			  PIN_EXT_INTR_EXIT | PIN_NMI_EXIT | PIN_VIRTUAL_NMI |
				  PIN_PREEMPT_TIMER,
			  PIN_EXT_INTR_EXIT | PIN_NMI_EXIT, &vmx.pin))
		return vmx_refuse("interrupt exiting");
	/* NMIs for guests need virtual NMIs (the CPU tracks the guest's NMI
	 * blocking, IRET ends it) and NMI-window exiting; without them
	 * NMIs stay pending (docs/hvm.md). */
	vmx.cpu &= ~CPU_NMI_WINDOW_EXIT; /* per vcpu, when one waits */
	vmx.vnmi = (vmx.pin & PIN_VIRTUAL_NMI) &&
		   (rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				      MSR_IA32_VMX_PROCBASED_CTLS) >>
		    32) & CPU_NMI_WINDOW_EXIT;
	if (!vmx.vnmi)
		vmx.pin &= ~PIN_VIRTUAL_NMI;
	if (vmx.pin & PIN_PREEMPT_TIMER) {
		/* Off until a guest is entered with IF clear. */
		vmx.pin &= ~PIN_PREEMPT_TIMER;
		vmx.preempt_timer = true;
		vmx.preempt_shift = rdmsr(MSR_IA32_VMX_MISC) & 0x1f;
	}
	if (!fit_controls(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				      MSR_IA32_VMX_PROCBASED_CTLS,
			  CPU_INTR_WINDOW_EXIT | CPU_HLT_EXIT | CPU_MWAIT_EXIT |
				  CPU_RDPMC_EXIT | CPU_CR8_LOAD_EXIT |
				  CPU_CR8_STORE_EXIT | CPU_MOV_DR_EXIT |
				  CPU_UNCOND_IO_EXIT | CPU_USE_MSR_BITMAPS |
				  CPU_MONITOR_EXIT | CPU_SECONDARY |
				  CPU_NMI_WINDOW_EXIT,
			  CPU_INTR_WINDOW_EXIT | CPU_HLT_EXIT |
				  CPU_CR8_LOAD_EXIT | CPU_CR8_STORE_EXIT |
				  CPU_MOV_DR_EXIT | CPU_UNCOND_IO_EXIT |
				  CPU_USE_MSR_BITMAPS | CPU_SECONDARY,
			  &vmx.cpu))
		return vmx_refuse("no interrupt windows, secondary controls "
				  "or MSR bitmaps");
	if (vmx.cpu & (CPU_CR3_LOAD_EXIT | CPU_CR3_STORE_EXIT |
		       CPU_INVLPG_EXIT | CPU_RDTSC_EXIT))
		return vmx_refuse("CR3/INVLPG/RDTSC exiting forced on");
	if (!fit_controls(MSR_IA32_VMX_PROCBASED_CTLS2,
			  CPU2_EPT | CPU2_VPID | CPU2_UNRESTRICTED |
				  CPU2_RDTSCP | CPU2_INVPCID,
			  CPU2_EPT | CPU2_VPID | CPU2_UNRESTRICTED, &vmx.cpu2))
		return vmx_refuse("no EPT, VPID or unrestricted guest");
	if (!fit_controls(
		    true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
				MSR_IA32_VMX_EXIT_CTLS,
		    EXIT_SAVE_DEBUG | EXIT_HOST_64 | EXIT_SAVE_PAT |
			    EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER,
		    EXIT_SAVE_DEBUG | EXIT_HOST_64 | EXIT_SAVE_PAT |
			    EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER,
		    &vmx.exit))
		return vmx_refuse("exit controls (DR7, EFER, PAT)");
	if (!fit_controls(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
				      MSR_IA32_VMX_ENTRY_CTLS,
			  ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER,
			  ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER,
			  &vmx.entry))
		return vmx_refuse("entry controls (DR7, EFER, PAT)");
	vmx.entry &= ~ENTRY_IA32E; /* per vcpu, with EFER.LMA */

	cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if (!(cap & EPT_CAP_WALK_4) || !(cap & EPT_CAP_WB) ||
	    !(cap & EPT_CAP_2M) || !(cap & EPT_CAP_INVEPT) ||
	    !(cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL)) ||
	    !(cap & VPID_CAP_INVVPID) ||
	    !(cap & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL)))
		return vmx_refuse("EPT or VPID capabilities");
	vmx.invept_single = cap & EPT_CAP_INVEPT_SINGLE;
	vmx.invvpid_single = cap & VPID_CAP_INVVPID_SINGLE;
	vmx.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	vmx.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	vmx.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	vmx.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	vmx.nr_swapped = NR_SWAPPED_MAX;
	if (!(d & CPUID_E1_EDX_RDTSCP) || !(vmx.cpu2 & CPU2_RDTSCP))
		vmx.nr_swapped--; /* no TSC_AUX */
	return true;
}

static paddr_t alloc_page_filled(uint8_t fill)
{
	struct page_info *pg = alloc_pages(0, OWNER_HYPERVISOR);

	if (!pg)
		return 0;
	memset(page_to_virt(pg), fill, PAGE_SIZE);
	return (paddr_t)page_to_mfn(pg) << PAGE_SHIFT;
}

static void free_page_at(paddr_t pa)
{
	if (pa)
		free_pages(mfn_to_page(pa >> PAGE_SHIFT), 0);
}

/* The MSR bitmap: read bitmaps for 0-0x1fff and 0xc0000000-0xc0001fff,
 * then the write bitmaps; a clear bit lets the guest at the MSR. */
static void msr_bitmap_allow(uint8_t *bm, uint32_t msr)
{
	unsigned int base = 0;

	if (msr >= 0xc0000000u) {
		base = 1024;
		msr -= 0xc0000000u;
	}
	bm[base + msr / 8] &= (uint8_t) ~(1u << (msr % 8));
	bm[2048 + base + msr / 8] &= (uint8_t) ~(1u << (msr % 8));
}

static int vmx_global_init(void)
{
	static const uint32_t guest_msrs[] = {
		MSR_STAR,
		MSR_LSTAR,
		MSR_CSTAR,
		MSR_SYSCALL_MASK,
		MSR_KERNEL_GS_BASE,
		MSR_FS_BASE,
		MSR_GS_BASE,
		MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP,
		MSR_IA32_SYSENTER_EIP,
	};

	vmx.msr_bitmap_pa = alloc_page_filled(0xff);
	if (!vmx.msr_bitmap_pa)
		return -ENOMEM;
	for (unsigned int i = 0; i < ARRAY_SIZE(guest_msrs); i++)
		msr_bitmap_allow(maddr_to_virt(vmx.msr_bitmap_pa),
				 guest_msrs[i]);
	if (vmx.nr_swapped == NR_SWAPPED_MAX)
		msr_bitmap_allow(maddr_to_virt(vmx.msr_bitmap_pa), MSR_TSC_AUX);
	return 0;
}

static int vmx_cpu_init(void)
{
	struct vmx_cpu *vc = &vmx_cpus[this_cpu()->cpu_id];
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();
	paddr_t msrs;
	bool fail;
	int rc;

	if (!vmx.msr_bitmap_pa) {
		rc = vmx_global_init();
		if (rc)
			return rc;
	}
	if (!(fc & FEATURE_CONTROL_LOCKED))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCKED |
			      FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return -ENODEV;
	cr4 |= X86_CR4_VMXE;
	if ((cr0 & vmx.cr0_fixed0) != vmx.cr0_fixed0 ||
	    (cr0 & ~vmx.cr0_fixed1) ||
	    (cr4 & vmx.cr4_fixed0) != vmx.cr4_fixed0 || (cr4 & ~vmx.cr4_fixed1))
		return -EINVAL;
	vc->vmxon_pa = alloc_page_filled(0);
	msrs = alloc_page_filled(0);
	if (!vc->vmxon_pa || !msrs)
		return -ENOMEM;
	*(uint32_t *)maddr_to_virt(vc->vmxon_pa) = vmx.revision;
	write_cr4(cr4);
	__asm__ __volatile__("vmxon %1; setna %0"
			     : "=qm"(fail)
			     : "m"(vc->vmxon_pa)
			     : "cc", "memory");
	if (fail)
		return -EIO;

	/* Host state that differs between CPUs, written into a VMCS when it
	 * becomes active here.  Run after pv_cpu_init: the syscall MSRs
	 * and the descriptor window's GDT are final. */
	__asm__ __volatile__("sgdt %0" : "=m"(vc->gdtr));
	{
		struct {
			uint16_t limit;
			uint64_t base;
		} __packed idtr;

		__asm__ __volatile__("sidt %0" : "=m"(idtr));
		vc->idtr_base = idtr.base;
	}
	vc->host_msrs = maddr_to_virt(msrs);
	vc->host_msrs_pa = msrs;
	for (unsigned int i = 0; i < vmx.nr_swapped; i++) {
		vc->host_msrs[i].index = swapped_msrs[i];
		vc->host_msrs[i].data = rdmsr(swapped_msrs[i]);
	}
	vc->sysenter_cs = rdmsr(MSR_IA32_SYSENTER_CS);
	vc->sysenter_esp = rdmsr(MSR_IA32_SYSENTER_ESP);
	vc->sysenter_eip = rdmsr(MSR_IA32_SYSENTER_EIP);
	vc->current_vmcs = 0;
	vc->next_vpid = 1;
	vc->vpid_generation = 1;
	return 0;
}

/* --------------------------------------------------------------------
 * Which CPU holds which VMCS
 * ------------------------------------------------------------------ */

static struct vmx_vcpu *vmx_of(const struct vcpu *v)
{
	return v->arch.hvm->backend;
}

/* On the CPU where x's VMCS is active: flush it to memory, inactive. */
static void vmcs_clear_here(void *arg)
{
	struct vmx_vcpu *x = arg;
	struct vmx_cpu *vc = &vmx_cpus[this_cpu()->cpu_id];

	vmclear(x->vmcs_pa);
	if (vc->current_vmcs == x->vmcs_pa)
		vc->current_vmcs = 0;
	x->active_cpu = -1;
}

static void vmcs_deactivate(struct vmx_vcpu *x)
{
	int cpu = READ_ONCE(x->active_cpu);

	if (cpu < 0)
		return;
	if ((unsigned int)cpu == this_cpu()->cpu_id)
		vmcs_clear_here(x);
	else
		smp_call_mask(1ULL << cpu, vmcs_clear_here, x);
}

/* The host state of this CPU, into the current VMCS. */
static void write_host_cpu_state(void)
{
	struct cpu_info *ci = this_cpu();
	struct vmx_cpu *vc = &vmx_cpus[ci->cpu_id];

	vmwrite(HOST_TR_BASE, (uintptr_t)&ci->tss);
	vmwrite(HOST_GDTR_BASE, vc->gdtr.base);
	vmwrite(HOST_IDTR_BASE, vc->idtr_base);
	vmwrite(HOST_IA32_SYSENTER_CS, vc->sysenter_cs);
	vmwrite(HOST_SYSENTER_ESP, vc->sysenter_esp);
	vmwrite(HOST_SYSENTER_EIP, vc->sysenter_eip);
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(VM_EXIT_MSR_LOAD_ADDR, vc->host_msrs_pa);
}

/* HOST_CR0 and HOST_CR3 of the current VMCS: the CPU's now (they may
 * differ between the CPUs and the vcpus Mica runs on), written only when
 * they change. */
static void write_host_crs(struct vmx_vcpu *x)
{
	uint64_t cr0 = read_cr0(), cr3 = read_cr3();

	if (cr0 != x->host_cr0) {
		x->host_cr0 = cr0;
		vmwrite(HOST_CR0, cr0);
	}
	if (cr3 != x->host_cr3) {
		x->host_cr3 = cr3;
		vmwrite(HOST_CR3, cr3);
	}
}

/*
 * The kick of a vcpu entered with IF clear: Bochs 2.7 loads the guest's
 * RFLAGS before it counts itself in guest mode, so an entry with IF clear
 * masks INTR as outside VMX, and external-interrupt exiting does not take
 * the vcpu out of a `cli; spin` loop until the guest itself sets IF (real
 * CPUs exit regardless of IF).  The preemption timer then bounds how long
 * such a vcpu runs without an exit, so a kick (vcpu_kick, a softirq)
 * waits at most 1/KICK_TIMEOUT_HZ; it is off for entries with IF set,
 * which the IPI alone takes out.
 */
static void arm_kick_timer(struct vmx_vcpu *x, bool if_clear)
{
	uint32_t pin = x->pin_ctls & ~PIN_PREEMPT_TIMER;

	if (if_clear && vmx.preempt_timer) {
		pin |= PIN_PREEMPT_TIMER;
		vmwrite(GUEST_PREEMPTION_TIMER, vmx.kick_timeout);
	}
	if (pin != x->pin_ctls) {
		x->pin_ctls = pin;
		vmwrite(PIN_BASED_VM_EXEC_CONTROL, pin);
	}
}

/*
 * Makes x's VMCS current on this CPU (interrupts off), activating it here
 * if it was active elsewhere or nowhere.  Returns the VMCS that was
 * current before, for vmcs_put.
 */
static paddr_t vmcs_get(struct vmx_vcpu *x)
{
	unsigned int cpu = this_cpu()->cpu_id;
	struct vmx_cpu *vc = &vmx_cpus[cpu];
	paddr_t prev = vc->current_vmcs;

	if (x->active_cpu != (int)cpu) {
		vmcs_deactivate(x);
		vmptrld(x->vmcs_pa);
		vc->current_vmcs = x->vmcs_pa;
		x->active_cpu = (int)cpu;
		x->launched = false;
		x->vpid_generation = 0; /* a fresh VPID here */
		write_host_cpu_state();
		x->host_cr0 = x->host_cr3 = 0; /* written at the entry */
	} else if (prev != x->vmcs_pa) {
		vmptrld(x->vmcs_pa);
		vc->current_vmcs = x->vmcs_pa;
	}
	return prev;
}

static void vmcs_put(struct vmx_vcpu *x, paddr_t prev)
{
	struct vmx_cpu *vc = &vmx_cpus[this_cpu()->cpu_id];

	if (prev && prev != x->vmcs_pa) {
		vmptrld(prev);
		vc->current_vmcs = prev;
	}
}

/* A VPID not used on this CPU since its last flush: fresh when the vcpu
 * arrives here, or when the CPU runs out and flushes them all. */
static void assign_vpid(struct vmx_vcpu *x)
{
	struct vmx_cpu *vc = &vmx_cpus[this_cpu()->cpu_id];

	if (x->vpid_generation == vc->vpid_generation)
		return;
	if (vc->next_vpid == 0) { /* wrapped past 0xffff */
		vc->vpid_generation++;
		vc->next_vpid = 1;
		invvpid(INV_ALL_CONTEXT, 0);
	}
	x->vpid = (uint16_t)vc->next_vpid;
	vc->next_vpid = (vc->next_vpid + 1) & 0xffff;
	x->vpid_generation = vc->vpid_generation;
	vmwrite(VIRTUAL_PROCESSOR_ID, x->vpid);
}

static void flush_guest_tlb(struct vmx_vcpu *x)
{
	invvpid(vmx.invvpid_single ? INV_SINGLE_CONTEXT : INV_ALL_CONTEXT,
		x->vpid);
}

/* --------------------------------------------------------------------
 * vcpus
 * ------------------------------------------------------------------ */

static uint64_t eptp_of(const struct domain *d)
{
	return d->arch.hvm->p2m_root | EPTP_WB | EPTP_WALK_4;
}

/* The controls and the fixed fields of a fresh VMCS (current). */
static void vmcs_setup(struct vcpu *v, struct vmx_vcpu *x)
{
	vmwrite(PIN_BASED_VM_EXEC_CONTROL, vmx.pin);
	x->pin_ctls = vmx.pin;
	vmwrite(CPU_BASED_VM_EXEC_CONTROL, vmx.cpu);
	x->cpu_ctls = vmx.cpu;
	vmwrite(SECONDARY_VM_EXEC_CONTROL, vmx.cpu2);
	vmwrite(VM_EXIT_CONTROLS, vmx.exit);
	vmwrite(VM_ENTRY_CONTROLS, vmx.entry);
	vmwrite(EXCEPTION_BITMAP, 0);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(MSR_BITMAP, vmx.msr_bitmap_pa);
	vmwrite(EPT_POINTER, eptp_of(v->domain));
	vmwrite(CR0_GUEST_HOST_MASK, CR0_OWNED);
	vmwrite(CR4_GUEST_HOST_MASK, CR4_OWNED);
	vmwrite(VMCS_LINK_POINTER, ~0ULL);

	/* The MSR lists: the guest's values saved on exit and loaded on
	 * entry from one area; the CPU's loaded on exit. */
	vmwrite(VM_EXIT_MSR_STORE_ADDR, virt_to_maddr(x->guest_msrs));
	vmwrite(VM_ENTRY_MSR_LOAD_ADDR, virt_to_maddr(x->guest_msrs));
	vmwrite(VM_EXIT_MSR_STORE_COUNT, vmx.nr_swapped);
	vmwrite(VM_ENTRY_MSR_LOAD_COUNT, vmx.nr_swapped);
	vmwrite(VM_EXIT_MSR_LOAD_COUNT, vmx.nr_swapped);

	/* Host state common to every CPU (the rest: write_host_cpu_state,
	 * and CR0, CR3, RSP at each entry). */
	vmwrite(HOST_CS_SELECTOR, HV_CS);
	vmwrite(HOST_SS_SELECTOR, HV_DS);
	vmwrite(HOST_DS_SELECTOR, 0);
	vmwrite(HOST_ES_SELECTOR, 0);
	vmwrite(HOST_FS_SELECTOR, 0);
	vmwrite(HOST_GS_SELECTOR, 0);
	vmwrite(HOST_TR_SELECTOR, HV_TSS);
	vmwrite(HOST_FS_BASE, 0);
	vmwrite(HOST_GS_BASE, 0);
	vmwrite(HOST_IA32_PAT, rdmsr(MSR_PAT));
	vmwrite(HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_RIP, (uintptr_t)vmx_exit);
}

static int vmx_vcpu_create(struct vcpu *v)
{
	struct vmx_vcpu *x = xzalloc(sizeof(*x));
	paddr_t msrs, prev;
	unsigned long flags;

	if (!x)
		return -ENOMEM;
	if (vmx.preempt_timer) {
		uint64_t t = time_info.tsc_hz / KICK_TIMEOUT_HZ >>
			     vmx.preempt_shift;

		vmx.kick_timeout = (uint32_t)MIN(MAX(t, 1), 0xffffffffULL);
	}
	x->vmcs_pa = alloc_page_filled(0);
	msrs = alloc_page_filled(0);
	if (!x->vmcs_pa || !msrs) {
		free_page_at(x->vmcs_pa);
		free_page_at(msrs);
		xfree(x);
		return -ENOMEM;
	}
	x->guest_msrs = maddr_to_virt(msrs);
	for (unsigned int i = 0; i < vmx.nr_swapped; i++)
		x->guest_msrs[i].index = swapped_msrs[i];
	*(uint32_t *)maddr_to_virt(x->vmcs_pa) = vmx.revision;
	x->active_cpu = -1;
	v->arch.hvm->backend = x;

	flags = local_irq_save();
	vmclear(x->vmcs_pa); /* launch state "clear" */
	prev = vmcs_get(x);
	vmcs_setup(v, x);
	vmcs_put(x, prev);
	local_irq_restore(flags);
	return 0;
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_of(v);
	unsigned long flags;

	if (!x)
		return;
	flags = local_irq_save();
	vmcs_deactivate(x);
	local_irq_restore(flags);
	free_page_at(x->vmcs_pa);
	free_page_at(virt_to_maddr(x->guest_msrs));
	xfree(x);
	v->arch.hvm->backend = NULL;
}

static void set_seg(enum vmx_seg s, uint16_t sel, uint64_t base, uint32_t limit,
		    uint32_t ar)
{
	vmwrite(GUEST_ES_SELECTOR + 2 * s, sel);
	vmwrite(GUEST_ES_BASE + 2 * s, base);
	vmwrite(GUEST_ES_LIMIT + 2 * s, limit);
	vmwrite(GUEST_ES_AR + 2 * s, ar);
}

/* The CR0 the CPU runs the guest with, for the value the guest wrote:
 * the VMX fixed bits, except PE and PG (unrestricted guest). */
static uint64_t cr0_real(uint64_t cr0)
{
	uint64_t fixed0 = vmx.cr0_fixed0 & ~(uint64_t)(X86_CR0_PE | X86_CR0_PG);

	return (cr0 | fixed0) & vmx.cr0_fixed1;
}

static uint64_t cr4_real(uint64_t cr4)
{
	return cr4 | vmx.cr4_fixed0;
}

/* public/hvm/hvm.h "Boot state": 16-bit real mode at cs:ip, run
 * directly by the CPU (unrestricted guest). */
static void vmx_vcpu_reset_real_mode(struct vcpu *v, uint16_t cs, uint16_t ip)
{
	struct vmx_vcpu *x = vmx_of(v);
	const uint32_t data = 0x93, code = 0x9b; /* present, accessed */
	unsigned long flags = local_irq_save();
	paddr_t prev = vmcs_get(x);

	set_seg(SEG_CS, cs, (uint64_t)cs << 4, 0xffff, code);
	set_seg(SEG_DS, 0, 0, 0xffff, data);
	set_seg(SEG_ES, 0, 0, 0xffff, data);
	set_seg(SEG_FS, 0, 0, 0xffff, data);
	set_seg(SEG_GS, 0, 0, 0xffff, data);
	set_seg(SEG_SS, 0, 0, 0xffff, data);
	set_seg(SEG_LDTR, 0, 0, 0xffff, AR_UNUSABLE);
	set_seg(SEG_TR, 0, 0, 0xffff, 0x8b); /* busy TSS, as VMX requires */
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_GDTR_LIMIT, 0xffff);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0x3ff);
	vmwrite(CR0_READ_SHADOW, X86_CR0_ET);
	vmwrite(GUEST_CR0, cr0_real(X86_CR0_ET));
	vmwrite(CR4_READ_SHADOW, 0);
	vmwrite(GUEST_CR4, cr4_real(0));
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_IA32_EFER, 0);
	vmwrite(GUEST_IA32_PAT, PAT_DEFAULT);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_IA32_DEBUGCTL, 0);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY_STATE, 0);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(VM_ENTRY_CONTROLS, vmx.entry);
	vmcs_put(x, prev);
	local_irq_restore(flags);

	for (unsigned int i = 0; i < vmx.nr_swapped; i++)
		x->guest_msrs[i].data = 0;
	x->cr8 = 0;
	x->inject_info = 0;
	x->intr_state = 0;
	x->cr2 = 0;
	memset(x->dr, 0, sizeof(x->dr));
	x->dr6 = DR6_RESERVED_ONES;
	memset(&v->arch.hvm->regs, 0, sizeof(v->arch.hvm->regs));
	v->arch.hvm->regs.rip = ip;
	v->arch.hvm->regs.rflags = RFLAGS_FIXED;
}

static void vmx_inject_exception(struct vcpu *v, unsigned int vector,
				 int error_code)
{
	struct vmx_vcpu *x = vmx_of(v);

	x->inject_info = vector | (INTR_TYPE_HW_EXCEPTION << 8) |
			 INTR_INFO_VALID;
	x->inject_len = 0;
	/* Real mode pushes no error codes; the guest's CR0 is its shadow. */
	if (error_code >= 0 && (vmread(CR0_READ_SHADOW) & X86_CR0_PE)) {
		x->inject_info |= INTR_INFO_ERROR_VALID;
		x->inject_error = (uint32_t)error_code;
	}
}

/* --------------------------------------------------------------------
 * Exits
 * ------------------------------------------------------------------ */

/* The exiting instruction is done (vmx_vcpu_run then drops the STI or
 * MOV SS shadow it may have run in). */
static void advance_rip(struct vcpu *v)
{
	v->arch.hvm->regs.rip += vmread(VM_EXIT_INSTRUCTION_LEN);
}

static void handle_io(struct vcpu *v, uint64_t qual)
{
	unsigned int size = IO_QUAL_SIZE(qual);
	uint16_t port = IO_QUAL_PORT(qual);
	bool in = qual & IO_QUAL_IN;

	if (qual & IO_QUAL_STRING) {
		hvm_emulate_insn(v); /* ins/outs: the emulator does the I/O */
		return;
	}
	if (size != 1 && size != 2 && size != 4) {
		domain_crash(v->domain, "I/O of %u bytes on port %x", size,
			     port);
		return;
	}
	hvm_io_insn(v, port, size, in);
	advance_rip(v);
}

/* The Intel-only MSRs with fixed values (above): true if msr is one,
 * with the outcome in *rc. */
static bool intel_fixed_msr(struct hvm_gprs *r, bool write, int *rc)
{
	uint32_t msr = (uint32_t)r->rcx;
	uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;
	uint64_t fixed;

	if (msr == MSR_IA32_MISC_ENABLE)
		fixed = MISC_ENABLE_FIXED;
	else if (msr == MSR_IA32_BIOS_SIGN_ID || msr == MSR_IA32_TSC_ADJUST)
		fixed = 0;
	else
		return false;
	if (!write) {
		r->rax = (uint32_t)fixed;
		r->rdx = fixed >> 32;
		*rc = 0;
	} else {
		/* BIOS_SIGN_ID drops writes; the others take only theirs. */
		*rc = msr == MSR_IA32_BIOS_SIGN_ID || val == fixed ? 0 : -1;
	}
	return true;
}

/* EFER and PAT live in the VMCS; the rest is the common code's. */
static void handle_msr(struct vcpu *v, bool write)
{
	struct hvm_msr_regs m;
	int rc;

	if (!intel_fixed_msr(&v->arch.hvm->regs, write, &rc)) {
		m.efer = vmread(GUEST_IA32_EFER);
		m.pat = vmread(GUEST_IA32_PAT);
		m.paging = vmread(CR0_READ_SHADOW) & X86_CR0_PG;
		rc = hvm_msr_insn(v, write, &m);
		if (!rc && write) {
			vmwrite(GUEST_IA32_EFER, m.efer);
			vmwrite(GUEST_IA32_PAT, m.pat);
		}
	}
	if (rc)
		vmx_inject_exception(v, VECTOR_GP, 0);
	else
		advance_rip(v);
}

/* PAE paging outside long mode: the CPU takes the four PDPTEs from the
 * VMCS at entry, so they are read from the guest's CR3 here.  False (and
 * #GP) if they are not in its RAM or have reserved bits. */
static bool load_pdptes(struct vcpu *v, uint64_t cr3)
{
	uint64_t pdpte[4];

	if (hvm_copy_from_gpa(v->domain, pdpte, cr3 & 0xffffffe0ULL,
			      sizeof(pdpte)))
		return false;
	for (unsigned int i = 0; i < 4; i++) {
		if ((pdpte[i] & 1) && (pdpte[i] & 0xfff00000000001e6ULL))
			return false;
		vmwrite(GUEST_PDPTE0 + 2 * i, pdpte[i]);
	}
	return true;
}

static bool pae_legacy(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & EFER_LMA);
}

/* mov to CR0 with a change in NE or PG (the owned bits). */
static bool guest_write_cr0(struct vcpu *v, uint64_t val)
{
	uint64_t old = vmread(CR0_READ_SHADOW), cr4 = vmread(GUEST_CR4);
	uint64_t efer = vmread(GUEST_IA32_EFER);
	uint32_t entry = (uint32_t)vmread(VM_ENTRY_CONTROLS);

	if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
	    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)))
		return false;
	if ((val & X86_CR0_PG) && !(old & X86_CR0_PG)) {
		if (efer & EFER_LME) {
			if (!(cr4 & X86_CR4_PAE))
				return false;
			efer |= EFER_LMA;
			entry |= ENTRY_IA32E;
		} else if ((cr4 & X86_CR4_PAE) &&
			   !load_pdptes(v, vmread(GUEST_CR3))) {
			return false;
		}
	} else if (!(val & X86_CR0_PG) && (old & X86_CR0_PG)) {
		/* Paging goes off only from compatibility mode. */
		if ((efer & EFER_LMA) &&
		    (vmread(GUEST_ES_AR + 2 * SEG_CS) & AR_L))
			return false;
		efer &= ~(uint64_t)EFER_LMA;
		entry &= ~ENTRY_IA32E;
	}
	vmwrite(GUEST_IA32_EFER, efer);
	vmwrite(VM_ENTRY_CONTROLS, entry);
	vmwrite(CR0_READ_SHADOW, val);
	vmwrite(GUEST_CR0, cr0_real(val));
	if ((val ^ old) & X86_CR0_PG)
		flush_guest_tlb(vmx_of(v));
	return true;
}

/* mov to CR4 with a change in VMXE or OSXSAVE: refused (CPUID shows
 * neither), as are bits the CPU does not have. */
static bool guest_write_cr4(struct vcpu *v, uint64_t val)
{
	uint64_t old = vmread(CR4_READ_SHADOW);
	uint64_t efer = vmread(GUEST_IA32_EFER);

	if ((val & CR4_OWNED) || (val & ~vmx.cr4_fixed1) ||
	    ((efer & EFER_LMA) && !(val & X86_CR4_PAE)))
		return false;
	if (pae_legacy(vmread(CR0_READ_SHADOW), val, efer) &&
	    !load_pdptes(v, vmread(GUEST_CR3)))
		return false;
	vmwrite(CR4_READ_SHADOW, val);
	vmwrite(GUEST_CR4, cr4_real(val));
	if ((val ^ old) & CR4_PAGING_BITS)
		flush_guest_tlb(vmx_of(v));
	return true;
}

static void handle_cr_access(struct vcpu *v, uint64_t qual)
{
	struct vmx_vcpu *x = vmx_of(v);
	uint64_t *reg = hvm_gpr(&v->arch.hvm->regs, CR_QUAL_GPR(qual));
	unsigned int cr = CR_QUAL_CR(qual), type = CR_QUAL_TYPE(qual);
	bool ok = true;

	if (type == 0 && cr == 0) {
		ok = guest_write_cr0(v, *reg);
	} else if (type == 0 && cr == 4) {
		ok = guest_write_cr4(v, *reg);
	} else if (type == 0 && cr == 8) {
		ok = !(*reg >> 4); /* TPR classes 0-15 */
		if (ok)
			x->cr8 = *reg;
	} else if (type == 1 && cr == 8) {
		*reg = x->cr8;
	} else {
		domain_crash(v->domain, "CR access %lx not emulated", qual);
		return;
	}
	if (ok)
		advance_rip(v);
	else
		vmx_inject_exception(v, VECTOR_GP, 0);
}

static void handle_exit(struct vcpu *v, uint32_t reason, uint64_t qual)
{
	struct vmx_vcpu *x = vmx_of(v);

	switch (reason) {
	case EXIT_EXCEPTION_NMI: {
		uint32_t info = (uint32_t)vmread(VM_EXIT_INTR_INFO);

		/* Only NMIs exit (the exception bitmap is empty): hand the
		 * NMI to Mica's handler, which unblocks NMIs with its iret. */
		if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI)
			__asm__ __volatile__("int $2");
		else
			domain_crash(v->domain, "unexpected exception exit %x",
				     info);
		break;
	}
	case EXIT_EXTERNAL_INTERRUPT:
		break; /* taken by Mica after the exit */
	case EXIT_INIT:
	case EXIT_SIPI:
		break; /* not delivered to guests (no SMP HVM yet) */
	case EXIT_CPUID:
		hvm_handle_cpuid(v);
		advance_rip(v);
		break;
	case EXIT_VMCALL:
		advance_rip(v);
		hvm_handle_hypercall(v);
		break;
	case EXIT_HLT:
		advance_rip(v);
		hvm_handle_hlt(v);
		break;
	case EXIT_IO:
		handle_io(v, qual);
		break;
	case EXIT_RDMSR:
	case EXIT_WRMSR:
		handle_msr(v, reason == EXIT_WRMSR);
		break;
	case EXIT_CR_ACCESS:
		handle_cr_access(v, qual);
		break;
	case EXIT_INVD:
		advance_rip(v); /* caches stay coherent: a no-op */
		break;
	case EXIT_RDPMC:
		vmx_inject_exception(v, VECTOR_GP, 0); /* no counters */
		break;
	case EXIT_GETSEC:
	case EXIT_RSM:
	case EXIT_MWAIT:
	case EXIT_MONITOR:
	case EXIT_XSETBV:
	case EXIT_INVEPT:
	case EXIT_INVVPID:
		vmx_inject_exception(v, VECTOR_UD, -1); /* hvm.h P6 */
		break;
	case EXIT_EPT_VIOLATION:
		/* An IRET cut by the exit ran again (emulated or not) must
		 * not leave the guest's NMIs unblocked. */
		if (vmx.vnmi && (qual & EPT_QUAL_NMI_UNBLOCKED) &&
		    !(x->inject_info & INTR_INFO_VALID)) {
			x->intr_state |= INTERRUPTIBILITY_NMI;
			vmwrite(GUEST_INTERRUPTIBILITY, x->intr_state);
		}
		hvm_handle_nested_fault(v, vmread(GUEST_PHYSICAL_ADDRESS),
					qual & EPT_QUAL_WRITE,
					qual & EPT_QUAL_FETCH,
					x->inject_info & INTR_INFO_VALID, qual);
		break;
	case EXIT_EPT_MISCONFIG:
		domain_crash(v->domain, "EPT misconfiguration at gpa %lx",
			     vmread(GUEST_PHYSICAL_ADDRESS));
		break;
	case EXIT_TRIPLE_FAULT:
		domain_crash(v->domain,
			     "triple fault (shutdown) at rip %lx (cr0 %lx cr3 "
			     "%lx cr4 %lx efer %lx)",
			     v->arch.hvm->regs.rip, v->arch.hvm->cr0,
			     v->arch.hvm->cr3, v->arch.hvm->cr4,
			     v->arch.hvm->efer);
		break;
	case EXIT_DR_ACCESS:
		/* The first one: the debug registers become the guest's
		 * own; the instruction runs again without exit. */
		x->dr_live = true;
		x->cpu_ctls &= ~CPU_MOV_DR_EXIT;
		vmwrite(CPU_BASED_VM_EXEC_CONTROL, x->cpu_ctls);
		break;
	case EXIT_INTERRUPT_WINDOW:
	case EXIT_NMI_WINDOW:
		break; /* vmx_intr_assist injects at the next entry */
	case EXIT_PREEMPT_TIMER:
		break; /* arm_kick_timer: the run loop sees the kick */
	default:
		/* VMCLEAR .. VMXON: the VMX instructions. */
		if (reason >= EXIT_VMCLEAR && reason <= EXIT_VMXON) {
			vmx_inject_exception(v, VECTOR_UD, -1);
			break;
		}
		domain_crash(v->domain,
			     "unexpected VMX exit %u (qualification %lx) at "
			     "rip %lx",
			     reason, qual, v->arch.hvm->regs.rip);
		break;
	}
}

/*
 * Before each entry: inject the interrupt the guest should take next, or,
 * when it cannot take one now (rflags.IF clear, an STI or MOV SS shadow,
 * an event being injected), ask for an exit as soon as it can
 * (interrupt-window exiting).
 */
static void vmx_intr_assist(struct vcpu *v, struct vmx_vcpu *x)
{
	uint32_t ctls = x->cpu_ctls &
			~(CPU_INTR_WINDOW_EXIT | CPU_NMI_WINDOW_EXIT);
	bool window;
	int vec;

	/* An NMI first, unless the guest is in its NMI handler (virtual-NMI
	 * blocking, until IRET), in a MOV SS or STI shadow, or an event is
	 * on its way in: then an exit as soon as it can take one. */
	if (vmx.vnmi && hvm_nmi_pending(v)) {
		if (!x->inject_info &&
		    !(x->intr_state &
		      (INTERRUPTIBILITY_STI_MOVSS | INTERRUPTIBILITY_NMI)) &&
		    hvm_nmi_take(v)) {
			x->inject_info = VECTOR_NMI | (INTR_TYPE_NMI << 8) |
					 INTR_INFO_VALID;
			x->inject_len = 0;
		} else {
			ctls |= CPU_NMI_WINDOW_EXIT;
		}
	}
	vec = hvm_intr_assist(
		v,
		x->inject_info || !(v->arch.hvm->regs.rflags & RFLAGS_IF) ||
			(x->intr_state & INTERRUPTIBILITY_STI_MOVSS),
		&window);

	if (vec >= 0) {
		x->inject_info = (unsigned int)vec | (INTR_TYPE_EXT << 8) |
				 INTR_INFO_VALID;
		x->inject_len = 0;
	} else if (window) {
		ctls |= CPU_INTR_WINDOW_EXIT;
	}
	if (ctls != x->cpu_ctls) {
		x->cpu_ctls = ctls;
		vmwrite(CPU_BASED_VM_EXEC_CONTROL, ctls);
	}
}

/* What the common handlers and the emulator read after an exit; the CR0
 * and CR4 bits Mica owns are the guest's from the read shadows. */
static void save_exit_state(struct hvm_vcpu *h)
{
	uint32_t cs_ar = (uint32_t)vmread(GUEST_ES_AR + 2 * SEG_CS);

	h->regs.rsp = vmread(GUEST_RSP);
	h->regs.rip = vmread(GUEST_RIP);
	h->regs.rflags = vmread(GUEST_RFLAGS);
	h->cpl = AR_DPL(vmread(GUEST_ES_AR + 2 * SEG_SS));
	h->efer = vmread(GUEST_IA32_EFER);
	h->mode64 = (h->efer & EFER_LMA) && (cs_ar & AR_L);
	h->interrupts_enabled = h->regs.rflags & RFLAGS_IF;
	h->cr0 = (vmread(GUEST_CR0) & ~CR0_OWNED) |
		 (vmread(CR0_READ_SHADOW) & CR0_OWNED);
	h->cr3 = vmread(GUEST_CR3);
	h->cr4 = (vmread(GUEST_CR4) & ~CR4_OWNED) |
		 (vmread(CR4_READ_SHADOW) & CR4_OWNED);
	for (unsigned int i = HVM_SEG_ES; i <= HVM_SEG_GS; i++)
		h->seg_base[i] = vmread(GUEST_ES_BASE + 2 * i);
	h->cs_db = cs_ar & AR_DB;
}

static void vmx_vcpu_run(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_of(v);
	struct hvm_vcpu *h = v->arch.hvm;
	struct vmx_cpu *vc;
	uint32_t reason, idt_info;
	uint64_t qual, exit_rip;

	vmcs_get(x);
	vc = &vmx_cpus[this_cpu()->cpu_id];
	if (!x->launched)
		invept(vmx.invept_single ? INV_SINGLE_CONTEXT : INV_ALL_CONTEXT,
		       eptp_of(v->domain)); /* the root may be a reused frame */
	assign_vpid(x);
	write_host_crs(x);
	vmwrite(GUEST_RSP, h->regs.rsp);
	vmwrite(GUEST_RIP, h->regs.rip);
	vmwrite(GUEST_RFLAGS, h->regs.rflags);
	arm_kick_timer(x, !(h->regs.rflags & RFLAGS_IF));
	vmx_intr_assist(v, x);
	vmwrite(VM_ENTRY_INTR_INFO, x->inject_info);
	if (x->inject_info) {
		vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE, x->inject_error);
		vmwrite(VM_ENTRY_INSTRUCTION_LEN, x->inject_len);
		x->inject_info = 0;
	}
	if (read_cr2() != x->cr2)
		write_cr2(x->cr2);
	if (x->dr_live) {
		hvm_dr_load(x->dr);
		write_dr6(x->dr6);
	}

	if (vmx_enter(&h->regs, x->launched, &vc->gdtr)) {
		domain_crash(v->domain,
			     "VM entry failed, instruction error %lu",
			     vmread(VM_INSTRUCTION_ERROR));
		return;
	}
	x->launched = true;
	x->cr2 = read_cr2();
	if (x->dr_live) {
		hvm_dr_save(x->dr);
		x->dr6 = read_dr6();
	}

	reason = (uint32_t)vmread(VM_EXIT_REASON);
	qual = vmread(EXIT_QUALIFICATION);
	x->intr_state = (uint32_t)vmread(GUEST_INTERRUPTIBILITY);
	save_exit_state(h);
	exit_rip = h->regs.rip;

	/* An event whose delivery the exit interrupted is delivered again. */
	idt_info = (uint32_t)vmread(IDT_VECTORING_INFO);
	if (idt_info & INTR_INFO_VALID) {
		x->inject_info = idt_info & ~INTR_INFO_NMI_UNBLOCKED;
		/* An NMI delivered again: entry wants no NMI blocking. */
		if (INTR_INFO_TYPE(idt_info) == INTR_TYPE_NMI &&
		    (x->intr_state & INTERRUPTIBILITY_NMI)) {
			x->intr_state &= ~INTERRUPTIBILITY_NMI;
			vmwrite(GUEST_INTERRUPTIBILITY, x->intr_state);
		}
		x->inject_error = (uint32_t)vmread(IDT_VECTORING_ERROR_CODE);
		x->inject_len = (uint32_t)vmread(VM_EXIT_INSTRUCTION_LEN);
	}

	/* The interrupt that made the guest exit is taken here (sti's
	 * shadow covers the nop). */
	__asm__ __volatile__("sti; nop; cli" ::: "memory");

	if (reason & EXIT_REASON_ENTRY_FAILED) {
		domain_crash(v->domain,
			     "VM entry refused the guest state (exit %u, "
			     "qualification %lx)",
			     reason & 0xffff, qual);
		return;
	}
	handle_exit(v, reason & 0xffff, qual);

	/* An instruction completed by Mica (advanced or emulated) leaves no
	 * STI or MOV SS shadow behind it. */
	if (h->regs.rip != exit_rip &&
	    (x->intr_state & INTERRUPTIBILITY_STI_MOVSS)) {
		x->intr_state &= ~(uint32_t)INTERRUPTIBILITY_STI_MOVSS;
		vmwrite(GUEST_INTERRUPTIBILITY, x->intr_state);
	}
}

/* --------------------------------------------------------------------
 * domctl get/set_hvm_context (public/hvm/hvm.h)
 * ------------------------------------------------------------------ */

/* The context's segment attributes (SVM's packing) <-> VMX access
 * rights: bits 0-7 alike, AVL/L/D/G in 8-11 <-> 12-15; an unusable
 * segment is a non-present one. */
static void seg_out(struct mica_hvm_segment *o, enum vmx_seg s)
{
	uint32_t ar = (uint32_t)vmread(GUEST_ES_AR + 2 * s);

	o->sel = (uint16_t)vmread(GUEST_ES_SELECTOR + 2 * s);
	o->attr = ar & AR_UNUSABLE ?
			  0 :
			  (uint16_t)((ar & 0xff) | ((ar >> 4) & 0xf00));
	o->limit = (uint32_t)vmread(GUEST_ES_LIMIT + 2 * s);
	o->base = vmread(GUEST_ES_BASE + 2 * s);
}

static void seg_in(enum vmx_seg s, const struct mica_hvm_segment *i)
{
	uint32_t ar = (i->attr & 0xff) | ((i->attr & 0xf00u) << 4);

	set_seg(s, i->sel, i->base, i->limit,
		(i->attr & 0x80) ? ar : AR_UNUSABLE);
}

static void vmx_get_context(struct vcpu *v, struct mica_hvm_vcpu_context *c)
{
	struct vmx_vcpu *x = vmx_of(v);
	unsigned long flags = local_irq_save();
	paddr_t prev = vmcs_get(x);

	hvm_context_gprs_out(&v->arch.hvm->regs, c);
	c->cr0 = (vmread(GUEST_CR0) & ~CR0_OWNED) |
		 (vmread(CR0_READ_SHADOW) & CR0_OWNED);
	c->cr2 = x->cr2;
	c->cr3 = vmread(GUEST_CR3);
	c->cr4 = (vmread(GUEST_CR4) & ~CR4_OWNED) |
		 (vmread(CR4_READ_SHADOW) & CR4_OWNED);
	c->efer = vmread(GUEST_IA32_EFER);
	c->dr6 = x->dr6;
	c->dr7 = vmread(GUEST_DR7);
	seg_out(&c->es, SEG_ES);
	seg_out(&c->cs, SEG_CS);
	seg_out(&c->ss, SEG_SS);
	seg_out(&c->ds, SEG_DS);
	seg_out(&c->fs, SEG_FS);
	seg_out(&c->gs, SEG_GS);
	seg_out(&c->ldtr, SEG_LDTR);
	seg_out(&c->tr, SEG_TR);
	c->gdtr = (struct mica_hvm_segment){
		.limit = (uint32_t)vmread(GUEST_GDTR_LIMIT),
		.base = vmread(GUEST_GDTR_BASE),
	};
	c->idtr = (struct mica_hvm_segment){
		.limit = (uint32_t)vmread(GUEST_IDTR_LIMIT),
		.base = vmread(GUEST_IDTR_BASE),
	};
	c->star = x->guest_msrs[0].data, c->lstar = x->guest_msrs[1].data;
	c->cstar = x->guest_msrs[2].data, c->sfmask = x->guest_msrs[3].data;
	c->kernel_gs_base = x->guest_msrs[4].data;
	c->sysenter_cs = vmread(GUEST_SYSENTER_CS);
	c->sysenter_esp = vmread(GUEST_SYSENTER_ESP);
	c->sysenter_eip = vmread(GUEST_SYSENTER_EIP);
	c->pat = vmread(GUEST_IA32_PAT);
	vmcs_put(x, prev);
	local_irq_restore(flags);
}

/* CR4 bits Mica owns (VMXE, OSXSAVE) are dropped: CPUID shows neither. */
static int vmx_set_context(struct vcpu *v,
			   const struct mica_hvm_vcpu_context *c)
{
	struct vmx_vcpu *x = vmx_of(v);
	uint64_t cr4 = c->cr4 & ~CR4_OWNED;
	unsigned long flags;
	paddr_t prev;
	bool pdptes_ok = true;

	if (hvm_context_gprs_in(&v->arch.hvm->regs, c))
		return -EINVAL;

	flags = local_irq_save();
	prev = vmcs_get(x);
	vmwrite(CR0_READ_SHADOW, c->cr0);
	vmwrite(GUEST_CR0, cr0_real(c->cr0));
	vmwrite(CR4_READ_SHADOW, cr4);
	vmwrite(GUEST_CR4, cr4_real(cr4));
	vmwrite(GUEST_CR3, c->cr3);
	vmwrite(GUEST_IA32_EFER, c->efer);
	vmwrite(VM_ENTRY_CONTROLS,
		(c->efer & EFER_LMA) ? vmx.entry | ENTRY_IA32E : vmx.entry);
	if (pae_legacy(c->cr0, cr4, c->efer))
		pdptes_ok = load_pdptes(v, c->cr3);
	vmwrite(GUEST_DR7, c->dr7);
	seg_in(SEG_ES, &c->es);
	seg_in(SEG_CS, &c->cs);
	seg_in(SEG_SS, &c->ss);
	seg_in(SEG_DS, &c->ds);
	seg_in(SEG_FS, &c->fs);
	seg_in(SEG_GS, &c->gs);
	seg_in(SEG_LDTR, &c->ldtr);
	seg_in(SEG_TR, &c->tr);
	vmwrite(GUEST_GDTR_BASE, c->gdtr.base);
	vmwrite(GUEST_GDTR_LIMIT, c->gdtr.limit);
	vmwrite(GUEST_IDTR_BASE, c->idtr.base);
	vmwrite(GUEST_IDTR_LIMIT, c->idtr.limit);
	vmwrite(GUEST_SYSENTER_CS, c->sysenter_cs);
	vmwrite(GUEST_SYSENTER_ESP, c->sysenter_esp);
	vmwrite(GUEST_SYSENTER_EIP, c->sysenter_eip);
	vmwrite(GUEST_IA32_PAT, c->pat);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY_STATE, 0);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmcs_put(x, prev);
	local_irq_restore(flags);

	x->guest_msrs[0].data = c->star, x->guest_msrs[1].data = c->lstar;
	x->guest_msrs[2].data = c->cstar, x->guest_msrs[3].data = c->sfmask;
	x->guest_msrs[4].data = c->kernel_gs_base;
	x->cr2 = c->cr2;
	x->dr6 = c->dr6;
	x->intr_state = 0;
	x->inject_info = 0;
	/* PAE paging whose PDPTEs are not in its RAM or have reserved
	 * bits: no CPU could run that (hvm.h: inconsistent state crashes
	 * the domain). */
	if (!pdptes_ok)
		domain_crash(v->domain, "set_context: bad PAE PDPTEs at %lx",
			     c->cr3);
	return 0;
}

const struct hvm_backend vmx_backend = {
	.name = "Intel VMX",
	.cpu_init = vmx_cpu_init,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.vcpu_reset_real_mode = vmx_vcpu_reset_real_mode,
	.vcpu_run = vmx_vcpu_run,
	.inject_exception = vmx_inject_exception,
	.hypercall_insn = { 0x0f, 0x01, 0xc1 }, /* vmcall */
	.get_context = vmx_get_context,
	.set_context = vmx_set_context,
	.p2m_leaf_flags = EPT_MT_WB,
};
