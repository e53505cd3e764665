// SPDX-License-Identifier: MIT
/*
 * Creating and destroying domains together with their store records, and
 * applying on_poweroff / on_reboot / on_crash (mica/domain.h):
 *   /local/domain/N/{name,vm,domid,memory/target,console/ring-ref,
 *                    console/port,store/ring-ref,store/port}
 *                                         owned by domain N
 *   /vm/UUID/{name,domid,config}          dom0 only
 *   /mica/name/NAME = N                   dom0 only: name -> id in O(1)
 *   /mica/claim/N                         dom0 only: on_* in progress/done
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mica/build.h>
#include <mica/config.h>
#include <mica/domain.h>
#include <mica/error.h>
#include <mica/hv.h>
#include <mica/store.h>

#include "public/sched.h"

#define TX_RETRIES 16

/* Reads a kernel or ramdisk; one larger than @max cannot fit the domain. */
static int read_file(const char *path, uint64_t max, uint8_t **out, size_t *len,
		     struct mica_error *err)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	long size;

	if (!f)
		return mica_error_set(err, errno, "%s: %s", path,
				      strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return mica_error_set(err, EINVAL, "%s: not a regular file",
				      path);
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return mica_error_set(err, EIO, "%s: cannot read", path);
	}
	if ((uint64_t)size > max) {
		fclose(f);
		return mica_error_set(err, EFBIG,
				      "%s: %ld bytes do not fit in the "
				      "domain's memory",
				      path, size);
	}
	*out = malloc(size ? (size_t)size : 1);
	errno = 0;
	if (!*out || fread(*out, 1, (size_t)size, f) != (size_t)size) {
		int code = errno ? errno : EIO;

		free(*out);
		fclose(f);
		return mica_error_set(err, code, "%s: cannot read: %s", path,
				      strerror(code));
	}
	*len = (size_t)size;
	fclose(f);
	return 0;
}

static int write_str(struct mica_store *s, uint32_t tx, const char *value,
		     struct mica_error *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int write_str(struct mica_store *s, uint32_t tx, const char *value,
		     struct mica_error *err, const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return mica_store_write(s, tx, path, value, strlen(value), err);
}

/* One transaction: the name must still be free; all records written. */
static int store_records(struct mica_store *s, const struct mica_config *c,
			 const char *uuid, uint16_t domid,
			 const struct mica_build_result *res,
			 const char *canonical, struct mica_error *err)
{
	char id[16], kib[32], ring[32], path[128], *existing;
	struct mica_store_perms perms = { .owner = domid,
					  .other = MICA_STORE_ACCESS_NONE };
	int ret, tries;
	uint32_t tx;

	snprintf(id, sizeof(id), "%u", domid);
	snprintf(kib, sizeof(kib), "%llu",
		 (unsigned long long)(c->memory >> 10));
	for (tries = 0; tries < TX_RETRIES; tries++) {
		ret = mica_store_tx_start(s, &tx, err);
		if (ret)
			return ret;
		snprintf(path, sizeof(path), "/mica/name/%s", c->name);
		if (!mica_store_read(s, tx, path, &existing, NULL, NULL)) {
			ret = mica_error_set(err, EEXIST,
					     "a domain named '%s' exists "
					     "(domain %s)",
					     c->name, existing);
			free(existing);
			mica_store_tx_abort(s, tx, NULL);
			return ret;
		}
		snprintf(path, sizeof(path), "/vm/%s/domid", uuid);
		if (!mica_store_read(s, tx, path, &existing, NULL, NULL)) {
			ret = mica_error_set(err, EEXIST,
					     "a domain with UUID %s exists "
					     "(domain %s)",
					     uuid, existing);
			free(existing);
			mica_store_tx_abort(s, tx, NULL);
			return ret;
		}
		/* The guest's directory and its perms first: the nodes
		 * written below inherit them (the guest may read its own
		 * name and id). */
		snprintf(path, sizeof(path), "/local/domain/%u", domid);
		ret = mica_store_mkdir(s, tx, path, err);
		if (!ret)
			ret = mica_store_set_perms(s, tx, path, &perms, err);
		if (!ret)
			ret = write_str(s, tx, id, err, "/mica/name/%s",
					c->name);
		if (!ret)
			ret = write_str(s, tx, c->name, err, "/vm/%s/name",
					uuid);
		if (!ret)
			ret = write_str(s, tx, id, err, "/vm/%s/domid", uuid);
		if (!ret)
			ret = write_str(s, tx, canonical, err, "/vm/%s/config",
					uuid);
		if (!ret)
			ret = write_str(s, tx, c->name, err,
					"/local/domain/%u/name", domid);
		if (!ret)
			ret = write_str(s, tx, id, err,
					"/local/domain/%u/domid", domid);
		if (!ret) {
			snprintf(path, sizeof(path), "/vm/%s", uuid);
			ret = write_str(s, tx, path, err, "/local/domain/%u/vm",
					domid);
		}
		if (!ret)
			ret = write_str(s, tx, kib, err,
					"/local/domain/%u/memory/target",
					domid);
		if (!ret) {
			snprintf(ring, sizeof(ring), "%llu",
				 (unsigned long long)res->console_mfn);
			ret = write_str(s, tx, ring, err,
					"/local/domain/%u/console/ring-ref",
					domid);
		}
		if (!ret) {
			snprintf(ring, sizeof(ring), "%u", res->console_evtchn);
			ret = write_str(s, tx, ring, err,
					"/local/domain/%u/console/port", domid);
		}
		if (!ret) {
			snprintf(ring, sizeof(ring), "%u", res->store_evtchn);
			ret = write_str(s, tx, ring, err,
					"/local/domain/%u/store/port", domid);
		}
		if (!ret) {
			snprintf(ring, sizeof(ring), "%llu",
				 (unsigned long long)res->store_mfn);
			ret = write_str(s, tx, ring, err,
					"/local/domain/%u/store/ring-ref",
					domid);
		}
		if (ret) {
			mica_store_tx_abort(s, tx, NULL);
			return ret;
		}
		ret = mica_store_tx_commit(s, tx, err);
		if (ret != -EAGAIN)
			return ret;
	}
	return ret;
}

/* The store value at @path equals @expected. */
static bool store_equals(struct mica_store *s, const char *path,
			 const char *expected)
{
	char *value = NULL;
	bool same;

	if (mica_store_read(s, MICA_STORE_NO_TX, path, &value, NULL, NULL))
		return false;
	same = !strcmp(value, expected);
	free(value);
	return same;
}

/*
 * Removes what store_records() wrote for @domid with UUID @uuid; missing
 * nodes are fine.  Only dom0's own records are trusted: the name comes
 * from /vm/UUID/name, and each index entry goes only if it points at
 * @domid (a guest renaming itself in /local/domain/N cannot make this
 * remove another domain's records).
 */
static void remove_records(struct mica_store *s, uint16_t domid,
			   const char *uuid)
{
	char path[128], id[16], *name = NULL;

	snprintf(id, sizeof(id), "%u", domid);
	snprintf(path, sizeof(path), "/vm/%s/domid", uuid);
	if (store_equals(s, path, id)) {
		snprintf(path, sizeof(path), "/vm/%s/name", uuid);
		mica_store_read(s, MICA_STORE_NO_TX, path, &name, NULL, NULL);
		if (name) {
			snprintf(path, sizeof(path), "/mica/name/%s", name);
			if (store_equals(s, path, id))
				mica_store_rm(s, MICA_STORE_NO_TX, path, NULL);
			free(name);
		}
		snprintf(path, sizeof(path), "/vm/%s", uuid);
		mica_store_rm(s, MICA_STORE_NO_TX, path, NULL);
	}
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	mica_store_rm(s, MICA_STORE_NO_TX, path, NULL);
	snprintf(path, sizeof(path), "/mica/claim/%u", domid);
	mica_store_rm(s, MICA_STORE_NO_TX, path, NULL);
}

static void format_uuid(const uint8_t bytes[16], char out[MICA_UUID_STRLEN + 1])
{
	struct mica_uuid u;

	memcpy(u.bytes, bytes, sizeof(u.bytes));
	mica_uuid_format(&u, out);
}

char *mica_domain_vm_read(struct mica_store *store, uint16_t domid,
			  const uint8_t uuid_bytes[16], const char *key)
{
	char uuid[MICA_UUID_STRLEN + 1], path[128], id[16], *value = NULL;

	format_uuid(uuid_bytes, uuid);
	snprintf(id, sizeof(id), "%u", domid);
	snprintf(path, sizeof(path), "/vm/%s/domid", uuid);
	if (!store_equals(store, path, id))
		return NULL;
	snprintf(path, sizeof(path), "/vm/%s/%s", uuid, key);
	if (mica_store_read(store, MICA_STORE_NO_TX, path, &value, NULL, NULL))
		return NULL;
	return value;
}

int mica_domain_create(struct mica_hv *hv, struct mica_store *store,
		       const char *source, bool from_text, bool paused,
		       uint16_t *domid_out, struct mica_error *err)
{
	struct mica_config c;
	struct mica_hv_create args = { .domid = MICA_DOMID_ANY };
	struct mica_build_input in = { 0 };
	struct mica_build_result res;
	char uuid[MICA_UUID_STRLEN + 1], path[128], *canonical = NULL, *v;
	uint8_t *kernel = NULL, *ramdisk = NULL;
	uint16_t domid;
	int ret;

	ret = from_text ? mica_config_parse(source, strlen(source),
					    "stored configuration", &c, err) :
			  mica_config_load(source, &c, err);
	if (ret)
		return ret;
	/* Fail early, before any work, if the name is taken. */
	snprintf(path, sizeof(path), "/mica/name/%s", c.name);
	if (!mica_store_read(store, MICA_STORE_NO_TX, path, &v, NULL, NULL)) {
		ret = mica_error_set(err, EEXIST,
				     "a domain named '%s' exists (domain %s)",
				     c.name, v);
		free(v);
		goto out_config;
	}
	if (!c.has_uuid) {
		mica_uuid_generate(&c.uuid);
		c.has_uuid = true;
	}
	mica_uuid_format(&c.uuid, uuid);
	canonical = mica_config_format(&c);
	ret = read_file(c.kernel, c.memory, &kernel, &in.kernel_len, err);
	if (!ret && c.ramdisk)
		ret = read_file(c.ramdisk, c.memory, &ramdisk, &in.module_len,
				err);
	if (ret || !canonical) {
		ret = ret ? ret : mica_error_set(err, ENOMEM, "out of memory");
		goto out_files;
	}
	in.kernel = kernel;
	in.module = ramdisk;
	in.cmdline = c.cmdline;
	args.max_vcpus = c.vcpus;
	/* The shared-info page counts against the limit (docs/abi.md): one
	 * more than the memory the guest is given. */
	args.max_pages = (c.memory >> MICA_PAGE_SHIFT) + 1;
	memcpy(args.uuid, c.uuid.bytes, sizeof(args.uuid));
	ret = hv->ops->create(hv, &args, &domid);
	if (ret) {
		mica_error_set(err, -ret, "the hypervisor refused: %s",
			       strerror(-ret));
		goto out_files;
	}
	ret = mica_build_domain(hv, domid, &in, c.memory >> MICA_PAGE_SHIFT,
				&res, err);
	if (!ret)
		ret = store_records(store, &c, uuid, domid, &res, canonical,
				    err);
	if (!ret)
		ret = mica_store_introduce(store, domid, err);
	if (!ret && !paused) {
		ret = hv->ops->unpause(hv, domid);
		if (ret)
			mica_error_set(err, -ret, "unpause: %s",
				       strerror(-ret));
	}
	if (ret) {
		struct mica_error ignored;

		if (err->code != EEXIST)
			remove_records(store, domid, uuid);
		mica_store_release(store, domid, &ignored);
		hv->ops->destroy(hv, domid);
		goto out_files;
	}
	*domid_out = domid;
out_files:
	free(kernel);
	free(ramdisk);
	free(canonical);
out_config:
	if (ret)
		mica_error_prefix(err, "domain '%s'", c.name);
	mica_config_release(&c);
	return ret;
}

int mica_domain_destroy(struct mica_hv *hv, struct mica_store *store,
			uint16_t domid, struct mica_error *err)
{
	struct mica_domctl_domain_info info;
	char uuid[MICA_UUID_STRLEN + 1];
	int ret;

	if (!domid)
		return mica_error_set(err, EPERM,
				      "domain 0 cannot be destroyed");
	ret = hv->ops->get_info(hv, domid, &info);
	if (!ret)
		ret = hv->ops->destroy(hv, domid);
	if (ret)
		return mica_error_set(err, -ret, "domain %u: %s", domid,
				      ret == -ESRCH ? "no such domain" :
						      strerror(-ret));
	format_uuid(info.uuid, uuid);
	remove_records(store, domid, uuid);
	mica_store_release(store, domid, NULL);
	return 0;
}

/*
 * Claims the right to apply @domid's on_* action: /mica/claim/N holds the
 * claimer's pid while it works and "done" once a preserved domain is
 * settled.  Returns 0 (ours), -EALREADY (someone else's, or done) or an
 * error.  A pid that no longer runs loses its claim.
 */
static int claim(struct mica_store *s, uint16_t domid, struct mica_error *err)
{
	char path[64], mine[16], *holder;
	int ret = -EAGAIN, tries;
	uint32_t tx;

	snprintf(path, sizeof(path), "/mica/claim/%u", domid);
	snprintf(mine, sizeof(mine), "%d", (int)getpid());
	for (tries = 0; tries < TX_RETRIES && ret == -EAGAIN; tries++) {
		ret = mica_store_tx_start(s, &tx, err);
		if (ret)
			return ret;
		if (!mica_store_read(s, tx, path, &holder, NULL, NULL)) {
			long pid = strtol(holder, NULL, 10);
			bool alive = !strcmp(holder, "done") ||
				     (pid > 0 && pid != getpid() &&
				      (!kill((pid_t)pid, 0) || errno != ESRCH));

			free(holder);
			if (alive) {
				mica_store_tx_abort(s, tx, NULL);
				return -EALREADY;
			}
		}
		ret = mica_store_write(s, tx, path, mine, strlen(mine), err);
		if (ret) {
			mica_store_tx_abort(s, tx, NULL);
			return ret;
		}
		ret = mica_store_tx_commit(s, tx, err);
	}
	return ret;
}

static enum mica_config_action action_for(const struct mica_config *c,
					  uint32_t reason)
{
	switch (reason) {
	case MICA_SHUTDOWN_poweroff:
		return c->on_poweroff;
	case MICA_SHUTDOWN_reboot:
		return c->on_reboot;
	default: /* crash, watchdog, anything unknown */
		return c->on_crash;
	}
}

int mica_domain_handle_shutdown(struct mica_hv *hv, struct mica_store *store,
				uint16_t domid,
				enum mica_shutdown_outcome *outcome,
				uint16_t *new_domid, struct mica_error *err)
{
	struct mica_domctl_domain_info info;
	enum mica_config_action action = MICA_ACTION_DESTROY;
	struct mica_config c;
	char *config;
	int ret;

	if (!domid)
		return mica_error_set(err, EPERM, "domain 0: not handled here");
	ret = hv->ops->get_info(hv, domid, &info);
	if (ret)
		return mica_error_set(err, -ret, "domain %u: %s", domid,
				      ret == -ESRCH ? "no such domain" :
						      strerror(-ret));
	if (!(info.flags & MICA_DOMINFO_SHUTDOWN) ||
	    (info.flags & MICA_DOMINFO_DYING))
		return mica_error_set(err, EINVAL, "domain %u: not shut down",
				      domid);
	if (info.shutdown_reason == MICA_SHUTDOWN_suspend) {
		*outcome = MICA_SHUTDOWN_LEFT_SUSPENDED;
		return 0;
	}
	ret = claim(store, domid, err);
	if (ret == -EALREADY) {
		*outcome = MICA_SHUTDOWN_HANDLED_ELSEWHERE;
		return 0;
	}
	if (ret)
		return mica_error_prefix(err, "domain %u: claim", domid);
	config = mica_domain_vm_read(store, domid, info.uuid, "config");
	if (config) {
		if (!mica_config_parse(config, strlen(config), "", &c, NULL)) {
			action = action_for(&c, info.shutdown_reason);
			mica_config_release(&c);
		}
	}
	if (action == MICA_ACTION_PRESERVE) {
		char path[64];

		free(config);
		snprintf(path, sizeof(path), "/mica/claim/%u", domid);
		*outcome = MICA_SHUTDOWN_PRESERVED;
		return mica_store_write(store, MICA_STORE_NO_TX, path, "done",
					4, err);
	}
	ret = mica_domain_destroy(hv, store, domid, err);
	*outcome = MICA_SHUTDOWN_DESTROYED;
	if (!ret && action == MICA_ACTION_RESTART) {
		if (!config)
			ret = mica_error_set(err, ENOENT,
					     "domain %u: no stored "
					     "configuration to restart from",
					     domid);
		else
			ret = mica_domain_create(hv, store, config, true, false,
						 new_domid, err);
		if (!ret)
			*outcome = MICA_SHUTDOWN_RESTARTED;
		else
			mica_error_prefix(err, "restart failed, destroyed");
	}
	free(config);
	return ret;
}

const char *mica_shutdown_outcome_name(enum mica_shutdown_outcome outcome)
{
	switch (outcome) {
	case MICA_SHUTDOWN_DESTROYED:
		return "destroyed";
	case MICA_SHUTDOWN_RESTARTED:
		return "restarted";
	case MICA_SHUTDOWN_PRESERVED:
		return "preserved";
	case MICA_SHUTDOWN_LEFT_SUSPENDED:
		return "left suspended";
	case MICA_SHUTDOWN_HANDLED_ELSEWHERE:
		return "handled by another process";
	}
	return "?";
}
