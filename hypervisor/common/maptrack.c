/* SPDX-License-Identifier: MIT */
/* Grant mapping handles; see mica/maptrack.h. */
#include <mica/errno.h>
#include <mica/heap.h>
#include <mica/lib.h>
#include <mica/maptrack.h>

static struct maptrack_entry *entry(struct maptrack *mt, uint32_t handle)
{
	return &mt->pages[handle / MAPTRACK_PER_PAGE]
			 [handle % MAPTRACK_PER_PAGE];
}

static uint32_t bucket(uint64_t pte_maddr)
{
	/* PTEs are 8-byte aligned; neighbours land in different buckets. */
	return (uint32_t)((pte_maddr >> 3) ^ (pte_maddr >> 12)) &
	       (MAPTRACK_HASH_SIZE - 1);
}

void maptrack_init(struct maptrack *mt, uint32_t limit)
{
	memset(mt, 0, sizeof(*mt));
	mt->limit = limit;
	mt->free_head = MAPTRACK_NONE;
	for (unsigned int i = 0; i < MAPTRACK_HASH_SIZE; i++)
		mt->hash[i] = MAPTRACK_NONE;
}

void maptrack_destroy(struct maptrack *mt)
{
	for (uint32_t i = 0; i < mt->nr_pages; i++)
		xfree(mt->pages[i]);
	xfree(mt->pages);
	maptrack_init(mt, mt->limit);
}

static uint32_t pages_for(uint32_t limit)
{
	return (limit + MAPTRACK_PER_PAGE - 1) / MAPTRACK_PER_PAGE;
}

int maptrack_set_limit(struct maptrack *mt, uint32_t limit)
{
	if (!limit || limit > MAPTRACK_MAX_LIMIT)
		return -EINVAL;
	if (limit < mt->in_use)
		return -EBUSY;
	if (mt->pages && pages_for(limit) > mt->dir_size)
		return -EBUSY;
	mt->limit = limit;
	return 0;
}

/* Adds one page of entries to the free list. */
static int grow(struct maptrack *mt)
{
	struct maptrack_entry *page;
	uint32_t base;

	if (!mt->pages) {
		mt->dir_size = pages_for(mt->limit);
		mt->pages = xzalloc(mt->dir_size * sizeof(*mt->pages));
		if (!mt->pages)
			return -ENOMEM;
	}
	if (mt->nr_pages >= mt->dir_size)
		return -ENOSPC;
	page = xzalloc(MAPTRACK_PER_PAGE * sizeof(*page));
	if (!page)
		return -ENOMEM;
	mt->pages[mt->nr_pages] = page;
	base = mt->nr_pages * MAPTRACK_PER_PAGE;
	/* Low handles first: push in reverse. */
	for (uint32_t i = MAPTRACK_PER_PAGE; i-- > 0;) {
		page[i].next = mt->free_head;
		mt->free_head = base + i;
	}
	mt->nr_pages++;
	return 0;
}

int maptrack_alloc(struct maptrack *mt, uint32_t *handle)
{
	struct maptrack_entry *e;
	uint32_t h;
	int rc;

	if (mt->in_use >= mt->limit)
		return -ENOSPC;
	if (mt->free_head == MAPTRACK_NONE) {
		rc = grow(mt);
		if (rc)
			return rc;
	}
	h = mt->free_head;
	e = entry(mt, h);
	mt->free_head = e->next;
	memset(e, 0, sizeof(*e));
	e->state = MAPTRACK_LIVE;
	e->next = MAPTRACK_NONE;
	mt->in_use++;
	*handle = h;
	return 0;
}

void maptrack_free(struct maptrack *mt, uint32_t handle)
{
	struct maptrack_entry *e = maptrack_get(mt, handle);

	if (!e)
		return;
	e->state = MAPTRACK_FREE;
	e->next = mt->free_head;
	mt->free_head = handle;
	mt->in_use--;
}

struct maptrack_entry *maptrack_get(struct maptrack *mt, uint32_t handle)
{
	struct maptrack_entry *e;

	if (handle >= mt->nr_pages * MAPTRACK_PER_PAGE)
		return NULL;
	e = entry(mt, handle);
	return e->state == MAPTRACK_FREE ? NULL : e;
}

void maptrack_hash_add(struct maptrack *mt, uint32_t handle)
{
	struct maptrack_entry *e = entry(mt, handle);
	uint32_t b = bucket(e->pte_maddr);

	e->next = mt->hash[b];
	mt->hash[b] = handle;
}

void maptrack_hash_del(struct maptrack *mt, uint32_t handle)
{
	struct maptrack_entry *e = entry(mt, handle);
	uint32_t *link = &mt->hash[bucket(e->pte_maddr)];

	while (*link != MAPTRACK_NONE) {
		if (*link == handle) {
			*link = e->next;
			e->next = MAPTRACK_NONE;
			return;
		}
		link = &entry(mt, *link)->next;
	}
}

uint32_t maptrack_find_pte(struct maptrack *mt, uint64_t pte_maddr)
{
	uint32_t h = mt->hash[bucket(pte_maddr)];

	while (h != MAPTRACK_NONE) {
		struct maptrack_entry *e = entry(mt, h);

		if (e->pte_maddr == pte_maddr)
			return h;
		h = e->next;
	}
	return MAPTRACK_NONE;
}
