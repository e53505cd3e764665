/* SPDX-License-Identifier: MIT */
/*
 * Tables indexed by domain id (common/domid_table.c).
 *
 * Domain ids run from 0 to MAX_DOMAINS - 1, the whole range the ABI gives
 * real domains (public/mica.h).  A flat table of that many pointers would
 * cost 256 KiB whether a machine runs two domains or two thousand, so
 * tables come in two levels: a static directory of pointers to pages of
 * DOMID_TABLE_PER_PAGE entries, each page allocated when an id in its
 * range is first set and kept until the end (ids are reused).
 *
 * Lookups take no lock: two loads.  Writers serialise themselves (the
 * table's owner has a lock); a page is zeroed before it is published, so
 * a reader sees either no page or a page of valid entries.
 *
 * The id bitmap says which ids are taken, for allocation (lowest free id)
 * and for walking the live domains in id order, 64 ids per word, without
 * touching the entries of free ids.
 */
#ifndef MICA_DOMID_TABLE_H
#define MICA_DOMID_TABLE_H

#include <mica/types.h>
#include <public/mica.h>

#define MAX_DOMAINS MICA_DOMID_FIRST_RESERVED

#define DOMID_TABLE_PER_PAGE 512 /* 4 KiB of pointers */
#define DOMID_TABLE_PAGES \
	((MAX_DOMAINS + DOMID_TABLE_PER_PAGE - 1) / DOMID_TABLE_PER_PAGE)

struct domain;

struct domid_table {
	struct domain **page[DOMID_TABLE_PAGES];
};

/* The entry of id (NULL if unset or id >= MAX_DOMAINS).  No lock. */
struct domain *domid_table_get(const struct domid_table *t, unsigned int id);

/*
 * Sets the entry of id (< MAX_DOMAINS) under the owner's lock.  Setting a
 * non-NULL entry may allocate its page: -ENOMEM.  Setting NULL never
 * fails.
 */
int domid_table_set(struct domid_table *t, unsigned int id, struct domain *d);

#define DOMID_BITMAP_WORDS ((MAX_DOMAINS + 63) / 64)

struct domid_bitmap {
	uint64_t word[DOMID_BITMAP_WORDS];
};

/* Marks the lowest free id taken and returns it; MAX_DOMAINS if none. */
unsigned int domid_bitmap_alloc(struct domid_bitmap *b);
/* Marks id taken (false if it was) / free. */
bool domid_bitmap_take(struct domid_bitmap *b, unsigned int id);
void domid_bitmap_release(struct domid_bitmap *b, unsigned int id);
/* The lowest taken id >= from, or MAX_DOMAINS.  No lock: racy but each
 * word is read once. */
unsigned int domid_bitmap_next(const struct domid_bitmap *b, unsigned int from);

#endif
