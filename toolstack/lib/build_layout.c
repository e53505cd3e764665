// SPDX-License-Identifier: MIT
/* Placing L1..L9 of public/start_info.h, in pfns. */
#include <errno.h>

#include <mica/build.h>
#include <mica/error.h>

#include "public/arch-x86/layout.h"
#include "public/start_info.h"

#define PAGES(bytes) (((bytes) + MICA_PAGE_SIZE - 1) >> MICA_PAGE_SHIFT)
#define L9_MIN_PAGES ((512u << 10) / MICA_PAGE_SIZE)
#define L9_ALIGN 1024u /* pfns: a 4 MiB boundary */

/* Page-table frames (L4 included) to map [va, va + pages * 4 KiB). */
static uint64_t count_tables(uint64_t va, uint64_t pages)
{
	uint64_t last = va + pages * MICA_PAGE_SIZE - 1, n = 1;
	unsigned int shift;

	for (shift = 21; shift <= 39; shift += 9)
		n += (last >> shift) - (va >> shift) + 1;
	return n;
}

int mica_build_layout(const struct mica_elf_info *elf, uint64_t nr_pages,
		      uint64_t mod_len, struct mica_build_layout *l,
		      struct mica_error *err)
{
	uint64_t pfn, end, need;

	l->nr_pages = nr_pages;
	l->virt_base = elf->virt_base;
	l->kernel_pages = (elf->virt_end - elf->virt_base) >> MICA_PAGE_SHIFT;
	pfn = l->kernel_pages;
	l->mod_len = mod_len;
	l->mod_pages = PAGES(mod_len);
	l->mod_pfn = pfn;
	if (!elf->mod_start_pfn)
		pfn += l->mod_pages;
	l->p2m_pfn = pfn;
	l->p2m_pages = PAGES(nr_pages * sizeof(uint64_t));
	pfn += l->p2m_pages;
	l->start_info_pfn = pfn++;
	l->store_pfn = pfn++;
	l->console_pfn = pfn++;
	l->pt_pfn = pfn;
	/* The tables must map themselves, the stack and L9: iterate until
	 * the count is stable (it only grows, and by little). */
	for (l->nr_pt = 1;; l->nr_pt = need) {
		end = l->pt_pfn + l->nr_pt + MICA_START_STACK_PAGES +
		      L9_MIN_PAGES;
		end = (end + L9_ALIGN - 1) / L9_ALIGN * L9_ALIGN;
		need = count_tables(l->virt_base, end);
		if (need <= l->nr_pt)
			break;
	}
	l->stack_pfn = l->pt_pfn + l->nr_pt;
	l->mapped = end;
	if (elf->mod_start_pfn)
		l->mod_pfn = end;
	need = end + (elf->mod_start_pfn ? l->mod_pages : 0);
	if (need > nr_pages)
		return mica_error_set(err, ENOMEM,
				      "needs at least %llu MiB for its kernel "
				      "and boot layout, has %llu MiB",
				      (unsigned long long)((need + 255) >> 8),
				      (unsigned long long)(nr_pages >> 8));
	if (l->virt_base + (end << MICA_PAGE_SHIFT) <= l->virt_base ||
	    (l->virt_base + (end << MICA_PAGE_SHIFT) >
		     MICA_HYPERVISOR_VIRT_START &&
	     l->virt_base < MICA_HYPERVISOR_VIRT_END))
		return mica_error_set(err, EINVAL,
				      "kernel mapping at %#llx would overlap "
				      "Mica's reserved range",
				      (unsigned long long)l->virt_base);
	return 0;
}
