/* SPDX-License-Identifier: MIT */
/*
 * The boot contract of public/start_info.h, checked from inside the guest:
 * the start-info fields, the initial memory layout L1..L9 (order, mapping,
 * read-only page tables, writable stack and free area), the p2m list
 * against the M2P, and the initial vcpu state recorded by head.S.
 *
 * Expects the word "test=start_info" on its command line (run.sh passes
 * "test=<name>" to every guest).
 *
 * A broken mapping may fault here; with no trap table that crashes the
 * domain, so every group of checks announces itself first and the log tail
 * shows where it died.
 */
#include "test.h"

#include "layout.h"
#include "public/arch-x86/layout.h"

const char test_title[] = "start-info page, initial layout and vcpu state";

#define PAGE_SIZE MICA_PAGE_SIZE
#define PTE_PRESENT (UINT64_C(1) << 0)
#define PTE_RW (UINT64_C(1) << 1)
#define PTE_PSE (UINT64_C(1) << 7)
#define PTE_ADDR_MASK UINT64_C(0x000ffffffffff000)

#define KNOWN_FLAGS                                                \
	(MICA_START_INFO_PRIVILEGED | MICA_START_INFO_INITDOMAIN | \
	 MICA_START_INFO_MOD_START_PFN)
#define M2P_ENTRIES ((MICA_M2P_VIRT_END - MICA_M2P_VIRT_START) / 8)
/* Reports per loop before it stops looking, to keep the log readable. */
#define MAX_REPORTS 4

static const uint64_t *const m2p = (const uint64_t *)MICA_M2P_VIRT_START;

/* The layout as virtual addresses, [start, end) each. */
struct layout {
	uint64_t image_end;
	uint64_t p2m_end;
	uint64_t pt_base, pt_end; /* L7 */
	uint64_t stack_bottom, stack_top; /* L8 */
	uint64_t map_end; /* end of L9 = of the whole mapping */
};

static struct layout layout;

static uint64_t pfn_to_va(uint64_t pfn)
{
	return GUEST_VIRT_BASE + (pfn << MICA_PAGE_SHIFT);
}

static void check_magic(void)
{
	static const char magic[] = MICA_START_INFO_MAGIC;
	const char *m = start_info->magic;

	if (memcmp(m, magic, sizeof(magic)))
		test_fail("magic '%.32s', expected '%s'", m, magic);
	for (size_t i = sizeof(magic); i < sizeof(start_info->magic); i++) {
		if (m[i]) {
			test_fail("magic not NUL-padded at byte %zu", i);
			break;
		}
	}
}

/* Whether the NUL-terminated line holds `word` as a space-separated word. */
static bool has_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = line; *p;) {
		if (!strncmp(p, word, n) && (p[n] == ' ' || p[n] == '\0'))
			return true;
		while (*p && *p != ' ')
			p++;
		while (*p == ' ')
			p++;
	}
	return false;
}

static void check_fields(void)
{
	const struct mica_start_info *si = start_info;
	bool dom0 = si->flags & MICA_START_INFO_INITDOMAIN;

	printk("nr_pages %lu, flags %#x, shared_info_mfn %#lx\n", si->nr_pages,
	       si->flags, si->shared_info_mfn);
	if (!si->nr_pages)
		test_fail("nr_pages is 0");
	if (si->flags & ~KNOWN_FLAGS)
		test_fail("unknown flags %#x", si->flags & ~KNOWN_FLAGS);
	if (si->flags & MICA_START_INFO_MOD_START_PFN)
		test_fail(
			"MOD_START_PFN set without MICA_ELFNOTE_MOD_START_PFN");
	if (dom0 && !(si->flags & MICA_START_INFO_PRIVILEGED))
		test_fail("initial domain without MICA_START_INFO_PRIVILEGED");
	if (dom0 && (si->store_mfn || si->console_mfn || si->store_evtchn ||
		     si->console_evtchn))
		test_fail("dom0 has store/console rings: %#lx/%u %#lx/%u",
			  si->store_mfn, si->store_evtchn, si->console_mfn,
			  si->console_evtchn);
	if (!si->shared_info_mfn || si->shared_info_mfn == MICA_INVALID_FRAME)
		test_fail("shared_info_mfn %#lx", si->shared_info_mfn);
	if (si->pad0)
		test_fail("pad0 is %#x", si->pad0);
	if (si->first_p2m_pfn || si->nr_p2m_frames)
		test_fail("p2m frames %lu+%lu without MICA_ELFNOTE_INIT_P2M",
			  si->first_p2m_pfn, si->nr_p2m_frames);
	for (size_t i = 0; i < ARRAY_SIZE(si->reserved); i++) {
		if (si->reserved[i]) {
			test_fail("reserved[%zu] is %#lx", i, si->reserved[i]);
			break;
		}
	}

	if (!memchr(si->cmdline, '\0', sizeof(si->cmdline))) {
		test_fail("cmdline is not NUL-terminated");
		return;
	}
	printk("cmdline '%s'\n", si->cmdline);
	if (!has_word(si->cmdline, "test=start_info"))
		test_fail("cmdline '%s' lacks the word test=start_info",
			  si->cmdline);
}

/*
 * One item of the layout: [start, start + size) must start on a page
 * boundary at or after *next; *next moves past it.  Returns false (after
 * failing the test) if it does not fit.
 */
static bool check_item(const char *name, uint64_t start, uint64_t size,
		       uint64_t *next)
{
	uint64_t limit = pfn_to_va(start_info->nr_pages);

	printk("  %-12s %#lx-%#lx\n", name, start, start + size);
	if (!IS_ALIGNED(start, PAGE_SIZE) || start < *next || start > limit ||
	    size > limit - start) {
		test_fail("%s at %#lx+%#lx: not page-aligned or not in order "
			  "in %#lx-%#lx",
			  name, start, size, *next, limit);
		return false;
	}
	*next = ROUND_UP(start + size, PAGE_SIZE);
	return true;
}

static bool check_layout(void)
{
	const struct mica_start_info *si = start_info;
	uint64_t next = GUEST_VIRT_BASE, rsp = boot_regs.rsp;
	bool dom0 = si->flags & MICA_START_INFO_INITDOMAIN;

	printk("Layout from start info:\n");
	if (!check_item("L1 image", GUEST_VIRT_BASE,
			(uint64_t)__image_end - GUEST_VIRT_BASE, &next))
		return false;
	layout.image_end = next;
	if (si->mod_len &&
	    !check_item("L2 module", si->mod_start, si->mod_len, &next))
		return false;
	if (!si->mod_len && si->mod_start)
		test_fail("mod_start %#lx with mod_len 0", si->mod_start);
	if (si->nr_pages > (UINT64_MAX >> MICA_PAGE_SHIFT) ||
	    !check_item("L3 p2m", si->mfn_list, si->nr_pages * 8, &next))
		return false;
	layout.p2m_end = next;
	if ((uint64_t)si != boot_regs.rsi)
		test_error("start_info %p is not the entry rsi %#lx",
			   (void *)si, boot_regs.rsi);
	if (!check_item("L4 start", (uint64_t)si, PAGE_SIZE, &next))
		return false;
	if (!dom0 && !check_item("L5-6 rings", next, 2 * PAGE_SIZE, &next))
		return false;
	if (si->nr_pt_frames < MICA_PT_LEVELS ||
	    si->nr_pt_frames > si->nr_pages) {
		test_fail("nr_pt_frames %lu", si->nr_pt_frames);
		return false;
	}
	layout.pt_base = si->pt_base;
	if (!check_item("L7 tables", si->pt_base, si->nr_pt_frames * PAGE_SIZE,
			&next))
		return false;
	layout.pt_end = next;
	layout.stack_top = rsp;
	layout.stack_bottom = rsp - MICA_START_STACK_PAGES * PAGE_SIZE;
	if (rsp < MICA_START_STACK_PAGES * PAGE_SIZE ||
	    !check_item("L8 stack", layout.stack_bottom,
			MICA_START_STACK_PAGES * PAGE_SIZE, &next))
		return false;
	layout.map_end = boot_mapping_end();
	if (!check_item("L9 free", next, layout.map_end - next, &next))
		return false;
	return true;
}

/* Every pfn has an mfn, and the M2P maps it back. */
static void check_p2m(void)
{
	const uint64_t *p2m = (const uint64_t *)start_info->mfn_list;
	unsigned int reports = 0;

	printk("Checking p2m against the M2P for %lu pages\n",
	       start_info->nr_pages);
	for (uint64_t pfn = 0; pfn < start_info->nr_pages; pfn++) {
		uint64_t mfn = p2m[pfn];

		if (mfn >= M2P_ENTRIES) {
			test_fail("p2m[%#lx] = %#lx: not a frame", pfn, mfn);
		} else if (m2p[mfn] != pfn) {
			test_fail("M2P[%#lx] = %#lx, but p2m[%#lx] = %#lx", mfn,
				  m2p[mfn], pfn, mfn);
		} else {
			continue;
		}
		if (++reports == MAX_REPORTS)
			return;
	}
}

/*
 * The virtual address of the next-level table an entry points at.  Every
 * table of the initial mapping is a page of L7.  Returns 0 (after failing
 * the test) otherwise.
 */
static uint64_t table_va(uint64_t entry, uint64_t va, int level)
{
	uint64_t mfn = (entry & PTE_ADDR_MASK) >> MICA_PAGE_SHIFT;
	uint64_t pfn, table;

	if (entry & PTE_PSE) {
		test_fail("va %#lx: L%d entry %#lx is a superpage", va, level,
			  entry);
		return 0;
	}
	pfn = mfn < M2P_ENTRIES ? m2p[mfn] : MICA_INVALID_FRAME;
	table = pfn_to_va(pfn);
	if (pfn >= start_info->nr_pages || table < layout.pt_base ||
	    table >= layout.pt_end) {
		test_fail("va %#lx: L%d entry %#lx points outside L7", va,
			  level, entry);
		return 0;
	}
	return table;
}

/* Returns the L1 entry mapping va (0 if some level is not present, or
 * after a failure). */
static uint64_t walk(uint64_t va)
{
	uint64_t table = layout.pt_base;

	for (int level = 4;; level--) {
		unsigned int shift = MICA_PAGE_SHIFT + 9 * (level - 1);
		uint64_t entry = ((const uint64_t *)table)[(va >> shift) & 511];

		if (!(entry & PTE_PRESENT))
			return 0;
		if (level == 1)
			return entry;
		table = table_va(entry, va, level);
		if (!table)
			return 0;
	}
}

/* The mapping covers exactly L1..L9: each page maps its own pfn's mfn,
 * read-only in L7 and writable elsewhere. */
static void check_mapping(void)
{
	const uint64_t *p2m = (const uint64_t *)start_info->mfn_list;
	unsigned int reports = 0;

	printk("Walking the initial page tables %#lx-%#lx\n",
	       (uint64_t)GUEST_VIRT_BASE, layout.map_end);
	for (uint64_t va = GUEST_VIRT_BASE; va < layout.map_end;
	     va += PAGE_SIZE) {
		uint64_t pfn = (va - GUEST_VIRT_BASE) >> MICA_PAGE_SHIFT;
		bool want_rw = va < layout.pt_base || va >= layout.pt_end;
		uint64_t pte = walk(va);

		if (!pte)
			test_fail("va %#lx (pfn %#lx) is not mapped", va, pfn);
		else if ((pte & PTE_ADDR_MASK) >> MICA_PAGE_SHIFT != p2m[pfn])
			test_fail("va %#lx maps mfn %#lx, p2m says %#lx", va,
				  (pte & PTE_ADDR_MASK) >> MICA_PAGE_SHIFT,
				  p2m[pfn]);
		else if (!(pte & PTE_RW) != !want_rw)
			test_fail("va %#lx is %s, expected %s", va,
				  pte & PTE_RW ? "writable" : "read-only",
				  want_rw ? "writable" : "read-only");
		else
			continue;
		if (++reports == MAX_REPORTS)
			return;
	}
	if (walk(GUEST_VIRT_BASE - PAGE_SIZE))
		test_fail("the page below virt_base is mapped");
	if (walk(layout.map_end))
		test_fail("va %#lx, after L9, is mapped", layout.map_end);
}

/* The boot stack and the free area are usable memory: write and read back
 * one word per page (nothing of ours lives there). */
static void check_writable(void)
{
	printk("Writing the boot stack and free area %#lx-%#lx\n",
	       layout.stack_bottom, layout.map_end);
	for (uint64_t va = layout.stack_bottom; va < layout.map_end;
	     va += PAGE_SIZE) {
		volatile uint64_t *p = (volatile uint64_t *)(va + 8);

		*p = va ^ UINT64_C(0x5a5a5a5a5a5a5a5a);
		if (*p != (va ^ UINT64_C(0x5a5a5a5a5a5a5a5a))) {
			test_fail("va %#lx does not keep what was written", va);
			return;
		}
	}
}

static void expect_reg(const char *name, uint64_t got, uint64_t want)
{
	if (got != want)
		test_fail("entry %s = %#lx, expected %#lx", name, got, want);
}

/* start_info.h "Initial vcpu state". */
static void check_entry_state(void)
{
	const struct boot_regs *r = &boot_regs;
	const struct {
		const char *name;
		uint64_t value;
	} zero_regs[] = {
		{ "rax", r->rax }, { "rbx", r->rbx }, { "rcx", r->rcx },
		{ "rdx", r->rdx }, { "rdi", r->rdi }, { "rbp", r->rbp },
		{ "r8", r->r8 },   { "r9", r->r9 },   { "r10", r->r10 },
		{ "r11", r->r11 }, { "r12", r->r12 }, { "r13", r->r13 },
		{ "r14", r->r14 }, { "r15", r->r15 }, { "fs", r->fs },
		{ "gs", r->gs },
	};

	printk("Entry: rsi %#lx rsp %#lx rflags %#lx cs %#lx ss %#lx\n", r->rsi,
	       r->rsp, r->rflags, r->cs, r->ss);
	for (size_t i = 0; i < ARRAY_SIZE(zero_regs); i++)
		expect_reg(zero_regs[i].name, zero_regs[i].value, 0);
	expect_reg("cs", r->cs, MICA_FLAT_KERNEL_CS);
	expect_reg("ss", r->ss, MICA_FLAT_KERNEL_SS);
	expect_reg("ds", r->ds, MICA_FLAT_KERNEL_DS);
	expect_reg("es", r->es, MICA_FLAT_KERNEL_DS);
	/* The real IF is always 1 in guest code (arch-x86/pv.h); the rest is
	 * the reserved bit 1 alone. */
	expect_reg("rflags without IF", r->rflags & ~(UINT64_C(1) << 9), 2);
}

void test_main(void)
{
	check_magic();
	check_fields();
	check_entry_state();
	if (!check_layout())
		return;
	check_p2m();
	check_mapping();
	check_writable();
	test_pass();
}
