/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_DOMAIN_H
#define MICA_STORED_DOMAIN_H

/*
 * Domains as the store sees them: which are introduced (may connect), and
 * what each uses against its quota.  A domain has an entry while it is
 * introduced, owns nodes, or has connections; the table is a hash on the
 * domain id, so no operation walks all domains.
 */

#include <stdbool.h>

#include "hashtable.h"
#include "list.h"

struct store;
struct quota;

struct domain {
	struct hash_link link; /* in store.domains */
	unsigned int domid;
	bool introduced; /* by domain 0; domain 0 itself always is */
	unsigned int nodes; /* nodes it owns */
	unsigned int watches; /* watches its connections hold */
	unsigned int transactions; /* transactions its connections hold */
	struct list conns; /* struct conn.domain_link */
};

struct domain *domain_lookup(const struct store *store, unsigned int domid);

/* The entry for @domid, created if needed; NULL when memory runs out. */
struct domain *domain_get(struct store *store, unsigned int domid);

/* Frees @domain's entry if nothing refers to it any more. */
void domain_drop_if_unused(struct store *store, struct domain *domain);

/* The limits that apply to @domain. */
const struct quota *domain_quota(const struct store *store,
				 const struct domain *domain);

/* Frees every entry (at store teardown). */
void domain_table_release(struct store *store);

#endif
