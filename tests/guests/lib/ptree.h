/* SPDX-License-Identifier: MIT */
/*
 * A test page-table tree of the guest's own pages (for the pin/unpin
 * guests): L4 -> one L3 (slot 3) -> nl2 L2s -> nl1 L1s, every L2 entry
 * pointing at an L1 in turn, every L1 entry mapping one data page
 * read-only.
 */
#ifndef GUEST_PTREE_H
#define GUEST_PTREE_H

#include <stdbool.h>
#include <stdint.h>

struct guest_ptree {
	uint8_t (*l1s)[4096];
	unsigned int nl1;
	uint8_t (*l2s)[4096];
	unsigned int nl2;
	uint8_t *l3, *l4;
};

/* Writes the tree (its pages writable) with every L1 entry mapping data,
 * then maps its pages read-only and flushes the local TLB. */
void guest_ptree_build(const struct guest_ptree *t, const void *data);
/* Maps every page of the tree writable or read-only again (a test error
 * if Mica refuses: writable needs each to be no table now). */
void guest_ptree_set_writable(const struct guest_ptree *t, bool writable);

#endif
