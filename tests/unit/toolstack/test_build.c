// SPDX-License-Identifier: MIT
/*
 * The domain builder: ELF notes, the L1..L9 layout, and the bootstrap area
 * written into a plain buffer, checked by walking the page tables as the
 * CPU would; then a whole build against the simulated hypervisor.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/build.h>
#include <mica/error.h>
#include <mica/hv.h>

#include "harness.h"
#include "public/arch-x86/layout.h"
#include "public/elfnote.h"
#include "public/start_info.h"

#define VIRT_BASE 0xffffffff80000000ull
#define NR_PAGES 4096ull
#define MFN_BASE 0x50000ull

/* A bijection pfn <-> mfn that is nowhere the identity. */
static uint64_t mfn_of(uint64_t pfn)
{
	return MFN_BASE + (pfn ^ 0x5a5);
}

static uint64_t pfn_of(uint64_t mfn)
{
	return (mfn - MFN_BASE) ^ 0x5a5;
}

static size_t add_note(uint8_t *p, uint32_t type, const void *desc,
		       uint32_t descsz)
{
	Elf64_Nhdr nh = { .n_namesz = 5, .n_descsz = descsz, .n_type = type };

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + sizeof(nh), "Mica", 5);
	memcpy(p + sizeof(nh) + 8, desc, descsz);
	return sizeof(nh) + 8 + ((descsz + 3) & ~3u);
}

/* A small kernel: 3 pages of text/data then 2 of bss at VIRT_BASE, the
 * hypercall page at its second page.  @extra_note adds a u32 note. */
static uint8_t *make_kernel(size_t *len, uint32_t extra_note,
			    uint32_t extra_value)
{
	uint8_t *img = calloc(1, 0x4000);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + 64);
	uint64_t entry = VIRT_BASE + 0x100, hc = VIRT_BASE + 0x1000,
		 base = VIRT_BASE;
	size_t notes = 0x200, n = 0, i;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = 64;
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 2;
	n += add_note(img + notes + n, MICA_ELFNOTE_ENTRY, &entry, 8);
	n += add_note(img + notes + n, MICA_ELFNOTE_HYPERCALL_PAGE, &hc, 8);
	n += add_note(img + notes + n, MICA_ELFNOTE_VIRT_BASE, &base, 8);
	n += add_note(img + notes + n, MICA_ELFNOTE_GUEST_OS, "test", 5);
	n += add_note(img + notes + n, MICA_ELFNOTE_ARCH, "x86_64", 7);
	if (extra_note)
		n += add_note(img + notes + n, extra_note, &extra_value, 4);
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = notes;
	ph[0].p_filesz = n;
	ph[1].p_type = PT_LOAD;
	ph[1].p_offset = 0x1000;
	ph[1].p_vaddr = VIRT_BASE;
	ph[1].p_paddr = 0;
	ph[1].p_filesz = 0x3000;
	ph[1].p_memsz = 0x5000;
	for (i = 0x1000; i < 0x4000; i++)
		img[i] = (uint8_t)(i * 7 + 1);
	*len = 0x4000;
	return img;
}

static void test_elf_notes(void)
{
	struct mica_elf_info elf;
	struct mica_error err;
	size_t len;
	uint8_t *img = make_kernel(&len, 0, 0);

	CHECK_INT(mica_elf_parse(img, len, &elf, &err), 0);
	CHECK_INT(elf.entry, VIRT_BASE + 0x100);
	CHECK_INT(elf.hypercall_page, VIRT_BASE + 0x1000);
	CHECK_INT(elf.virt_base, VIRT_BASE);
	CHECK_INT(elf.virt_end, VIRT_BASE + 0x5000);
	CHECK_STR(elf.guest_os, "test");
	CHECK_INT(elf.nr_segments, 1);
	CHECK_INT(elf.segments[0].pfn, 0);
	free(img);
}

static void test_elf_refusals(void)
{
	struct mica_elf_info elf;
	struct mica_error err;
	size_t len;
	uint8_t *img = make_kernel(&len, MICA_ELFNOTE_ABI_VERSION, 2u << 16);
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + 64);

	CHECK_INT(mica_elf_parse(img, len, &elf, &err), -EINVAL);
	CHECK_STR(err.message, "kernel wants ABI 2.0, this toolstack has 1.0");
	free(img);
	img = make_kernel(&len, 0, 0);
	ph = (Elf64_Phdr *)(img + 64);
	CHECK_INT(mica_elf_parse(img, 10, &elf, &err), -EINVAL);
	CHECK_STR(err.message, "10 bytes are too few for an ELF image");
	img[0] = 'X';
	CHECK_INT(mica_elf_parse(img, len, &elf, &err), -EINVAL);
	CHECK_STR(err.message, "not an ELF image");
	img[0] = 0x7f;
	ph[0].p_type = PT_NULL; /* no notes */
	CHECK_INT(mica_elf_parse(img, len, &elf, &err), -EINVAL);
	CHECK_STR(err.message, "no Mica ENTRY and HYPERCALL_PAGE notes: not a "
			       "Mica PV kernel");
	ph[0].p_type = PT_NOTE;
	ph[1].p_filesz = 0x100000; /* past the end */
	CHECK_INT(mica_elf_parse(img, len, &elf, &err), -EINVAL);
	CHECK_STR(err.message, "segment 1 extends past the end of the image");
	ph[1].p_filesz = 0x3000;
	ph[0].p_filesz = 0x10000; /* notes past the end */
	CHECK_INT(mica_elf_parse(img, len, &elf, &err), -EINVAL);
	free(img);
}

/* Linux's per-cpu segment: linked at 0, loaded by its p_paddr inside the
 * image and reached through the linear map; refused outside the first GiB
 * or at another offset within its page. */
static void test_elf_linked_elsewhere(void)
{
	struct mica_elf_info elf;
	struct mica_error err;
	size_t len;
	uint8_t *img = make_kernel(&len, 0, 0);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + 64);

	eh->e_phnum = 3;
	ph[2].p_type = PT_LOAD;
	ph[2].p_offset = 0x3000;
	ph[2].p_vaddr = 0;
	ph[2].p_paddr = 0x2000;
	ph[2].p_filesz = 0x800;
	ph[2].p_memsz = 0x1000;
	CHECK_INT(mica_elf_parse(img, len, &elf, &err), 0);
	CHECK_INT(elf.nr_segments, 2);
	CHECK_INT(elf.segments[1].pfn, 2);
	CHECK_INT(elf.segments[1].vaddr, VIRT_BASE + 0x2000);
	CHECK_INT(elf.virt_end, VIRT_BASE + 0x5000);
	ph[2].p_paddr = 1ull << 30;
	CHECK_INT(mica_elf_parse(img, len, &elf, &err), -EINVAL);
	CHECK_STR(err.message, "segment 2: linked at 0, its physical address "
			       "0x40000000 is not in the image");
	ph[2].p_paddr = 0x2000;
	ph[2].p_vaddr = 0x10;
	CHECK_INT(mica_elf_parse(img, len, &elf, &err), -EINVAL);
	free(img);
}

static void test_layout_order(void)
{
	struct mica_elf_info elf;
	struct mica_build_layout l;
	struct mica_error err;
	size_t len;
	uint8_t *img = make_kernel(&len, 0, 0);

	CHECK_INT(mica_elf_parse(img, len, &elf, NULL), 0);
	free(img);
	CHECK_INT(mica_build_layout(&elf, NR_PAGES, 10000, &l, &err), 0);
	CHECK_INT(l.kernel_pages, 5);
	CHECK_INT(l.mod_pfn, 5);
	CHECK_INT(l.mod_pages, 3);
	CHECK_INT(l.p2m_pfn, 8);
	CHECK_INT(l.p2m_pages, 8);
	CHECK_INT(l.start_info_pfn, 16);
	CHECK_INT(l.store_pfn, 17);
	CHECK_INT(l.console_pfn, 18);
	CHECK_INT(l.pt_pfn, 19);
	CHECK_INT(l.nr_pt, 5); /* L4, L3, L2, two L1s for 4 MiB */
	CHECK_INT(l.stack_pfn, 24);
	CHECK_INT(l.mapped, 1024);
	CHECK(l.mapped - (l.stack_pfn + MICA_START_STACK_PAGES) >= 128);
	/* Too little memory: the message says how much is needed. */
	CHECK_INT(mica_build_layout(&elf, 1000, 0, &l, &err), -ENOMEM);
	CHECK_STR(err.message, "needs at least 4 MiB for its kernel and boot "
			       "layout, has 3 MiB");
	/* A kernel that would reach into Mica's range. */
	elf.virt_base = MICA_HYPERVISOR_VIRT_START - 0x1000;
	elf.virt_end = elf.virt_base + 0x5000;
	CHECK_INT(mica_build_layout(&elf, NR_PAGES, 0, &l, &err), -EINVAL);
}

/* Walks va through the tables in @area; returns the leaf entry or 0. */
static uint64_t walk(uint8_t *area, const struct mica_build_layout *l,
		     uint64_t va, unsigned int *bad)
{
	uint64_t table = l->pt_pfn, e = 0;
	int level;

	for (level = 3; level >= 0; level--) {
		uint64_t *t = (uint64_t *)(area + table * 4096);

		e = t[(va >> (12 + 9 * level)) & 511];
		if (!(e & 1))
			return 0;
		if (level) {
			table = pfn_of((e & 0x000ffffffffff000ull) >> 12);
			/* Every table is one of the L7 frames. */
			if (table < l->pt_pfn || table >= l->pt_pfn + l->nr_pt)
				(*bad)++;
		}
	}
	return e;
}

static void test_write_bootstrap_area(void)
{
	struct mica_elf_info elf;
	struct mica_build_layout l;
	struct mica_vcpu_guest_context ctx;
	struct mica_start_info *si;
	uint8_t *img, *area, module[10000];
	uint64_t p2m[NR_PAGES], pfn, *l4;
	unsigned int bad = 0, i;
	size_t len;
	struct mica_build_input in = { .cmdline = "root=/dev/xvda ro",
				       .shared_info_mfn = 0x1234,
				       .store_evtchn = 5,
				       .console_evtchn = 6 };

	img = make_kernel(&len, 0, 0);
	in.kernel = img;
	in.kernel_len = len;
	for (i = 0; i < sizeof(module); i++)
		module[i] = (uint8_t)(i * 13);
	in.module = module;
	in.module_len = sizeof(module);
	for (pfn = 0; pfn < NR_PAGES; pfn++)
		p2m[pfn] = mfn_of(pfn);
	CHECK_INT(mica_elf_parse(img, len, &elf, NULL), 0);
	CHECK_INT(mica_build_layout(&elf, NR_PAGES, sizeof(module), &l, NULL),
		  0);
	area = calloc(l.mapped, 4096);
	CHECK(area);
	mica_build_write(&elf, &l, &in, p2m, area, NULL, &ctx);

	/* L1: the segment, bss zero, the hypercall page filled. */
	CHECK(!memcmp(area, img + 0x1000, 0x1000));
	CHECK(!memcmp(area + 0x2000, img + 0x3000, 0x1000));
	for (i = 0x3000; i < 0x5000; i++)
		CHECK_INT(area[i], 0);
	CHECK_INT(area[0x1000], 0xb8); /* hypercall 0: mov $0, %eax */
	CHECK_INT(area[0x1000 + 32 * 3 + 1], 3);
	CHECK_INT(area[0x1000 + 32 * 14], 0x41); /* iret: push %r11 */
	/* L2 and L3 */
	CHECK(!memcmp(area + l.mod_pfn * 4096, module, sizeof(module)));
	CHECK(!memcmp(area + l.p2m_pfn * 4096, p2m, sizeof(p2m)));
	/* L4 */
	si = (struct mica_start_info *)(area + l.start_info_pfn * 4096);
	CHECK_STR(si->magic, MICA_START_INFO_MAGIC);
	CHECK_INT(si->nr_pages, NR_PAGES);
	CHECK_INT(si->shared_info_mfn, 0x1234);
	CHECK_INT(si->flags, 0);
	CHECK_INT(si->store_mfn, mfn_of(l.store_pfn));
	CHECK_INT(si->store_evtchn, 5);
	CHECK_INT(si->console_mfn, mfn_of(l.console_pfn));
	CHECK_INT(si->console_evtchn, 6);
	CHECK_INT(si->pt_base, VIRT_BASE + l.pt_pfn * 4096);
	CHECK_INT(si->nr_pt_frames, l.nr_pt);
	CHECK_INT(si->mfn_list, VIRT_BASE + l.p2m_pfn * 4096);
	CHECK_INT(si->mod_start, VIRT_BASE + l.mod_pfn * 4096);
	CHECK_INT(si->mod_len, sizeof(module));
	CHECK_STR(si->cmdline, "root=/dev/xvda ro");
	/* L7: every mapped va reaches its own pfn; tables read-only. */
	for (pfn = 0; pfn < l.mapped; pfn++) {
		uint64_t e = walk(area, &l, VIRT_BASE + pfn * 4096, &bad);
		bool is_pt = pfn >= l.pt_pfn && pfn < l.pt_pfn + l.nr_pt;

		CHECK_MSG(e, "pfn %llu is not mapped", (unsigned long long)pfn);
		CHECK_INT((e & 0x000ffffffffff000ull) >> 12, mfn_of(pfn));
		CHECK_INT(!!(e & 2), !is_pt);
		CHECK_INT(e & 4, 4); /* U: the guest kernel runs in ring 3 */
	}
	CHECK_INT(bad, 0);
	CHECK_INT(walk(area, &l, VIRT_BASE + l.mapped * 4096, &bad), 0);
	CHECK_INT(walk(area, &l, VIRT_BASE - 4096, &bad), 0);
	l4 = (uint64_t *)(area + l.pt_pfn * 4096);
	for (i = MICA_L4_FIRST_HYPERVISOR_SLOT;
	     i < MICA_L4_FIRST_HYPERVISOR_SLOT + MICA_L4_NR_HYPERVISOR_SLOTS;
	     i++)
		CHECK_INT(l4[i], 0);
	/* vcpu 0 */
	CHECK_INT(ctx.user_regs.rip, VIRT_BASE + 0x100);
	CHECK_INT(ctx.user_regs.rsp,
		  VIRT_BASE + (l.stack_pfn + MICA_START_STACK_PAGES) * 4096);
	CHECK_INT(ctx.user_regs.rsi, VIRT_BASE + l.start_info_pfn * 4096);
	CHECK_INT(ctx.user_regs.cs, MICA_FLAT_KERNEL_CS & ~3);
	CHECK_INT(ctx.user_regs.ss, MICA_FLAT_KERNEL_SS & ~3);
	CHECK_INT(ctx.user_regs.rflags, 2);
	CHECK_INT(ctx.kernel_pt_base_gfn, mfn_of(l.pt_pfn));
	CHECK_INT(ctx.flags, MICA_VGCF_IN_KERNEL | MICA_VGCF_PIN_BASE);
	CHECK_INT(ctx.trap_table[200].vector, 200);
	free(area);
	free(img);
}

/* MOD_START_PFN: the module follows the mapping, unmapped, by pfn. */
static void test_write_module_by_pfn(void)
{
	struct mica_elf_info elf;
	struct mica_build_layout l;
	struct mica_vcpu_guest_context ctx;
	struct mica_start_info *si;
	uint8_t *img, *area, module_area[8192], module[5000];
	uint64_t p2m[NR_PAGES], pfn;
	size_t len;
	unsigned int bad = 0;
	struct mica_build_input in = { .cmdline = "" };

	img = make_kernel(&len, MICA_ELFNOTE_MOD_START_PFN, 1);
	memset(module, 0x5a, sizeof(module));
	in.kernel = img;
	in.kernel_len = len;
	in.module = module;
	in.module_len = sizeof(module);
	for (pfn = 0; pfn < NR_PAGES; pfn++)
		p2m[pfn] = mfn_of(pfn);
	CHECK_INT(mica_elf_parse(img, len, &elf, NULL), 0);
	CHECK(elf.mod_start_pfn);
	CHECK_INT(mica_build_layout(&elf, NR_PAGES, sizeof(module), &l, NULL),
		  0);
	CHECK_INT(l.p2m_pfn, 5); /* no module in the mapping */
	CHECK_INT(l.mod_pfn, l.mapped);
	area = calloc(l.mapped, 4096);
	mica_build_write(&elf, &l, &in, p2m, area, module_area, &ctx);
	si = (struct mica_start_info *)(area + l.start_info_pfn * 4096);
	CHECK_INT(si->flags, MICA_START_INFO_MOD_START_PFN);
	CHECK_INT(si->mod_start, l.mapped);
	CHECK(!memcmp(module_area, module, sizeof(module)));
	CHECK_INT(walk(area, &l, VIRT_BASE + l.mod_pfn * 4096, &bad), 0);
	free(area);
	free(img);
}

static void test_build_on_simulated_host(void)
{
	struct mica_hv *hv;
	struct mica_error err;
	struct mica_hv_create args = { .domid = MICA_DOMID_ANY,
				       .max_vcpus = 1,
				       .max_pages = NR_PAGES };
	struct mica_build_result res;
	struct mica_domctl_domain_info info;
	struct mica_build_input in = { .cmdline = "hello" };
	struct mica_start_info *si;
	struct mica_sysctl_physinfo phys;
	uint64_t free_before, value;
	uint16_t domid;
	size_t len;
	int errs[1], ret;
	uint8_t *img = make_kernel(&len, 0, 0);

	in.kernel = img;
	in.kernel_len = len;
	CHECK_INT(mica_hv_open_sim(test_tmpdir(), 16384, &hv, &err), 0);
	CHECK_INT(hv->ops->physinfo(hv, &phys), 0);
	free_before = phys.free_pages;
	CHECK_INT(hv->ops->create(hv, &args, &domid), 0);
	CHECK_INT(mica_build_domain(hv, domid, &in, NR_PAGES, &res, &err), 0);
	CHECK_INT(hv->ops->get_info(hv, domid, &info), 0);
	CHECK_INT(info.nr_pages, NR_PAGES);
	CHECK(info.flags & MICA_DOMINFO_PAUSED);
	CHECK_INT(hv->ops->get_param(hv, domid, MICA_DOMPARAM_CONSOLE_PFN,
				     &value),
		  0);
	CHECK_INT(value, res.console_mfn);
	/* Two ports of the domain, offered to dom0, in params and start_info. */
	CHECK(res.store_evtchn && res.console_evtchn &&
	      res.store_evtchn != res.console_evtchn);
	CHECK_INT(hv->ops->get_param(hv, domid, MICA_DOMPARAM_STORE_EVTCHN,
				     &value),
		  0);
	CHECK_INT(value, res.store_evtchn);
	CHECK_INT(hv->ops->get_param(hv, domid, MICA_DOMPARAM_CONSOLE_EVTCHN,
				     &value),
		  0);
	CHECK_INT(value, res.console_evtchn);
	/* What the builder wrote is in the domain's memory. */
	si = hv->ops->map_foreign(hv, domid, &res.start_info_mfn, 1, 0, errs,
				  &ret);
	CHECK(si && !ret);
	CHECK_STR(si->magic, MICA_START_INFO_MAGIC);
	CHECK_STR(si->cmdline, "hello");
	CHECK_INT(si->console_mfn, res.console_mfn);
	CHECK_INT(si->store_evtchn, res.store_evtchn);
	CHECK_INT(si->console_evtchn, res.console_evtchn);
	hv->ops->unmap_foreign(hv, si, 1);
	/* A second domain cannot get past its limit. */
	args.max_pages = 100;
	CHECK_INT(hv->ops->create(hv, &args, &domid), 0);
	CHECK_INT(mica_build_domain(hv, domid, &in, NR_PAGES, &res, &err),
		  -ENOMEM);
	CHECK_STR(err.message, "only 0 of 16 MiB of memory could be given "
			       "(host out of memory or domain limit)");
	CHECK_INT(hv->ops->destroy(hv, domid), 0);
	CHECK_INT(hv->ops->destroy(hv, domid - 1), 0);
	CHECK_INT(hv->ops->physinfo(hv, &phys), 0);
	CHECK_INT(phys.free_pages, free_before);
	mica_hv_close(hv);
	free(img);
}

int main(void)
{
	RUN(test_elf_notes);
	RUN(test_elf_refusals);
	RUN(test_elf_linked_elsewhere);
	RUN(test_layout_order);
	RUN(test_write_bootstrap_area);
	RUN(test_write_module_by_pfn);
	RUN(test_build_on_simulated_host);
	return test_exit_code();
}
