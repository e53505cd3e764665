/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_TREE_H
#define MICA_STORED_TREE_H

/*
 * The committed node tree.  Every node is in a hash table keyed by its full
 * path, so lookups cost one hash of the path whatever the tree's size, and
 * on its parent's child list, for directory listings and recursive removal.
 *
 * Generations: the tree hands out increasing numbers; a node's generation
 * changes whenever its value or perms are set, and its child_generation
 * whenever a child is added or removed.  A transaction remembers the
 * numbers it saw and fails to commit if they moved (see txn.h).
 */

#include <stddef.h>
#include <stdint.h>

#include "hashtable.h"
#include "list.h"
#include "siphash.h"

struct perms;

struct node {
	struct hash_link link; /* in tree.nodes */
	struct node *parent; /* NULL only for the root */
	struct list children; /* struct node.sibling, in creation order */
	struct list sibling;
	unsigned int nchildren;
	char *path; /* owned */
	char *value; /* owned, NUL-terminated after value_len bytes */
	size_t value_len;
	struct perms *perms; /* one reference held */
	uint64_t generation;
	uint64_t child_generation;
};

struct tree {
	struct hashtable nodes;
	struct siphash_key key;
	struct node *root;
	uint64_t generation; /* the last number handed out */
};

/* Creates a tree holding only "/" with @root_perms (a reference is taken). */
int tree_init(struct tree *tree, const struct siphash_key *key,
	      struct perms *root_perms);
void tree_release(struct tree *tree);

/* The node at the first @len bytes of @path, or NULL. */
struct node *tree_lookup_len(const struct tree *tree, const char *path,
			     size_t len);
struct node *tree_lookup(const struct tree *tree, const char *path);

/*
 * Adds the node @path under its parent, which must exist while @path must
 * not.  Takes a reference to @perms.  Returns 0 or -ENOMEM.
 */
int tree_create(struct tree *tree, const char *path, const char *value,
		size_t value_len, struct perms *perms, struct node **out);

/* Replaces @node's value and perms (a reference to @perms is taken). */
int tree_set(struct tree *tree, struct node *node, const char *value,
	     size_t value_len, struct perms *perms);

/* Unlinks and frees @node, which must have no children and not be the root. */
void tree_remove(struct tree *tree, struct node *node);

#endif
