/* SPDX-License-Identifier: MIT */
/*
 * Grant tables (public/grant_table.h): each domain's table of entries it
 * grants (as granter) and its maptrack of grants it has mapped (as mapper).
 *
 * References.  A live mapping holds, on the granter's frame, a general
 * reference and (writable maps) a writable type reference (public/mmu.h
 * T1), plus a pin on the granter's active entry (READING/WRITING set).
 * A host mapping also holds an L1 type reference on the mapper's L1 frame
 * that contains the grant's PTE, so that table is never devalidated under
 * the grant; ordinary page-table updates refuse to touch a grant's PTE
 * (grant_pte_in_use).  Copies hold the same references for one op.
 *
 * Locking: a domain's grant state (table, active entries, maptrack) is
 * protected by its mm lock, which also protects its frames' counts; ops
 * that involve two domains take both mm locks in domain-id order.  TLB
 * flushes happen with no lock held.
 *
 * Lifetime: when a domain dies it first unmaps everything it has mapped,
 * then gives up its own references; a frame another domain still maps
 * stays allocated and the domain lingers, dying, until the last such
 * reference goes (domain_page_last_put).  So every access to a granter's
 * state comes before the mapper drops its frame reference, with no lock
 * of the granter held then.
 */
#ifndef MICA_GRANT_TABLE_H
#define MICA_GRANT_TABLE_H

#include <mica/grant_entry.h>
#include <mica/maptrack.h>
#include <mica/types.h>

struct domain;
struct vcpu;

struct grant_table {
	/* As granter. */
	uint32_t nr_frames; /* table frames set up */
	uint32_t max_frames; /* limit, 1..MICA_GRANT_MAX_FRAMES */
	uint32_t *frames; /* mfns; max_frames slots once set up */
	struct grant_active **active; /* an array of entries per frame */
	/* As mapper. */
	struct maptrack maptrack;
};

/* Common hooks, from domain create / destroy. */
int grant_table_create(struct domain *d);
/* Dying domain: removes the mappings it holds (its vcpus are off), in
 * steps: looks at about 'max' handles from *cursor (0 at first) and says
 * whether it got to the end. */
bool grant_table_unmap_some(struct domain *d, uint32_t *cursor,
			    unsigned int max);
/* Dying domain: gives up the hypervisor's references on its table frames. */
void grant_table_release_frames(struct domain *d);
/* The domain is gone for good: frees the bookkeeping. */
void grant_table_free(struct domain *d);

/*
 * Limits (domctl).  0 keeps the current value.  -EINVAL out of range,
 * -EBUSY below what is already in use.
 */
int grant_table_set_limits(struct domain *d, uint32_t max_frames,
			   uint32_t max_mappings);

/* Whether the PTE at pte_maddr belongs to a grant mapping of d (mm lock). */
bool grant_pte_in_use(struct domain *d, uint64_t pte_maddr);

/*
 * Arch hooks (PV: arch/x86/pv/grant_map.c).  All but flush run under the
 * mm locks of the domains named.
 */
/* A general (and with write a writable type) reference on frame of d. */
int arch_grant_frame_get(mfn_t frame, struct domain *d, bool write);
/* Drops the writable type reference (d's lock held). */
void arch_grant_frame_put_type(mfn_t frame, struct domain *d);
/*
 * Drops the general reference.  The last one of a dying domain's frame
 * frees it, and maybe the domain: no lock of the owner may be held.
 */
void arch_grant_frame_put(mfn_t frame);
/*
 * The PTE a host mapping of v's domain writes: host_addr is a kernel
 * virtual address in v's current tables or (contains_pte) the machine
 * address of an L1 entry.  Takes an L1 type reference on its table.
 * -EFAULT if unusable.
 */
int arch_grant_pte_get(struct vcpu *v, uint64_t host_addr, bool contains_pte,
		       uint64_t *pte_maddr);
void arch_grant_pte_put(struct domain *d, uint64_t pte_maddr);
/* Writes / clears a grant PTE (the old entry's references are dropped). */
void arch_grant_pte_install(struct domain *d, uint64_t pte_maddr, mfn_t frame,
			    bool write);
void arch_grant_pte_clear(struct domain *d, uint64_t pte_maddr);
/*
 * Flushes every TLB that may hold d's old mappings: of nr_va addresses
 * (at most GRANT_FLUSH_MAX_VA), or all of them when nr_va is 0.
 */
#define GRANT_FLUSH_MAX_VA 16
void arch_grant_flush(struct domain *d, const uint64_t *va, unsigned int nr_va);
/*
 * Transfer: takes the frame from d if its allocation is its only
 * reference (no mapping, type, pin; no special frame), so no new
 * reference can appear: 0, -EINVAL (not d's), -EBUSY.  Then either
 * arch_grant_transfer_done (moved: its M2P entry is forgotten) or
 * arch_grant_transfer_undo.
 */
int arch_grant_transfer_take(struct domain *d, mfn_t frame);
void arch_grant_transfer_done(mfn_t frame);
void arch_grant_transfer_undo(mfn_t frame);

#endif
