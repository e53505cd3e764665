/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_PERMS_H
#define MICA_STORED_PERMS_H

/*
 * Node permissions: an owner domain, the access every other domain gets by
 * default, and up to PERMS_ACL_MAX per-domain entries overriding that
 * default.  Domain 0 and the owner always have full access.
 *
 * A struct perms is immutable once built and reference counted, so a new
 * node shares its parent's perms instead of copying them.
 */

#include <stdbool.h>
#include <stdint.h>

struct mica_error;
struct mica_json;

#include "public/mica.h"

/* Domain ids on the store protocol: the real ones, not the reserved. */
#define DOMID_MAX (MICA_DOMID_FIRST_RESERVED - 1u)

#define PERMS_ACL_MAX 16

enum access {
	ACCESS_NONE = 0,
	ACCESS_READ = 1,
	ACCESS_WRITE = 2,
	ACCESS_BOTH = ACCESS_READ | ACCESS_WRITE,
};

struct perms_entry {
	uint16_t domid;
	uint8_t access; /* enum access */
};

struct perms {
	unsigned int refs;
	uint16_t owner;
	uint8_t other; /* enum access for domains with no entry */
	uint8_t nacl;
	struct perms_entry acl[];
};

/* A new perms with one reference and no entries, or NULL. */
struct perms *perms_new(unsigned int owner, enum access other);

/* A copy of @base with owner @owner, or NULL. */
struct perms *perms_with_owner(const struct perms *base, unsigned int owner);

static inline struct perms *perms_get(struct perms *perms)
{
	perms->refs++;
	return perms;
}

void perms_put(struct perms *perms);

/* What domain @domid may do with a node carrying @perms. */
enum access perms_access(const struct perms *perms, unsigned int domid);

static inline bool perms_can_read(const struct perms *perms, unsigned int domid)
{
	return perms_access(perms, domid) & ACCESS_READ;
}

static inline bool perms_can_write(const struct perms *perms,
				   unsigned int domid)
{
	return perms_access(perms, domid) & ACCESS_WRITE;
}

bool perms_equal(const struct perms *a, const struct perms *b);

/*
 * Wire form: {"owner": 5, "default": "read", "acl": [{"domain": 7,
 * "access": "both"}]}.  perms_to_json() returns NULL when memory runs out.
 * perms_from_json() returns 0, -EINVAL (with the cause in @err) or -ENOMEM.
 */
struct mica_json *perms_to_json(const struct perms *perms);
int perms_from_json(const struct mica_json *json, struct perms **out,
		    struct mica_error *err);

#endif
