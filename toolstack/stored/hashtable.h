/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_HASHTABLE_H
#define MICA_STORED_HASHTABLE_H

/*
 * Chained hash tables threaded through their entries.  The table only
 * stores each entry's hash; the owner compares keys while walking a chain
 * (hashtable_for_each_match), so one table type serves every key type.
 * The bucket array doubles when the load passes 1 and never shrinks.
 */

#include <stddef.h>
#include <stdint.h>

struct hash_link {
	struct hash_link *next;
	uint64_t hash;
};

struct hashtable {
	struct hash_link **buckets;
	size_t mask; /* bucket count - 1; the count is a power of two */
	size_t count;
};

/* Returns 0 or -ENOMEM. */
int hashtable_init(struct hashtable *table);
/* Frees the buckets, not the entries. */
void hashtable_release(struct hashtable *table);

/*
 * Adds @link with hash @hash.  Never fails: when growing the bucket array
 * fails the table just gets longer chains.
 */
void hashtable_insert(struct hashtable *table, struct hash_link *link,
		      uint64_t hash);
void hashtable_remove(struct hashtable *table, struct hash_link *link);

/* The first entry of the chain for @hash (filter with ->hash and the key). */
static inline struct hash_link *hashtable_chain(const struct hashtable *table,
						uint64_t hash)
{
	return table->buckets[hash & table->mask];
}

#define hashtable_for_each_match(pos, table, h)                     \
	for (pos = hashtable_chain(table, h); pos; pos = pos->next) \
		if (pos->hash == (h))

#endif
