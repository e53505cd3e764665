/* SPDX-License-Identifier: MIT */
/*
 * The boot allocator: hands out page ranges during boot, before the frame
 * table exists, from a list of free RAM regions.  boot_alloc_finish() gives
 * everything left to the buddy allocator and retires it.
 */
#ifndef MICA_BOOT_ALLOC_H
#define MICA_BOOT_ALLOC_H

#include <mica/types.h>

/* Adds RAM [start, end); shrunk inward to page boundaries. */
void boot_alloc_add(paddr_t start, paddr_t end);

/* Removes [start, end) (widened to page boundaries) from the free list. */
void boot_alloc_reserve(paddr_t start, paddr_t end);

/*
 * Allocates 'nr' pages aligned to 'align' pages (a power of two), ending
 * below 'limit', from the top of the highest fitting region.  Returns the
 * address, or 0 when nothing fits.
 */
paddr_t boot_alloc_pages(uint64_t nr, uint64_t align, paddr_t limit);

/* Bytes still free. */
uint64_t boot_alloc_free_bytes(void);

/* Gives every remaining free range to page_alloc_add_free(). */
void boot_alloc_finish(void);

#endif
