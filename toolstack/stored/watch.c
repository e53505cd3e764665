// SPDX-License-Identifier: MIT
/* The watch registry and event delivery. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mica/json.h>

#include "conn.h"
#include "domain.h"
#include "path.h"
#include "perms.h"
#include "store.h"
#include "tree.h"
#include "watch.h"

static struct watch_path *watch_path_find(const struct store *store,
					  const char *path, size_t len)
{
	uint64_t hash = siphash(&store->hash_key, path, len);
	struct watch_path *wp;
	struct hash_link *pos;

	hashtable_for_each_match(pos, &store->watch_paths, hash)
	{
		wp = container_of(pos, struct watch_path, link);
		if (!strncmp(wp->path, path, len) && wp->path[len] == '\0')
			return wp;
	}
	return NULL;
}

static struct watch *watch_find(struct conn *conn, const char *path,
				const char *token)
{
	struct watch *watch;
	struct list *pos;

	list_for_each(pos, &conn->watches) {
		watch = list_entry(pos, struct watch, conn_link);
		if (!strcmp(watch->wp->path, path) &&
		    !strcmp(watch->token, token))
			return watch;
	}
	return NULL;
}

/* Queues one event for @watch; @domid < 0 means "no domain field". */
static void watch_send(struct watch *watch, const char *path, long domid)
{
	struct mica_json *event = mica_json_new_object();
	int ret;

	if (!event)
		goto err;
	ret = mica_json_object_add(event, "event",
				   mica_json_new_cstring("watch"));
	ret = ret   ?:
		      mica_json_object_add(event, "path",
					   mica_json_new_cstring(path));
	ret = ret   ?:
		      mica_json_object_add(event, "token",
					   mica_json_new_cstring(watch->token));
	if (domid >= 0)
		ret = ret   ?:
			      mica_json_object_add(
				      event, "domain",
				      mica_json_new_integer(domid));
	ret = ret ?: conn_send(watch->conn, event);
	mica_json_free(event);
	if (!ret)
		return;
err:
	/* A watcher that misses an event has a wrong picture: drop it. */
	conn_kill(watch->conn, "cannot deliver a watch event");
}

int watch_add(struct store *store, struct conn *conn, const char *path,
	      const char *token)
{
	struct domain *domain = conn->domain;
	struct watch_path *wp;
	struct watch *watch;

	if (watch_find(conn, path, token))
		return -EEXIST;
	if (domain->watches >= domain_quota(store, domain)->watches)
		return -EDQUOT;
	watch = calloc(1, sizeof(*watch));
	if (!watch)
		return -ENOMEM;
	watch->token = strdup(token);
	if (!watch->token)
		goto err_free_watch;
	wp = watch_path_find(store, path, strlen(path));
	if (!wp) {
		wp = calloc(1, sizeof(*wp));
		if (!wp)
			goto err_free_token;
		wp->path = strdup(path);
		if (!wp->path) {
			free(wp);
			goto err_free_token;
		}
		list_init(&wp->watches);
		hashtable_insert(&store->watch_paths, &wp->link,
				 siphash(&store->hash_key, path, strlen(path)));
	}
	watch->wp = wp;
	watch->conn = conn;
	list_add_tail(&watch->path_link, &wp->watches);
	list_add_tail(&watch->conn_link, &conn->watches);
	domain->watches++;
	watch_send(watch, path, -1);
	return 0;

err_free_token:
	free(watch->token);
err_free_watch:
	free(watch);
	return -ENOMEM;
}

static void watch_free(struct store *store, struct watch *watch)
{
	struct watch_path *wp = watch->wp;

	list_del(&watch->path_link);
	list_del(&watch->conn_link);
	watch->conn->domain->watches--;
	free(watch->token);
	free(watch);
	if (list_empty(&wp->watches)) {
		hashtable_remove(&store->watch_paths, &wp->link);
		free(wp->path);
		free(wp);
	}
}

int watch_remove(struct store *store, struct conn *conn, const char *path,
		 const char *token)
{
	struct watch *watch = watch_find(conn, path, token);

	if (!watch)
		return -ENOENT;
	watch_free(store, watch);
	return 0;
}

void watch_remove_all(struct store *store, struct conn *conn)
{
	while (!list_empty(&conn->watches))
		watch_free(store, list_entry(conn->watches.next, struct watch,
					     conn_link));
}

/* Fires the watches registered exactly at the first @len bytes of @path. */
static void watch_fire_at(struct store *store, const char *path, size_t len,
			  const char *event_path, const struct perms *perms)
{
	struct watch_path *wp = watch_path_find(store, path, len);
	struct watch *watch;
	struct list *pos;

	if (!wp)
		return;
	list_for_each(pos, &wp->watches) {
		watch = list_entry(pos, struct watch, path_link);
		if (watch->conn->dead ||
		    !perms_can_read(perms, watch->conn->domain->domid))
			continue;
		watch_send(watch, event_path, -1);
	}
}

void watch_fire(struct store *store, const char *path,
		const struct perms *perms)
{
	size_t len = strlen(path);

	/* @path itself, then each ancestor up to and including "/". */
	for (;;) {
		watch_fire_at(store, path, len, path, perms);
		if (len == 1)
			break;
		do
			len--;
		while (path[len] != '/');
		if (len == 0)
			len = 1;
	}
}

static void watch_fire_below(struct store *store, const struct node *node)
{
	const struct node *child;
	struct list *pos;

	list_for_each(pos, &node->children) {
		child = list_entry(pos, struct node, sibling);
		watch_fire_at(store, child->path, strlen(child->path),
			      child->path, child->perms);
		watch_fire_below(store, child);
	}
}

void watch_fire_removal(struct store *store, const struct node *node)
{
	watch_fire(store, node->path, node->perms);
	watch_fire_below(store, node);
}

void watch_fire_domain(struct store *store, const char *special,
		       unsigned int domid)
{
	struct watch_path *wp =
		watch_path_find(store, special, strlen(special));
	struct watch *watch;
	struct list *pos;

	if (!wp)
		return;
	list_for_each(pos, &wp->watches) {
		watch = list_entry(pos, struct watch, path_link);
		if (!watch->conn->dead)
			watch_send(watch, special, domid);
	}
}
