/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_STORE_H
#define MICA_STORED_STORE_H

/*
 * The store daemon's state: the node tree, the domains it knows, the watch
 * registry and the connections.  Everything runs on one thread; nothing here
 * is locked.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashtable.h"
#include "list.h"
#include "siphash.h"
#include "tree.h"

struct journal;
struct mica_error;

/* Per-domain limits.  Domain 0 is not limited (see domain_quota()). */
struct quota {
	uint32_t nodes; /* nodes the domain may own */
	uint32_t watches; /* watches registered at once */
	uint32_t transactions; /* transactions open at once */
	uint32_t transaction_nodes; /* nodes one transaction may touch */
	uint32_t value_size; /* bytes in one value */
	uint32_t message_size; /* bytes in one request or reply payload */
};

struct store_config {
	struct quota quota; /* applies to every domain but 0 */
	const char *state_dir; /* where state is kept; NULL keeps none */
	bool fsync; /* fsync the journal after every commit */
	size_t compact_bytes; /* journal size that triggers a snapshot */
	bool quiet; /* no warnings on stderr */
};

/* Fills @config with the daemon's defaults. */
void store_config_defaults(struct store_config *config);

struct store {
	struct store_config config;
	struct siphash_key hash_key; /* random, per daemon run */
	struct tree tree;
	struct hashtable domains; /* struct domain, by domid */
	struct hashtable watch_paths; /* struct watch_path, by path */
	struct list conns; /* live struct conn */
	struct list dead_conns; /* killed, freed by store_reap() */
	uint32_t last_txn_id;
	struct journal *journal; /* NULL without a state directory */
	/* The guest transport on Mica (guest.c), NULL elsewhere: connects a
	 * domain's ring once it is introduced. */
	void (*connect_guest)(struct store *store, unsigned int domid);
	struct guests *guests;
};

/*
 * Creates a store: an empty tree with "/" owned by domain 0, or, with a
 * state directory, the state kept there.  Returns 0 or a negative errno
 * with the cause in @err.
 */
int store_new(const struct store_config *config, struct store **out,
	      struct mica_error *err);

/* Closes every connection and frees the store. */
void store_free(struct store *store);

/* Frees the connections killed since the last call. */
void store_reap(struct store *store);

/* Prints a warning on stderr unless the store is quiet. */
void store_warn(const struct store *store, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
