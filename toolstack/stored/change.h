/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_CHANGE_H
#define MICA_STORED_CHANGE_H

/*
 * Changes: the unit the journal records and the only way the committed
 * state is modified.  Commits, journal replay and snapshot loading all go
 * through change_apply(), so a restarted daemon rebuilds exactly the state
 * its commits built.
 */

#include <stddef.h>

struct mica_error;
struct mica_json;
struct perms;
struct store;

enum change_kind {
	CHANGE_WRITE, /* set a node's value and perms, creating it */
	CHANGE_REMOVE, /* remove a node and everything below it */
	CHANGE_INTRODUCE, /* a domain may connect */
	CHANGE_RELEASE, /* a domain is gone */
};

struct change {
	enum change_kind kind;
	const char *path; /* WRITE, REMOVE */
	const char *value; /* WRITE */
	size_t value_len;
	struct perms *perms; /* WRITE; borrowed */
	unsigned int domid; /* INTRODUCE, RELEASE */
};

/*
 * Applies @change to the tree and the domains' usage.  A WRITE needs the
 * parent to exist; a REMOVE of a missing node and an INTRODUCE of an
 * introduced domain do nothing.  Returns 0, -ENOENT (no parent), -EINVAL
 * (the root cannot be removed) or -ENOMEM.
 */
int change_apply(struct store *store, const struct change *change);

/* The journal form of @change, or NULL when memory runs out. */
struct mica_json *change_to_json(const struct change *change);

/*
 * Decodes a change from its journal form.  Strings point into @json; the
 * perms are new (perms_put() them).  Returns 0 or -EINVAL/-ENOMEM.
 */
int change_from_json(const struct mica_json *json, struct change *change,
		     struct mica_error *err);

#endif
