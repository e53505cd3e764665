/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_WATCH_H
#define MICA_STORED_WATCH_H

/*
 * Watches.  A watch is a (path, token) pair registered by a connection.  It
 * fires once when registered and then whenever a node at or below its path
 * is written, created, has its perms set or is removed; the event carries
 * the changed node's path and the watch's token.  A watcher only hears
 * about nodes it may read.  The lifecycle paths @introduceDomain and
 * @releaseDomain fire when domain 0 introduces or releases a domain.
 *
 * Watches are kept in a hash table keyed by watched path, so a change to
 * /a/b/c costs one lookup each for /a/b/c, /a/b, /a and /, whatever the
 * number of watches elsewhere.
 */

#include <stdbool.h>

#include "hashtable.h"
#include "list.h"

struct conn;
struct node;
struct perms;
struct store;

#define WATCH_TOKEN_MAX 256

struct watch_path {
	struct hash_link link; /* store.watch_paths */
	char *path; /* owned */
	struct list watches; /* struct watch.path_link, oldest first */
};

struct watch {
	struct list path_link;
	struct list conn_link; /* conn.watches */
	struct watch_path *wp;
	struct conn *conn;
	char *token; /* owned */
};

/*
 * Registers a watch for @conn and queues its first event.  Returns 0,
 * -EEXIST (same path and token already registered), -EDQUOT or -ENOMEM.
 */
int watch_add(struct store *store, struct conn *conn, const char *path,
	      const char *token);

/* Returns 0 or -ENOENT. */
int watch_remove(struct store *store, struct conn *conn, const char *path,
		 const char *token);

void watch_remove_all(struct store *store, struct conn *conn);

/*
 * Fires the watches on @path and its ancestors for a node now carrying
 * @perms (for a removal, the perms it had).
 */
void watch_fire(struct store *store, const char *path,
		const struct perms *perms);

/*
 * Fires for the removal of the subtree at @node (still in the tree):
 * @node's own path as watch_fire(), and each node below it for watches
 * registered exactly there.
 */
void watch_fire_removal(struct store *store, const struct node *node);

/* Fires @special (a lifecycle path) for domain @domid. */
void watch_fire_domain(struct store *store, const char *special,
		       unsigned int domid);

#endif
