/* SPDX-License-Identifier: MIT */
/*
 * I/O memory and physical IRQ permissions of domains (public/domctl.h
 * MICA_DOMCTL_iomem_permission and _irq_permission, mmu.h T4a): range
 * sets per domain that dom0 fills; the privileged domain holds every MMIO
 * frame but Mica's own.
 */
#ifndef ASM_IOMEM_H
#define ASM_IOMEM_H

#include <mica/types.h>
#include <asm/page.h>

struct domain;

/* IRQs 0..IRQ_PERMISSION_MAX may be given to domains. */
#define IRQ_PERMISSION_MAX 255

/*
 * A frame that is not RAM (beyond the frame table, or never handed to the
 * allocator: firmware reserved or a hole).  Mappings of such frames hold
 * no reference.  Stable once the machine has booted.
 */
bool iomem_frame(mfn_t mfn);

/* May d map the MMIO frame mfn (T4a)? */
bool iomem_access_ok(const struct domain *d, mfn_t mfn);

/*
 * domctl: give (allow 1), take away (0) or ask about (2: 1 if d holds the
 * whole range, else 0) frames first..first+nr-1 / one IRQ.  Errors as in
 * public/domctl.h.
 */
long iomem_permission(struct domain *d, uint64_t first, uint64_t nr,
		      unsigned int allow);
long irq_permission(struct domain *d, uint64_t irq, uint64_t nr,
		    unsigned int allow);

/* Frees d's sets; later grants fail with -ESRCH (domain teardown). */
void iomem_domain_teardown(struct domain *d);

/* May d use physical IRQ irq (for physdev binding, later)? */
bool irq_access_ok(const struct domain *d, unsigned int irq);

#endif
