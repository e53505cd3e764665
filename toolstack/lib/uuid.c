// SPDX-License-Identifier: MIT
/* struct mica_uuid on top of libuuid. */
#include <errno.h>
#include <string.h>

#include <uuid/uuid.h>

#include <mica/uuid.h>

_Static_assert(sizeof(uuid_t) == sizeof(((struct mica_uuid *)0)->bytes),
	       "libuuid and Mica disagree on the size of a UUID");

void mica_uuid_generate(struct mica_uuid *uuid)
{
	uuid_generate_random(uuid->bytes);
}

int mica_uuid_parse(const char *text, struct mica_uuid *uuid)
{
	uuid_t parsed;

	/* libuuid ignores what follows the 36 characters; we do not. */
	if (strlen(text) != MICA_UUID_STRLEN || uuid_parse(text, parsed))
		return -EINVAL;
	memcpy(uuid->bytes, parsed, sizeof(uuid->bytes));
	return 0;
}

void mica_uuid_format(const struct mica_uuid *uuid,
		      char out[MICA_UUID_STRLEN + 1])
{
	uuid_unparse_lower(uuid->bytes, out);
}

bool mica_uuid_is_nil(const struct mica_uuid *uuid)
{
	return uuid_is_null(uuid->bytes);
}

bool mica_uuid_equal(const struct mica_uuid *a, const struct mica_uuid *b)
{
	return !memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}
