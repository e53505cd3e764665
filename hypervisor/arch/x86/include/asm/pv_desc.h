/* SPDX-License-Identifier: MIT */
/*
 * Guest descriptor tables (public/arch-x86/pv.h "Descriptor tables",
 * mmu.h MICA_MMUEXT_SET_LDT): the descriptor rules, and the per-CPU
 * windows through which the CPU sees the running vcpu's GDT and LDT.
 *
 * Each CPU has a window of DESC_WINDOW_PAGES pages (asm/layout.h):
 *
 *   pages  0..13  the vcpu's GDT frames (the zero page where it has none);
 *                 mapped writable for Mica, so the CPU can set accessed bits
 *   page  14      Mica's reserved entries (0xe000 up): flat guest
 *                 selectors, Mica's own, the TSS and LDT descriptors
 *   page  15      unmapped
 *   pages 16..31  the vcpu's LDT frames
 *
 * The GDTR base is the window; the LDT descriptor (HV_LDT) points at
 * page 16 with the vcpu's LDT limit.
 */
#ifndef ASM_PV_DESC_H
#define ASM_PV_DESC_H

#include <mica/types.h>

#define GDT_GUEST_PAGES 14 /* = MICA_GDT_MAX_GUEST_FRAMES */
#define LDT_PAGES 16 /* MICA_LDT_MAX_ENTRIES * 8 bytes */
#define DESC_WINDOW_PAGES 32
#define DESC_WINDOW_LDT_PAGE 16

struct vcpu;
struct cpu_info;
struct cpu_regs;
struct domain;

/* A vcpu's GDT and LDT: frames typed seg_desc, one type reference each. */
struct pv_gdt {
	uint64_t frames[GDT_GUEST_PAGES];
	unsigned int nr_frames, entries; /* entries 0: none */
};

struct pv_ldt {
	uint64_t frames[LDT_PAGES];
	unsigned int nr_frames, entries; /* entries 0: none */
	uint64_t base; /* guest va given to SET_LDT, 0 with no LDT */
};

/* The descriptor rules: may a guest GDT/LDT hold this entry?  Pure. */
bool pv_descriptor_ok(uint64_t desc);

/* Checks all 512 entries of a frame that is to become a descriptor page:
 * 0 or -EINVAL. */
int pv_validate_desc_page(mfn_t mfn);

/* Maps this CPU's window and moves its GDTR there (pv_cpu_init). */
void pv_desc_cpu_init(struct cpu_info *ci);

/* Context switch: shows next's GDT and LDT in this CPU's window and loads
 * its LDT.  Call before next's data selectors are loaded. */
void pv_desc_switch(struct vcpu *next);

/* SET_LDT (mmu.h); the caller holds the domain's mm_lock. */
int pv_set_ldt(struct vcpu *v, uint64_t va, uint64_t entries);

/*
 * Taking and dropping descriptor tables, shared by set_gdt, SET_LDT and
 * vcpu contexts; the caller holds d's mm_lock.  pv_gdt_take checks
 * nr_entries (1..MICA_GDT_FIRST_RESERVED_ENTRY) and types the frames it
 * needs as pv.h set_gdt does; pv_ldt_take checks va and entries as SET_LDT
 * does and types the frames that map va in the page tables whose L4 is at
 * machine address l4.  Either fills *out and returns 0, or takes nothing
 * and returns -EINVAL, -EPERM, -EBUSY (mmu.h T1) or -EFAULT (LDT not
 * mapped).  The put functions drop what a take took and empty *t.
 */
int pv_gdt_take(struct domain *d, struct pv_gdt *out, const uint64_t *frames,
		uint64_t nr_entries);
void pv_gdt_put(struct domain *d, struct pv_gdt *t);
int pv_ldt_take(struct domain *d, struct pv_ldt *out, paddr_t l4, uint64_t va,
		uint64_t entries);
void pv_ldt_put(struct domain *d, struct pv_ldt *t);

/* The running vcpu's descriptor for a selector of its own GDT (below
 * the reserved entries) or LDT, as loaded on this CPU: 0 beyond them. */
uint64_t pv_loaded_descriptor(uint16_t sel);

/* Destruction: drops the descriptor-page references of d's vcpus. */
void pv_desc_relinquish(struct domain *d);

/*
 * Loads a vcpu's four data selectors (ds, es, fs, gs); any that faults is
 * replaced by the null selector and the failsafe callback is arranged for
 * the next return to the guest (pv.h).  'loaded' (NULL: unknown) holds the
 * selectors in the registers now: one equal to v's that is null or one of
 * Mica's own descriptors, the same for every vcpu, is left as it is.
 * Returns the PV_SEL_* of the registers loaded.
 */
struct arch_vcpu;
#define PV_SEL_FS (1u << 2)
#define PV_SEL_GS (1u << 3)
unsigned int pv_load_data_selectors(struct vcpu *v,
				    const struct arch_vcpu *loaded);

/* The exit path: enters the failsafe callback if a selector failed. */
void pv_failsafe_check(struct cpu_regs *regs);

#endif
