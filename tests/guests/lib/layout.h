/* SPDX-License-Identifier: MIT */
/*
 * Where a test guest lives.  Read by the linker script as well as by C, so
 * it holds plain #defines only (no suffixes, no casts, no types).
 *
 * The image is linked at GUEST_VIRT_BASE, the top 2 GiB that -mcmodel=kernel
 * code requires, and its ELF program headers carry physical addresses that
 * are offsets from pfn 0 (p_paddr = p_vaddr - GUEST_VIRT_BASE), which is what
 * a MICA_ELFNOTE_PADDR_OFFSET of GUEST_VIRT_BASE means (public/elfnote.h).
 */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

#define GUEST_VIRT_BASE 0xffffffff80000000

/* Our own boot stack (head.S), used from the first instruction on so that
 * the builder's stack (start_info.h L8) stays untouched for the tests. */
#define GUEST_STACK_SIZE 16384

#endif /* GUEST_LAYOUT_H */
