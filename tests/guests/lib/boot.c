/* SPDX-License-Identifier: MIT */
/* Facts about the initial layout (public/start_info.h) that tests share. */
#include "boot.h"

#include "lib.h"
#include "public/start_info.h"

#define L9_MIN_FREE (512u * 1024)
#define L9_END_ALIGN (4u * 1024 * 1024)

uint64_t boot_mapping_end(void)
{
	/* L9 starts at the top of the boot stack (L8). */
	return ROUND_UP(boot_regs.rsp + L9_MIN_FREE, L9_END_ALIGN);
}
