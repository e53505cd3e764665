/* SPDX-License-Identifier: MIT */
/*
 * Nested page tables: the guest-physical to machine map of an HVM domain,
 * in the 4-level long-mode format that both SVM (nested paging) and VMX
 * (EPT) walk.  The two layouts agree on what is used here: bits 0-2 are
 * present/writable/user for nested paging and read/write/execute for EPT,
 * bit 7 is the large-page bit, bits 12+ the frame; EPT leaves also carry
 * a memory type (the back end's p2m_leaf_flags).
 *
 * Only this file writes the tables, and it maps only frames the domain
 * owns (the builder and, later, populate_physmap hand them in), so a guest
 * can never reach memory outside its own.  Aligned 2 MiB runs become
 * 2 MiB leaves.  The table frames belong to the hypervisor; they are
 * chained through page_info.next for freeing when the domain dies.
 *
 * Entries: present, writable, user (nested-paging walks are user accesses)
 * and executable; memory type write-back (nested paging: PAT index 0;
 * EPT: type 6 in the leaf).
 */
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <asm/hvm.h>
#include <asm/page.h>
#include <asm/paging.h>

#define P2M_TABLE_FLAGS (PTE_P | PTE_W | PTE_U)
#define P2M_LEAF_FLAGS (PTE_P | PTE_W | PTE_U)
#define P2M_MAX_GFN (1ULL << (48 - PAGE_SHIFT)) /* 4-level reach */

static uint64_t *p2m_table_alloc(struct domain *d, paddr_t *maddr)
{
	struct hvm_domain *hd = d->arch.hvm;
	struct page_info *pg = alloc_pages(0, OWNER_HYPERVISOR);

	if (!pg)
		return NULL;
	memset(page_to_virt(pg), 0, PAGE_SIZE);
	pg->next = hd->p2m_tables_head;
	hd->p2m_tables_head = (uint32_t)page_to_mfn(pg);
	*maddr = (paddr_t)page_to_mfn(pg) << PAGE_SHIFT;
	return page_to_virt(pg);
}

int p2m_init(struct domain *d)
{
	d->arch.hvm->p2m_tables_head = PFN_NONE;
	return p2m_table_alloc(d, &d->arch.hvm->p2m_root) ? 0 : -ENOMEM;
}

void p2m_destroy(struct domain *d)
{
	struct hvm_domain *hd = d->arch.hvm;
	uint32_t mfn = hd->p2m_tables_head;

	while (mfn != PFN_NONE) {
		struct page_info *pg = mfn_to_page(mfn);

		mfn = pg->next;
		free_pages(pg, 0);
	}
	hd->p2m_tables_head = PFN_NONE;
	hd->p2m_root = 0;
}

/* The table entry for gfn at 'level' (1: 4 KiB leaf, 2: 2 MiB), making
 * the tables above it; NULL without memory or on a large leaf above. */
static uint64_t *p2m_entry(struct domain *d, uint64_t gfn, unsigned int level,
			   bool alloc)
{
	uint64_t *table = maddr_to_virt(d->arch.hvm->p2m_root);

	for (unsigned int l = 4; l > level; l--) {
		uint64_t *e = &table[(gfn >> (9 * (l - 1))) & 511];

		if (!(*e & PTE_P)) {
			paddr_t ma;

			if (!alloc || !p2m_table_alloc(d, &ma))
				return NULL;
			*e = ma | P2M_TABLE_FLAGS;
		} else if (*e & PTE_PS) {
			return NULL;
		}
		table = maddr_to_virt(*e & PTE_ADDR_MASK);
	}
	return &table[(gfn >> (9 * (level - 1))) & 511];
}

int p2m_map(struct domain *d, uint64_t gfn, uint64_t mfn, unsigned int order)
{
	uint64_t n = 1ULL << order;

	if (gfn >= P2M_MAX_GFN || n > P2M_MAX_GFN - gfn)
		return -EINVAL;
	for (uint64_t i = 0; i < n; i++)
		if (mfn_to_page(mfn + i)->owner != d->id)
			return -EPERM; /* never map what d does not own */
	while (n) {
		bool large = !(gfn & 511) && !(mfn & 511) && n >= 512;
		uint64_t *e = p2m_entry(d, gfn, large ? 2 : 1, true);

		if (!e || (*e & PTE_P))
			return e ? -EEXIST : -ENOMEM;
		*e = (mfn << PAGE_SHIFT) | P2M_LEAF_FLAGS |
		     hvm_backend->p2m_leaf_flags | (large ? PTE_PS : 0);
		gfn += large ? 512 : 1;
		mfn += large ? 512 : 1;
		n -= large ? 512 : 1;
	}
	return 0;
}

uint64_t p2m_lookup(struct domain *d, uint64_t gfn)
{
	uint64_t *table = maddr_to_virt(d->arch.hvm->p2m_root);

	if (gfn >= P2M_MAX_GFN)
		return 0;
	for (unsigned int l = 4; l >= 1; l--) {
		uint64_t e = table[(gfn >> (9 * (l - 1))) & 511];

		if (!(e & PTE_P))
			return 0;
		if (l == 1 || (e & PTE_PS))
			return ((e & PTE_ADDR_MASK) >> PAGE_SHIFT) +
			       (gfn & ((1ULL << (9 * (l - 1))) - 1));
		table = maddr_to_virt(e & PTE_ADDR_MASK);
	}
	return 0;
}
