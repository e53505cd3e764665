/* SPDX-License-Identifier: MIT */
/*
 * Guest side of grant tables (public/grant_table.h) for the multi-domain
 * tests: our own table (frame 0, entries 0..255), granting and ending
 * access (E1, E3), single map/unmap/copy ops, and the rendezvous through a
 * peer's store page: a domU grants its store ring page to dom0 at
 * MICA_GRANT_REF_STORE, and dom0 maps that well-known ref until it works.
 */
#ifndef GUEST_GRANT_H
#define GUEST_GRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "public/grant_table.h"

#define GRANT_PAGE 4096ULL

/* Our table's frame 0, mapped writable by grant_table_init(). */
extern volatile struct mica_grant_entry *grant_table;

long gnttab_op(uint32_t cmd, void *ops, uint32_t count);
/* Sets up a one-frame table and maps it; test_error on failure. */
void grant_table_init(void);
/* E1: entry ref lets domid use frame (read-only if readonly). */
void grant_access(uint32_t ref, uint16_t domid, uint64_t frame, bool readonly);
/* E3: 0 if access ended, else the flags that stopped it (in use). */
uint16_t grant_end_access(uint32_t ref);

/* Flushes va from this vcpu's TLB (MICA_MMUEXT_INVLPG_LOCAL). */
void grant_invlpg(uint64_t va);
/* Fills one map op (status 1 and handle 0xdeadbeef, so that a skipped op
 * shows). */
void grant_map_fill(struct mica_gnttab_map_grant_ref *op, uint64_t host,
		    uint32_t flags, uint32_t ref, uint16_t dom);
/* One map op: its status; *handle gets the handle (if handle).  A host
 * mapping by address is flushed from our TLB (mmu.h T8: our job); after a
 * map by PTE the caller flushes the address it knows. */
long grant_map(uint64_t host, uint32_t flags, uint32_t ref, uint16_t dom,
	       uint32_t *handle);
/* One unmap op: its status. */
long grant_unmap(uint64_t host, uint32_t handle);
/* Fills one copy op (status 1, so that a skipped op shows). */
void grant_copy_fill(struct mica_gnttab_copy *op, uint64_t src,
		     uint16_t src_dom, uint16_t src_off, uint64_t dst,
		     uint16_t dst_dom, uint16_t dst_off, uint16_t len,
		     uint16_t flags);
/* One copy op between a grant or gfn (flags MICA_GNTCOPY_*): its status. */
long grant_copy(uint64_t src, uint16_t src_dom, uint16_t src_off, uint64_t dst,
		uint16_t dst_dom, uint16_t dst_off, uint16_t len,
		uint16_t flags);

/* The L1 frame mapping va, by a walk of our tables (mapped read-only). */
uint64_t grant_l1_mfn(uint64_t va);
/* The machine address of the L1 entry mapping va (for contains_pte). */
uint64_t grant_pte_maddr(uint64_t va);
/* The PTE currently mapping va (the page tables are mapped read-only). */
uint64_t grant_pte_read(uint64_t va);

/*
 * The store-page rendezvous.  The domU: grants its store page to dom0 at
 * MICA_GRANT_REF_STORE and returns the page's address.  Dom0: maps domU
 * dom's ref MICA_GRANT_REF_STORE writable at window (a page of its own)
 * once the domU has granted it; false after timeout_ns.
 */
void *grant_offer_store_page(void);
bool grant_map_store_page(uint16_t dom, void *window, uint32_t *handle,
			  uint64_t timeout_ns);

#endif
