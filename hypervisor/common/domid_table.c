/* SPDX-License-Identifier: MIT */
/* Tables and bitmaps indexed by domain id; see mica/domid_table.h. */
#include <mica/domid_table.h>
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/lib.h>

struct domain *domid_table_get(const struct domid_table *t, unsigned int id)
{
	struct domain **page;

	if (id >= MAX_DOMAINS)
		return NULL;
	page = __atomic_load_n(&t->page[id / DOMID_TABLE_PER_PAGE],
			       __ATOMIC_ACQUIRE);
	return page ? READ_ONCE(page[id % DOMID_TABLE_PER_PAGE]) : NULL;
}

int domid_table_set(struct domid_table *t, unsigned int id, struct domain *d)
{
	struct domain **page;

	if (id >= MAX_DOMAINS)
		return -EINVAL;
	page = t->page[id / DOMID_TABLE_PER_PAGE];
	if (!page) {
		if (!d)
			return 0;
		page = xzalloc(DOMID_TABLE_PER_PAGE * sizeof(*page));
		if (!page)
			return -ENOMEM;
		/* Zeroed before readers can see it. */
		__atomic_store_n(&t->page[id / DOMID_TABLE_PER_PAGE], page,
				 __ATOMIC_RELEASE);
	}
	WRITE_ONCE(page[id % DOMID_TABLE_PER_PAGE], d);
	return 0;
}

unsigned int domid_bitmap_alloc(struct domid_bitmap *b)
{
	for (unsigned int w = 0; w < DOMID_BITMAP_WORDS; w++) {
		unsigned int id;

		if (b->word[w] == ~0ULL)
			continue;
		id = w * 64 + (unsigned int)__builtin_ctzll(~b->word[w]);
		if (id >= MAX_DOMAINS)
			break;
		b->word[w] |= 1ULL << (id % 64);
		return id;
	}
	return MAX_DOMAINS;
}

bool domid_bitmap_take(struct domid_bitmap *b, unsigned int id)
{
	uint64_t bit = 1ULL << (id % 64);

	if (id >= MAX_DOMAINS || (b->word[id / 64] & bit))
		return false;
	b->word[id / 64] |= bit;
	return true;
}

void domid_bitmap_release(struct domid_bitmap *b, unsigned int id)
{
	if (id < MAX_DOMAINS)
		b->word[id / 64] &= ~(1ULL << (id % 64));
}

unsigned int domid_bitmap_next(const struct domid_bitmap *b, unsigned int from)
{
	for (unsigned int w = from / 64; w < DOMID_BITMAP_WORDS; w++) {
		uint64_t bits = READ_ONCE(b->word[w]);

		if (w == from / 64)
			bits &= ~0ULL << (from % 64);
		if (bits)
			return MIN(w * 64 + (unsigned int)__builtin_ctzll(bits),
				   (unsigned int)MAX_DOMAINS);
	}
	return MAX_DOMAINS;
}
