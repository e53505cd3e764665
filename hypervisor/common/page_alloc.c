/* SPDX-License-Identifier: MIT */
/* Binary buddy allocator over the frame table; see mica/page_alloc.h. */
#include <mica/page_alloc.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/spinlock.h>
#include <asm/page.h>

static struct page_info *frame_table;
static uint64_t nr_frames;
static uint32_t free_head[MAX_ORDER + 1];
static uint64_t free_count;
static uint64_t total_count; /* frames ever given to the allocator */
static uint64_t special_count[NR_SPECIAL_OWNERS];
static spinlock_t page_alloc_lock = SPINLOCK_INIT;

struct page_info *mfn_to_page(mfn_t mfn)
{
	return &frame_table[mfn];
}

mfn_t page_to_mfn(const struct page_info *pg)
{
	return (mfn_t)(pg - frame_table);
}

void *page_to_virt(const struct page_info *pg)
{
	return mfn_to_virt(page_to_mfn(pg));
}

struct page_info *virt_to_page(const void *va)
{
	return mfn_to_page(virt_to_mfn(va));
}

/* Counters for special owners; domains account for their own frames. */
static void account(uint16_t owner, int64_t delta)
{
	if (owner >= OWNER_FIRST_SPECIAL &&
	    owner < OWNER_FIRST_SPECIAL + NR_SPECIAL_OWNERS)
		special_count[owner - OWNER_FIRST_SPECIAL] += (uint64_t)delta;
}

static void set_owner(struct page_info *pg, uint64_t n, uint16_t owner)
{
	for (uint64_t i = 0; i < n; i++) {
		account(pg[i].owner, -1);
		pg[i].owner = owner;
		account(owner, 1);
	}
}

static void list_push(unsigned int order, uint32_t pfn)
{
	struct page_info *pg = &frame_table[pfn];

	pg->prev = PFN_NONE;
	pg->next = free_head[order];
	if (pg->next != PFN_NONE)
		frame_table[pg->next].prev = pfn;
	free_head[order] = pfn;
	pg->order = (uint8_t)order;
	pg->flags = PGF_FREE_HEAD;
}

static void list_remove(unsigned int order, uint32_t pfn)
{
	struct page_info *pg = &frame_table[pfn];

	if (pg->prev != PFN_NONE)
		frame_table[pg->prev].next = pg->next;
	else
		free_head[order] = pg->next;
	if (pg->next != PFN_NONE)
		frame_table[pg->next].prev = pg->prev;
	pg->flags = 0;
	pg->next = pg->prev = PFN_NONE;
}

void page_alloc_init(struct page_info *table, uint64_t frames)
{
	frame_table = table;
	nr_frames = frames;
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		free_head[o] = PFN_NONE;
	free_count = total_count = 0;
	memset(special_count, 0, sizeof(special_count));
	for (uint64_t i = 0; i < frames; i++) {
		table[i].owner = OWNER_NONE;
		table[i].next = table[i].prev = PFN_NONE;
	}
	special_count[OWNER_NONE - OWNER_FIRST_SPECIAL] = frames;
}

/* Frees one aligned block, merging with free buddies.  Lock held. */
static void free_block(uint64_t pfn, unsigned int order)
{
	while (order < MAX_ORDER) {
		uint64_t buddy = pfn ^ (1ULL << order);
		struct page_info *b;

		if (buddy >= nr_frames)
			break;
		b = &frame_table[buddy];
		if (!(b->flags & PGF_FREE_HEAD) || b->order != order)
			break;
		list_remove(order, (uint32_t)buddy);
		pfn &= ~(1ULL << order);
		order++;
	}
	list_push(order, (uint32_t)pfn);
}

void page_alloc_add_free(mfn_t start, mfn_t end)
{
	unsigned long flags;

	if (end > nr_frames)
		end = nr_frames;
	flags = spin_lock_irqsave(&page_alloc_lock);
	while (start < end) {
		unsigned int order = 0;

		/* The largest aligned block that starts here and fits. */
		while (order < MAX_ORDER && !(start & ((2ULL << order) - 1)) &&
		       start + (2ULL << order) <= end)
			order++;
		set_owner(&frame_table[start], 1ULL << order, OWNER_FREE);
		free_count += 1ULL << order;
		total_count += 1ULL << order;
		free_block(start, order);
		start += 1ULL << order;
	}
	spin_unlock_irqrestore(&page_alloc_lock, flags);
}

void page_alloc_set_owner(mfn_t start, mfn_t end, uint16_t owner)
{
	unsigned long flags = spin_lock_irqsave(&page_alloc_lock);

	if (end > nr_frames)
		end = nr_frames;
	if (start < end)
		set_owner(&frame_table[start], end - start, owner);
	spin_unlock_irqrestore(&page_alloc_lock, flags);
}

struct page_info *alloc_pages(unsigned int order, uint16_t owner)
{
	unsigned long flags;
	unsigned int o;
	uint32_t pfn;

	if (order > MAX_ORDER || owner == OWNER_FREE)
		return NULL;
	flags = spin_lock_irqsave(&page_alloc_lock);
	for (o = order; o <= MAX_ORDER && free_head[o] == PFN_NONE; o++)
		;
	if (o > MAX_ORDER) {
		spin_unlock_irqrestore(&page_alloc_lock, flags);
		return NULL;
	}
	pfn = free_head[o];
	list_remove(o, pfn);
	/* Split: the upper halves go back on the lower lists. */
	while (o > order) {
		o--;
		list_push(o, pfn + (1u << o));
	}
	frame_table[pfn].order = (uint8_t)order;
	set_owner(&frame_table[pfn], 1ULL << order, owner);
	free_count -= 1ULL << order;
	spin_unlock_irqrestore(&page_alloc_lock, flags);
	return &frame_table[pfn];
}

int free_pages(struct page_info *pg, unsigned int order)
{
	uint64_t pfn = page_to_mfn(pg);
	unsigned long flags;

	if (order > MAX_ORDER || pfn >= nr_frames ||
	    (pfn & ((1ULL << order) - 1)) || pfn + (1ULL << order) > nr_frames)
		return -EINVAL;
	flags = spin_lock_irqsave(&page_alloc_lock);
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		if (pg[i].owner == OWNER_FREE || pg[i].owner == OWNER_NONE) {
			spin_unlock_irqrestore(&page_alloc_lock, flags);
			return -EINVAL; /* double free, or not RAM */
		}
	}
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		pg[i].flags = 0;
		pg[i].count = 0;
		pg[i].type_info = 0;
	}
	set_owner(pg, 1ULL << order, OWNER_FREE);
	free_count += 1ULL << order;
	free_block(pfn, order);
	spin_unlock_irqrestore(&page_alloc_lock, flags);
	return 0;
}

uint64_t page_alloc_total_frames(void)
{
	return total_count;
}

uint64_t page_alloc_table_frames(void)
{
	return nr_frames;
}

uint64_t page_alloc_free_frames(void)
{
	return READ_ONCE(free_count);
}

uint64_t page_alloc_owned_frames(uint16_t special_owner)
{
	if (special_owner < OWNER_FIRST_SPECIAL ||
	    special_owner >= OWNER_FIRST_SPECIAL + NR_SPECIAL_OWNERS)
		return 0;
	return special_count[special_owner - OWNER_FIRST_SPECIAL];
}

int page_alloc_largest_free_order(void)
{
	for (int o = MAX_ORDER; o >= 0; o--)
		if (free_head[o] != PFN_NONE)
			return o;
	return -1;
}
