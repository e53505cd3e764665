/* SPDX-License-Identifier: MIT */
#ifndef MICA_CLI_H
#define MICA_CLI_H

/*
 * The `mica` command: one entry per subcommand in a table (main.c), one
 * file per group.  Exit codes: CLI_OK, CLI_FAILED (the operation failed;
 * the message on stderr says what and why), CLI_USAGE (bad command line).
 */

#include <stdbool.h>
#include <stdint.h>

#include <mica/error.h>

#define CLI_OK 0
#define CLI_FAILED 1
#define CLI_USAGE 2

struct mica_hv;
struct mica_store;

struct cli_command {
	const char *name;
	const char *args; /* "<domain>", "<config> [-c] [-p]" */
	const char *summary;
	const char *help; /* options, one per line */
	int (*run)(int argc, char **argv);
};

/* Prints "mica: MESSAGE" on stderr; returns CLI_FAILED. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "mica COMMAND: MESSAGE" and the command's usage line; CLI_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parses the command's options: returns the index of the first operand,
 * or -(exit code + 1) when the command is over: -(CLI_USAGE + 1) after
 * a usage message, -(CLI_OK + 1) after printing --help.
 * @flags lists the single-letter flags accepted ("cp"); each found is set
 * in @found (by letter, 'a'..'z'); @json accepts --json.
 */
int cli_options(int argc, char **argv, const char *flags, bool found[26],
		bool *json);

/* The hypervisor and the store; NULL after printing the reason. */
struct mica_hv *cli_hv(void);
struct mica_store *cli_store(void);

/*
 * Resolves a domain named on the command line: a domain id, or a name
 * (found through /mica/name/NAME).  Returns 0 with *domid, or prints
 * "mica: no domain 'X'" and returns -ESRCH.
 */
int cli_resolve(struct mica_store *store, const char *arg, uint16_t *domid);

int cli_console_attach(uint16_t domid);

int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_uuid(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_console(int argc, char **argv);

extern const struct cli_command *cli_current;

#endif
