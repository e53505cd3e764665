/* SPDX-License-Identifier: MIT */
/*
 * A block being zeroed for a reservation across continuations
 * (common/memory.c).  Zeroing a 2 MiB extent takes milliseconds (far more
 * under emulation), so increase_reservation, populate_physmap and
 * exchange zero each new block MEMORY_ZERO_STEP bytes at a time and may
 * continue the call in between.  Until it is all zero the block belongs
 * to the hypervisor, is not accounted to any domain and is kept for the
 * calling vcpu (in its domain's mem_pending array, slot = vcpu id: a
 * struct vcpu has no room left), keyed by the call and extent it is for:
 * a restart that is not the same call at the same extent frees it and
 * starts over, and so does the domain's death.  The key only saves work:
 * whatever it says, a block is all zero before it is handed over, and
 * the handover checks the target's limit and the address width again.
 */
#ifndef MICA_MEMORY_PENDING_H
#define MICA_MEMORY_PENDING_H

#include <mica/types.h>

#define MEMORY_ZERO_STEP (64 * 1024)

struct page_info;

struct memory_pending {
	struct page_info *pg; /* OWNER_HYPERVISOR block, or NULL */
	unsigned int order;
	uint64_t zeroed; /* bytes from the start of the block */
	uint64_t key[4]; /* target domain, cmd, argument, extent index */
};

struct domain;
/* Frees every pending block of d's vcpus, and the slots. */
void memory_pending_free(struct domain *d);

#endif
