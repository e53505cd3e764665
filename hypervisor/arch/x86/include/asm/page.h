/* SPDX-License-Identifier: MIT */
/*
 * Address conversions.  All machine memory is reachable through the direct
 * map; the image is also mapped at HV_IMAGE_BASE (see asm/layout.h).
 */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <mica/types.h>
#include <asm/layout.h>

static inline void *maddr_to_virt(paddr_t pa)
{
	return (void *)(HV_DIRECTMAP_BASE + pa);
}

/* Machine address of a direct-map or image virtual address. */
static inline paddr_t virt_to_maddr(const void *va)
{
	uintptr_t v = (uintptr_t)va;

	if (v >= HV_DIRECTMAP_BASE)
		return v - HV_DIRECTMAP_BASE;
	return v - HV_IMAGE_BASE;
}

static inline void *mfn_to_virt(mfn_t mfn)
{
	return maddr_to_virt(mfn << PAGE_SHIFT);
}

static inline mfn_t virt_to_mfn(const void *va)
{
	return virt_to_maddr(va) >> PAGE_SHIFT;
}

#endif
