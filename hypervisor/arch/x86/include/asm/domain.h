/* SPDX-License-Identifier: MIT */
/* x86 parts of domains and vcpus (PV guests for now). */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H

#include <mica/types.h>
#include <asm/regs.h>

struct arch_vcpu {
	/* Guest registers while the vcpu is off the CPU. */
	struct cpu_regs regs;
	/* Machine addresses of the guest's kernel and user L4 tables. */
	paddr_t cr3_kernel;
	paddr_t cr3_user; /* 0: none */
	bool kernel_mode; /* guest kernel (else guest user) is running */
	/* Data segment state, which IRET does not carry. */
	uint16_t ds, es, fs, gs;
	uint64_t fs_base, gs_base, gs_base_other; /* other: swapgs target */
};

struct arch_domain {
	struct page_info *shared_info; /* shared_info.h page, domain-owned */
	uint64_t hypercall_page_va; /* from the kernel's ELF notes */
};

#endif
