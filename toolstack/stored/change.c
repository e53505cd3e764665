// SPDX-License-Identifier: MIT
/* Applying changes to the committed state, and their journal form. */
#include <errno.h>
#include <string.h>

#include <mica/error.h>
#include <mica/json.h>

#include "change.h"
#include "domain.h"
#include "path.h"
#include "perms.h"
#include "store.h"

/* Moves one node of usage between owners. */
static void change_account(struct store *store, unsigned int owner, int delta)
{
	struct domain *domain = domain_lookup(store, owner);

	/* change_write() created the entry before adding to it. */
	domain->nodes += delta;
	if (delta < 0)
		domain_drop_if_unused(store, domain);
}

static int change_write(struct store *store, const struct change *change)
{
	struct node *node = tree_lookup(&store->tree, change->path);
	unsigned int old_owner;
	int ret;

	if (!domain_get(store, change->perms->owner))
		return -ENOMEM;
	if (!node) {
		ret = tree_create(&store->tree, change->path, change->value,
				  change->value_len, change->perms, &node);
		if (!ret)
			change_account(store, change->perms->owner, 1);
		return ret;
	}
	old_owner = node->perms->owner;
	ret = tree_set(&store->tree, node, change->value, change->value_len,
		       change->perms);
	if (ret)
		return ret;
	/* Add before subtracting: the old owner's entry may then be freed. */
	change_account(store, change->perms->owner, 1);
	change_account(store, old_owner, -1);
	return 0;
}

static void change_remove_subtree(struct store *store, struct node *node)
{
	unsigned int owner = node->perms->owner;

	while (!list_empty(&node->children))
		change_remove_subtree(store, list_entry(node->children.next,
							struct node, sibling));
	tree_remove(&store->tree, node);
	change_account(store, owner, -1);
}

static int change_domain(struct store *store, const struct change *change)
{
	struct domain *domain = domain_get(store, change->domid);

	if (!domain)
		return -ENOMEM;
	domain->introduced = change->kind == CHANGE_INTRODUCE;
	domain_drop_if_unused(store, domain);
	return 0;
}

int change_apply(struct store *store, const struct change *change)
{
	struct node *node;

	switch (change->kind) {
	case CHANGE_WRITE:
		return change_write(store, change);
	case CHANGE_REMOVE:
		node = tree_lookup(&store->tree, change->path);
		if (node == store->tree.root)
			return -EINVAL;
		if (node)
			change_remove_subtree(store, node);
		return 0;
	case CHANGE_INTRODUCE:
	case CHANGE_RELEASE:
		return change_domain(store, change);
	}
	return -EINVAL;
}

static const char *const change_names[] = {
	[CHANGE_WRITE] = "write",
	[CHANGE_REMOVE] = "rm",
	[CHANGE_INTRODUCE] = "introduce",
	[CHANGE_RELEASE] = "release",
};

struct mica_json *change_to_json(const struct change *change)
{
	struct mica_json *json = mica_json_new_object();
	int ret;

	if (!json)
		return NULL;
	ret = mica_json_object_add(
		json, "op", mica_json_new_cstring(change_names[change->kind]));
	switch (change->kind) {
	case CHANGE_WRITE:
		ret = ret   ?:
			      mica_json_object_add(
				      json, "value",
				      mica_json_new_string(change->value,
							   change->value_len));
		ret = ret   ?:
			      mica_json_object_add(
				      json, "perms",
				      perms_to_json(change->perms));
		/* fall through */
	case CHANGE_REMOVE:
		ret = ret   ?:
			      mica_json_object_add(
				      json, "path",
				      mica_json_new_cstring(change->path));
		break;
	case CHANGE_INTRODUCE:
	case CHANGE_RELEASE:
		ret = ret   ?:
			      mica_json_object_add(
				      json, "domain",
				      mica_json_new_integer(change->domid));
		break;
	}
	if (ret) {
		mica_json_free(json);
		return NULL;
	}
	return json;
}

int change_from_json(const struct mica_json *json, struct change *change,
		     struct mica_error *err)
{
	const struct mica_json *perms;
	const char *op;
	int64_t domid;
	size_t kind;
	int ret;

	memset(change, 0, sizeof(*change));
	if (mica_json_type(json) != MICA_JSON_OBJECT ||
	    mica_json_get_string(json, "op", &op, NULL))
		return mica_error_set(err, EINVAL, "change without an op");
	for (kind = 0; kind < sizeof(change_names) / sizeof(change_names[0]);
	     kind++)
		if (!strcmp(change_names[kind], op))
			break;
	change->kind = kind;
	switch (change->kind) {
	case CHANGE_WRITE:
		if (mica_json_get_string(json, "value", &change->value,
					 &change->value_len))
			return mica_error_set(err, EINVAL,
					      "write needs a value");
		perms = mica_json_object_get(json, "perms");
		if (!perms)
			return mica_error_set(err, EINVAL, "write needs perms");
		ret = perms_from_json(perms, &change->perms, err);
		if (ret)
			return ret;
		/* fall through */
	case CHANGE_REMOVE:
		if (mica_json_get_string(json, "path", &change->path, NULL) ||
		    path_check(change->path)) {
			perms_put(change->perms);
			change->perms = NULL;
			return mica_error_set(err, EINVAL, "bad path");
		}
		return 0;
	case CHANGE_INTRODUCE:
	case CHANGE_RELEASE:
		if (mica_json_get_integer(json, "domain", 0, DOMID_MAX, &domid))
			return mica_error_set(err, EINVAL, "bad domain");
		change->domid = domid;
		return 0;
	}
	return mica_error_set(err, EINVAL, "unknown change '%.32s'", op);
}
