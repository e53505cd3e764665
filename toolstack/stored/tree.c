// SPDX-License-Identifier: MIT
/* The committed node tree: path hash plus parent/child links. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "perms.h"
#include "tree.h"

static char *copy_value(const char *value, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy) {
		memcpy(copy, value, len);
		copy[len] = '\0';
	}
	return copy;
}

static void node_free(struct node *node)
{
	perms_put(node->perms);
	free(node->value);
	free(node->path);
	free(node);
}

static struct node *node_alloc(const char *path, const char *value,
			       size_t value_len, struct perms *perms)
{
	struct node *node = calloc(1, sizeof(*node));

	if (!node)
		return NULL;
	list_init(&node->children);
	list_init(&node->sibling);
	node->path = strdup(path);
	node->value = copy_value(value, value_len);
	if (!node->path || !node->value) {
		free(node->value);
		free(node->path);
		free(node);
		return NULL;
	}
	node->value_len = value_len;
	node->perms = perms_get(perms);
	return node;
}

int tree_init(struct tree *tree, const struct siphash_key *key,
	      struct perms *root_perms)
{
	int ret;

	memset(tree, 0, sizeof(*tree));
	tree->key = *key;
	ret = hashtable_init(&tree->nodes);
	if (ret)
		return ret;
	tree->root = node_alloc("/", "", 0, root_perms);
	if (!tree->root) {
		hashtable_release(&tree->nodes);
		return -ENOMEM;
	}
	tree->root->generation = ++tree->generation;
	hashtable_insert(&tree->nodes, &tree->root->link,
			 siphash(&tree->key, "/", 1));
	return 0;
}

static void tree_free_subtree(struct node *node)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &node->children)
		tree_free_subtree(list_entry(pos, struct node, sibling));
	node_free(node);
}

void tree_release(struct tree *tree)
{
	tree_free_subtree(tree->root);
	hashtable_release(&tree->nodes);
}

struct node *tree_lookup_len(const struct tree *tree, const char *path,
			     size_t len)
{
	uint64_t hash = siphash(&tree->key, path, len);
	struct hash_link *pos;
	struct node *node;

	hashtable_for_each_match(pos, &tree->nodes, hash)
	{
		node = container_of(pos, struct node, link);
		if (!strncmp(node->path, path, len) && node->path[len] == '\0')
			return node;
	}
	return NULL;
}

struct node *tree_lookup(const struct tree *tree, const char *path)
{
	return tree_lookup_len(tree, path, strlen(path));
}

int tree_create(struct tree *tree, const char *path, const char *value,
		size_t value_len, struct perms *perms, struct node **out)
{
	struct node *parent, *node;

	parent = tree_lookup_len(tree, path, path_parent_len(path));
	if (!parent)
		return -ENOENT;
	node = node_alloc(path, value, value_len, perms);
	if (!node)
		return -ENOMEM;
	node->parent = parent;
	list_add_tail(&node->sibling, &parent->children);
	parent->nchildren++;
	parent->child_generation = ++tree->generation;
	node->generation = ++tree->generation;
	hashtable_insert(&tree->nodes, &node->link,
			 siphash(&tree->key, path, strlen(path)));
	*out = node;
	return 0;
}

int tree_set(struct tree *tree, struct node *node, const char *value,
	     size_t value_len, struct perms *perms)
{
	char *copy = copy_value(value, value_len);

	if (!copy)
		return -ENOMEM;
	free(node->value);
	node->value = copy;
	node->value_len = value_len;
	perms_get(perms);
	perms_put(node->perms);
	node->perms = perms;
	node->generation = ++tree->generation;
	return 0;
}

void tree_remove(struct tree *tree, struct node *node)
{
	struct node *parent = node->parent;

	list_del(&node->sibling);
	parent->nchildren--;
	parent->child_generation = ++tree->generation;
	hashtable_remove(&tree->nodes, &node->link);
	node_free(node);
}
