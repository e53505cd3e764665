// SPDX-License-Identifier: MIT
/* Store path syntax. */
#include <errno.h>
#include <string.h>

#include "path.h"

static bool path_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	       c == '@';
}

static bool path_component_ok(const char *start, size_t len)
{
	size_t i;

	if (len == 0 || len > PATH_COMPONENT_MAX)
		return false;
	if ((len == 1 && start[0] == '.') ||
	    (len == 2 && start[0] == '.' && start[1] == '.'))
		return false;
	for (i = 0; i < len; i++)
		if (!path_char_ok(start[i]))
			return false;
	return true;
}

int path_check(const char *path)
{
	const char *component, *end;
	size_t len = strnlen(path, PATH_MAX_LEN + 1);

	if (len > PATH_MAX_LEN)
		return -ENAMETOOLONG;
	if (path[0] != '/')
		return -EINVAL;
	if (len == 1)
		return 0;
	for (component = path + 1;; component = end + 1) {
		end = strchr(component, '/');
		if (!end)
			end = path + len;
		if (!path_component_ok(component, end - component))
			return -EINVAL;
		if (*end == '\0')
			return 0;
	}
}

bool path_is_special(const char *path)
{
	return !strcmp(path, PATH_INTRODUCE_DOMAIN) ||
	       !strcmp(path, PATH_RELEASE_DOMAIN);
}

int path_check_watch(const char *path)
{
	return path_is_special(path) ? 0 : path_check(path);
}

size_t path_parent_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!path[1])
		return 0;
	return slash == path ? 1 : (size_t)(slash - path);
}

const char *path_basename(const char *path)
{
	return strrchr(path, '/') + 1;
}

bool path_is_within(const char *path, const char *ancestor)
{
	size_t len = strlen(ancestor);

	if (strncmp(path, ancestor, len))
		return false;
	/* "/" is an ancestor of everything; "/a" is not one of "/ab". */
	return len == 1 || path[len] == '\0' || path[len] == '/';
}
