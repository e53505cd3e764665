/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_memory_op (public/memory.h): reservations, memory maps, and the
 * pieces the domctl interface shares (populate another domain, set its
 * map).  Common code in common/memory.c; x86 specifics (M2P, page types)
 * behind the arch hooks below.
 */
#ifndef MICA_MEMORY_H
#define MICA_MEMORY_H

#include <mica/types.h>

struct domain;
struct vcpu;
struct page_info;
struct mica_memory_reservation;
struct mica_memory_map;

/*
 * Populates d's pseudo-physical space from the caller's reservation
 * (already copied in from 'arg'; extent_list is read and written in the
 * caller).  Writes progress to r->nr_done.  Returns the number of extents
 * done, a negative errno for a bad argument, or HYPERCALL_PREEMPTED: the
 * caller writes r back and continues the call.
 */
long memory_populate(struct domain *d, struct mica_memory_reservation *r,
		     bool privileged, uint64_t arg);

/*
 * Validates and installs the map the caller's buffer holds (m describes
 * it) as d's pseudo-physical memory map.  0, -EINVAL, -E2BIG, -EFAULT,
 * -ENOMEM.
 */
int memory_set_map(struct domain *d, const struct mica_memory_map *m);

/* Arch hooks (arch/x86/memory.c). */
/* Release for ballooning (see asm/mm.h pv_page_release). */
int arch_page_release(struct domain *d, struct page_info *pg);
void arch_page_unrelease(struct page_info *pg);
/* Before released frames are reused: no TLB may still map them. */
void arch_flush_released(void);
/* Records the guest frame number of a frame of d (PV: the M2P). */
void arch_set_page_gfn(mfn_t mfn, uint64_t gfn);
/* A populate_physmap extent now backs gfn.. (HVM: the nested page tables
 * map it).  0, or -errno: the extent is given back. */
int arch_memory_populated(struct domain *d, uint64_t gfn, mfn_t mfn,
			  unsigned int order);
/*
 * MICA_DOMCTL_map_foreign, one frame: maps gfn of fd at va in caller v's
 * current kernel page tables, with flags MICA_FOREIGN_MAP_READONLY and
 * MICA_FOREIGN_MAP_SOFT9.  0 or the per-entry errno of domctl.h.
 */
int arch_map_foreign(struct vcpu *v, struct domain *fd, uint64_t va,
		     uint64_t gfn, uint32_t flags);
/* The arch-specific sub-ops; -ENOSYS for unknown ones. */
long arch_memory_op(unsigned int cmd, uint64_t arg);

#endif
