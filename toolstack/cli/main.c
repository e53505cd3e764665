// SPDX-License-Identifier: MIT
/* The `mica` command: dispatch, options, shared helpers.  See mica.1. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/hv.h>
#include <mica/store.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{ "create", "<config>", "create a domain from a configuration file",
	  "  -c      attach to its console once it runs\n"
	  "  -p      leave it paused\n",
	  cmd_create },
	{ "list", "", "list the domains", "  --json  one JSON array\n",
	  cmd_list },
	{ "info", "<domain>", "show a domain's state and configuration",
	  "  --json  one JSON object\n", cmd_info },
	{ "uuid", "<domain>", "print a domain's UUID", "", cmd_uuid },
	{ "destroy", "<domain>", "stop a domain at once and free it", "",
	  cmd_destroy },
	{ "shutdown", "<domain>", "shut a domain down",
	  "  -f      force: stop it from outside instead of asking the guest\n",
	  cmd_shutdown },
	{ "reboot", "<domain>", "restart a domain with its configuration", "",
	  cmd_reboot },
	{ "pause", "<domain>", "stop a domain's vcpus", "", cmd_pause },
	{ "unpause", "<domain>", "let a paused domain run again", "",
	  cmd_unpause },
	{ "console", "<domain>",
	  "attach to a domain's console (Ctrl-] detaches)", "", cmd_console },
};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cli_command *cli_current;

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: mica <command> [options] [arguments]\n\n"
		     "commands:\n");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out, "\n'mica <command> --help' describes a command; see also "
		     "mica(1).\n");
}

static void command_usage(FILE *out, const struct cli_command *c)
{
	fprintf(out, "usage: mica %s [options]%s%s\n", c->name,
		c->args[0] ? " " : "", c->args);
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("mica: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_FAILED;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mica %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	command_usage(stderr, cli_current);
	return CLI_USAGE;
}

int cli_options(int argc, char **argv, const char *flags, bool found[26],
		bool *json)
{
	const struct cli_command *c = cli_current;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			command_usage(stdout, c);
			printf("\n%s.\n", c->summary);
			if (c->help[0] || json)
				printf("\noptions:\n%s", c->help);
			printf("  --help  this text\n");
			return -(CLI_OK + 1);
		}
		if (json && !strcmp(a, "--json")) {
			*json = true;
			continue;
		}
		if (a[1] != '-' && !a[2] && flags && strchr(flags, a[1]) &&
		    a[1] >= 'a' && a[1] <= 'z') {
			found[a[1] - 'a'] = true;
			continue;
		}
		cli_usage_error(c->name, "unknown option '%s'", a);
		return -(CLI_USAGE + 1);
	}
	return i;
}

struct mica_hv *cli_hv(void)
{
	struct mica_hv *hv = NULL;
	struct mica_error err;

	if (mica_hv_open(&hv, &err)) {
		cli_fail("%s", err.message);
		return NULL;
	}
	return hv;
}

struct mica_store *cli_store(void)
{
	struct mica_store *store = NULL;
	struct mica_error err;

	if (mica_store_open(NULL, &store, &err)) {
		cli_fail("cannot reach the store: %s (is mica-stored "
			 "running?)",
			 err.message);
		return NULL;
	}
	return store;
}

int cli_resolve(struct mica_store *store, const char *arg, uint16_t *domid)
{
	char path[128], *value = NULL, *end;
	unsigned long n;

	if (arg[0] >= '0' && arg[0] <= '9') {
		errno = 0;
		n = strtoul(arg, &end, 10);
		if (*end || errno || n >= MICA_DOMID_FIRST_RESERVED) {
			cli_fail("'%s' is not a domain id", arg);
			return -EINVAL;
		}
		*domid = (uint16_t)n;
		return 0;
	}
	if (strlen(arg) > 64 || strchr(arg, '/') ||
	    snprintf(path, sizeof(path), "/mica/name/%s", arg) < 0 ||
	    mica_store_read(store, MICA_STORE_NO_TX, path, &value, NULL,
			    NULL)) {
		cli_fail("no domain '%s'", arg);
		return -ESRCH;
	}
	*domid = (uint16_t)strtoul(value, NULL, 10);
	free(value);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_OK;
	}
	for (i = 0; i < NR_COMMANDS; i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			cli_current = &commands[i];
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "mica: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
