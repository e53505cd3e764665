/* SPDX-License-Identifier: MIT */
/*
 * multicall.h - MICA_HC_multicall: many hypercalls for the price of one
 * guest/hypervisor transition (Linux batches lazy MMU updates and context
 * switch work this way).
 *
 *     long mica_multicall(uint64_t calls_gaddr, uint32_t count);
 *
 *   IN  calls_gaddr  array of count struct mica_multicall_entry.
 *   Returns 0 once every entry has run, -MICA_EFAULT if the array cannot be
 *   read or written (entries before the bad one may have run).
 * Per entry:
 *   IN  op       the hypercall number (mica.h).
 *   IN  args[]   its arguments, in register order (args[5] is for
 *                hypercalls with six arguments; none in ABI 1.0).
 *   OUT result   what the hypercall returned.
 * Notes:
 *   1. Entries run in order, each completing before the next starts, as if
 *      made one by one.  A failing entry does not stop the batch: check
 *      every result.
 *   2. Not allowed in a batch (result -MICA_EINVAL): MICA_HC_multicall
 *      itself and MICA_HC_iret.  A shutdown in a batch stops it there; a
 *      MICA_VCPUOP_down of the calling vcpu stops it there until the vcpu
 *      is up again, when the rest of the batch runs.
 *   5. count is at most 2^32 - 1 (-MICA_EINVAL above).
 *   3. Preemptible between entries (and inside a preemptible entry): the
 *      batch resumes where it stopped; results already written stay.
 *   4. Pointer arguments (gaddr) inside entries are read when that entry
 *      runs, so an entry may consume buffers written by an earlier one.
 */
#ifndef MICA_PUBLIC_MULTICALL_H
#define MICA_PUBLIC_MULTICALL_H

#include "mica.h"

struct mica_multicall_entry {
	uint64_t op; /* IN */
	uint64_t result; /* OUT: the hypercall's return value */
	uint64_t args[6]; /* IN */
};
MICA_STATIC_ASSERT(sizeof(struct mica_multicall_entry) == 64,
		   "mica_multicall_entry");

#endif /* MICA_PUBLIC_MULTICALL_H */
