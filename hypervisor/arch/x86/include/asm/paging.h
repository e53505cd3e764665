/* SPDX-License-Identifier: MIT */
/* The hypervisor's own page tables (the "idle" address space). */
#ifndef ASM_PAGING_H
#define ASM_PAGING_H

#include <mica/types.h>

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_G (1ULL << 8)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

/* Common permission sets. */
#define PAGE_HV_RX (PTE_P | PTE_G)
#define PAGE_HV_RO (PTE_P | PTE_G | PTE_NX)
#define PAGE_HV_RW (PTE_P | PTE_W | PTE_G | PTE_NX)
#define PAGE_HV_UC (PTE_P | PTE_W | PTE_G | PTE_NX | PTE_PCD | PTE_PWT)

/*
 * Builds the final page tables (W^X image, direct map of RAM) and switches
 * this CPU to them.  Runs once, on the boot CPU.
 */
void paging_init(void);

/* From now on page tables come from the buddy allocator. */
void paging_use_page_alloc(void);

/* Copies Mica's L4 entries (slots 256..271) into a guest's L4 table. */
void paging_copy_hypervisor_slots(uint64_t *l4);

/* Physical address of the idle PML4, for the other CPUs' CR3. */
paddr_t paging_idle_cr3(void);

/*
 * Maps [pa, pa + size) at va with 'flags'; uses 2 MiB pages where both
 * addresses are aligned.  Returns 0 or -ENOMEM (page-table allocation).
 */
int map_pages(uintptr_t va, paddr_t pa, uint64_t size, uint64_t flags);

/* The leaf entry mapping va (NULL if none); for tests and diagnostics. */
uint64_t *paging_lookup(uintptr_t va, unsigned int *level);

/*
 * ioremap: maps device memory uncached in the MMIO window; ioremap_cached
 * maps firmware tables write-back.  NULL if the window is exhausted.
 */
void *ioremap(paddr_t pa, uint64_t size);
void *ioremap_cached(paddr_t pa, uint64_t size);

#endif
