/* SPDX-License-Identifier: MIT */
/* The machine-to-physical table; see asm/m2p.h. */
#include <mica/page_alloc.h>
#include <mica/shutdown.h>
#include <asm/m2p.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <public/arch-x86/layout.h>
#include <public/mica.h>

static uint64_t *m2p; /* Mica's writable view, in the direct map */
static uint64_t m2p_entries;
static mfn_t m2p_mfn; /* first frame of the table */
static uint64_t m2p_bytes; /* the table's allocation */

void m2p_init(void)
{
	uint64_t bytes, order = 0;
	struct page_info *pg;

	m2p_entries = page_alloc_table_frames();
	bytes = m2p_entries * sizeof(uint64_t);
	while ((PAGE_SIZE << order) < bytes)
		order++;
	pg = alloc_pages((unsigned int)order, OWNER_HYPERVISOR);
	if (!pg)
		panic("m2p: no memory for a %lu KiB table\n", bytes / 1024);
	m2p = page_to_virt(pg);
	m2p_mfn = page_to_mfn(pg);
	m2p_bytes = PAGE_SIZE << order;
	for (uint64_t i = 0; i < (PAGE_SIZE << order) / sizeof(uint64_t); i++)
		m2p[i] = MICA_INVALID_FRAME;
	/* Guests (ring 3) may read it: user, read-only, no-execute. */
	if (map_pages(MICA_M2P_VIRT_START, page_to_mfn(pg) << PAGE_SHIFT,
		      PAGE_SIZE << order, PTE_P | PTE_U | PTE_NX | PTE_G))
		panic("m2p: cannot map the table\n");
}

void m2p_set(mfn_t mfn, uint64_t pfn)
{
	if (mfn < m2p_entries)
		m2p[mfn] = pfn;
}

uint64_t m2p_get(mfn_t mfn)
{
	return mfn < m2p_entries ? m2p[mfn] : MICA_INVALID_FRAME;
}

uint64_t m2p_nr_entries(void)
{
	return m2p_entries;
}

mfn_t m2p_table_mfn(void)
{
	return m2p_mfn;
}

uint64_t m2p_table_bytes(void)
{
	return m2p_bytes;
}
