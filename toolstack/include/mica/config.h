/* SPDX-License-Identifier: MIT */
#ifndef MICA_CONFIG_H
#define MICA_CONFIG_H

/*
 * Domain configuration files: an xl.cfg-like "key = value" syntax,
 * specified in docs/config.md.  The parser reports the first error with the
 * file name, line and column and what it expected there:
 *
 *     web1.cfg:4:10: memory: expected an integer with an optional size
 *     suffix (K, M, G, T), found a string
 *
 * A parsed configuration can be formatted back into canonical text (one
 * key a line, fixed order, defaults spelled out), which parses to the same
 * configuration; the store keeps that text so a domain can be rebooted.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mica/uuid.h>

struct mica_error;
struct mica_json;

/* What happens when the guest powers off, reboots or crashes. */
enum mica_config_action {
	MICA_ACTION_DESTROY, /* "destroy": the domain goes away */
	MICA_ACTION_RESTART, /* "restart": destroyed and created again */
	MICA_ACTION_PRESERVE, /* "preserve": kept shut down for inspection */
};

#define MICA_CONFIG_NAME_MAX 64
#define MICA_CONFIG_LIST_MAX 16 /* entries in disk = [...] and vif = [...] */
#define MICA_CONFIG_MEMORY_MIN (4ULL << 20)
#define MICA_CONFIG_MEMORY_MAX (1ULL << 40)
#define MICA_CONFIG_DEFAULT_MEMORY (128ULL << 20)

struct mica_config {
	char name[MICA_CONFIG_NAME_MAX + 1];
	bool has_uuid; /* else the toolstack generates one */
	struct mica_uuid uuid;
	char *kernel; /* path, absolute after mica_config_load() */
	char *ramdisk; /* path or NULL */
	char *cmdline; /* never NULL ("" by default) */
	uint64_t memory; /* bytes, a multiple of 4 KiB */
	unsigned int vcpus; /* 1..MICA_DOMCTL_MAX_VCPUS */
	enum mica_config_action on_poweroff, on_reboot, on_crash;
	/* Device specifications, opaque until the PV I/O back ends land. */
	char *disks[MICA_CONFIG_LIST_MAX];
	unsigned int nr_disks;
	char *vifs[MICA_CONFIG_LIST_MAX];
	unsigned int nr_vifs;
};

/*
 * Parses @len bytes of configuration text.  @filename is used in messages
 * only.  Relative paths are kept as written.  Returns 0, -EINVAL (syntax
 * or value error, message in @err) or -ENOMEM.  On failure @config is left
 * empty (mica_config_release() is still safe).
 */
int mica_config_parse(const char *text, size_t len, const char *filename,
		      struct mica_config *config, struct mica_error *err);

/*
 * Reads and parses the file @path; kernel and ramdisk paths relative to
 * the file's directory are made absolute.  Errors as above, plus the
 * errno of opening or reading the file (the message names it).
 */
int mica_config_load(const char *path, struct mica_config *config,
		     struct mica_error *err);

/* Frees what @config owns and zeroes it. */
void mica_config_release(struct mica_config *config);

/* The canonical text of @config (NUL-terminated; free() it), or NULL. */
char *mica_config_format(const struct mica_config *config);

/* @config as a JSON object (for `mica info --json`), or NULL. */
struct mica_json *mica_config_to_json(const struct mica_config *config);

/* "destroy", "restart", "preserve". */
const char *mica_config_action_name(enum mica_config_action action);

#endif
