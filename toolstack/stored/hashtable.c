// SPDX-License-Identifier: MIT
/* Chained hash tables with power-of-two bucket arrays. */
#include <errno.h>
#include <stdlib.h>

#include "hashtable.h"

#define HASHTABLE_INITIAL_BUCKETS 16

int hashtable_init(struct hashtable *table)
{
	table->buckets =
		calloc(HASHTABLE_INITIAL_BUCKETS, sizeof(table->buckets[0]));
	if (!table->buckets)
		return -ENOMEM;
	table->mask = HASHTABLE_INITIAL_BUCKETS - 1;
	table->count = 0;
	return 0;
}

void hashtable_release(struct hashtable *table)
{
	free(table->buckets);
	table->buckets = NULL;
}

static void hashtable_grow(struct hashtable *table)
{
	size_t new_mask = table->mask * 2 + 1;
	struct hash_link **buckets, *link, *next;
	size_t i;

	buckets = calloc(new_mask + 1, sizeof(buckets[0]));
	if (!buckets)
		return;
	for (i = 0; i <= table->mask; i++) {
		for (link = table->buckets[i]; link; link = next) {
			next = link->next;
			link->next = buckets[link->hash & new_mask];
			buckets[link->hash & new_mask] = link;
		}
	}
	free(table->buckets);
	table->buckets = buckets;
	table->mask = new_mask;
}

void hashtable_insert(struct hashtable *table, struct hash_link *link,
		      uint64_t hash)
{
	struct hash_link **bucket;

	if (table->count > table->mask)
		hashtable_grow(table);
	bucket = &table->buckets[hash & table->mask];
	link->hash = hash;
	link->next = *bucket;
	*bucket = link;
	table->count++;
}

void hashtable_remove(struct hashtable *table, struct hash_link *link)
{
	struct hash_link **pos = &table->buckets[link->hash & table->mask];

	while (*pos != link)
		pos = &(*pos)->next;
	*pos = link->next;
	table->count--;
}
