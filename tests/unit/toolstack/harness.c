// SPDX-License-Identifier: MIT
/* The test harness: results, temporary directories, golden files. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *current;
static bool current_failed;
static int failures;
static char tmpdir[4096];

void test_begin(const char *name)
{
	current = strncmp(name, "test_", 5) ? name : name + 5;
	current_failed = false;
	tmpdir[0] = '\0';
}

static void remove_tree(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

void test_end(void)
{
	if (!current_failed)
		printf("PASS: %s\n", current);
	if (tmpdir[0] && !current_failed)
		remove_tree(tmpdir);
	fflush(stdout);
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: %s: %s:%d: ", current, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	current_failed = true;
	failures++;
}

bool test_failed(void)
{
	return current_failed;
}

int test_exit_code(void)
{
	return failures ? 1 : 0;
}

const char *test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0])
		return tmpdir;
	/* The name is cut short: Unix socket paths in it must stay under
	 * 108 bytes. */
	snprintf(tmpdir, sizeof(tmpdir), "%s/%.20s-XXXXXX",
		 base ? base : "/tmp", current);
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "mkdtemp %s: %s\n", tmpdir, strerror(errno));
		exit(2);
	}
	return tmpdir;
}

const char *test_golden_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("MICA_TEST_GOLDEN");

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "golden", name);
	return path;
}

bool test_matches_golden(const char *name, const char *text)
{
	const char *path = test_golden_path(name);
	const char *update = getenv("MICA_TEST_UPDATE_GOLDEN");
	char *expected = NULL;
	size_t len = 0;
	bool same;
	FILE *f;

	if (update && !strcmp(update, "1")) {
		f = fopen(path, "w");
		if (!f || fputs(text, f) < 0 || fclose(f))
			return false;
		return true;
	}
	f = fopen(path, "r");
	if (!f) {
		printf("golden file %s is missing\n", path);
		return false;
	}
	if (getdelim(&expected, &len, '\0', f) < 0) {
		fclose(f);
		free(expected);
		return false;
	}
	fclose(f);
	same = !strcmp(expected, text);
	if (!same)
		printf("--- expected (%s)\n%s--- actual\n%s---\n", path,
		       expected, text);
	free(expected);
	return same;
}
