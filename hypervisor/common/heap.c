/* SPDX-License-Identifier: MIT */
/* The hypervisor heap; see mica/heap.h. */
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/page_alloc.h>
#include <mica/spinlock.h>
#include <asm/layout.h>

#define MIN_SHIFT 4 /* 16 bytes */
#define MAX_SMALL_SHIFT 11 /* 2 KiB */
#define NR_CLASSES (MAX_SMALL_SHIFT - MIN_SHIFT + 1)

struct free_object {
	struct free_object *next;
};

static struct free_object *class_free[NR_CLASSES];
static uint64_t bytes_in_use;
static spinlock_t heap_lock = SPINLOCK_INIT;

static unsigned int size_to_class(size_t size)
{
	unsigned int shift = MIN_SHIFT;

	while ((1UL << shift) < size)
		shift++;
	return shift - MIN_SHIFT;
}

static unsigned int size_to_order(size_t size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* Carves a fresh page into objects of class 'cls'.  Lock held. */
static bool refill_class(unsigned int cls)
{
	struct page_info *pg = alloc_pages(0, OWNER_HYPERVISOR);
	size_t obj = 1UL << (cls + MIN_SHIFT);
	char *base;

	if (!pg)
		return false;
	pg->flags = PGF_HEAP_SMALL;
	pg->order = (uint8_t)cls;
	base = page_to_virt(pg);
	for (size_t off = 0; off < PAGE_SIZE; off += obj) {
		struct free_object *o = (struct free_object *)(base + off);

		o->next = class_free[cls];
		class_free[cls] = o;
	}
	return true;
}

void *xmalloc(size_t size)
{
	unsigned long flags;
	struct page_info *pg;
	unsigned int cls, order;
	void *p = NULL;

	if (size == 0)
		size = 1;
	if (size <= (1UL << MAX_SMALL_SHIFT)) {
		cls = size_to_class(size);
		flags = spin_lock_irqsave(&heap_lock);
		if (class_free[cls] || refill_class(cls)) {
			p = class_free[cls];
			class_free[cls] = class_free[cls]->next;
			bytes_in_use += 1UL << (cls + MIN_SHIFT);
		}
		spin_unlock_irqrestore(&heap_lock, flags);
		return p;
	}
	if (size > (PAGE_SIZE << MAX_ORDER))
		return NULL;
	order = size_to_order(size);
	pg = alloc_pages(order, OWNER_HYPERVISOR);
	if (!pg)
		return NULL;
	pg->flags = PGF_HEAP_LARGE;
	pg->order = (uint8_t)order;
	flags = spin_lock_irqsave(&heap_lock);
	bytes_in_use += PAGE_SIZE << order;
	spin_unlock_irqrestore(&heap_lock, flags);
	return page_to_virt(pg);
}

void *xzalloc(size_t size)
{
	void *p = xmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void xfree(void *p)
{
	struct page_info *pg;
	unsigned long flags;

	if (!p)
		return;
	pg = virt_to_page(p);
	if (pg->flags & PGF_HEAP_SMALL) {
		struct free_object *o = p;
		unsigned int cls = pg->order;

		flags = spin_lock_irqsave(&heap_lock);
		o->next = class_free[cls];
		class_free[cls] = o;
		bytes_in_use -= 1UL << (cls + MIN_SHIFT);
		spin_unlock_irqrestore(&heap_lock, flags);
	} else if (pg->flags & PGF_HEAP_LARGE) {
		unsigned int order = pg->order;

		flags = spin_lock_irqsave(&heap_lock);
		bytes_in_use -= PAGE_SIZE << order;
		spin_unlock_irqrestore(&heap_lock, flags);
		free_pages(pg, order);
	}
}

uint64_t heap_bytes_in_use(void)
{
	return READ_ONCE(bytes_in_use);
}
