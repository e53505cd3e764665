// SPDX-License-Identifier: MIT
/*
 * Unit tests of the PV kernel parser (common/elf.c): segment placement,
 * including a segment linked away from virt_base (Linux's per-cpu section,
 * linked at 0 and loaded by its physical address), and its refusals.
 */
#include <string.h>

#include <mica/elf.h>
#include <mica/elf_format.h>
#include <mica/errno.h>
#include <public/elfnote.h>

#include "harness.h"

#define VIRT_BASE 0xffffffff80000000ull
#define IMG_SIZE 0x4000

static uint8_t img[IMG_SIZE];

static size_t add_note(uint8_t *p, uint32_t type, uint64_t value)
{
	uint32_t hdr[3] = { 5, 8, type };

	memcpy(p, hdr, sizeof(hdr));
	memcpy(p + 12, "Mica", 5);
	memcpy(p + 20, &value, 8);
	return 28;
}

/* Notes (entry, hypercall page, virt_base, paddr_offset), a 3-page
 * segment at VIRT_BASE (pfn 0) and a per-cpu-like one linked at 0 with
 * p_paddr 0x2000 (pfn 2). */
static struct elf64_phdr *make_kernel(void)
{
	struct elf64_ehdr *eh = (struct elf64_ehdr *)img;
	struct elf64_phdr *ph = (struct elf64_phdr *)(img + 64);
	size_t n = 0x200;

	memset(img, 0, sizeof(img));
	memcpy(eh->ident, "\177ELF\2\1\1", 7);
	eh->type = ET_EXEC;
	eh->machine = EM_X86_64;
	eh->phoff = 64;
	eh->phentsize = sizeof(struct elf64_phdr);
	eh->phnum = 3;
	n += add_note(img + n, MICA_ELFNOTE_ENTRY, VIRT_BASE + 0x100);
	n += add_note(img + n, MICA_ELFNOTE_HYPERCALL_PAGE, VIRT_BASE + 0x1000);
	n += add_note(img + n, MICA_ELFNOTE_VIRT_BASE, VIRT_BASE);
	n += add_note(img + n, MICA_ELFNOTE_PADDR_OFFSET, VIRT_BASE);
	ph[0].type = PT_NOTE;
	ph[0].offset = 0x200;
	ph[0].filesz = n - 0x200;
	ph[1].type = PT_LOAD;
	ph[1].offset = 0x1000;
	ph[1].vaddr = VIRT_BASE;
	ph[1].paddr = 0;
	ph[1].filesz = 0x2000;
	ph[1].memsz = 0x2000;
	ph[2].type = PT_LOAD;
	ph[2].offset = 0x3000;
	ph[2].vaddr = 0;
	ph[2].paddr = 0x2000;
	ph[2].filesz = 0x800;
	ph[2].memsz = 0x1000;
	return ph;
}

static void linked_elsewhere_loads_by_paddr(void)
{
	struct elf_info info;
	char why[128] = "";

	make_kernel();
	CHECK_INT(elf_parse(img, sizeof(img), &info, why, sizeof(why)), 0);
	CHECK_EQ(info.nr_segments, 2);
	CHECK_EQ(info.segments[0].pfn, 0);
	CHECK_EQ(info.segments[1].pfn, 2);
	CHECK_EQ(info.segments[1].vaddr, VIRT_BASE + 0x2000);
	CHECK_EQ(info.virt_end, VIRT_BASE + 0x3000);
}

static void linked_elsewhere_outside_the_image(void)
{
	struct elf_info info;
	char why[128] = "";
	struct elf64_phdr *ph = make_kernel();

	ph[2].paddr = 1ull << 30;
	CHECK_INT(elf_parse(img, sizeof(img), &info, why, sizeof(why)),
		  -EINVAL);
	CHECK(!strcmp(why, "segment 2: linked at 0, its physical address "
			   "40000000 is not in the image"));
	ph[2].paddr = ~0ull & ~0xfffull; /* wraps with the offset */
	CHECK_INT(elf_parse(img, sizeof(img), &info, why, sizeof(why)),
		  -EINVAL);
}

static void linked_elsewhere_other_page_offset(void)
{
	struct elf_info info;
	char why[128] = "";
	struct elf64_phdr *ph = make_kernel();

	ph[2].vaddr = 0x10;
	CHECK_INT(elf_parse(img, sizeof(img), &info, why, sizeof(why)),
		  -EINVAL);
}

static const struct test_case cases[] = {
	TEST_CASE(linked_elsewhere_loads_by_paddr),
	TEST_CASE(linked_elsewhere_outside_the_image),
	TEST_CASE(linked_elsewhere_other_page_offset),
};

int main(void)
{
	return run_tests("elf", cases, sizeof(cases) / sizeof(cases[0]));
}
