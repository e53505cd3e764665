/* SPDX-License-Identifier: MIT */
/*
 * The maptrack table: one entry per grant mapping a domain holds, named by
 * its handle (an index).  Entries live in pages allocated as the table
 * grows, up to a per-domain limit; free entries form a LIFO list.  Live
 * entries with a page-table entry are also hashed by that entry's machine
 * address, so the paging code can tell a grant's PTE from an ordinary one
 * in O(1).
 *
 * Pure bookkeeping: the caller holds the owning domain's mm lock.
 */
#ifndef MICA_MAPTRACK_H
#define MICA_MAPTRACK_H

#include <mica/types.h>

#define MAPTRACK_NONE 0xffffffffu
#define MAPTRACK_PER_PAGE 128u /* entries per 4 KiB page */
#define MAPTRACK_HASH_SIZE 64u /* buckets, a power of two */
/* Upper bound of any domain's limit (domctl may ask for less). */
#define MAPTRACK_MAX_LIMIT (1u << 20)

/* maptrack_entry.state */
#define MAPTRACK_FREE 0
#define MAPTRACK_LIVE 1
#define MAPTRACK_UNMAPPING 2 /* PTE gone, release pending a TLB flush */

struct maptrack_entry {
	uint64_t host_addr; /* as given to map (VA or PTE address), or 0 */
	uint64_t pte_maddr; /* the PTE written, 0 for device_map only */
	uint32_t frame; /* the granter's mfn */
	uint32_t ref; /* in the granter's table */
	uint32_t next; /* free list, or hash chain while hashed */
	uint16_t granter; /* domid */
	uint8_t map_flags; /* MICA_GNTMAP_* used */
	uint8_t state; /* MAPTRACK_* */
};
_Static_assert(sizeof(struct maptrack_entry) * MAPTRACK_PER_PAGE == 4096,
	       "maptrack entries fill pages");

struct maptrack {
	struct maptrack_entry **pages; /* directory, dir_size slots */
	uint32_t dir_size; /* fixed at the first allocation */
	uint32_t nr_pages; /* pages allocated */
	uint32_t limit; /* live+unmapping entries allowed */
	uint32_t in_use;
	uint32_t free_head;
	uint32_t hash[MAPTRACK_HASH_SIZE];
};

void maptrack_init(struct maptrack *mt, uint32_t limit);
/* Frees the pages; entries must have been released. */
void maptrack_destroy(struct maptrack *mt);

/*
 * Changes the limit (a count of entries in use; handles may exceed it).
 * -EINVAL beyond MAPTRACK_MAX_LIMIT or 0, -EBUSY below the entries in use
 * or when the directory, sized at the first map, cannot grow that far.
 */
int maptrack_set_limit(struct maptrack *mt, uint32_t limit);

/*
 * A free entry (state LIVE, fields zero), its handle in *handle.  -ENOSPC
 * at the limit, -ENOMEM when a new page cannot be had.
 */
int maptrack_alloc(struct maptrack *mt, uint32_t *handle);
void maptrack_free(struct maptrack *mt, uint32_t handle);

/* The entry of a handle, or NULL if out of range or free. */
struct maptrack_entry *maptrack_get(struct maptrack *mt, uint32_t handle);

/* Hash a live entry by its pte_maddr (non-zero); unhash it. */
void maptrack_hash_add(struct maptrack *mt, uint32_t handle);
void maptrack_hash_del(struct maptrack *mt, uint32_t handle);
/* The handle whose PTE is at pte_maddr, or MAPTRACK_NONE. */
uint32_t maptrack_find_pte(struct maptrack *mt, uint64_t pte_maddr);

#endif
