/* SPDX-License-Identifier: MIT */
/* Words of the guest's command line (start_info.cmdline). */
#include "test.h"

const char *cmdline_value(const char *key)
{
	const char *c = start_info->cmdline;
	size_t n = strlen(key);

	while (*c) {
		while (*c == ' ')
			c++;
		if (!strncmp(c, key, n) && c[n] == '=')
			return c + n + 1;
		while (*c && *c != ' ')
			c++;
	}
	return NULL;
}

bool cmdline_ulong(const char *key, unsigned long *value)
{
	const char *v = cmdline_value(key);
	unsigned long x = 0;

	if (!v || *v < '0' || *v > '9')
		return false;
	for (; *v >= '0' && *v <= '9'; v++)
		x = x * 10 + (unsigned long)(*v - '0');
	if (*v && *v != ' ')
		return false;
	*value = x;
	return true;
}
