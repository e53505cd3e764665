/* SPDX-License-Identifier: MIT */
/*
 * Copying hypercall arguments to and from the calling guest.
 *
 * Addresses are the guest's (virtual, for PV), valid in the page tables
 * that are loaded while a hypercall runs.  Ranges that wrap, are not
 * canonical or touch the hypervisor's reserved range are refused; a fault
 * on an unmapped or read-only guest page is caught.  Either way the call
 * returns -EFAULT and copies a prefix at most.
 */
#ifndef MICA_GUEST_ACCESS_H
#define MICA_GUEST_ACCESS_H

#include <mica/types.h>

int copy_from_guest(void *dst, uint64_t gaddr, size_t len);
int copy_to_guest(uint64_t gaddr, const void *src, size_t len);

/* The range check alone (arch-specific). */
bool guest_range_ok(uint64_t gaddr, size_t len);

#endif
