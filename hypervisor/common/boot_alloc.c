/* SPDX-License-Identifier: MIT */
/* The boot allocator; see mica/boot_alloc.h. */
#include <mica/boot_alloc.h>
#include <mica/compiler.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <asm/layout.h>

#define MAX_REGIONS 128

struct region {
	paddr_t start, end; /* page aligned, start < end */
};

static struct region regions[MAX_REGIONS];
static unsigned int nr_regions;
static bool finished;

static void remove_region(unsigned int i)
{
	memmove(&regions[i], &regions[i + 1],
		(nr_regions - i - 1) * sizeof(regions[0]));
	nr_regions--;
}

static void insert_region(unsigned int i, paddr_t start, paddr_t end)
{
	if (nr_regions >= MAX_REGIONS)
		return; /* lose the range rather than corrupt the list */
	memmove(&regions[i + 1], &regions[i],
		(nr_regions - i) * sizeof(regions[0]));
	regions[i].start = start;
	regions[i].end = end;
	nr_regions++;
}

void boot_alloc_add(paddr_t start, paddr_t end)
{
	unsigned int i;

	if (start > PAGE_MASK)
		return; /* less than a page below 2^64: rounding up would wrap */
	start = ALIGN_UP(start, (paddr_t)PAGE_SIZE);
	end = ALIGN_DOWN(end, (paddr_t)PAGE_SIZE);
	if (finished || start >= end)
		return;
	/* Keep the list sorted; the caller adds non-overlapping RAM. */
	for (i = 0; i < nr_regions && regions[i].start < start; i++)
		;
	insert_region(i, start, end);
}

void boot_alloc_reserve(paddr_t start, paddr_t end)
{
	start = ALIGN_DOWN(start, (paddr_t)PAGE_SIZE);
	/* No region ends above PAGE_MASK; rounding up past it would wrap. */
	end = end > PAGE_MASK ? PAGE_MASK : ALIGN_UP(end, (paddr_t)PAGE_SIZE);
	for (unsigned int i = 0; i < nr_regions && start < end; i++) {
		struct region *r = &regions[i];

		if (r->end <= start || r->start >= end)
			continue;
		if (r->start >= start && r->end <= end) {
			remove_region(i);
			i--;
		} else if (r->start < start && r->end > end) {
			paddr_t old_end = r->end;

			r->end = start;
			insert_region(i + 1, end, old_end);
			return;
		} else if (r->start < start) {
			r->end = start;
		} else {
			r->start = end;
		}
	}
}

paddr_t boot_alloc_pages(uint64_t nr, uint64_t align, paddr_t limit)
{
	uint64_t size = nr * PAGE_SIZE, amask = align * PAGE_SIZE - 1;

	/* Also refuses sizes and alignments whose byte counts overflow. */
	if (finished || !nr || !align || (align & (align - 1)) ||
	    nr > (UINT64_MAX >> PAGE_SHIFT) ||
	    align > (UINT64_MAX >> PAGE_SHIFT))
		return 0;
	for (unsigned int i = nr_regions; i-- > 0;) {
		struct region *r = &regions[i];
		paddr_t top = MIN(r->end, limit), base;

		if (top < size || top <= r->start)
			continue;
		base = (top - size) & ~amask;
		if (base < r->start || !base) /* 0 would read as failure */
			continue;
		boot_alloc_reserve(base, base + size);
		return base;
	}
	return 0;
}

uint64_t boot_alloc_free_bytes(void)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < nr_regions; i++)
		total += regions[i].end - regions[i].start;
	return total;
}

void boot_alloc_finish(void)
{
	for (unsigned int i = 0; i < nr_regions; i++)
		page_alloc_add_free(regions[i].start >> PAGE_SHIFT,
				    regions[i].end >> PAGE_SHIFT);
	nr_regions = 0;
	finished = true;
}
