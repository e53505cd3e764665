/* SPDX-License-Identifier: MIT */
/* Boot-time interfaces between the x86 setup code and its helpers. */
#ifndef ASM_BOOT_H
#define ASM_BOOT_H

#include <mica/types.h>

/* Fills boot_info from the loader's data; -1 if the magic is unknown. */
int multiboot_parse(uint32_t magic, uint32_t info_pa);

/* Entered from head.S on the boot CPU, on the early page tables. */
void __noreturn boot_start(uint32_t magic, uint32_t info_pa);

#endif
