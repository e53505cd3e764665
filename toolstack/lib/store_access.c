// SPDX-License-Identifier: MIT
/* Names of node access levels, shared by the client and the daemon. */
#include <errno.h>
#include <string.h>

#include <mica/store.h>

static const char *const access_names[] = {
	[MICA_STORE_ACCESS_NONE] = "none",
	[MICA_STORE_ACCESS_READ] = "read",
	[MICA_STORE_ACCESS_WRITE] = "write",
	[MICA_STORE_ACCESS_BOTH] = "both",
};

const char *mica_store_access_name(enum mica_store_access access)
{
	if ((unsigned int)access >=
	    sizeof(access_names) / sizeof(access_names[0]))
		return NULL;
	return access_names[access];
}

int mica_store_access_parse(const char *name, enum mica_store_access *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(access_names) / sizeof(access_names[0]); i++) {
		if (!strcmp(access_names[i], name)) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}
