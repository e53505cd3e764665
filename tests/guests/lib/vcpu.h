/* SPDX-License-Identifier: MIT */
/*
 * Secondary vcpus, page-table facts and remapping of our own pages, and
 * time, for the SMP and page-table test guests
 * (public/vcpu.h, arch-x86/context.h).
 */
#ifndef GUEST_VCPU_H
#define GUEST_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "hypercall.h"
#include "public/arch-x86/context.h"
#include "public/vcpu.h"

#define VCPU_MAX 8 /* vcpus the helpers below have stacks for */

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

/* Mica's flat selectors with RPL 0: how a context names kernel mode. */
#define KERNEL_CS 0xe020
#define KERNEL_SS 0xe018

static inline long vcpu_op(uint32_t cmd, uint32_t vcpu, const void *arg)
{
	return HYPERCALL5(MICA_HC_vcpu_op, cmd, vcpu, arg, 0, 0);
}

/* The machine frame of one of our pfns (the p2m list). */
uint64_t guest_pfn_to_mfn(uint64_t pfn);
/* Our kernel L4 (the builder's, pinned). */
uint64_t guest_l4_mfn(void);
/* The mfn behind one of our virtual addresses in the boot mapping. */
uint64_t guest_va_to_mfn(uint64_t va);
/* The machine address of the L1 entry that maps va (boot mapping). */
uint64_t guest_l1e_maddr(uint64_t va);

static inline uint64_t guest_mfn(const void *va)
{
	return guest_va_to_mfn((uint64_t)va);
}

/* One MICA_HC_mmu_update of ptr to val: 0 or its error. */
long guest_mmu_update1(uint64_t ptr, uint64_t val);
/* One MICA_HC_mmuext_op on our own tables: 0 or its error. */
long guest_mmuext1(uint32_t cmd, uint64_t arg1, uint64_t arg2);
/* Maps our page at va again, read-only (a table may be made of it) or
 * writable: 0 or the error. */
long guest_remap(const void *va, bool writable);
/* guest_remap, a failure being a test error. */
void guest_set_writable(const void *va, bool writable);
/* MICA_MMUEXT_TLB_FLUSH_LOCAL. */
void guest_tlb_flush_local(void);

/*
 * A valid context that starts vcpu 'id' in kernel mode at fn(id) on its own
 * stack, with our page tables.  fn may return: the vcpu then takes itself
 * down (and does it again each time it is brought up).
 */
void vcpu_context_init(struct mica_vcpu_guest_context *c, unsigned int id,
		       void (*fn)(unsigned int id));

/* initialise (with vcpu_context_init) and up.  0 or the failing call's. */
long vcpu_start(unsigned int id, void (*fn)(unsigned int id));

/* The id this code runs on (set for vcpus started by vcpu_start; 0 for
 * the boot vcpu).  Reads the stack. */
unsigned int vcpu_self(void);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * Maps the shared-info page at 'va' (a page of the boot mapping the test
 * gives up) for time_ns().  0 or the update_va_mapping error.
 */
long time_init(uint64_t va);
/* System time in ns (public/time.h), from vcpu 0's time info. */
uint64_t time_ns(void);

#endif /* GUEST_VCPU_H */
