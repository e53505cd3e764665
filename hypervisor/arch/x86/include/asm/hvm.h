/* SPDX-License-Identifier: MIT */
/*
 * The HVM layer: vcpus that run in a hardware virtual machine (AMD SVM or
 * Intel VMX) on nested page tables.  See docs/hvm.md.
 *
 * Common code (arch/x86/hvm/) owns the vcpu run loop, the exit handlers
 * that do not depend on the back end (CPUID, port I/O, MSRs, hypercalls,
 * HLT), the nested page tables (p2m.c), the emulated platform devices and
 * the boot-time builder.  A back end (hvm/svm/) owns the hardware
 * structures (VMCB/VMCS), enters the guest and decodes exits into calls of
 * those handlers.  The back end is chosen once at boot from CPUID
 * (hvm_init); without one, HVM domains cannot be created (-ENODEV).
 */
#ifndef ASM_HVM_H
#define ASM_HVM_H

/* struct hvm_gprs offsets, for the back ends' entry code. */
#define HVM_GPR_rax 0
#define HVM_GPR_rbx 8
#define HVM_GPR_rcx 16
#define HVM_GPR_rdx 24
#define HVM_GPR_rsi 32
#define HVM_GPR_rdi 40
#define HVM_GPR_rbp 48
#define HVM_GPR_r8 56
#define HVM_GPR_r9 64
#define HVM_GPR_r10 72
#define HVM_GPR_r11 80
#define HVM_GPR_r12 88
#define HVM_GPR_r13 96
#define HVM_GPR_r14 104
#define HVM_GPR_r15 112

#ifndef __ASSEMBLY__
#include <mica/spinlock.h>
#include <mica/types.h>
#include <asm/hvm_ioreq.h>

struct domain;
struct vcpu;
struct boot_domain;
struct mica_hvm_vcpu_context;
struct mica_domctl;

/*
 * The guest's general registers.  rsp, rip and rflags live here too; the
 * back end moves them between this and its hardware structure around each
 * guest entry (SVM keeps rax, rsp, rip and rflags in the VMCB).
 */
struct hvm_gprs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rsp, rip, rflags;
};
_Static_assert(__builtin_offsetof(struct hvm_gprs, r15) == HVM_GPR_r15,
	       "HVM_GPR_* offsets");

/* Per-vcpu HVM state (v->arch.hvm; NULL for PV vcpus). */
struct hvm_vcpu {
	struct hvm_gprs regs;
	/* Filled by the back end at each exit, for the common handlers. */
	unsigned int cpl;
	bool mode64; /* long mode with a 64-bit code segment */
	bool interrupts_enabled; /* guest rflags.IF */
	void *backend; /* struct svm_vcpu or struct vmx_vcpu */

	/* Also filled by the back end at each exit, for the instruction
	 * emulator (hvm/emulate.c) and its guest page walk: control
	 * registers, EFER, segment bases (HVM_SEG_*) and CS.D (default
	 * operand/address size 32 outside 64-bit mode). */
	uint64_t cr0, cr3, cr4, efer;
	uint64_t seg_base[6];
	bool cs_db;

	/* The emulated platform (hvm/vlapic.c): the local APIC, and the
	 * INIT/SIPI state the vcpu applies to itself before it runs. */
	struct vlapic *vlapic;
	bool wait_sipi; /* down, waiting for a startup IPI */
	bool init_pending; /* an INIT arrived: go to wait_sipi */
	bool start_pending; /* a SIPI arrived: reset to sipi_vector:0 */
	uint8_t sipi_vector;
	/* An NMI for the vcpu (NMI IPI, I/O APIC entry in NMI mode), set by
	 * the sender and taken by the back end when the guest can take it
	 * (hvm_nmi_take); NMIs that arrive while one is pending merge. */
	bool nmi_pending;

	/* Event-channel upcalls as an interrupt (hvm/evtchn.c, public/vcpu.h
	 * MICA_VCPUOP_set_upcall_vector): the vector (0: none), and an
	 * upcall held back by evtchn_upcall_mask, raised before an entry
	 * that finds the mask clear. */
	uint8_t upcall_vector;
	bool upcall_held;

	/* Device models (hvm/ioreq.c): the request in flight, answers. */
	struct hvm_ioreq_vcpu ioreq;
};

/* hvm_vcpu.seg_base indices (the x86 segment register encoding). */
#define HVM_SEG_ES 0
#define HVM_SEG_CS 1
#define HVM_SEG_SS 2
#define HVM_SEG_DS 3
#define HVM_SEG_FS 4
#define HVM_SEG_GS 5

/* The emulated 16550 UART (hvm/uart.c). */
struct hvm_uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool thre_pending; /* the "transmitter empty" interrupt is owed */
};

/* Per-domain HVM state (d->arch.hvm; NULL for PV domains). */
struct hvm_domain {
	/* Nested page tables (p2m.c): gfn -> mfn, built from the domain's
	 * own frames only.  Root table machine address; the table frames
	 * belong to the hypervisor and are listed for freeing. */
	paddr_t p2m_root;
	uint32_t p2m_tables_head; /* page-table frames, via page_info.next */
	uint64_t nr_ram_pages; /* RAM is gfn 0 .. nr_ram_pages - 1 */
	uint64_t hypercall_page_gpa; /* MICA_MSR_HYPERCALL_PAGE, 0: none */
	spinlock_t io_lock; /* the emulated devices */
	struct hvm_uart uart;
	/* The rest of the emulated platform (asm/hvm_platform.h): PIC,
	 * I/O APIC, PIT, RTC, ACPI PM, under io_lock. */
	struct hvm_platform *platform;
	/* Device models serving this domain (hvm/ioreq.c). */
	struct hvm_ioreq_domain ioreq;
};

/* The back-end interface. */
struct hvm_backend {
	const char *name;
	/* This CPU: enable the extension, host save areas.  0 or -errno. */
	int (*cpu_init)(void);
	int (*vcpu_create)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);
	/* Architectural reset state in 16-bit real mode at cs:ip. */
	void (*vcpu_reset_real_mode)(struct vcpu *v, uint16_t cs, uint16_t ip);
	/* Enters the guest (interrupts off on entry and return) and handles
	 * the exit, calling the common handlers below. */
	void (*vcpu_run)(struct vcpu *v);
	/* Queues a hardware exception for the next entry (error_code < 0:
	 * none). */
	void (*inject_exception)(struct vcpu *v, unsigned int vector,
				 int error_code);
	/* The instruction bytes the hypercall page stubs trap with. */
	uint8_t hypercall_insn[3];
	/* domctl get/set_hvm_context (public/hvm/hvm.h): the state the
	 * hardware structure holds; set: 0 or -EINVAL (efer, pat).  The
	 * vcpu is not running. */
	void (*get_context)(struct vcpu *v, struct mica_hvm_vcpu_context *c);
	int (*set_context)(struct vcpu *v,
			   const struct mica_hvm_vcpu_context *c);
	/* Bits every nested-table leaf carries besides present/writable/
	 * user (EPT: read/write/execute) and the large-page bit: EPT's
	 * memory type; 0 for AMD nested paging (p2m.c). */
	uint64_t p2m_leaf_flags;
};

extern const struct hvm_backend *hvm_backend;
extern const struct hvm_backend svm_backend;
/* SVM with nested paging, not disabled by the firmware (VM_CR.SVMDIS). */
bool svm_supported(void);
extern const struct hvm_backend vmx_backend;
/* VMX with EPT, VPID and unrestricted guest, not locked off by the
 * firmware (hvm/vmx/vmx.c says why not when VMX is there). */
bool vmx_supported(void);

static inline bool is_hvm_domain(const struct domain *d);
static inline bool is_hvm_vcpu(const struct vcpu *v);

/* Chooses the back end from CPUID; on every CPU, enables it there. */
void hvm_init(void);
void hvm_cpu_init(void);
/* Whether HVM domains can be created on this machine. */
bool hvm_available(void);

int hvm_domain_create(struct domain *d);
void hvm_domain_destroy(struct domain *d);
int hvm_vcpu_create(struct vcpu *v);
void hvm_vcpu_destroy(struct vcpu *v);

/* The run loop; reached through arch_return_to_guest. */
void __noreturn hvm_return_to_guest(void);

/* Common exit handlers, called by the back end. */
void hvm_handle_cpuid(struct vcpu *v);
/* Port I/O of 1, 2 or 4 bytes; *val in/out. */
void hvm_handle_io(struct vcpu *v, uint16_t port, unsigned int size, bool in,
		   uint32_t *val);
/* 0, or -1 to raise #GP(0) in the guest. */
int hvm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
void hvm_handle_hypercall(struct vcpu *v);
void hvm_handle_hlt(struct vcpu *v);
/* An access to a gpa the domain has no frame at: an emulated device
 * (the instruction at rip is emulated), else the domain is crashed. */
void hvm_handle_unmapped_access(struct vcpu *v, uint64_t gpa, bool write,
				bool fetch);
/* Emulates the instruction at rip (string port I/O, MMIO); advances rip
 * or, for a rep instruction cut short, leaves it to run again. */
void hvm_emulate_insn(struct vcpu *v);
/* Whether the instruction at rip is hlt (read from guest RAM). */
bool hvm_insn_is_hlt(struct vcpu *v);

/*
 * Interrupt delivery, called by the back end just before each entry with
 * interrupts off: hvm_intr_next returns the interrupt the vcpu should take
 * next (a cookie whose low 8 bits are the vector), or -1.  When the guest
 * can take it (rflags.IF, no interrupt shadow, no event being injected),
 * the back end calls hvm_intr_ack with the cookie and injects the vector
 * it returns; otherwise it asks the CPU for an exit when the guest opens
 * an interrupt window, and asks again then.
 */
int hvm_intr_next(struct vcpu *v);
unsigned int hvm_intr_ack(struct vcpu *v, int cookie);

/*
 * Shared by the back ends (exit.c): steps of exit handling that SVM and
 * VMX do alike.
 */
/* Whether an NMI waits for v, and taking it (true once per NMI). */
bool hvm_nmi_pending(const struct vcpu *v);
bool hvm_nmi_take(struct vcpu *v);
/* The EFER bits a guest may set (LMA is the CPU's). */
#define HVM_EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)
/* The general register with x86 encoding n (0 rax .. 15 r15). */
uint64_t *hvm_gpr(struct hvm_gprs *r, unsigned int n);
/* in/out of 1, 2 or 4 bytes on rax (not rip). */
void hvm_io_insn(struct vcpu *v, uint16_t port, unsigned int size, bool in);
bool hvm_pat_valid(uint64_t pat);
/* A WRMSR to EFER: 0 and the new value (LMA kept), or -1 for #GP. */
int hvm_efer_write(uint64_t old, uint64_t val, bool paging, uint64_t *efer);
/* The guest's EFER (as it sees it) and PAT, which live in the back end's
 * state, and CR0.PG as the guest sees it, for hvm_msr_insn. */
struct hvm_msr_regs {
	uint64_t efer, pat;
	bool paging;
};
/* A RDMSR or WRMSR exit (ecx, edx:eax): EFER and PAT in *m (a write
 * updates them there, for the back end to store), the rest by
 * hvm_msr_read/hvm_msr_write.  0, or -1 for #GP. */
int hvm_msr_insn(struct vcpu *v, bool write, struct hvm_msr_regs *m);
/* NPF / EPT violation at gpa: a device or a crash (info: the back end's
 * error code or qualification, for the message); always a crash when the
 * CPU was delivering an event (IDT vectoring / EXITINTINFO valid). */
void hvm_handle_nested_fault(struct vcpu *v, uint64_t gpa, bool write,
			     bool fetch, bool delivering, uint64_t info);
/* Before an entry: the vector to inject now (acknowledged), or -1; when
 * one is due but 'blocked' (rflags.IF clear, an interrupt shadow, an
 * event already being injected), *window asks for an interrupt-window
 * exit. */
int hvm_intr_assist(struct vcpu *v, bool blocked, bool *window);
/* DR0-3 of a vcpu that owns its debug registers, around each run. */
void hvm_dr_load(const uint64_t dr[4]);
void hvm_dr_save(uint64_t dr[4]);
/* get/set_context: the registers of struct hvm_gprs; _in also checks
 * EFER, PAT and the reserved high halves of CR0, CR4, DR6 and DR7 (0 or
 * -EINVAL, nothing changed). */
void hvm_context_gprs_out(const struct hvm_gprs *r,
			  struct mica_hvm_vcpu_context *c);
int hvm_context_gprs_in(struct hvm_gprs *r,
			const struct mica_hvm_vcpu_context *c);

/* Guest-physical memory access (hypercall buffers); 0 or -EFAULT. */
int hvm_copy_from_gpa(struct domain *d, void *dst, uint64_t gpa, size_t len);
int hvm_copy_to_gpa(struct domain *d, uint64_t gpa, const void *src,
		    size_t len);

/* p2m.c: nested page tables. */
int p2m_init(struct domain *d);
/* Maps gfn.. to the 2^order frames at mfn (naturally aligned). */
int p2m_map(struct domain *d, uint64_t gfn, uint64_t mfn, unsigned int order);
/* The frame at gfn, or 0 with no mapping. */
uint64_t p2m_lookup(struct domain *d, uint64_t gfn);
void p2m_destroy(struct domain *d);

/* evtchn.c: event-channel upcalls as an interrupt, and the guest frames
 * the event code keeps (mica/event.h hooks, for HVM domains).  Before
 * each entry: raise an upcall the mask held back, if the mask is clear. */
void hvm_evtchn_pre_run(struct vcpu *v);
int hvm_guest_frame_get(struct domain *d, uint64_t gfn, void **va);

/* io.c / uart.c: the emulated devices. */
bool hvm_uart_io(struct vcpu *v, uint16_t port, bool in, uint32_t *val);

/* domctl.c: HVM domains from the toolstack (public/domctl.h). */
long hvm_domctl_context(struct domain *d, struct mica_domctl *op, bool set);
int hvm_populated(struct domain *d, uint64_t gfn, uint64_t mfn,
		  unsigned int order);

/* linux.c: a bzImage (Linux boot protocol) as a boot-time HVM kernel:
 * loaded with its initrd and command line into d's RAM below ram_end,
 * vcpu 0 at the 32-bit entry.  0, or -errno with the reason in why. */
bool hvm_is_bzimage(const uint8_t *image, size_t size);
int hvm_linux_build(struct domain *d, const struct boot_domain *bd,
		    uint64_t ram_end, char *why, size_t why_len);

/* build.c: a boot-time HVM domain (docs/boot.md, type=hvm). */
int hvm_build_boot_domain(const struct boot_domain *bd, uint16_t domid);

#include <mica/domain.h>

static inline bool is_hvm_domain(const struct domain *d)
{
	return d->arch.hvm != NULL;
}

static inline bool is_hvm_vcpu(const struct vcpu *v)
{
	return v && v->arch.hvm != NULL;
}

#endif /* __ASSEMBLY__ */
#endif
