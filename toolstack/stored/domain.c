// SPDX-License-Identifier: MIT
/* The domain table and per-domain usage. */
#include <stdint.h>
#include <stdlib.h>

#include "domain.h"
#include "frame.h"
#include "store.h"

/* Domain 0 runs the toolstack and is trusted: only the frame size binds. */
static const struct quota dom0_quota = {
	.nodes = UINT32_MAX,
	.watches = UINT32_MAX,
	.transactions = UINT32_MAX,
	.transaction_nodes = UINT32_MAX,
	.value_size = UINT32_MAX,
	.message_size = FRAME_PAYLOAD_MAX,
};

static uint64_t domain_hash(const struct store *store, unsigned int domid)
{
	return siphash(&store->hash_key, &domid, sizeof(domid));
}

struct domain *domain_lookup(const struct store *store, unsigned int domid)
{
	uint64_t hash = domain_hash(store, domid);
	struct hash_link *pos;
	struct domain *domain;

	hashtable_for_each_match(pos, &store->domains, hash)
	{
		domain = container_of(pos, struct domain, link);
		if (domain->domid == domid)
			return domain;
	}
	return NULL;
}

struct domain *domain_get(struct store *store, unsigned int domid)
{
	struct domain *domain = domain_lookup(store, domid);

	if (domain)
		return domain;
	domain = calloc(1, sizeof(*domain));
	if (!domain)
		return NULL;
	domain->domid = domid;
	domain->introduced = domid == 0;
	list_init(&domain->conns);
	hashtable_insert(&store->domains, &domain->link,
			 domain_hash(store, domid));
	return domain;
}

void domain_drop_if_unused(struct store *store, struct domain *domain)
{
	if (domain->introduced || domain->nodes || domain->watches ||
	    domain->transactions || !list_empty(&domain->conns))
		return;
	hashtable_remove(&store->domains, &domain->link);
	free(domain);
}

const struct quota *domain_quota(const struct store *store,
				 const struct domain *domain)
{
	return domain->domid == 0 ? &dom0_quota : &store->config.quota;
}

void domain_table_release(struct store *store)
{
	struct hash_link *link, *next;
	size_t i;

	for (i = 0; i <= store->domains.mask; i++) {
		for (link = store->domains.buckets[i]; link; link = next) {
			next = link->next;
			free(container_of(link, struct domain, link));
		}
	}
	hashtable_release(&store->domains);
}
