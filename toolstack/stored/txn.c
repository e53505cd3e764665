// SPDX-License-Identifier: MIT
/* Transactions: the shadow overlay and its view of the tree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "domain.h"
#include "path.h"
#include "perms.h"
#include "store.h"
#include "txn.h"

static bool txn_is_explicit(const struct txn *txn)
{
	return txn->id != 0;
}

static struct store *txn_store(const struct txn *txn)
{
	return txn->conn->store;
}

int txn_begin(struct conn *conn, uint32_t id, struct txn **out)
{
	struct txn *txn = calloc(1, sizeof(*txn));

	if (!txn)
		return -ENOMEM;
	if (hashtable_init(&txn->shadows)) {
		free(txn);
		return -ENOMEM;
	}
	txn->conn = conn;
	txn->id = id;
	list_init(&txn->order);
	list_init(&txn->conn_link);
	if (id) {
		list_add_tail(&txn->conn_link, &conn->txns);
		conn->domain->transactions++;
	}
	*out = txn;
	return 0;
}

struct txn *txn_find(struct conn *conn, uint32_t id)
{
	struct list *pos;
	struct txn *txn;

	list_for_each(pos, &conn->txns) {
		txn = list_entry(pos, struct txn, conn_link);
		if (txn->id == id)
			return txn;
	}
	return NULL;
}

static void shadow_free(struct shadow *shadow)
{
	perms_put(shadow->perms);
	free(shadow->value);
	free(shadow->path);
	free(shadow);
}

void txn_free(struct txn *txn)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &txn->order)
		shadow_free(list_entry(pos, struct shadow, order));
	hashtable_release(&txn->shadows);
	if (txn_is_explicit(txn)) {
		list_del(&txn->conn_link);
		txn->conn->domain->transactions--;
	}
	free(txn);
}

void txn_abort_all(struct conn *conn)
{
	while (!list_empty(&conn->txns))
		txn_free(list_entry(conn->txns.next, struct txn, conn_link));
}

static uint64_t txn_hash(const struct txn *txn, const char *path, size_t len)
{
	return siphash(&txn_store(txn)->hash_key, path, len);
}

static struct shadow *shadow_find(const struct txn *txn, const char *path,
				  size_t len)
{
	uint64_t hash = txn_hash(txn, path, len);
	struct shadow *shadow;
	struct hash_link *pos;

	hashtable_for_each_match(pos, &txn->shadows, hash)
	{
		shadow = container_of(pos, struct shadow, link);
		if (!strncmp(shadow->path, path, len) &&
		    shadow->path[len] == '\0')
			return shadow;
	}
	return NULL;
}

/* The shadow of @path, created from the committed tree if needed. */
static int shadow_get(struct txn *txn, const char *path, size_t len,
		      struct shadow **out)
{
	const struct quota *quota;
	struct shadow *shadow;
	struct node *node;

	shadow = shadow_find(txn, path, len);
	if (shadow)
		goto out;
	quota = domain_quota(txn_store(txn), txn->conn->domain);
	if (txn_is_explicit(txn) && txn->nshadows >= quota->transaction_nodes)
		return -EDQUOT;
	shadow = calloc(1, sizeof(*shadow));
	if (!shadow)
		return -ENOMEM;
	shadow->path = strndup(path, len);
	if (!shadow->path) {
		free(shadow);
		return -ENOMEM;
	}
	list_init(&shadow->new_children);
	list_init(&shadow->new_sibling);
	node = tree_lookup_len(&txn_store(txn)->tree, path, len);
	if (node) {
		shadow->seen_exists = true;
		shadow->seen_generation = node->generation;
		shadow->seen_child_generation = node->child_generation;
	}
	shadow->exists = shadow->seen_exists;
	hashtable_insert(&txn->shadows, &shadow->link,
			 txn_hash(txn, path, len));
	list_add_tail(&shadow->order, &txn->order);
	txn->nshadows++;
out:
	*out = shadow;
	return 0;
}

/*
 * The committed node behind an unmodified shadow, after checking that it is
 * still what the transaction first saw; if not, the transaction is doomed.
 */
static int shadow_committed(struct txn *txn, const struct shadow *shadow,
			    struct node **out)
{
	struct node *node = tree_lookup(&txn_store(txn)->tree, shadow->path);

	if ((node != NULL) != shadow->seen_exists ||
	    (node && node->generation != shadow->seen_generation)) {
		txn->doomed = true;
		return -EAGAIN;
	}
	*out = node;
	return 0;
}

static void view_of_node(const struct node *node, struct view *out)
{
	*out = (struct view){ .exists = node != NULL };
	if (node) {
		out->value = node->value;
		out->value_len = node->value_len;
		out->perms = node->perms;
	}
}

int txn_view(struct txn *txn, const char *path, struct view *out)
{
	size_t len = strlen(path);
	struct shadow *shadow;
	struct node *node;
	int ret;

	if (txn->doomed)
		return -EAGAIN;
	if (txn_is_explicit(txn)) {
		ret = shadow_get(txn, path, len, &shadow);
		if (ret)
			return ret;
	} else {
		shadow = shadow_find(txn, path, len);
	}
	if (shadow && shadow->modified) {
		*out = (struct view){ .exists = shadow->exists };
		if (shadow->exists) {
			out->value = shadow->value;
			out->value_len = shadow->value_len;
			out->perms = shadow->perms;
		}
		return 0;
	}
	if (shadow) {
		ret = shadow_committed(txn, shadow, &node);
		if (ret)
			return ret;
	} else {
		node = tree_lookup_len(&txn_store(txn)->tree, path, len);
	}
	view_of_node(node, out);
	return 0;
}

/* Writes "@parent/@name" into @buf (PATH_MAX_LEN + 1 bytes). */
static int child_path(char *buf, const char *parent, const char *name)
{
	int len = snprintf(buf, PATH_MAX_LEN + 1, "%s/%s",
			   parent[1] ? parent : "", name);

	return len > PATH_MAX_LEN ? -ENAMETOOLONG : 0;
}

int txn_list_children(struct txn *txn, const char *path,
		      int (*fn)(void *ctx, const char *name), void *ctx)
{
	struct shadow *shadow, *child_shadow;
	struct node *node, *child;
	struct list *pos;
	int ret;

	if (txn->doomed)
		return -EAGAIN;
	node = tree_lookup(&txn_store(txn)->tree, path);
	shadow = shadow_find(txn, path, strlen(path));
	if (txn_is_explicit(txn)) {
		ret = shadow_get(txn, path, strlen(path), &shadow);
		if (ret)
			return ret;
		/* The child set must still be the one first seen. */
		if ((node != NULL) != shadow->seen_exists ||
		    (node &&
		     node->child_generation != shadow->seen_child_generation)) {
			txn->doomed = true;
			return -EAGAIN;
		}
		shadow->children_seen = true;
	}
	if (node) {
		list_for_each(pos, &node->children) {
			child = list_entry(pos, struct node, sibling);
			child_shadow = shadow_find(txn, child->path,
						   strlen(child->path));
			if (child_shadow && child_shadow->modified &&
			    !child_shadow->exists)
				continue;
			ret = fn(ctx, path_basename(child->path));
			if (ret)
				return ret;
		}
	}
	if (!shadow)
		return 0;
	list_for_each(pos, &shadow->new_children) {
		child_shadow = list_entry(pos, struct shadow, new_sibling);
		if (!child_shadow->exists)
			continue;
		ret = fn(ctx, path_basename(child_shadow->path));
		if (ret)
			return ret;
	}
	return 0;
}

/* Keeps owned_delta in step as a path comes into or out of existence. */
static void txn_account(struct txn *txn, const struct perms *perms, int delta)
{
	if (perms && perms->owner == txn->conn->domain->domid)
		txn->owned_delta += delta;
}

int txn_put(struct txn *txn, const char *path, const char *value,
	    size_t value_len, struct perms *perms)
{
	struct shadow *shadow, *parent;
	struct view old;
	char *copy;
	int ret;

	ret = txn_view(txn, path, &old);
	if (ret)
		return ret;
	ret = shadow_get(txn, path, strlen(path), &shadow);
	if (ret)
		return ret;
	if (!old.exists && !shadow->seen_exists &&
	    list_empty(&shadow->new_sibling)) {
		ret = shadow_get(txn, path, path_parent_len(path), &parent);
		if (ret)
			return ret;
		list_add_tail(&shadow->new_sibling, &parent->new_children);
	}
	copy = malloc(value_len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, value, value_len);
	copy[value_len] = '\0';
	txn_account(txn, old.exists ? old.perms : NULL, -1);
	txn_account(txn, perms, 1);
	free(shadow->value);
	shadow->value = copy;
	shadow->value_len = value_len;
	perms_get(perms);
	perms_put(shadow->perms);
	shadow->perms = perms;
	shadow->exists = true;
	shadow->modified = true;
	return 0;
}

struct name_list {
	char **names;
	size_t count, capacity;
};

static int name_list_add(void *ctx, const char *name)
{
	struct name_list *list = ctx;
	char **bigger;

	if (list->count == list->capacity) {
		list->capacity = list->capacity ? list->capacity * 2 : 8;
		bigger = realloc(list->names,
				 list->capacity * sizeof(list->names[0]));
		if (!bigger)
			return -ENOMEM;
		list->names = bigger;
	}
	list->names[list->count] = strdup(name);
	if (!list->names[list->count])
		return -ENOMEM;
	list->count++;
	return 0;
}

static void name_list_release(struct name_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		free(list->names[i]);
	free(list->names);
}

int txn_remove(struct txn *txn, const char *path)
{
	struct name_list children = { 0 };
	char buf[PATH_MAX_LEN + 1];
	struct shadow *shadow;
	struct view old;
	size_t i;
	int ret;

	ret = txn_view(txn, path, &old);
	if (ret)
		return ret;
	ret = txn_list_children(txn, path, name_list_add, &children);
	for (i = 0; !ret && i < children.count; i++) {
		ret = child_path(buf, path, children.names[i]);
		if (!ret)
			ret = txn_remove(txn, buf);
	}
	name_list_release(&children);
	if (ret)
		return ret;
	ret = shadow_get(txn, path, strlen(path), &shadow);
	if (ret)
		return ret;
	txn_account(txn, old.exists ? old.perms : NULL, -1);
	free(shadow->value);
	shadow->value = NULL;
	shadow->value_len = 0;
	perms_put(shadow->perms);
	shadow->perms = NULL;
	shadow->exists = false;
	shadow->modified = true;
	return 0;
}
