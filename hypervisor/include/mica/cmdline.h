/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor command-line parameters.
 *
 * A subsystem declares its parameters next to the variables they set:
 *
 *	static unsigned int max_cpus = 64;
 *	param_uint("maxcpus", max_cpus);
 *
 * The declarations land in the "mica_params" section; cmdline_parse() walks
 * the command line once, early in boot.  Words are separated by spaces;
 * "name=value" sets a value, a bare "name" sets a boolean (or "no-name"
 * clears it).  Unknown names and bad values are reported, then ignored, so a
 * typo never stops a machine from booting.
 */
#ifndef MICA_CMDLINE_H
#define MICA_CMDLINE_H

#include <mica/compiler.h>
#include <mica/types.h>

enum param_type {
	PARAM_BOOL,
	PARAM_UINT, /* unsigned int, decimal or 0x-hex */
	PARAM_SIZE, /* uint64_t bytes, with K/M/G/T suffix */
	PARAM_STRING, /* copied into a char array of size 'len' */
	PARAM_CUSTOM, /* handler(value) returns 0 or -errno */
};

struct param {
	const char *name;
	enum param_type type;
	uint32_t len;
	void *var;
	int (*handler)(const char *value);
};

#define __param(id, n, t, l, v, h)                                             \
	static const struct param __param_##id __used __section("mica_params") \
		__aligned(8) = {                                               \
			.name = n, .type = t, .len = l, .var = v, .handler = h \
		}

#define param_bool(name, var) __param(var, name, PARAM_BOOL, 0, &var, NULL)
#define param_uint(name, var) __param(var, name, PARAM_UINT, 0, &var, NULL)
#define param_size(name, var) __param(var, name, PARAM_SIZE, 0, &var, NULL)
#define param_string(name, var) \
	__param(var, name, PARAM_STRING, sizeof(var), var, NULL)
#define param_custom(name, fn) __param(fn, name, PARAM_CUSTOM, 0, NULL, fn)

/*
 * Parses 'cmdline' against the parameters table [first, last).  Returns the
 * number of words that were rejected (unknown or bad value); each is reported
 * through 'report' (may be NULL).
 */
int cmdline_parse_table(const char *cmdline, const struct param *first,
			const struct param *last,
			void (*report)(const char *word, size_t len, int err));

/* Parses the hypervisor's own command line against every declared param. */
void cmdline_parse(const char *cmdline);

#endif
