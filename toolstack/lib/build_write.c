// SPDX-License-Identifier: MIT
/*
 * Filling a new PV domain's bootstrap area (public/start_info.h): kernel,
 * module, p2m list, start_info, initial page tables, hypercall page; and
 * vcpu 0's initial context.  Works on a plain buffer: nothing here talks
 * to the hypervisor.
 */
#include <string.h>

#include <mica/build.h>

#include "public/arch-x86/layout.h"
#include "public/start_info.h"

/* x86-64 page-table entry bits. */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_ADDR 0x000ffffffffff000ull
#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U | PTE_A)
#define LEAF_FLAGS (PTE_P | PTE_U | PTE_A | PTE_D)

struct area {
	uint8_t *base; /* pfn p at base + p * 4096 */
	const uint64_t *p2m;
	const struct mica_build_layout *layout;
	uint64_t next_pt; /* next free page-table pfn */
};

static void *pfn_ptr(const struct area *a, uint64_t pfn)
{
	return a->base + pfn * MICA_PAGE_SIZE;
}

/*
 * The table under entry *e, taking the next page-table frame if the entry
 * is empty.  Entries hold mfns; the table is found by its pfn, which this
 * builder allocated in order, so it keeps the pfn in the frame it just
 * filled instead of searching the p2m.
 */
static uint64_t *next_level(struct area *a, uint64_t *e, uint64_t *pfn)
{
	if (!(*e & PTE_P)) {
		*pfn = a->next_pt++;
		*e = (a->p2m[*pfn] << MICA_PAGE_SHIFT) | TABLE_FLAGS;
	}
	return pfn_ptr(a, *pfn);
}

/* Maps pfns [0, mapped) linearly at virt_base; the tables read-only.
 * Mica's L4 slots stay zero: validation fills them (mmu.h T5). */
static void build_page_tables(struct area *a)
{
	const struct mica_build_layout *l = a->layout;
	uint64_t *l4 = pfn_ptr(a, l->pt_pfn), *l3 = NULL, *l2 = NULL,
		 *l1 = NULL;
	uint64_t l3_pfn = 0, l2_pfn = 0, l1_pfn = 0, pfn;

	a->next_pt = l->pt_pfn + 1;
	for (pfn = 0; pfn < l->mapped; pfn++) {
		uint64_t va = l->virt_base + pfn * MICA_PAGE_SIZE;
		bool is_pt = pfn >= l->pt_pfn && pfn < l->pt_pfn + l->nr_pt;

		/* Descend only where an index changes. */
		if (!l3 || !(va & ((1ull << 39) - 1)))
			l3 = next_level(a, &l4[(va >> 39) & 511], &l3_pfn);
		if (!l2 || !(va & ((1ull << 30) - 1)))
			l2 = next_level(a, &l3[(va >> 30) & 511], &l2_pfn);
		if (!l1 || !(va & ((1ull << 21) - 1)))
			l1 = next_level(a, &l2[(va >> 21) & 511], &l1_pfn);
		l1[(va >> 12) & 511] = (a->p2m[pfn] << MICA_PAGE_SHIFT) |
				       LEAF_FLAGS | (is_pt ? 0 : PTE_W);
	}
}

/*
 * Hypercall N at offset N * 32: "mov $N, %eax; syscall; ret", int3
 * padding; iret pushes r11, rcx, rax first and never returns (mica.h
 * calling convention, arch-x86/pv.h MICA_HC_iret).  The same stubs the
 * hypervisor writes for dom0.
 */
static void write_hypercall_page(uint8_t *p)
{
	static const uint8_t iret_stub[] = {
		0x41, 0x53, /* push %r11 */
		0x51, /* push %rcx */
		0x50, /* push %rax */
		0xb8, MICA_HC_iret, 0, 0, 0, /* mov $MICA_HC_iret, %eax */
		0x0f, 0x05, /* syscall */
	};
	unsigned int n;

	memset(p, 0xcc, MICA_PAGE_SIZE);
	for (n = 0; n < MICA_HYPERCALL_PAGE_SLOTS; n++) {
		uint8_t *slot = p + n * MICA_HYPERCALL_SLOT_SIZE;

		slot[0] = 0xb8;
		slot[1] = (uint8_t)n;
		slot[2] = slot[3] = slot[4] = 0;
		slot[5] = 0x0f;
		slot[6] = 0x05;
		slot[7] = 0xc3;
	}
	memcpy(p + MICA_HC_iret * MICA_HYPERCALL_SLOT_SIZE, iret_stub,
	       sizeof(iret_stub));
}

static void write_start_info(const struct area *a,
			     const struct mica_build_input *in,
			     bool mod_start_pfn)
{
	const struct mica_build_layout *l = a->layout;
	struct mica_start_info *si = pfn_ptr(a, l->start_info_pfn);
	size_t n;

	memcpy(si->magic, MICA_START_INFO_MAGIC, sizeof(MICA_START_INFO_MAGIC));
	si->nr_pages = l->nr_pages;
	si->shared_info_mfn = in->shared_info_mfn;
	si->store_mfn = a->p2m[l->store_pfn];
	si->store_evtchn = in->store_evtchn;
	si->console_mfn = a->p2m[l->console_pfn];
	si->console_evtchn = in->console_evtchn;
	si->pt_base = l->virt_base + (l->pt_pfn << MICA_PAGE_SHIFT);
	si->nr_pt_frames = l->nr_pt;
	si->mfn_list = l->virt_base + (l->p2m_pfn << MICA_PAGE_SHIFT);
	if (in->module_len) {
		si->mod_len = in->module_len;
		if (mod_start_pfn) {
			si->flags |= MICA_START_INFO_MOD_START_PFN;
			si->mod_start = l->mod_pfn;
		} else {
			si->mod_start =
				l->virt_base + (l->mod_pfn << MICA_PAGE_SHIFT);
		}
	}
	n = strnlen(in->cmdline, sizeof(si->cmdline) - 1);
	memcpy(si->cmdline, in->cmdline, n);
}

void mica_build_write(const struct mica_elf_info *elf,
		      const struct mica_build_layout *layout,
		      const struct mica_build_input *in, const uint64_t *p2m,
		      void *area_base, void *module_area,
		      struct mica_vcpu_guest_context *ctx)
{
	struct area a = { .base = area_base, .p2m = p2m, .layout = layout };
	unsigned int i;

	/* L1: segments; the rest of each up to memsz (bss) is zero. */
	for (i = 0; i < elf->nr_segments; i++)
		memcpy(a.base + (elf->segments[i].pfn << MICA_PAGE_SHIFT) +
			       (elf->segments[i].vaddr & (MICA_PAGE_SIZE - 1)),
		       in->kernel + elf->segments[i].offset,
		       elf->segments[i].filesz);
	write_hypercall_page(
		pfn_ptr(&a, (elf->hypercall_page - layout->virt_base) >>
				    MICA_PAGE_SHIFT));
	/* L2 */
	if (in->module_len)
		memcpy(elf->mod_start_pfn ? module_area :
					    pfn_ptr(&a, layout->mod_pfn),
		       in->module, in->module_len);
	/* L3 */
	memcpy(pfn_ptr(&a, layout->p2m_pfn), p2m,
	       layout->nr_pages * sizeof(uint64_t));
	/* L4; L5 and L6 (the rings) start zeroed, which is their initial
	 * state (all indices 0, connection MICA_STORE_CONNECTED). */
	write_start_info(&a, in, elf->mod_start_pfn);
	/* L7 */
	build_page_tables(&a);

	memset(ctx, 0, sizeof(*ctx));
	/* The boot L4 is pinned, as start_info.h promises the kernel. */
	ctx->flags = MICA_VGCF_IN_KERNEL | MICA_VGCF_PIN_BASE;
	for (i = 0; i < 256; i++)
		ctx->trap_table[i].vector = (uint8_t)i;
	ctx->user_regs.rip = elf->entry;
	ctx->user_regs.rsp = layout->virt_base +
			     ((layout->stack_pfn + MICA_START_STACK_PAGES)
			      << MICA_PAGE_SHIFT);
	ctx->user_regs.rsi =
		layout->virt_base + (layout->start_info_pfn << MICA_PAGE_SHIFT);
	/* RPL 0: the vcpu starts in guest kernel mode (context.h). */
	ctx->user_regs.cs = MICA_FLAT_KERNEL_CS & ~3;
	ctx->user_regs.ss = MICA_FLAT_KERNEL_SS & ~3;
	ctx->user_regs.ds = MICA_FLAT_KERNEL_DS;
	ctx->user_regs.es = MICA_FLAT_KERNEL_DS;
	ctx->user_regs.rflags = 0x2;
	ctx->kernel_pt_base_gfn = p2m[layout->pt_pfn];
}
