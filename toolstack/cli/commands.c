// SPDX-License-Identifier: MIT
/* The domain commands of `mica`: create, list, info, uuid, destroy,
 * shutdown, reboot, pause, unpause, console. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/config.h>
#include <mica/domain.h>
#include <mica/hv.h>
#include <mica/json.h>
#include <mica/store.h>
#include <mica/uuid.h>

#include "cli.h"
#include "public/sched.h"

#define LIST_BATCH 64

/* Options, then exactly @operands operands; returns the first operand's
 * index or -(exit code + 1). */
static int parse(int argc, char **argv, const char *flags, bool found[26],
		 bool *json, int operands)
{
	int i = cli_options(argc, argv, flags, found, json);

	if (i < 0)
		return i;
	if (argc - i != operands) {
		if (argc - i < operands)
			cli_usage_error(cli_current->name, "missing %s",
					cli_current->args);
		else
			cli_usage_error(cli_current->name,
					"unexpected argument '%s'",
					argv[i + operands]);
		return -(CLI_USAGE + 1);
	}
	return i;
}

/* Opens what a command needs and resolves its domain operand. */
struct session {
	struct mica_hv *hv;
	struct mica_store *store;
	uint16_t domid;
};

static int open_session(struct session *s, const char *domain)
{
	s->hv = cli_hv();
	if (!s->hv)
		return CLI_FAILED;
	s->store = cli_store();
	if (!s->store || (domain && cli_resolve(s->store, domain, &s->domid))) {
		mica_store_close(s->store);
		mica_hv_close(s->hv);
		return CLI_FAILED;
	}
	return CLI_OK;
}

static void close_session(struct session *s)
{
	mica_store_close(s->store);
	mica_hv_close(s->hv);
}

/* The name given at creation (dom0's record, not the guest's). */
static char *domain_name(struct mica_store *store,
			 const struct mica_domctl_domain_info *d)
{
	char *name = d->domid ? mica_domain_vm_read(store, d->domid, d->uuid,
						    "name") :
				NULL;

	return name ? name : strdup(d->domid ? "-" : "Domain-0");
}

int cmd_create(int argc, char **argv)
{
	bool flags[26] = { 0 };
	struct session s;
	struct mica_error err;
	uint16_t domid;
	int i = parse(argc, argv, "cp", flags, NULL, 1), ret;

	if (i < 0)
		return -i - 1;
	if (open_session(&s, NULL))
		return CLI_FAILED;
	ret = mica_domain_create(s.hv, s.store, argv[i], false,
				 flags['p' - 'a'], &domid, &err);
	close_session(&s);
	if (ret)
		return cli_fail("%s", err.message);
	printf("%u\n", domid);
	fflush(stdout);
	return flags['c' - 'a'] ?
		       (cli_console_attach(domid) ? CLI_FAILED : CLI_OK) :
		       CLI_OK;
}

static struct mica_json *info_json(struct mica_store *store,
				   const struct mica_domctl_domain_info *d)
{
	struct mica_json *o = mica_json_new_object();
	char uuid[MICA_UUID_STRLEN + 1], *name = domain_name(store, d);
	struct mica_uuid u;
	int ret;

	memcpy(u.bytes, d->uuid, sizeof(u.bytes));
	mica_uuid_format(&u, uuid);
	ret = !o || !name;
	if (!ret)
		ret = mica_json_object_add(o, "domid",
					   mica_json_new_integer(d->domid));
	if (!ret)
		ret = mica_json_object_add(o, "name",
					   mica_json_new_cstring(name));
	if (!ret)
		ret = mica_json_object_add(o, "uuid",
					   mica_json_new_cstring(uuid));
	if (!ret)
		ret = mica_json_object_add(
			o, "state",
			mica_json_new_cstring(mica_hv_state_name(d->flags)));
	if (!ret && (d->flags & MICA_DOMINFO_SHUTDOWN))
		ret = mica_json_object_add(
			o, "shutdown_reason",
			mica_json_new_cstring(
				mica_hv_shutdown_name(d->shutdown_reason)));
	if (!ret)
		ret = mica_json_object_add(
			o, "memory_kib",
			mica_json_new_integer((int64_t)d->nr_pages * 4));
	if (!ret)
		ret = mica_json_object_add(
			o, "max_memory_kib",
			mica_json_new_integer((int64_t)d->max_pages * 4));
	if (!ret)
		ret = mica_json_object_add(o, "vcpus",
					   mica_json_new_integer(d->max_vcpus));
	if (!ret)
		ret = mica_json_object_add(
			o, "online_vcpus",
			mica_json_new_integer(d->nr_online_vcpus));
	free(name);
	if (ret) {
		mica_json_free(o);
		return NULL;
	}
	return o;
}

static int print_json(struct mica_json *value)
{
	char *text;
	int ret = value ? mica_json_format(value, MICA_JSON_PRETTY, &text, NULL,
					   NULL) :
			  -ENOMEM;

	mica_json_free(value);
	if (ret)
		return cli_fail("out of memory");
	printf("%s\n", text);
	free(text);
	return CLI_OK;
}

int cmd_list(int argc, char **argv)
{
	struct mica_domctl_domain_info buf[LIST_BATCH];
	bool flags[26] = { 0 }, json = false;
	struct mica_json *array = NULL;
	struct session s;
	uint16_t first = 0, next;
	uint32_t nr, k;
	int i = parse(argc, argv, NULL, flags, &json, 0), ret;

	if (i < 0)
		return -i - 1;
	if (open_session(&s, NULL))
		return CLI_FAILED;
	if (json)
		array = mica_json_new_array();
	else
		printf("%-5s %-20s %-9s %9s %5s  %s\n", "ID", "NAME", "STATE",
		       "MEM(MiB)", "VCPUS", "UUID");
	do {
		ret = s.hv->ops->list(s.hv, first, buf, LIST_BATCH, &nr, &next);
		if (ret) {
			close_session(&s);
			mica_json_free(array);
			return cli_fail("cannot list domains: %s",
					strerror(-ret));
		}
		for (k = 0; k < nr; k++) {
			char uuid[MICA_UUID_STRLEN + 1], *name;
			struct mica_uuid u;

			if (json) {
				mica_json_array_append(
					array, info_json(s.store, &buf[k]));
				continue;
			}
			memcpy(u.bytes, buf[k].uuid, sizeof(u.bytes));
			mica_uuid_format(&u, uuid);
			name = domain_name(s.store, &buf[k]);
			printf("%-5u %-20s %-9s %9llu %5u  %s\n", buf[k].domid,
			       name ? name : "-",
			       mica_hv_state_name(buf[k].flags),
			       (unsigned long long)(buf[k].nr_pages >> 8),
			       buf[k].max_vcpus, uuid);
			free(name);
		}
		first = next;
	} while (next != MICA_DOMID_INVALID);
	close_session(&s);
	return json ? print_json(array) : CLI_OK;
}

int cmd_info(int argc, char **argv)
{
	struct mica_domctl_domain_info d;
	bool flags[26] = { 0 }, json = false;
	struct mica_json *o;
	struct session s;
	char *config;
	int i = parse(argc, argv, NULL, flags, &json, 1), ret;

	if (i < 0)
		return -i - 1;
	if (open_session(&s, argv[i]))
		return CLI_FAILED;
	ret = s.hv->ops->get_info(s.hv, s.domid, &d);
	if (ret) {
		close_session(&s);
		return cli_fail("domain %s: %s", argv[i],
				ret == -ESRCH ? "no such domain" :
						strerror(-ret));
	}
	o = info_json(s.store, &d);
	config = mica_domain_vm_read(s.store, s.domid, d.uuid, "config");
	close_session(&s);
	if (json) {
		struct mica_config c;

		if (config &&
		    !mica_config_parse(config, strlen(config), "", &c, NULL)) {
			mica_json_object_add(o, "config",
					     mica_config_to_json(&c));
			mica_config_release(&c);
		}
		free(config);
		return print_json(o);
	}
	/* "key: value" lines in the JSON's order, then the configuration. */
	for (size_t k = 0; o && k < mica_json_length(o); k++) {
		struct mica_json *v = mica_json_object_value_at(o, k);

		if (mica_json_type(v) == MICA_JSON_INTEGER)
			printf("%s: %lld\n", mica_json_object_key_at(o, k),
			       (long long)mica_json_integer(v));
		else
			printf("%s: %s\n", mica_json_object_key_at(o, k),
			       mica_json_string(v, NULL));
	}
	mica_json_free(o);
	if (config) {
		char *line, *save = NULL;

		printf("config:\n");
		for (line = strtok_r(config, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("    %s\n", line);
		free(config);
	}
	return CLI_OK;
}

int cmd_uuid(int argc, char **argv)
{
	struct mica_domctl_domain_info d;
	char uuid[MICA_UUID_STRLEN + 1];
	bool flags[26] = { 0 };
	struct mica_uuid u;
	struct session s;
	int i = parse(argc, argv, NULL, flags, NULL, 1), ret;

	if (i < 0)
		return -i - 1;
	if (open_session(&s, argv[i]))
		return CLI_FAILED;
	ret = s.hv->ops->get_info(s.hv, s.domid, &d);
	close_session(&s);
	if (ret)
		return cli_fail("domain %s: %s", argv[i],
				ret == -ESRCH ? "no such domain" :
						strerror(-ret));
	memcpy(u.bytes, d.uuid, sizeof(u.bytes));
	mica_uuid_format(&u, uuid);
	printf("%s\n", uuid);
	return CLI_OK;
}

int cmd_destroy(int argc, char **argv)
{
	bool flags[26] = { 0 };
	struct mica_error err;
	struct session s;
	int i = parse(argc, argv, NULL, flags, NULL, 1), ret;

	if (i < 0)
		return -i - 1;
	if (open_session(&s, argv[i]))
		return CLI_FAILED;
	ret = mica_domain_destroy(s.hv, s.store, s.domid, &err);
	close_session(&s);
	return ret ? cli_fail("%s", err.message) : CLI_OK;
}

/* After a forced shutdown: what the configuration says (mica/domain.h).
 * A restart prints the new domain's id. */
static int apply_action(struct session *s)
{
	enum mica_shutdown_outcome outcome;
	struct mica_error err;
	uint16_t domid;

	if (mica_domain_handle_shutdown(s->hv, s->store, s->domid, &outcome,
					&domid, &err))
		return cli_fail("%s", err.message);
	if (outcome == MICA_SHUTDOWN_RESTARTED)
		printf("%u\n", domid);
	return CLI_OK;
}

static int shutdown_common(int argc, char **argv, uint32_t reason)
{
	bool flags[26] = { 0 };
	struct session s;
	const char *request = reason == MICA_SHUTDOWN_reboot ? "reboot" :
							       "poweroff";
	int i = parse(argc, argv, "f", flags, NULL, 1), ret;

	if (i < 0)
		return -i - 1;
	if (open_session(&s, argv[i]))
		return CLI_FAILED;
	if (!s.domid) {
		close_session(&s);
		return cli_fail("domain 0 is shut down from inside");
	}
	if (!flags['f' - 'a']) {
		/* Ask the guest; it shuts itself down (docs/cli.md). */
		char path[64];
		struct mica_error err;

		snprintf(path, sizeof(path),
			 "/local/domain/%u/control/shutdown", s.domid);
		ret = mica_store_write(s.store, MICA_STORE_NO_TX, path, request,
				       strlen(request), &err);
		close_session(&s);
		return ret ? cli_fail("domain %s: %s", argv[i], err.message) :
			     CLI_OK;
	}
	ret = s.hv->ops->shutdown(s.hv, s.domid, reason);
	if (ret && ret != -EALREADY) {
		close_session(&s);
		return cli_fail("domain %s: %s", argv[i],
				ret == -ESRCH ? "no such domain" :
						strerror(-ret));
	}
	ret = apply_action(&s);
	close_session(&s);
	return ret;
}

int cmd_shutdown(int argc, char **argv)
{
	return shutdown_common(argc, argv, MICA_SHUTDOWN_poweroff);
}

int cmd_reboot(int argc, char **argv)
{
	return shutdown_common(argc, argv, MICA_SHUTDOWN_reboot);
}

static int pause_common(int argc, char **argv, bool pause)
{
	bool flags[26] = { 0 };
	struct session s;
	int i = parse(argc, argv, NULL, flags, NULL, 1), ret;

	if (i < 0)
		return -i - 1;
	if (open_session(&s, argv[i]))
		return CLI_FAILED;
	ret = pause ? s.hv->ops->pause(s.hv, s.domid) :
		      s.hv->ops->unpause(s.hv, s.domid);
	close_session(&s);
	if (!ret)
		return CLI_OK;
	if (ret == -ESRCH)
		return cli_fail("domain %s: no such domain", argv[i]);
	if (ret == -EPERM)
		return cli_fail("domain %s: domain 0 cannot be paused",
				argv[i]);
	if (ret == -EINVAL && !pause)
		return cli_fail("domain %s: not paused", argv[i]);
	return cli_fail("domain %s: %s", argv[i], strerror(-ret));
}

int cmd_pause(int argc, char **argv)
{
	return pause_common(argc, argv, true);
}

int cmd_unpause(int argc, char **argv)
{
	return pause_common(argc, argv, false);
}

int cmd_console(int argc, char **argv)
{
	bool flags[26] = { 0 };
	struct session s;
	int i = parse(argc, argv, NULL, flags, NULL, 1);

	if (i < 0)
		return -i - 1;
	if (open_session(&s, argv[i]))
		return CLI_FAILED;
	close_session(&s);
	return cli_console_attach(s.domid) ? CLI_FAILED : CLI_OK;
}
