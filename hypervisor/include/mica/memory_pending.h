/* SPDX-License-Identifier: MIT */
/*
 * A block being zeroed for a reservation across continuations
 * (common/memory.c).  Zeroing a 2 MiB extent takes milliseconds (far more
 * under emulation), so increase_reservation and populate_physmap zero
 * each new block MEMORY_ZERO_STEP bytes at a time and may continue the
 * call in between.  Until it is all zero the block belongs to the
 * hypervisor, is not accounted to any domain and is kept by the calling
 * vcpu, keyed by the call and extent it is for: a restart that is not the
 * same call at the same extent frees it and starts over, and so does the
 * vcpu's death.
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

struct vcpu;
/* Frees v's pending block, if any. */
void memory_pending_drop(struct vcpu *v);

#endif
