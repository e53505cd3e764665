/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_TXN_H
#define MICA_STORED_TXN_H

/*
 * Transactions.  Every request that reads or changes nodes runs in one:
 * an explicit transaction a client opened with tx-start, or an implicit one
 * that lives for a single request and commits at its end.
 *
 * A transaction keeps a shadow per path it touched.  A shadow records what
 * the committed tree held when the transaction first looked (existence,
 * generation, child generation) and, once the transaction changes the path,
 * the new state.  The transaction's view is the committed tree seen through
 * its shadows.  Commit is optimistic: if anything an explicit transaction
 * looked at has changed since, commit fails with -EAGAIN and the client
 * starts again; otherwise the changes are journaled and applied at once.
 * Because every read is checked, no update is ever lost.
 *
 * An implicit transaction records only its changes: nothing else can run
 * between its first look and its commit.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashtable.h"
#include "list.h"

struct conn;
struct mica_error;
struct perms;

struct txn {
	struct list conn_link; /* conn.txns, for explicit transactions */
	struct conn *conn; /* whose requests run in it */
	uint32_t id; /* 0 for an implicit transaction */
	struct hashtable shadows; /* struct shadow, by path */
	struct list order; /* struct shadow, in creation order */
	unsigned int nshadows;
	int owned_delta; /* change in the number of nodes conn's domain owns */
	bool doomed; /* something it read changed: commit will fail */
};

/* A node as a transaction sees it.  Pointers are borrowed. */
struct view {
	bool exists;
	const char *value;
	size_t value_len;
	struct perms *perms;
};

/*
 * Starts a transaction for @conn.  @id 0 makes an implicit one (the caller
 * frees it with txn_free()); otherwise it is added to the connection and
 * counted against the domain.  Returns 0 or -ENOMEM.
 */
int txn_begin(struct conn *conn, uint32_t id, struct txn **out);

/* @conn's explicit transaction @id, or NULL. */
struct txn *txn_find(struct conn *conn, uint32_t id);

/* Discards @txn and everything it changed. */
void txn_free(struct txn *txn);

/* Discards every transaction of @conn. */
void txn_abort_all(struct conn *conn);

/*
 * Fills @out with @path as @txn sees it.  Returns 0, -EAGAIN (the
 * transaction is doomed), -EDQUOT (it touched too many paths) or -ENOMEM.
 */
int txn_view(struct txn *txn, const char *path, struct view *out);

/*
 * Calls @fn with the name of each child of @path (which must exist in the
 * view), in no particular order, stopping at the first non-zero return.
 * Errors as txn_view(), or whatever @fn returned.
 */
int txn_list_children(struct txn *txn, const char *path,
		      int (*fn)(void *ctx, const char *name), void *ctx);

/*
 * Sets @path to @value with @perms (a reference is taken).  The parent must
 * exist in the view.  Errors as txn_view().
 */
int txn_put(struct txn *txn, const char *path, const char *value,
	    size_t value_len, struct perms *perms);

/* Removes @path, which must exist in the view, and everything below it. */
int txn_remove(struct txn *txn, const char *path);

/*
 * Commits @txn, which stays allocated (the caller frees it).  Returns 0,
 * -EAGAIN on a conflict, -EDQUOT when the domain would own too many nodes,
 * -EIO when the journal cannot be written, or -ENOMEM, with the cause in
 * @err; nothing is applied on failure.
 */
int txn_commit(struct txn *txn, struct mica_error *err);

/* Internal to txn.c and commit.c. */
struct shadow {
	struct hash_link link; /* in txn.shadows */
	struct list order; /* txn.order */
	struct list new_children; /* struct shadow.new_sibling */
	struct list new_sibling; /* parent's new_children, if created here */
	char *path; /* owned */
	/* The committed tree when the transaction first looked. */
	bool seen_exists;
	uint64_t seen_generation;
	uint64_t seen_child_generation;
	bool children_seen; /* the child set was read */
	/* The transaction's own state for this path, once modified. */
	bool modified;
	bool exists;
	char *value; /* owned */
	size_t value_len;
	struct perms *perms; /* one reference held */
};

#endif
