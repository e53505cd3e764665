// SPDX-License-Identifier: MIT
/*
 * Committing a transaction: check that nothing it read has moved, check the
 * quota, turn its shadows into changes, journal them, apply them, fire the
 * watches.  Once the journal has the record the commit must happen, so a
 * failure to apply it (only out of memory is possible) is fatal: the next
 * start replays the journal and arrives at the committed state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mica/error.h>

#include "change.h"
#include "conn.h"
#include "domain.h"
#include "journal.h"
#include "path.h"
#include "perms.h"
#include "store.h"
#include "txn.h"
#include "watch.h"

/* True if the committed tree still holds what @shadow first saw. */
static bool shadow_still_valid(const struct store *store,
			       const struct shadow *shadow)
{
	const struct node *node = tree_lookup(&store->tree, shadow->path);

	if ((node != NULL) != shadow->seen_exists)
		return false;
	if (!node)
		return true;
	if (node->generation != shadow->seen_generation)
		return false;
	return !shadow->children_seen ||
	       node->child_generation == shadow->seen_child_generation;
}

static struct shadow *shadow_parent(struct txn *txn,
				    const struct shadow *shadow)
{
	size_t len = path_parent_len(shadow->path);
	uint64_t hash = siphash(&txn->conn->store->hash_key, shadow->path, len);
	struct shadow *parent;
	struct hash_link *pos;

	hashtable_for_each_match(pos, &txn->shadows, hash)
	{
		parent = container_of(pos, struct shadow, link);
		if (!strncmp(parent->path, shadow->path, len) &&
		    parent->path[len] == '\0')
			return parent;
	}
	return NULL;
}

/*
 * The change a modified shadow stands for, if any.  A removed path whose
 * parent is removed too is covered by the parent's recursive removal, and a
 * path created and removed within the transaction changes nothing.
 */
static bool shadow_to_change(struct txn *txn, const struct shadow *shadow,
			     struct change *change)
{
	const struct shadow *parent;

	if (!shadow->modified)
		return false;
	if (shadow->exists) {
		*change = (struct change){
			.kind = CHANGE_WRITE,
			.path = shadow->path,
			.value = shadow->value,
			.value_len = shadow->value_len,
			.perms = shadow->perms,
		};
		return true;
	}
	if (!shadow->seen_exists)
		return false;
	parent = shadow_parent(txn, shadow);
	if (parent && parent->modified && !parent->exists)
		return false;
	*change =
		(struct change){ .kind = CHANGE_REMOVE, .path = shadow->path };
	return true;
}

/* Removals first, then writes with parents before children. */
static int change_order(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	size_t x_len, y_len;

	if (x->kind != y->kind)
		return x->kind == CHANGE_REMOVE ? -1 : 1;
	x_len = strlen(x->path);
	y_len = strlen(y->path);
	if (x->kind == CHANGE_WRITE && x_len != y_len)
		return x_len < y_len ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int txn_collect_changes(struct txn *txn, struct change **out,
			       size_t *count)
{
	struct change *changes;
	struct shadow *shadow;
	struct list *pos;
	size_t n = 0;

	changes = calloc(txn->nshadows ? txn->nshadows : 1, sizeof(*changes));
	if (!changes)
		return -ENOMEM;
	list_for_each(pos, &txn->order) {
		shadow = list_entry(pos, struct shadow, order);
		if (shadow_to_change(txn, shadow, &changes[n]))
			n++;
	}
	qsort(changes, n, sizeof(changes[0]), change_order);
	*out = changes;
	*count = n;
	return 0;
}

static void commit_apply(struct store *store, const struct change *change)
{
	struct node *node;

	if (change->kind == CHANGE_REMOVE) {
		node = tree_lookup(&store->tree, change->path);
		if (node)
			watch_fire_removal(store, node);
	}
	if (change_apply(store, change)) {
		store_warn(store, "cannot apply a journaled commit to '%s'",
			   change->path);
		abort();
	}
	if (change->kind == CHANGE_WRITE)
		watch_fire(store, change->path, change->perms);
}

int txn_commit(struct txn *txn, struct mica_error *err)
{
	struct store *store = txn->conn->store;
	struct domain *domain = txn->conn->domain;
	struct change *changes;
	struct shadow *shadow;
	struct list *pos;
	size_t count, i;
	int ret;

	if (txn->doomed)
		goto err_conflict;
	if (txn->id) {
		list_for_each(pos, &txn->order) {
			shadow = list_entry(pos, struct shadow, order);
			if (!shadow_still_valid(store, shadow))
				goto err_conflict;
		}
	}
	if (txn->owned_delta > 0 &&
	    domain->nodes + (unsigned int)txn->owned_delta >
		    domain_quota(store, domain)->nodes)
		return mica_error_set(err, EDQUOT,
				      "domain %u would own more than %u nodes",
				      domain->domid,
				      domain_quota(store, domain)->nodes);
	ret = txn_collect_changes(txn, &changes, &count);
	if (ret)
		return mica_error_set(err, -ret, "out of memory");
	if (count == 0)
		goto out_free_changes;
	/* Create every owner's entry now: applying must not fail. */
	for (i = 0; i < count; i++) {
		if (changes[i].kind == CHANGE_WRITE &&
		    !domain_get(store, changes[i].perms->owner)) {
			ret = mica_error_set(err, ENOMEM, "out of memory");
			goto out_free_changes;
		}
	}
	if (store->journal) {
		ret = journal_append(store->journal, changes, count, err);
		if (ret)
			goto out_free_changes;
	}
	for (i = 0; i < count; i++)
		commit_apply(store, &changes[i]);
	if (store->journal)
		journal_maybe_compact(store->journal);
out_free_changes:
	free(changes);
	return ret;

err_conflict:
	return mica_error_set(err, EAGAIN,
			      "transaction %u conflicts with another commit",
			      txn->id);
}
