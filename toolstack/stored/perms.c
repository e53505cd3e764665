// SPDX-License-Identifier: MIT
/* Node permissions and their JSON form. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mica/error.h>
#include <mica/json.h>
#include <mica/store.h>

#include "perms.h"

static struct perms *perms_alloc(unsigned int nacl)
{
	struct perms *perms;

	perms = calloc(1, sizeof(*perms) + nacl * sizeof(perms->acl[0]));
	if (perms)
		perms->refs = 1;
	return perms;
}

struct perms *perms_new(unsigned int owner, enum access other)
{
	struct perms *perms = perms_alloc(0);

	if (perms) {
		perms->owner = owner;
		perms->other = other;
	}
	return perms;
}

struct perms *perms_with_owner(const struct perms *base, unsigned int owner)
{
	struct perms *perms = perms_alloc(base->nacl);

	if (!perms)
		return NULL;
	perms->owner = owner;
	perms->other = base->other;
	perms->nacl = base->nacl;
	memcpy(perms->acl, base->acl, base->nacl * sizeof(base->acl[0]));
	return perms;
}

void perms_put(struct perms *perms)
{
	if (perms && --perms->refs == 0)
		free(perms);
}

enum access perms_access(const struct perms *perms, unsigned int domid)
{
	unsigned int i;

	if (domid == 0 || domid == perms->owner)
		return ACCESS_BOTH;
	for (i = 0; i < perms->nacl; i++)
		if (perms->acl[i].domid == domid)
			return perms->acl[i].access;
	return perms->other;
}

bool perms_equal(const struct perms *a, const struct perms *b)
{
	return a->owner == b->owner && a->other == b->other &&
	       a->nacl == b->nacl &&
	       !memcmp(a->acl, b->acl, a->nacl * sizeof(a->acl[0]));
}

_Static_assert(ACCESS_NONE == (int)MICA_STORE_ACCESS_NONE &&
		       ACCESS_READ == (int)MICA_STORE_ACCESS_READ &&
		       ACCESS_WRITE == (int)MICA_STORE_ACCESS_WRITE &&
		       ACCESS_BOTH == (int)MICA_STORE_ACCESS_BOTH,
	       "daemon and client access levels differ");

static int access_from_name(const char *name, uint8_t *out)
{
	enum mica_store_access access;

	if (mica_store_access_parse(name, &access))
		return -EINVAL;
	*out = access;
	return 0;
}

static struct mica_json *access_to_json(unsigned int access)
{
	return mica_json_new_cstring(mica_store_access_name(access));
}

struct mica_json *perms_to_json(const struct perms *perms)
{
	struct mica_json *json, *acl, *entry;
	unsigned int i;
	int ret;

	json = mica_json_new_object();
	acl = mica_json_new_array();
	if (!json || !acl)
		goto err_free_json;
	for (i = 0; i < perms->nacl; i++) {
		entry = mica_json_new_object();
		/* Once appended, the entry is freed with the array. */
		ret = mica_json_array_append(acl, entry);
		ret = ret   ?:
			      mica_json_object_add(
				      entry, "domain",
				      mica_json_new_integer(
					      perms->acl[i].domid));
		ret = ret   ?:
			      mica_json_object_add(
				      entry, "access",
				      access_to_json(perms->acl[i].access));
		if (ret)
			goto err_free_json;
	}
	ret = mica_json_object_add(json, "owner",
				   mica_json_new_integer(perms->owner));
	ret = ret   ?:
		      mica_json_object_add(json, "default",
					   access_to_json(perms->other));
	ret = ret ?: mica_json_object_add(json, "acl", acl);
	acl = NULL;
	if (ret)
		goto err_free_json;
	return json;

err_free_json:
	mica_json_free(acl);
	mica_json_free(json);
	return NULL;
}

/* Refuses members of @object not named in @known. */
static int perms_check_members(const struct mica_json *object,
			       const char *const *known, struct mica_error *err)
{
	const char *unknown = mica_json_unknown_member(object, known);

	if (unknown)
		return mica_error_set(err, EINVAL,
				      "perms: unknown field '%.64s'", unknown);
	return 0;
}

static int perms_entry_from_json(const struct mica_json *json,
				 struct perms_entry *entry,
				 struct mica_error *err)
{
	static const char *const known[] = { "domain", "access", NULL };
	const char *access;
	int64_t domid;

	if (mica_json_type(json) != MICA_JSON_OBJECT)
		return mica_error_set(err, EINVAL,
				      "perms: acl entry is not an object");
	if (perms_check_members(json, known, err))
		return -EINVAL;
	if (mica_json_get_integer(json, "domain", 0, DOMID_MAX, &domid))
		return mica_error_set(err, EINVAL,
				      "perms: acl entry needs a domain id");
	if (mica_json_get_string(json, "access", &access, NULL) ||
	    access_from_name(access, &entry->access))
		return mica_error_set(err, EINVAL,
				      "perms: acl entry needs access "
				      "none|read|write|both");
	entry->domid = domid;
	return 0;
}

int perms_from_json(const struct mica_json *json, struct perms **out,
		    struct mica_error *err)
{
	static const char *const known[] = { "owner", "default", "acl", NULL };
	const struct mica_json *acl;
	struct perms *perms;
	const char *other;
	size_t nacl, i, j;
	int64_t owner;
	int ret;

	if (mica_json_type(json) != MICA_JSON_OBJECT)
		return mica_error_set(err, EINVAL, "perms: not an object");
	if (perms_check_members(json, known, err))
		return -EINVAL;
	if (mica_json_get_integer(json, "owner", 0, DOMID_MAX, &owner))
		return mica_error_set(err, EINVAL,
				      "perms: owner must be a domain id");
	acl = mica_json_object_get(json, "acl");
	if (acl && mica_json_type(acl) != MICA_JSON_ARRAY)
		return mica_error_set(err, EINVAL,
				      "perms: acl is not an array");
	nacl = acl ? mica_json_length(acl) : 0;
	if (nacl > PERMS_ACL_MAX)
		return mica_error_set(err, EINVAL,
				      "perms: more than %d acl entries",
				      PERMS_ACL_MAX);
	perms = perms_alloc(nacl);
	if (!perms)
		return mica_error_set(err, ENOMEM, "out of memory");
	perms->owner = owner;
	perms->nacl = nacl;
	ret = mica_json_get_string(json, "default", &other, NULL);
	if (ret == -ENOENT) {
		perms->other = ACCESS_NONE;
	} else if (ret || access_from_name(other, &perms->other)) {
		ret = mica_error_set(err, EINVAL,
				     "perms: default must be "
				     "none|read|write|both");
		goto err_free_perms;
	}
	for (i = 0; i < nacl; i++) {
		ret = perms_entry_from_json(mica_json_array_at(acl, i),
					    &perms->acl[i], err);
		if (ret)
			goto err_free_perms;
		for (j = 0; j < i; j++) {
			if (perms->acl[j].domid == perms->acl[i].domid) {
				ret = mica_error_set(err, EINVAL,
						     "perms: domain %u listed "
						     "twice",
						     perms->acl[i].domid);
				goto err_free_perms;
			}
		}
	}
	*out = perms;
	return 0;

err_free_perms:
	perms_put(perms);
	return ret;
}
