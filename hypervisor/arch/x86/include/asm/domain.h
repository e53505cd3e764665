/* SPDX-License-Identifier: MIT */
/* x86 parts of domains and vcpus (PV guests for now). */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H

#include <mica/spinlock.h>
#include <mica/rangeset.h>
#include <mica/types.h>
#include <asm/fpu.h>
#include <asm/pv_desc.h>
#include <asm/regs.h>
#include <public/arch-x86/pv.h>
#include <public/shared_info.h>

struct hvm_vcpu;
struct hvm_domain;

struct arch_vcpu {
	/* FPU state first: it needs 64-byte alignment, and holes around it
	 * would push struct vcpu past one page (pv/fpu.c). */
	struct fpu_area fpu;

	/* Guest registers while the vcpu is off the CPU. */
	struct cpu_regs regs;
	/* Machine addresses of the guest's kernel and user L4 tables. */
	paddr_t cr3_kernel;
	paddr_t cr3_user; /* 0: none */
	bool kernel_mode; /* guest kernel (else guest user) is running */
	/* Data segment state, which IRET does not carry. */
	uint16_t ds, es, fs, gs;
	uint64_t fs_base, gs_base, gs_base_other; /* other: swapgs target */

	/* The PV CPU interface (public/arch-x86/pv.h). */
	uint64_t trap_table[256]; /* packed entries (asm/pv_trap.h) */
	uint64_t callback[MICA_CALLBACK_SLOTS];
	uint16_t callback_flags[MICA_CALLBACK_SLOTS];
	uint64_t kernel_ss, kernel_sp; /* MICA_HC_stack_switch */
	struct mica_vcpu_info *vcpu_info; /* Mica's mapping of it */

	/* FPU (fpu is above), debug registers, descriptor tables, I/O
	 * privilege (pv/fpu.c, pv/debugreg.c, pv/descriptors.c, ioport.c). */
	int fpu_cpu; /* CPU whose registers may hold fpu, -1: none */
	bool fpu_ts; /* virtual CR0.TS */
	uint64_t debugreg[8];
	struct pv_gdt gdt; /* under the domain's mm_lock */
	struct pv_ldt ldt;
	bool failsafe_pending; /* a data selector failed to load */
	uint16_t failsafe_sel[4]; /* ds, es, fs, gs as they were */
	unsigned int iopl; /* virtual IOPL (physdev.h) */
	uint64_t iobitmap_gaddr;
	uint32_t iobitmap_nr_ports;

	/* TLB shootdown (asm/flushtlb.h): the CPU whose TLB may hold this
	 * vcpu's translations, -1 for none. */
	int dirty_cpu;

	/* Preemptible pin/unpin (pv/mm.c, under mm_lock): whether the
	 * running op may stop, the entries it has handled in this part, and
	 * the op that is under way (its table, 0 for none, and command). */
	bool pt_preemptible;
	uint16_t pt_work;
	uint32_t pt_cmd;
	mfn_t pt_top;

	/* HVM vcpus (asm/hvm.h); NULL for PV. */
	struct hvm_vcpu *hvm;
};

struct arch_domain {
	spinlock_t mm_lock; /* page types and tables of this domain */
	struct page_info *shared_info; /* shared_info.h page, domain-owned */
	uint64_t hypercall_page_va; /* from the kernel's ELF notes */
	/* I/O ports dom0 gave this domain (ioport.c), under io_lock. */
	spinlock_t io_lock;
	struct rangeset ioports;
	/* MMIO frames and physical IRQs dom0 gave it (iomem.c), io_lock:
	 * allocated at the first grant (most domains never get any), freed
	 * when the domain is torn down (io_dead: no more grants). */
	struct rangeset *iomem;
	struct rangeset *irqs;
	bool io_dead;
	/* Stepwise destruction (arch_domain_relinquish): stage 0 drops the
	 * descriptor frames and base pointers, stage 1 walks the page list
	 * from the frame 'relinquish_next', stage 2 is done. */
	unsigned int relinquish_stage;
	uint32_t relinquish_next;

	/* HVM domains (asm/hvm.h); NULL for PV. */
	struct hvm_domain *hvm;
};

/* The lock of a domain's frame counts, page tables and grant state. */
#define domain_mm_lock(d) (&(d)->arch.mm_lock)

#endif
