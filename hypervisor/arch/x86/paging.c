/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's page tables.  Built once at boot:
 *   - the image at HV_IMAGE_BASE, W^X: text read-only executable, read-only
 *     data read-only no-execute, data and bss writable no-execute;
 *   - the direct map of every RAM/ACPI region, no-execute, with the image's
 *     text and read-only data mapped read-only there too, so no writable
 *     alias of code exists;
 * Later mappings (stacks with guard pages, MMIO) are added with map_pages.
 */
#include <mica/boot.h>
#include <mica/boot_alloc.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/shutdown.h>
#include <mica/spinlock.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/page.h>
#include <asm/paging.h>
#include <asm/processor-flags.h>

#define LARGE_PAGE_SIZE (1ULL << 21)
#define EARLY_LIMIT (4ULL << 30) /* early tables map 4 GiB */

extern const char __image_start[], __text_start[], __text_end[];
extern const char __rodata_start[], __rodata_end[], __data_start[];
extern const char __bss_end[];

static uint64_t *idle_pml4;
static spinlock_t map_lock = SPINLOCK_INIT;
static uintptr_t mmio_next = HV_MMIO_BASE;
static bool page_alloc_ready;

/* A zeroed page for a page table, from whichever allocator is live. */
static paddr_t pt_alloc(void)
{
	paddr_t pa;

	if (page_alloc_ready) {
		struct page_info *pg = alloc_pages(0, OWNER_HYPERVISOR);

		if (!pg)
			return 0;
		pa = page_to_mfn(pg) << PAGE_SHIFT;
	} else {
		pa = boot_alloc_pages(1, 1, EARLY_LIMIT);
		if (!pa)
			return 0;
	}
	memset(maddr_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static unsigned int table_index(uintptr_t va, unsigned int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

/*
 * Returns the entry at 'level' (1 = 4K PTE, 2 = PDE) for va, creating the
 * tables above it.  NULL on allocation failure or if a large page is in the
 * way.  map_lock held.
 */
static uint64_t *walk_create(uintptr_t va, unsigned int level, uint64_t user)
{
	uint64_t *table = idle_pml4;

	for (unsigned int l = 4; l > level; l--) {
		uint64_t *e = &table[table_index(va, l)];

		if (!(*e & PTE_P)) {
			paddr_t pa = pt_alloc();

			if (!pa)
				return NULL;
			/* Upper levels permissive; leaves decide.  Only paths
			 * to user-readable leaves (the M2P) carry PTE_U. */
			*e = pa | PTE_P | PTE_W | user;
		} else if (*e & PTE_PS) {
			return NULL;
		} else {
			*e |= user;
		}
		table = maddr_to_virt(*e & PTE_ADDR_MASK);
	}
	return &table[table_index(va, level)];
}

int map_pages(uintptr_t va, paddr_t pa, uint64_t size, uint64_t flags)
{
	unsigned long irqf;
	int rc = 0;

	if ((va | pa | size) & (PAGE_SIZE - 1))
		return -EINVAL;
	irqf = spin_lock_irqsave(&map_lock);
	while (size) {
		bool large = !((va | pa) & (LARGE_PAGE_SIZE - 1)) &&
			     size >= LARGE_PAGE_SIZE;
		uint64_t step = large ? LARGE_PAGE_SIZE : PAGE_SIZE;
		uint64_t *e = walk_create(va, large ? 2 : 1, flags & PTE_U);

		if (!e) {
			rc = -ENOMEM;
			break;
		}
		*e = pa | flags | (large ? PTE_PS : 0);
		invlpg((void *)va);
		va += step;
		pa += step;
		size -= step;
	}
	spin_unlock_irqrestore(&map_lock, irqf);
	return rc;
}

uint64_t *paging_lookup(uintptr_t va, unsigned int *level)
{
	uint64_t *table = idle_pml4;

	for (unsigned int l = 4; l >= 1; l--) {
		uint64_t *e = &table[table_index(va, l)];

		if (!(*e & PTE_P))
			return NULL;
		if (l == 1 || (*e & PTE_PS)) {
			*level = l;
			return e;
		}
		table = maddr_to_virt(*e & PTE_ADDR_MASK);
	}
	return NULL;
}

static void map_or_die(uintptr_t va, paddr_t pa, uint64_t size, uint64_t flags)
{
	if (map_pages(va, pa, size, flags))
		panic("paging: out of memory mapping %016lx\n", va);
}

static paddr_t image_pa(const char *sym)
{
	return (uintptr_t)sym - HV_IMAGE_BASE;
}

/* Direct-maps [start, end), keeping the image's code read-only. */
static void map_direct(paddr_t start, paddr_t end)
{
	paddr_t ro_start = image_pa(__text_start);
	paddr_t ro_end = image_pa(__rodata_end);

	start = ALIGN_DOWN(start, (paddr_t)PAGE_SIZE);
	end = ALIGN_UP(end, (paddr_t)PAGE_SIZE);
	while (start < end) {
		paddr_t stop = end;
		uint64_t flags = PAGE_HV_RW;

		if (start < ro_start && stop > ro_start)
			stop = ro_start;
		else if (start >= ro_start && start < ro_end) {
			stop = MIN(end, ro_end);
			flags = PAGE_HV_RO;
		}
		map_or_die(HV_DIRECTMAP_BASE + start, start, stop - start,
			   flags);
		start = stop;
	}
}

void paging_init(void)
{
	paddr_t pml4 = pt_alloc();

	if (!pml4)
		panic("paging: no memory for page tables\n");
	idle_pml4 = maddr_to_virt(pml4);

	map_or_die((uintptr_t)__text_start, image_pa(__text_start),
		   __text_end - __text_start, PAGE_HV_RX);
	map_or_die((uintptr_t)__rodata_start, image_pa(__rodata_start),
		   __rodata_end - __rodata_start, PAGE_HV_RO);
	map_or_die((uintptr_t)__data_start, image_pa(__data_start),
		   __bss_end - __data_start, PAGE_HV_RW);

	for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
		const struct memmap_entry *e = &boot_info.memmap[i];

		if (e->type == MEMMAP_RAM || e->type == MEMMAP_ACPI ||
		    e->type == MEMMAP_NVS)
			map_direct(e->start, e->start + e->size);
	}

	/*
	 * Every hypervisor slot gets its L3 now, so that guest L4s, which copy
	 * the slots once, see all later hypervisor mappings.
	 */
	for (unsigned int slot = HV_SLOT_FIRST; slot <= HV_SLOT_LAST; slot++) {
		if (!(idle_pml4[slot] & PTE_P)) {
			paddr_t l3 = pt_alloc();

			if (!l3)
				panic("paging: no memory for page tables\n");
			idle_pml4[slot] = l3 | PTE_P | PTE_W;
		}
	}

	write_cr3(pml4);
	/* Flush global entries left from the early tables. */
	write_cr4(read_cr4() & ~(uint64_t)X86_CR4_PGE);
	write_cr4(read_cr4() | X86_CR4_PGE);
}

void paging_copy_hypervisor_slots(uint64_t *l4)
{
	for (unsigned int slot = HV_SLOT_FIRST; slot <= HV_SLOT_LAST; slot++)
		l4[slot] = idle_pml4[slot];
}

paddr_t paging_idle_cr3(void)
{
	return virt_to_maddr(idle_pml4);
}

/* Called once the buddy allocator owns the remaining memory. */
void paging_use_page_alloc(void)
{
	page_alloc_ready = true;
}

static void *ioremap_flags(paddr_t pa, uint64_t size, uint64_t flags)
{
	paddr_t base = ALIGN_DOWN(pa, (paddr_t)PAGE_SIZE);
	uint64_t len = ALIGN_UP(pa + size, (paddr_t)PAGE_SIZE) - base;
	unsigned long irqf;
	uintptr_t va;

	irqf = spin_lock_irqsave(&map_lock);
	va = mmio_next;
	if (len > HV_MMIO_END - va) {
		spin_unlock_irqrestore(&map_lock, irqf);
		return NULL;
	}
	mmio_next += len + PAGE_SIZE; /* an unmapped page between windows */
	spin_unlock_irqrestore(&map_lock, irqf);
	if (map_pages(va, base, len, flags))
		return NULL;
	return (void *)(va + (pa - base));
}

void *ioremap(paddr_t pa, uint64_t size)
{
	return ioremap_flags(pa, size, PAGE_HV_UC);
}

void *ioremap_cached(paddr_t pa, uint64_t size)
{
	return ioremap_flags(pa, size, PAGE_HV_RO);
}
