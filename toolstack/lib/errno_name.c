// SPDX-License-Identifier: MIT
/*
 * Symbolic errno names, as carried in the "error" field of store replies.
 * Only the values the protocol documents are listed: a name on the wire must
 * mean the same thing on every host, while the numbers need not.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <mica/error.h>

static const struct {
	int code;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" },	  { ENOENT, "ENOENT" },
	{ ESRCH, "ESRCH" },	  { EIO, "EIO" },
	{ E2BIG, "E2BIG" },	  { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" },	  { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" },	  { EINVAL, "EINVAL" },
	{ ENOSPC, "ENOSPC" },	  { ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOSYS, "ENOSYS" },	  { EAGAIN, "EAGAIN" },
	{ EPROTO, "EPROTO" },	  { EBADMSG, "EBADMSG" },
	{ EDQUOT, "EDQUOT" },	  { ECONNRESET, "ECONNRESET" },
	{ EMSGSIZE, "EMSGSIZE" }, { ENOTCONN, "ENOTCONN" },
};

const char *mica_errno_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].code == code)
			return errno_names[i].name;
	return NULL;
}

int mica_errno_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (!strcmp(errno_names[i].name, name))
			return errno_names[i].code;
	return 0;
}
