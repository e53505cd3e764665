/* SPDX-License-Identifier: MIT */
/* GDT, TSS and IDT setup. */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <mica/types.h>

/* Builds the IDT (once, shared by all CPUs). */
void idt_init(void);
/* Loads the shared IDT on this CPU. */
void idt_load(void);

#endif
