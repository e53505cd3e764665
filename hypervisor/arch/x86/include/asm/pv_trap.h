/* SPDX-License-Identifier: MIT */
/*
 * A vcpu's trap table (arch-x86/pv.h MICA_HC_set_trap_table), kept in 8
 * bytes per vector instead of the ABI's 16, so that a vcpu fits in one
 * page (2 KiB for the table instead of 4):
 *
 *   63        62..56         55..48   47 ....................... 0
 *   kernel_cs  flags (DPL,   0        handler address, canonical:
 *              MASK_EVENTS)           bits 48-63 copy bit 47
 *
 * kernel_cs: the entry named the kernel code selector with RPL 0 (the
 * other accepted form has RPL 3); only get_vcpu_context reports it, since
 * a handler always runs on GUEST_CS64.  An entry of 0 has no handler:
 * a valid handler is never 0 and never in Mica's range, so its low 48
 * bits are never all 0.
 */
#ifndef ASM_PV_TRAP_H
#define ASM_PV_TRAP_H

#include <mica/types.h>
#include <asm/layout.h>
#include <public/arch-x86/pv.h>

#define PV_TRAP_ADDRESS_MASK ((1ULL << 48) - 1)
#define PV_TRAP_FLAGS_SHIFT 56
#define PV_TRAP_FLAGS_MASK 0x7fULL
#define PV_TRAP_KERNEL_CS (1ULL << 63)

/* A validated entry (handler canonical and outside Mica, or no handler). */
static inline uint64_t pv_trap_pack(const struct mica_trap_info *ti)
{
	if (!ti->address)
		return 0;
	return (ti->address & PV_TRAP_ADDRESS_MASK) |
	       ((uint64_t)ti->flags << PV_TRAP_FLAGS_SHIFT) |
	       (ti->cs == (GUEST_CS64 & ~3) ? PV_TRAP_KERNEL_CS : 0);
}

static inline uint64_t pv_trap_address(uint64_t e)
{
	return (uint64_t)((int64_t)(e << 16) >> 16);
}

static inline unsigned int pv_trap_flags(uint64_t e)
{
	return (unsigned int)((e >> PV_TRAP_FLAGS_SHIFT) & PV_TRAP_FLAGS_MASK);
}

static inline void pv_trap_unpack(uint64_t e, unsigned int vector,
				  struct mica_trap_info *ti)
{
	ti->vector = (uint8_t)vector;
	ti->flags = (uint8_t)pv_trap_flags(e);
	ti->cs = !e			 ? 0 :
		 (e & PV_TRAP_KERNEL_CS) ? (GUEST_CS64 & ~3) :
					   GUEST_CS64;
	ti->pad0 = 0;
	ti->address = e ? pv_trap_address(e) : 0;
}

#endif
