/* SPDX-License-Identifier: MIT */
/*
 * Guest GDT and LDT (public/arch-x86/pv.h "Descriptor tables", mmu.h
 * MICA_MMUEXT_SET_LDT): the frames become descriptor pages (PGT_SEG_DESC,
 * validated by pv_validate_desc_page), and each CPU shows the running
 * vcpu's frames in its descriptor window (asm/pv_desc.h).
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/sched.h>
#include <mica/shutdown.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/pv.h>
#include <asm/pv_desc.h>
#include <asm/smp.h>
#include <public/arch-x86/layout.h>
#include <public/mmu.h>

#define RESERVED_PAGE 14
#define WINDOW_PTE_RW (PTE_P | PTE_W | PTE_NX) /* per CPU: not global */
#define WINDOW_PTE_RO (PTE_P | PTE_NX)

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

static mfn_t zero_mfn; /* an all-zero frame: not-present descriptors */

int pv_validate_desc_page(mfn_t mfn)
{
	const uint64_t *d = mfn_to_virt(mfn);

	for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
		if (!pv_descriptor_ok(d[i]))
			return -EINVAL;
	return 0;
}

static uintptr_t window_of(unsigned int cpu)
{
	return HV_DESC_WINDOWS_BASE +
	       (uintptr_t)cpu * DESC_WINDOW_PAGES * PAGE_SIZE;
}

void pv_desc_cpu_init(struct cpu_info *ci)
{
	uintptr_t w = window_of(ci->cpu_id);
	struct page_info *pg;
	uint64_t *reserved;
	struct desc_ptr p;
	unsigned int level;

	if (!zero_mfn) {
		pg = alloc_pages(0, OWNER_HYPERVISOR);
		if (!pg)
			panic("no memory for the descriptor windows\n");
		memset(page_to_virt(pg), 0, PAGE_SIZE);
		zero_mfn = page_to_mfn(pg);
	}
	pg = alloc_pages(0, OWNER_HYPERVISOR);
	if (!pg)
		panic("no memory for CPU%u's GDT\n", ci->cpu_id);
	reserved = page_to_virt(pg);
	memset(reserved, 0, PAGE_SIZE);
	memcpy(reserved, ci->gdt, sizeof(ci->gdt)); /* TSS stays busy */
	for (unsigned int i = 0; i < DESC_WINDOW_PAGES; i++) {
		paddr_t pa = (i == RESERVED_PAGE ? page_to_mfn(pg) : zero_mfn)
			     << PAGE_SHIFT;

		if (i == RESERVED_PAGE + 1)
			continue;
		if (map_pages(w + i * PAGE_SIZE, pa, PAGE_SIZE,
			      i == RESERVED_PAGE ? WINDOW_PTE_RW :
						   WINDOW_PTE_RO))
			panic("cannot map CPU%u's descriptor window\n",
			      ci->cpu_id);
	}
	ci->desc_pte = paging_lookup(w, &level);
	if (!ci->desc_pte || level != 1)
		panic("descriptor window not mapped with 4 KiB pages\n");
	ci->desc_reserved = reserved;
	ci->ldt_loaded = false;
	p.limit = GDT_RESERVED_BYTE + sizeof(ci->gdt) - 1;
	p.base = w;
	__asm__ __volatile__("lgdt %0" ::"m"(p));
}

static void window_set(struct cpu_info *ci, unsigned int page, mfn_t mfn,
		       bool writable)
{
	uint64_t want = (mfn << PAGE_SHIFT) |
			(writable ? WINDOW_PTE_RW : WINDOW_PTE_RO);

	if (ci->desc_pte[page] == want)
		return;
	ci->desc_pte[page] = want;
	invlpg((void *)(window_of(ci->cpu_id) + page * PAGE_SIZE));
}

/* The 16-byte LDT system descriptor for 'entries' entries at the window. */
static void set_ldt_descriptor(struct cpu_info *ci, uint64_t entries)
{
	uint64_t base =
		window_of(ci->cpu_id) + DESC_WINDOW_LDT_PAGE * PAGE_SIZE;
	uint64_t limit = entries * 8 - 1;
	unsigned int i = (HV_LDT - GDT_RESERVED_BYTE) / 8;

	ci->desc_reserved[i] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			       (0x82ULL << 40) /* present, LDT */ |
			       ((limit >> 16) & 0xf) << 48 |
			       ((base >> 24) & 0xff) << 56;
	ci->desc_reserved[i + 1] = base >> 32;
}

uint64_t pv_loaded_descriptor(uint16_t sel)
{
	const struct vcpu *v = current_vcpu();
	unsigned int i = sel >> 3;
	const uint64_t *table = (const uint64_t *)window_of(this_cpu()->cpu_id);

	if (!v)
		return 0;
	if (sel & 4)
		return i < v->arch.ldt.entries ?
			       table[DESC_WINDOW_LDT_PAGE * (PAGE_SIZE / 8) + i] :
			       0;
	return i < v->arch.gdt.entries ? table[i] : 0;
}

void pv_desc_switch(struct vcpu *next)
{
	struct cpu_info *ci = this_cpu();
	const struct pv_gdt *gdt = next ? &next->arch.gdt : NULL;
	const struct pv_ldt *ldt = next ? &next->arch.ldt : NULL;

	if (!ci->desc_pte)
		return; /* before pv_desc_cpu_init */
	for (unsigned int i = 0; i < GDT_GUEST_PAGES; i++) {
		if (gdt && i < gdt->nr_frames)
			window_set(ci, i, gdt->frames[i], true);
		else
			window_set(ci, i, zero_mfn, false);
	}
	for (unsigned int i = 0; i < LDT_PAGES; i++) {
		if (ldt && i < ldt->nr_frames)
			window_set(ci, DESC_WINDOW_LDT_PAGE + i, ldt->frames[i],
				   true);
		else
			window_set(ci, DESC_WINDOW_LDT_PAGE + i, zero_mfn,
				   false);
	}
	if (ldt && ldt->entries) {
		set_ldt_descriptor(ci, ldt->entries);
		__asm__ __volatile__("lldt %w0" ::"r"(HV_LDT));
		ci->ldt_loaded = true;
	} else if (ci->ldt_loaded) {
		__asm__ __volatile__("lldt %w0" ::"r"(0));
		ci->ldt_loaded = false;
	}
}

static void put_frames(struct domain *d, const uint64_t *frames, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		pv_put_page_and_type(frames[i], d);
}

/* Types frames[0..n) as descriptor pages, all or none. */
static int get_frames(struct domain *d, const uint64_t *frames, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		int rc = frames[i] < page_alloc_table_frames() ?
				 pv_get_page_and_type(frames[i], d,
						      PGT_SEG_DESC) :
				 -EINVAL;

		if (rc) {
			put_frames(d, frames, i);
			return rc;
		}
	}
	return 0;
}

int pv_gdt_take(struct domain *d, struct pv_gdt *out, const uint64_t *frames,
		uint64_t nr_entries)
{
	unsigned int n;
	int rc;

	if (nr_entries == 0 || nr_entries > MICA_GDT_FIRST_RESERVED_ENTRY)
		return -EINVAL;
	n = (unsigned int)((nr_entries + 511) / 512);
	rc = get_frames(d, frames, n);
	if (rc)
		return rc;
	memcpy(out->frames, frames, n * sizeof(uint64_t));
	out->nr_frames = n;
	out->entries = (unsigned int)nr_entries;
	return 0;
}

void pv_gdt_put(struct domain *d, struct pv_gdt *t)
{
	put_frames(d, t->frames, t->nr_frames);
	t->nr_frames = t->entries = 0;
}

int pv_ldt_take(struct domain *d, struct pv_ldt *out, paddr_t l4, uint64_t va,
		uint64_t entries)
{
	unsigned int n;
	int rc;

	if (entries > MICA_LDT_MAX_ENTRIES || (va & (PAGE_SIZE - 1)) ||
	    (entries && !guest_range_ok(va, entries * 8)))
		return -EINVAL;
	n = (unsigned int)((entries * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
	for (unsigned int i = 0; i < n; i++) {
		out->frames[i] = pv_l4_va_to_mfn(l4, va + i * PAGE_SIZE);
		if (out->frames[i] == MFN_NONE)
			return -EFAULT;
	}
	rc = get_frames(d, out->frames, n);
	if (rc)
		return rc;
	out->nr_frames = n;
	out->entries = (unsigned int)entries;
	out->base = entries ? va : 0;
	return 0;
}

void pv_ldt_put(struct domain *d, struct pv_ldt *t)
{
	put_frames(d, t->frames, t->nr_frames);
	t->nr_frames = t->entries = 0;
	t->base = 0;
}

long do_set_gdt(uint64_t frame_list, uint64_t nr_entries, uint64_t a3,
		uint64_t a4, uint64_t a5)
{
	struct vcpu *v = current_vcpu();
	struct domain *d = v->domain;
	uint64_t frames[GDT_GUEST_PAGES];
	struct pv_gdt gdt;
	unsigned long flags;
	int rc;

	(void)a3;
	(void)a4;
	(void)a5;
	if (nr_entries == 0 || nr_entries > MICA_GDT_FIRST_RESERVED_ENTRY)
		return -EINVAL; /* before the frame list is read */
	if (copy_from_guest(frames, frame_list,
			    (nr_entries + 511) / 512 * sizeof(uint64_t)))
		return -EFAULT;
	flags = pv_mm_lock(d);
	rc = pv_gdt_take(d, &gdt, frames, nr_entries);
	if (!rc) {
		pv_gdt_put(d, &v->arch.gdt);
		v->arch.gdt = gdt;
	}
	pv_mm_unlock(d, flags);
	if (!rc)
		pv_desc_switch(v);
	return rc;
}

long do_update_descriptor(uint64_t maddr, uint64_t desc, uint64_t a3,
			  uint64_t a4, uint64_t a5)
{
	struct domain *d = current_vcpu()->domain;
	mfn_t mfn = maddr >> PAGE_SHIFT;
	uint64_t *entry;
	unsigned long flags;
	int rc = 0;

	(void)a3;
	(void)a4;
	(void)a5;
	if ((maddr & 7) || mfn >= page_alloc_table_frames() ||
	    !pv_descriptor_ok(desc))
		return -EINVAL;
	if (mfn_to_page(mfn)->owner != d->id)
		return -EPERM;
	entry = (uint64_t *)mfn_to_virt(mfn) + (maddr & (PAGE_SIZE - 1)) / 8;
	flags = pv_mm_lock(d);
	if (pv_page_type(mfn) == PGT_SEG_DESC) {
		__atomic_store_n(entry, desc, __ATOMIC_SEQ_CST);
	} else {
		/* An ordinary frame: it must be able to be writable (T1). */
		rc = pv_get_page_and_type(mfn, d, PGT_WRITABLE);
		if (!rc) {
			*entry = desc;
			pv_put_page_and_type(mfn, d);
		}
	}
	pv_mm_unlock(d, flags);
	return rc;
}

void pv_desc_relinquish(struct domain *d)
{
	unsigned long flags = pv_mm_lock(d);

	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		if (!v)
			continue;
		pv_gdt_put(d, &v->arch.gdt);
		pv_ldt_put(d, &v->arch.ldt);
	}
	pv_mm_unlock(d, flags);
}

int pv_set_ldt(struct vcpu *v, uint64_t va, uint64_t entries)
{
	struct pv_ldt ldt;
	int rc = pv_ldt_take(v->domain, &ldt, v->arch.cr3_kernel, va, entries);

	if (rc)
		return rc;
	pv_ldt_put(v->domain, &v->arch.ldt);
	v->arch.ldt = ldt;
	if (v == current_vcpu())
		pv_desc_switch(v);
	return 0;
}

/*
 * Loading a data selector may fault (#GP, #NP: the guest changed or
 * removed the descriptor, or the selector was never valid); the exception
 * table then resumes at the fixup, which reports it.
 */
/* clang-format off */
#define LOAD_SEL(seg, sel, failed)					\
	__asm__ __volatile__(						\
		"1:	mov %w[s], %%" seg "\n"				\
		"2:\n"							\
		"	.pushsection .text.fixup, \"ax\"\n"		\
		"3:	movb $1, %[f]\n"				\
		"	jmp 2b\n"					\
		"	.popsection\n"					\
		"	.pushsection .extable, \"a\"\n"			\
		"	.balign 8\n"					\
		"	.quad 1b, 3b\n"					\
		"	.popsection\n"					\
		: [f] "+m"(failed)					\
		: [s] "r"(sel))
/* clang-format on */

/* The register holds 'now' and must hold 'want': a load can be skipped
 * if they are equal and the descriptor cannot differ between vcpus. */
static bool selector_stays(uint16_t now, uint16_t want)
{
	return now == want &&
	       (!(want & ~3) ||
		(!(want & 4) && (want & ~7) >= GDT_RESERVED_BYTE));
}

unsigned int pv_load_data_selectors(struct vcpu *v,
				    const struct arch_vcpu *loaded)
{
	struct arch_vcpu *a = &v->arch;
	bool failed[4] = { false, false, false, false };
	unsigned int done = 0;
	uint16_t zero = 0;

	if (!loaded || !selector_stays(loaded->ds, a->ds)) {
		LOAD_SEL("ds", a->ds, failed[0]);
		done |= 1u << 0;
	}
	if (!loaded || !selector_stays(loaded->es, a->es)) {
		LOAD_SEL("es", a->es, failed[1]);
		done |= 1u << 1;
	}
	if (!loaded || !selector_stays(loaded->fs, a->fs)) {
		LOAD_SEL("fs", a->fs, failed[2]);
		done |= PV_SEL_FS;
	}
	if (!loaded || !selector_stays(loaded->gs, a->gs)) {
		LOAD_SEL("gs", a->gs, failed[3]);
		done |= PV_SEL_GS;
	}
	if (!(failed[0] | failed[1] | failed[2] | failed[3]))
		return done;
	a->failsafe_sel[0] = a->ds;
	a->failsafe_sel[1] = a->es;
	a->failsafe_sel[2] = a->fs;
	a->failsafe_sel[3] = a->gs;
	a->failsafe_pending = true;
	if (failed[0])
		__asm__ __volatile__("mov %w0, %%ds" ::"r"(zero));
	if (failed[1])
		__asm__ __volatile__("mov %w0, %%es" ::"r"(zero));
	if (failed[2])
		__asm__ __volatile__("mov %w0, %%fs" ::"r"(zero));
	if (failed[3])
		__asm__ __volatile__("mov %w0, %%gs" ::"r"(zero));
	return done;
}

void pv_failsafe_check(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	uint64_t sel[4];

	if (!v || !v->arch.failsafe_pending)
		return;
	v->arch.failsafe_pending = false;
	if (!v->arch.callback[MICA_CALLBACK_failsafe]) {
		domain_crash(v->domain,
			     "data selector %x/%x/%x/%x unloadable and no "
			     "failsafe callback",
			     v->arch.failsafe_sel[0], v->arch.failsafe_sel[1],
			     v->arch.failsafe_sel[2], v->arch.failsafe_sel[3]);
		return;
	}
	if (pv_bounce(regs, v->arch.callback[MICA_CALLBACK_failsafe],
		      v->arch.callback_flags[MICA_CALLBACK_failsafe] &
			      MICA_CALLBACKF_MASK_EVENTS,
		      -1))
		return;
	for (unsigned int i = 0; i < 4; i++)
		sel[i] = v->arch.failsafe_sel[i];
	if (copy_to_guest(regs->rsp - sizeof(sel), sel, sizeof(sel))) {
		domain_crash(v->domain, "failsafe frame unwritable");
		return;
	}
	regs->rsp -= sizeof(sel);
}
