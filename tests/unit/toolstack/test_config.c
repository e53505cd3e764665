// SPDX-License-Identifier: MIT
/*
 * Domain configuration files.  Every golden/config/NAME.cfg is parsed and
 * the result compared with golden/config/NAME.out: the canonical text of a
 * good file, "error: MESSAGE" for a bad one.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mica/config.h>
#include <mica/error.h>
#include <mica/json.h>

#include "harness.h"

static char *read_file(const char *path, size_t *len)
{
	char *text = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	*len = 0;
	if (getdelim(&text, &cap, '\0', f) >= 0)
		*len = strlen(text);
	fclose(f);
	return text;
}

/* Parses @name (from the golden directory) and gives the text to compare. */
static char *parse_result(const char *name, const char *text, size_t len)
{
	struct mica_config config;
	struct mica_error err;
	char *out = NULL;

	if (mica_config_parse(text, len, name, &config, &err)) {
		if (asprintf(&out, "error: %s\n", err.message) < 0)
			return NULL;
		return out;
	}
	out = mica_config_format(&config);
	mica_config_release(&config);
	return out;
}

static void check_golden(const char *name)
{
	char path[512], golden[512], *text, *result, *again;
	size_t len;
	struct mica_config config;
	struct mica_error err;

	snprintf(path, sizeof(path), "%s", test_golden_path("config/"));
	strncat(path, name, sizeof(path) - strlen(path) - 1);
	text = read_file(path, &len);
	CHECK_MSG(text, "cannot read %s", path);
	result = parse_result(name, text, len);
	free(text);
	CHECK(result);
	snprintf(golden, sizeof(golden), "config/%.*s.out",
		 (int)(strlen(name) - 4), name);
	if (!test_matches_golden(golden, result)) {
		free(result);
		CHECK_MSG(0, "%s differs from %s", name, golden);
	}
	/* Canonical text parses back to itself. */
	if (strncmp(result, "error: ", 7)) {
		int ret = mica_config_parse(result, strlen(result), "canonical",
					    &config, &err);

		again = ret ? NULL : mica_config_format(&config);
		mica_config_release(&config);
		CHECK_MSG(!ret, "canonical text does not parse: %s",
			  err.message);
		CHECK_STR(again, result);
		free(again);
	}
	free(result);
}

static int is_cfg(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && !strcmp(d->d_name + n - 4, ".cfg");
}

static void run_golden_files(void)
{
	struct dirent **list;
	char dir[512];
	int n, i;

	snprintf(dir, sizeof(dir), "%s", test_golden_path("config"));
	n = scandir(dir, &list, is_cfg, alphasort);
	test_begin("config_golden_files_found");
	CHECK_MSG(n >= 30, "only %d .cfg files in %s", n, dir);
	test_end();
	for (i = 0; i < n; i++) {
		char test[300];

		snprintf(test, sizeof(test), "config_golden_%s",
			 list[i]->d_name);
		test_begin(test);
		check_golden(list[i]->d_name);
		test_end();
		free(list[i]);
	}
	if (n > 0)
		free(list);
}

static void test_config_defaults(void)
{
	struct mica_config c;
	const char text[] = "name = \"d\"\nkernel = \"k\"\n";

	CHECK_INT(mica_config_parse(text, strlen(text), "t", &c, NULL), 0);
	CHECK_INT(c.memory, 128 << 20);
	CHECK_INT(c.vcpus, 1);
	CHECK(!c.has_uuid);
	CHECK(!c.ramdisk);
	CHECK_STR(c.cmdline, "");
	CHECK_INT(c.on_poweroff, MICA_ACTION_DESTROY);
	CHECK_INT(c.on_reboot, MICA_ACTION_RESTART);
	CHECK_INT(c.on_crash, MICA_ACTION_DESTROY);
	mica_config_release(&c);
}

/* NUL bytes and text that ends inside a token are errors, not overruns. */
static void test_config_truncated_input(void)
{
	const char text[] = "name = \"web\"\nkernel = \"k\"\nmemory = 0x10M\n"
			    "disk = [ \"a\", \"b\" ]\n";
	struct mica_config c;
	struct mica_error err;
	size_t len;
	int ret;

	for (len = 0; len <= strlen(text); len++) {
		ret = mica_config_parse(text, len, "t", &c, &err);
		if (!ret)
			mica_config_release(&c);
		CHECK(ret == 0 || ret == -EINVAL);
	}
	ret = mica_config_parse("name = \"a\0b\"", 12, "t", &c, &err);
	CHECK_INT(ret, -EINVAL);
	CHECK_STR(err.message, "t:1:8: name: control character in a string");
}

static void test_config_load_resolves_paths(void)
{
	const char *dir = test_tmpdir();
	char path[512], expect[600];
	struct mica_config c;
	struct mica_error err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/web.cfg", dir);
	f = fopen(path, "w");
	CHECK(f);
	fputs("name = \"web\"\nkernel = \"boot/k\"\nramdisk = \"/abs/i\"\n", f);
	fclose(f);
	CHECK_INT(mica_config_load(path, &c, &err), 0);
	snprintf(expect, sizeof(expect), "%s/boot/k", dir);
	CHECK_STR(c.kernel, expect);
	CHECK_STR(c.ramdisk, "/abs/i");
	mica_config_release(&c);
	/* A missing file names itself. */
	snprintf(path, sizeof(path), "%s/missing.cfg", dir);
	CHECK_INT(mica_config_load(path, &c, &err), -ENOENT);
	snprintf(expect, sizeof(expect), "%s: No such file or directory", path);
	CHECK_STR(err.message, expect);
}

static void test_config_json(void)
{
	const char text[] = "name = \"j\"\nkernel = \"/k\"\nmemory = 1G\n"
			    "uuid = \"00000000-0000-4000-8000-000000000001\"\n"
			    "disk = [\"d\"]\n";
	struct mica_config c;
	struct mica_json *j;
	char *out;

	CHECK_INT(mica_config_parse(text, strlen(text), "t", &c, NULL), 0);
	j = mica_config_to_json(&c);
	mica_config_release(&c);
	CHECK(j);
	CHECK_INT(mica_json_format(j, 0, &out, NULL, NULL), 0);
	mica_json_free(j);
	CHECK_STR(out, "{\"name\":\"j\",\"uuid\":\"00000000-0000-4000-8000-"
		       "000000000001\",\"kernel\":\"/k\",\"cmdline\":\"\","
		       "\"memory_bytes\":1073741824,\"vcpus\":1,"
		       "\"on_poweroff\":\"destroy\",\"on_reboot\":\"restart\","
		       "\"on_crash\":\"destroy\",\"disk\":[\"d\"],\"vif\":[]}");
	free(out);
}

int main(void)
{
	run_golden_files();
	RUN(test_config_defaults);
	RUN(test_config_truncated_input);
	RUN(test_config_load_resolves_paths);
	RUN(test_config_json);
	return test_exit_code();
}
