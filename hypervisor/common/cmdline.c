/* SPDX-License-Identifier: MIT */
/* Command-line parsing against the parameters declared with param_*(). */
#include <mica/cmdline.h>
#include <mica/errno.h>
#include <mica/lib.h>

static const struct param *find_param(const struct param *first,
				      const struct param *last,
				      const char *name, size_t len)
{
	for (const struct param *p = first; p < last; p++)
		if (strlen(p->name) == len && !strncmp(p->name, name, len))
			return p;
	return NULL;
}

static int parse_bool(const char *v, size_t len, bool *out)
{
	static const char *const yes[] = { "1", "yes", "on", "true" };
	static const char *const no[] = { "0", "no", "off", "false" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strlen(yes[i]) == len && !strncmp(v, yes[i], len)) {
			*out = true;
			return 0;
		}
		if (strlen(no[i]) == len && !strncmp(v, no[i], len)) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Sets one parameter from the value text v[0..len) (NULL: no '=' given). */
static int param_set(const struct param *p, const char *v, size_t len)
{
	char text[256];
	const char *end;
	unsigned long ul;
	uint64_t size;
	int rc;

	if (p->type == PARAM_BOOL) {
		if (!v) {
			*(bool *)p->var = true;
			return 0;
		}
		return parse_bool(v, len, p->var);
	}
	if (!v)
		return -EINVAL;
	if (len >= sizeof(text))
		return -E2BIG;
	memcpy(text, v, len);
	text[len] = '\0';

	switch (p->type) {
	case PARAM_UINT:
		rc = parse_ulong(text, &end, &ul);
		if (rc)
			return rc;
		if (*end || ul > 0xffffffffUL)
			return *end ? -EINVAL : -ERANGE;
		*(unsigned int *)p->var = (unsigned int)ul;
		return 0;
	case PARAM_SIZE:
		rc = parse_size(text, &end, &size);
		if (rc)
			return rc;
		if (*end)
			return -EINVAL;
		*(uint64_t *)p->var = size;
		return 0;
	case PARAM_STRING:
		if (len >= p->len)
			return -E2BIG;
		memcpy(p->var, text, len + 1);
		return 0;
	case PARAM_CUSTOM:
		return p->handler(text);
	default:
		return -EINVAL;
	}
}

static int parse_word(const char *w, size_t len, const struct param *first,
		      const struct param *last)
{
	const char *eq = memchr(w, '=', len);
	size_t name_len = eq ? (size_t)(eq - w) : len;
	const struct param *p;

	p = find_param(first, last, w, name_len);
	if (p)
		return param_set(p, eq ? eq + 1 : NULL,
				 eq ? len - name_len - 1 : 0);
	/* "no-foo" clears boolean "foo". */
	if (!eq && len > 3 && !strncmp(w, "no-", 3)) {
		p = find_param(first, last, w + 3, len - 3);
		if (p && p->type == PARAM_BOOL) {
			*(bool *)p->var = false;
			return 0;
		}
	}
	return -ENOENT;
}

int cmdline_parse_table(const char *cmdline, const struct param *first,
			const struct param *last,
			void (*report)(const char *word, size_t len, int err))
{
	const char *s = cmdline;
	int rejected = 0;

	while (s && *s) {
		const char *w;
		size_t len;
		int rc;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		w = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		len = (size_t)(s - w);
		rc = parse_word(w, len, first, last);
		if (rc) {
			rejected++;
			if (report)
				report(w, len, rc);
		}
	}
	return rejected;
}
