// SPDX-License-Identifier: MIT
/* Creating and tearing down the store. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <mica/error.h>

#include "conn.h"
#include "domain.h"
#include "journal.h"
#include "perms.h"
#include "store.h"

void store_config_defaults(struct store_config *config)
{
	*config = (struct store_config){
		.quota = {
			.nodes = 1000,
			.watches = 128,
			.transactions = 10,
			.transaction_nodes = 1000,
			.value_size = 2048,
			.message_size = 4096,
		},
		.fsync = true,
		.compact_bytes = 1u << 20,
	};
}

void store_warn(const struct store *store, const char *fmt, ...)
{
	va_list ap;

	if (store->config.quiet)
		return;
	fputs("mica-stored: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void store_reap(struct store *store)
{
	while (!list_empty(&store->dead_conns))
		conn_destroy(
			list_entry(store->dead_conns.next, struct conn, link));
}

int store_new(const struct store_config *config, struct store **out,
	      struct mica_error *err)
{
	struct perms *root_perms;
	struct store *store;
	int ret;

	store = calloc(1, sizeof(*store));
	if (!store)
		return mica_error_set(err, ENOMEM, "out of memory");
	store->config = *config;
	list_init(&store->conns);
	list_init(&store->dead_conns);
	if (getrandom(&store->hash_key, sizeof(store->hash_key), 0) !=
	    sizeof(store->hash_key)) {
		ret = mica_error_set(err, EIO, "no random hash key");
		goto err_free_store;
	}
	root_perms = perms_new(0, ACCESS_NONE);
	if (!root_perms) {
		ret = mica_error_set(err, ENOMEM, "out of memory");
		goto err_free_store;
	}
	ret = tree_init(&store->tree, &store->hash_key, root_perms);
	perms_put(root_perms);
	if (ret) {
		ret = mica_error_set(err, ENOMEM, "out of memory");
		goto err_free_store;
	}
	if (hashtable_init(&store->domains)) {
		ret = mica_error_set(err, ENOMEM, "out of memory");
		goto err_release_tree;
	}
	if (hashtable_init(&store->watch_paths)) {
		ret = mica_error_set(err, ENOMEM, "out of memory");
		goto err_release_domains;
	}
	if (!domain_get(store, 0)) {
		ret = mica_error_set(err, ENOMEM, "out of memory");
		goto err_release_watches;
	}
	domain_lookup(store, 0)->nodes = 1; /* the root */
	if (config->state_dir) {
		ret = journal_open(store, err);
		if (ret)
			goto err_release_watches;
	}
	*out = store;
	return 0;

err_release_watches:
	hashtable_release(&store->watch_paths);
err_release_domains:
	domain_table_release(store);
err_release_tree:
	tree_release(&store->tree);
err_free_store:
	free(store);
	return ret;
}

void store_free(struct store *store)
{
	while (!list_empty(&store->conns))
		conn_kill(list_entry(store->conns.next, struct conn, link),
			  NULL);
	store_reap(store);
	journal_close(store->journal);
	hashtable_release(&store->watch_paths);
	domain_table_release(store);
	tree_release(&store->tree);
	free(store);
}
