/* SPDX-License-Identifier: MIT */
/*
 * The machine frame allocator: a binary buddy allocator over a frame table
 * with one struct page_info per machine frame.
 *
 * The frame table is also the ownership table: every frame records its
 * owner (a domain id, or one of the OWNER_* values below).  Later layers
 * check it before letting a guest map a frame, so a frame changes owner only
 * through this allocator (and, later, through explicit ownership transfer).
 *
 * Locking: one lock (page_alloc_lock) protects the free lists, the counters
 * and the owner/order/flags fields of free frames.
 */
#ifndef MICA_PAGE_ALLOC_H
#define MICA_PAGE_ALLOC_H

#include <mica/types.h>

#define MAX_ORDER 20 /* largest block: 4 GiB */
#define PFN_NONE 0xffffffffu

/* Owners that are not domains (domain ids are below OWNER_FIRST_SPECIAL). */
#define OWNER_FIRST_SPECIAL 0x7ff0
#define OWNER_HYPERVISOR 0x7ff0 /* hypervisor image, heap, page tables */
#define OWNER_FREE 0x7ff1 /* in the buddy allocator */
#define OWNER_NONE 0x7ff2 /* not RAM, or reserved by firmware */
#define OWNER_BOOT 0x7ff3 /* boot modules, until handed to a domain */
#define NR_SPECIAL_OWNERS 4

/* page_info.flags */
#define PGF_FREE_HEAD 0x01 /* first frame of a free block of 'order' */
#define PGF_HEAP_SMALL 0x02 /* page carved into small heap objects */
#define PGF_HEAP_LARGE 0x04 /* first page of a large heap allocation */

struct page_info {
	uint32_t next, prev; /* free-list links, as frame numbers */
	uint16_t owner;
	uint8_t order; /* order of the block this frame heads */
	uint8_t flags;
	uint32_t count; /* general references (PV paging) */
	uint64_t type_info; /* page type and type count (PV paging) */
};

/*
 * page_alloc_init: takes a zeroed frame table of 'nr_frames' entries; every
 * frame starts as OWNER_NONE.  page_alloc_add_free() then hands RAM ranges
 * [start, end) (frame numbers) to the allocator.
 */
void page_alloc_init(struct page_info *table, uint64_t nr_frames);
void page_alloc_add_free(mfn_t start, mfn_t end);

/* Marks frames [start, end) as owned by 'owner' without allocating them. */
void page_alloc_set_owner(mfn_t start, mfn_t end, uint16_t owner);

/*
 * alloc_pages: a naturally aligned block of 2^order frames, owned by 'owner'
 * from now on.  Returns its first frame, or NULL when no block that large is
 * free (never panics: callers decide how to fail).
 */
struct page_info *alloc_pages(unsigned int order, uint16_t owner);

/*
 * free_pages: returns a block from alloc_pages(); coalesces with buddies.
 * Returns -EINVAL, changing nothing, for a misaligned block, a frame
 * outside the table, or a frame that is already free or not RAM.
 */
int free_pages(struct page_info *pg, unsigned int order);

struct page_info *mfn_to_page(mfn_t mfn);
mfn_t page_to_mfn(const struct page_info *pg);
uint64_t page_alloc_total_frames(void);
/* Entries in the frame table (one past the highest RAM frame). */
uint64_t page_alloc_table_frames(void);
uint64_t page_alloc_free_frames(void);
/* Frames owned by a special owner (OWNER_HYPERVISOR .. OWNER_BOOT). */
uint64_t page_alloc_owned_frames(uint16_t special_owner);
/* Largest order with a free block, or -1. */
int page_alloc_largest_free_order(void);

/* Direct-map conveniences. */
void *page_to_virt(const struct page_info *pg);
struct page_info *virt_to_page(const void *va);

#endif
