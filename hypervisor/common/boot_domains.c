/* SPDX-License-Identifier: MIT */
/* Boot-time domains from the multiboot modules; see mica/boot_domains.h. */
#include <mica/boot_domains.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>

/* The next space-separated word of *s (length in *len), or NULL. */
static const char *next_word(const char **s, size_t *len)
{
	const char *w = *s;

	while (*w == ' ')
		w++;
	if (!*w)
		return NULL;
	*len = strcspn(w, " ");
	*s = w + *len;
	return w;
}

static bool word_is(const char *w, size_t len, const char *key)
{
	return len == strlen(key) && !strncmp(w, key, len);
}

static bool valid_name(const char *w, size_t len)
{
	if (!len || len >= BOOT_DOMAIN_NAME_SIZE)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = w[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return false;
	}
	return true;
}

/* The module's arguments: its command line without the file name. */
static const char *arguments(const struct boot_module *m)
{
	const char *c = m->cmdline;
	size_t len;

	if (next_word(&c, &len))
		while (*c == ' ')
			c++;
	return c;
}

static bool is_domain_module(const struct boot_module *m)
{
	return !strncmp(arguments(m), "domain=", 7);
}

/*
 * Parses one domU's words into bd; returns NULL or a message (written into
 * msg) saying what is wrong.
 */
static const char *parse_domu(const char *args, struct boot_domain *bd,
			      char *msg, size_t size)
{
	const char *w, *end;
	size_t len;

	bd->mem = BOOT_DOMU_DEFAULT_MEM;
	bd->vcpus = 1;
	while ((w = next_word(&args, &len))) {
		if (word_is(w, len, "--")) {
			while (*args == ' ')
				args++;
			if (strlen(args) >= sizeof(bd->cmdline)) {
				snprintf(msg, size, "guest arguments too long");
				return msg;
			}
			strlcpy(bd->cmdline, args, sizeof(bd->cmdline));
			break;
		}
		if (len > 7 && !strncmp(w, "domain=", 7)) {
			if (!valid_name(w + 7, len - 7)) {
				snprintf(msg, size,
					 "bad domain name '%.*s' (1-31 of "
					 "A-Z a-z 0-9 - _ .)",
					 (int)len - 7, w + 7);
				return msg;
			}
			memcpy(bd->name, w + 7, len - 7);
			bd->name[len - 7] = '\0';
		} else if (len > 4 && !strncmp(w, "mem=", 4)) {
			uint64_t mem;

			if (parse_size(w + 4, &end, &mem) || end != w + len ||
			    mem < BOOT_DOMU_MIN_MEM ||
			    mem > BOOT_DOMU_MAX_MEM) {
				snprintf(msg, size,
					 "bad '%.*s' (a size from 4M to 1T)",
					 (int)len, w);
				return msg;
			}
			bd->mem = mem;
		} else if (word_is(w, len, "type=hvm")) {
			bd->hvm = true;
		} else if (word_is(w, len, "type=pv")) {
			bd->hvm = false;
		} else if (len > 6 && !strncmp(w, "vcpus=", 6)) {
			unsigned long n;

			if (parse_ulong(w + 6, &end, &n) || end != w + len ||
			    !n || n > BOOT_DOMAIN_MAX_VCPUS) {
				snprintf(msg, size, "bad '%.*s' (1 to %u)",
					 (int)len, w, BOOT_DOMAIN_MAX_VCPUS);
				return msg;
			}
			bd->vcpus = (unsigned int)n;
		} else {
			snprintf(msg, size,
				 "unknown word '%.*s' (guest arguments go "
				 "after '--')",
				 (int)len, w);
			return msg;
		}
	}
	if (!bd->name[0]) {
		snprintf(msg, size, "domain= must name the domain");
		return msg;
	}
	return NULL;
}

unsigned int boot_domains_parse(const struct boot_module *mods,
				unsigned int nr_mods, struct boot_domain *out,
				void (*report)(unsigned int mod,
					       const char *msg))
{
	unsigned int nr = 0;
	bool last_rejected = false;
	char msg[160];

	if (!nr_mods)
		return 0;
	memset(&out[0], 0, sizeof(out[0]));
	strlcpy(out[0].name, "dom0", sizeof(out[0].name));
	out[0].privileged = true;
	out[0].vcpus = 1;
	out[0].initrd = -1;
	strlcpy(out[0].cmdline, arguments(&mods[0]), sizeof(out[0].cmdline));
	nr = 1;

	for (unsigned int i = 1; i < nr_mods && i < BOOT_MAX_MODULES; i++) {
		struct boot_domain *bd = &out[nr];
		const char *why;

		if (!is_domain_module(&mods[i])) {
			if (last_rejected) {
				report(i, "initrd of a rejected domain; "
					  "ignored");
			} else if (out[nr - 1].initrd >= 0) {
				snprintf(msg, sizeof(msg),
					 "domain '%s' has an initrd already "
					 "(module %d); ignored",
					 out[nr - 1].name, out[nr - 1].initrd);
				report(i, msg);
			} else {
				out[nr - 1].initrd = (int)i;
			}
			continue;
		}
		memset(bd, 0, sizeof(*bd));
		bd->kernel = i;
		bd->initrd = -1;
		why = parse_domu(arguments(&mods[i]), bd, msg, sizeof(msg));
		for (unsigned int j = 0; !why && j < nr; j++) {
			if (!strcmp(out[j].name, bd->name)) {
				snprintf(msg, sizeof(msg),
					 "domain name '%s' is taken", bd->name);
				why = msg;
			}
		}
		last_rejected = why != NULL;
		if (why) {
			report(i, why);
			continue;
		}
		nr++;
	}
	return nr;
}

static void report_module(unsigned int mod, const char *msg)
{
	pr_err("boot: module %u: %s\n", mod, msg);
}

void boot_domains_build(void)
{
	static struct boot_domain domains[BOOT_MAX_MODULES];
	unsigned int nr = boot_domains_parse(boot_info.modules,
					     boot_info.nr_modules, domains,
					     report_module);

	if (boot_info.nr_modules_dropped)
		pr_err("boot: %u modules beyond the first %u ignored\n",
		       boot_info.nr_modules_dropped, BOOT_MAX_MODULES);
	for (unsigned int i = 0; i < nr; i++)
		arch_build_boot_domain(&domains[i], (uint16_t)i);
}
