/* SPDX-License-Identifier: MIT */
/*
 * The descriptor rules of public/arch-x86/pv.h, as one pure function
 * (tests/unit/hypervisor/test_desc_check.c runs it on the host).
 *
 *   63..56 base  55 G  54 D/B  53 L  52 AVL  51..48 limit
 *   47 P  46..45 DPL  44 S  43..40 type  39..16 base  15..0 limit
 *   type for S=1: bit 43 code; code: 42 conforming, 41 readable;
 *                 data: 42 expand-down, 41 writable; bit 40 accessed
 */
#include <mica/types.h>
#include <asm/regs.h>
#include <asm/pv_desc.h>

#define DESC_P (1ULL << 47)
#define DESC_DPL_SHIFT 45
#define DESC_S (1ULL << 44)
#define DESC_CODE (1ULL << 43)
#define DESC_CONFORMING (1ULL << 42)
#define DESC_L (1ULL << 53)
#define DESC_D (1ULL << 54)

bool pv_descriptor_ok(uint64_t desc)
{
	if (!(desc & DESC_P))
		return true; /* rule 1 */
	if (!(desc & DESC_S))
		return false; /* rule 3: no system descriptors or gates */
	if (((desc >> DESC_DPL_SHIFT) & 3) != 3)
		return false; /* rule 2: only ring 3 */
	if (desc & DESC_CODE) {
		if (desc & DESC_CONFORMING)
			return false; /* rule 2: no conforming code */
		if ((desc & DESC_L) && (desc & DESC_D))
			return false; /* rule 2: L with D is reserved */
	}
	return true;
}
