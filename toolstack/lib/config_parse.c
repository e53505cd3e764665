// SPDX-License-Identifier: MIT
/* Domain configuration files: parsing and checking; see docs/config.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/config.h>
#include <mica/error.h>

#include "config_lex.h"
#include "public/domctl.h"
#include "public/start_info.h"

struct parser {
	struct config_lexer lex;
	struct config_token tok;
	const char *filename;
	struct mica_config *config;
	struct mica_error *err;
};

enum value_kind {
	VALUE_STRING,
	VALUE_INTEGER,
	VALUE_LIST,
};

struct key_def {
	const char *name;
	enum value_kind kind;
	/* Checks and stores the value in tok (the list, for VALUE_LIST). */
	int (*set)(struct parser *p, const struct key_def *key);
};

/* Reports an error at the current token. */
static int __attribute__((format(printf, 2, 3)))
parse_error(struct parser *p, const char *fmt, ...)
{
	char what[MICA_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return mica_error_set(p->err, EINVAL, "%s:%u:%u: %s", p->filename,
			      p->tok.line, p->tok.column, what);
}

/* "expected X, found Y" at the current token (the lexer's reason if it is
 * a bad token). */
static int expected(struct parser *p, const char *key, const char *what)
{
	const char *sep = key ? ": " : "";

	if (p->tok.type == CONFIG_TOKEN_ERROR)
		return parse_error(p, "%s%s%s%s%s", key ? key : "", sep,
				   p->tok.error, p->tok.text[0] ? " " : "",
				   p->tok.text);
	return parse_error(p, "%s%sexpected %s, found %s", key ? key : "", sep,
			   what, config_token_describe(&p->tok));
}

static void next(struct parser *p)
{
	config_lexer_next(&p->lex, &p->tok);
}

static int dup_string(struct parser *p, char **out)
{
	*out = strdup(p->tok.text);
	if (!*out)
		return mica_error_set(p->err, ENOMEM, "out of memory");
	return 0;
}

static int set_name(struct parser *p, const struct key_def *key)
{
	const char *s = p->tok.text;
	size_t i;
	bool digits_only = true;

	if (!p->tok.len || p->tok.len > MICA_CONFIG_NAME_MAX)
		return parse_error(p, "%s: expected 1 to %u characters",
				   key->name, MICA_CONFIG_NAME_MAX);
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return parse_error(p,
					   "%s: expected letters, digits, "
					   "'_', '-' or '.', found '%c'",
					   key->name, c);
		if (c < '0' || c > '9')
			digits_only = false;
	}
	if (s[0] == '-' || s[0] == '.' || digits_only)
		return parse_error(p,
				   "%s: must not start with '-' or '.' or be "
				   "all digits (it would read as a domain id)",
				   key->name);
	memcpy(p->config->name, s, p->tok.len + 1);
	return 0;
}

static int set_uuid(struct parser *p, const struct key_def *key)
{
	if (mica_uuid_parse(p->tok.text, &p->config->uuid))
		return parse_error(p,
				   "%s: expected a UUID like "
				   "\"0b6c3c2e-4f8e-4f51-9d4c-2a3f8e1b7c55\"",
				   key->name);
	p->config->has_uuid = true;
	return 0;
}

static int set_path(struct parser *p, const struct key_def *key)
{
	char **slot = !strcmp(key->name, "kernel") ? &p->config->kernel :
						     &p->config->ramdisk;

	if (!p->tok.len)
		return parse_error(p,
				   "%s: expected a file name, found an "
				   "empty string",
				   key->name);
	return dup_string(p, slot);
}

static int set_cmdline(struct parser *p, const struct key_def *key)
{
	if (p->tok.len >= MICA_START_INFO_CMDLINE_SIZE)
		return parse_error(p, "%s: longer than %u bytes", key->name,
				   MICA_START_INFO_CMDLINE_SIZE - 1);
	free(p->config->cmdline);
	return dup_string(p, &p->config->cmdline);
}

static int set_memory(struct parser *p, const struct key_def *key)
{
	uint64_t bytes = p->tok.integer;

	/* A bare number is MiB, as in xl.cfg. */
	if (p->tok.multiplier == 1) {
		if (bytes > (MICA_CONFIG_MEMORY_MAX >> 20))
			bytes = MICA_CONFIG_MEMORY_MAX + 1;
		else
			bytes <<= 20;
	}
	if (bytes < MICA_CONFIG_MEMORY_MIN || bytes > MICA_CONFIG_MEMORY_MAX)
		return parse_error(p, "%s: expected 4M to 1T, found %s",
				   key->name, p->tok.text);
	if (bytes & (MICA_PAGE_SIZE - 1))
		return parse_error(p, "%s: expected a multiple of 4K, found %s",
				   key->name, p->tok.text);
	p->config->memory = bytes;
	return 0;
}

static int set_vcpus(struct parser *p, const struct key_def *key)
{
	if (p->tok.multiplier != 1 || !p->tok.integer ||
	    p->tok.integer > MICA_DOMCTL_MAX_VCPUS)
		return parse_error(p, "%s: expected 1 to %u, found %s",
				   key->name, MICA_DOMCTL_MAX_VCPUS,
				   p->tok.text);
	p->config->vcpus = (unsigned int)p->tok.integer;
	return 0;
}

static int set_action(struct parser *p, const struct key_def *key)
{
	enum mica_config_action *slot, a;

	if (!strcmp(key->name, "on_poweroff"))
		slot = &p->config->on_poweroff;
	else if (!strcmp(key->name, "on_reboot"))
		slot = &p->config->on_reboot;
	else
		slot = &p->config->on_crash;
	for (a = MICA_ACTION_DESTROY; a <= MICA_ACTION_PRESERVE; a++) {
		if (!strcmp(p->tok.text, mica_config_action_name(a))) {
			*slot = a;
			return 0;
		}
	}
	return parse_error(p,
			   "%s: expected \"destroy\", \"restart\" or "
			   "\"preserve\", found \"%s\"",
			   key->name, p->tok.text);
}

/* disk = [...], vif = [...]: the list, checked entry by entry. */
static int set_devices(struct parser *p, const struct key_def *key)
{
	bool disk = !strcmp(key->name, "disk");
	char **items = disk ? p->config->disks : p->config->vifs;
	unsigned int *count = disk ? &p->config->nr_disks : &p->config->nr_vifs;
	int ret;

	next(p); /* past '[' */
	for (;;) {
		while (p->tok.type == CONFIG_TOKEN_NEWLINE)
			next(p);
		if (p->tok.type == CONFIG_TOKEN_RBRACKET)
			break;
		if (p->tok.type != CONFIG_TOKEN_STRING)
			return expected(p, key->name, "a string or ']'");
		if (!p->tok.len)
			return parse_error(p, "%s: empty device specification",
					   key->name);
		if (*count == MICA_CONFIG_LIST_MAX)
			return parse_error(p, "%s: more than %u entries",
					   key->name, MICA_CONFIG_LIST_MAX);
		ret = dup_string(p, &items[*count]);
		if (ret)
			return ret;
		(*count)++;
		next(p);
		while (p->tok.type == CONFIG_TOKEN_NEWLINE)
			next(p);
		if (p->tok.type == CONFIG_TOKEN_COMMA)
			next(p);
		else if (p->tok.type != CONFIG_TOKEN_RBRACKET)
			return expected(p, key->name, "',' or ']'");
	}
	return 0;
}

static const struct key_def keys[] = {
	{ "name", VALUE_STRING, set_name },
	{ "uuid", VALUE_STRING, set_uuid },
	{ "kernel", VALUE_STRING, set_path },
	{ "ramdisk", VALUE_STRING, set_path },
	{ "cmdline", VALUE_STRING, set_cmdline },
	{ "memory", VALUE_INTEGER, set_memory },
	{ "vcpus", VALUE_INTEGER, set_vcpus },
	{ "on_poweroff", VALUE_STRING, set_action },
	{ "on_reboot", VALUE_STRING, set_action },
	{ "on_crash", VALUE_STRING, set_action },
	{ "disk", VALUE_LIST, set_devices },
	{ "vif", VALUE_LIST, set_devices },
};
#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Edit distance of two short words, capped at 3 (enough for "did you
 * mean"). */
static unsigned int distance(const char *a, const char *b)
{
	unsigned int row[65], i, j, la = strlen(a), lb = strlen(b);

	if (la > 64 || lb > 64)
		return 3;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned int diag = row[0], tmp;

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			diag = tmp;
		}
	}
	return row[lb] < 3 ? row[lb] : 3;
}

static int unknown_key(struct parser *p)
{
	const char *best = NULL;
	unsigned int i, d, best_d = 3;

	for (i = 0; i < NR_KEYS; i++) {
		d = distance(p->tok.text, keys[i].name);
		if (d < best_d) {
			best_d = d;
			best = keys[i].name;
		}
	}
	if (best)
		return parse_error(p, "unknown key '%s' (did you mean '%s'?)",
				   p->tok.text, best);
	return parse_error(p, "unknown key '%s'", p->tok.text);
}

static int parse_statement(struct parser *p, unsigned int seen_line[])
{
	const struct key_def *key = NULL;
	static const char *const kind_names[] = {
		[VALUE_STRING] = "a string in double quotes",
		[VALUE_INTEGER] = "an integer",
		[VALUE_LIST] = "a list [\"...\", ...]",
	};
	enum config_token_type want;
	unsigned int i;
	int ret;

	if (p->tok.type != CONFIG_TOKEN_KEY)
		return expected(p, NULL, "a key");
	for (i = 0; i < NR_KEYS; i++)
		if (!strcmp(keys[i].name, p->tok.text))
			key = &keys[i];
	if (!key)
		return unknown_key(p);
	if (seen_line[key - keys])
		return parse_error(p, "key '%s' already set on line %u",
				   key->name, seen_line[key - keys]);
	seen_line[key - keys] = p->tok.line;
	next(p);
	if (p->tok.type != CONFIG_TOKEN_EQUALS)
		return expected(p, key->name, "'='");
	next(p);
	want = key->kind == VALUE_STRING  ? CONFIG_TOKEN_STRING :
	       key->kind == VALUE_INTEGER ? CONFIG_TOKEN_INTEGER :
					    CONFIG_TOKEN_LBRACKET;
	if (p->tok.type != want) {
		if (key->kind == VALUE_INTEGER)
			return expected(p, key->name,
					"an integer with an optional size "
					"suffix (K, M, G, T)");
		return expected(p, key->name, kind_names[key->kind]);
	}
	ret = key->set(p, key);
	if (ret)
		return ret;
	next(p);
	if (p->tok.type != CONFIG_TOKEN_NEWLINE &&
	    p->tok.type != CONFIG_TOKEN_END)
		return expected(p, NULL, "end of line after the value");
	return 0;
}

static void config_defaults(struct mica_config *config)
{
	memset(config, 0, sizeof(*config));
	config->memory = MICA_CONFIG_DEFAULT_MEMORY;
	config->vcpus = 1;
	config->on_poweroff = MICA_ACTION_DESTROY;
	config->on_reboot = MICA_ACTION_RESTART;
	config->on_crash = MICA_ACTION_DESTROY;
}

int mica_config_parse(const char *text, size_t len, const char *filename,
		      struct mica_config *config, struct mica_error *err)
{
	struct parser *p;
	unsigned int seen_line[NR_KEYS] = { 0 };
	int ret = 0;

	config_defaults(config);
	/* The token holds a 4 KiB buffer: keep it off the stack. */
	p = calloc(1, sizeof(*p));
	if (!p)
		return mica_error_set(err, ENOMEM, "out of memory");
	p->filename = filename;
	p->config = config;
	p->err = err;
	config_lexer_init(&p->lex, text, len);
	for (next(p); p->tok.type != CONFIG_TOKEN_END; next(p)) {
		if (p->tok.type == CONFIG_TOKEN_NEWLINE)
			continue;
		ret = parse_statement(p, seen_line);
		if (ret)
			goto out;
		if (p->tok.type == CONFIG_TOKEN_END)
			break;
	}
	if (!config->cmdline) {
		config->cmdline = strdup("");
		if (!config->cmdline) {
			ret = mica_error_set(err, ENOMEM, "out of memory");
			goto out;
		}
	}
	if (!config->name[0])
		ret = mica_error_set(err, EINVAL,
				     "%s: missing 'name' (the domain's name)",
				     filename);
	else if (!config->kernel)
		ret = mica_error_set(err, EINVAL,
				     "%s: missing 'kernel' (the guest kernel "
				     "image)",
				     filename);
out:
	free(p);
	if (ret)
		mica_config_release(config);
	return ret;
}

void mica_config_release(struct mica_config *config)
{
	unsigned int i;

	free(config->kernel);
	free(config->ramdisk);
	free(config->cmdline);
	for (i = 0; i < config->nr_disks; i++)
		free(config->disks[i]);
	for (i = 0; i < config->nr_vifs; i++)
		free(config->vifs[i]);
	memset(config, 0, sizeof(*config));
}

const char *mica_config_action_name(enum mica_config_action action)
{
	switch (action) {
	case MICA_ACTION_DESTROY:
		return "destroy";
	case MICA_ACTION_RESTART:
		return "restart";
	case MICA_ACTION_PRESERVE:
		return "preserve";
	}
	return "?";
}
