/* SPDX-License-Identifier: MIT */
/*
 * wl.h - the reporting and helpers every workload program shares.
 *
 * A workload program (tests/linux/workload/NAME.c, built static) runs a set
 * of checks and prints, for each, exactly one line
 *     NAME: PASS: what was checked
 *     NAME: FAIL: what was checked: why
 *     NAME: SKIP: what was not checked: why
 * then a closing line "NAME: N passed, N failed, N skipped".  It exits 0 iff
 * nothing failed; a missing closing line means the program died.  The
 * initramfs init (tests/linux/init.sh) runs them, tests/linux/run.sh parses
 * the lines.  Output is line-buffered and flushed before every fork, so that
 * a child never repeats its parent's pending output.
 */
#ifndef WL_H
#define WL_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *wl_name;
static int wl_passed, wl_failed, wl_skipped;

static inline void wl_start(const char *name)
{
	wl_name = name;
	setvbuf(stdout, NULL, _IOLBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
}

static inline void wl_vline(const char *kind, const char *what, const char *fmt,
			    va_list ap)
{
	printf("%s: %s: %s", wl_name, kind, what);
	if (fmt && *fmt) {
		printf(": ");
		vprintf(fmt, ap);
	}
	printf("\n");
	fflush(stdout);
}

/* wl_check(ok, what, why...): one PASS or FAIL line; returns ok. */
static inline int wl_check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wl_vline(ok ? "PASS" : "FAIL", what, ok ? "" : fmt, ap);
	va_end(ap);
	if (ok)
		wl_passed++;
	else
		wl_failed++;
	return ok;
}

static inline void wl_skip(const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wl_vline("SKIP", what, fmt, ap);
	va_end(ap);
	wl_skipped++;
}

/* Prints the closing line; the program's exit status. */
static inline int wl_finish(void)
{
	printf("%s: %d passed, %d failed, %d skipped\n", wl_name, wl_passed,
	       wl_failed, wl_skipped);
	fflush(stdout);
	return wl_failed ? 1 : 0;
}

/* A fatal setup error: reported as a failure, then the closing line. */
static inline void wl_die(const char *what)
{
	wl_check(0, what, "%s", strerror(errno));
	exit(wl_finish());
}

/* fork() with stdout flushed first; dies on failure. */
static inline pid_t wl_fork(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		wl_die("fork");
	return pid;
}

/*
 * Waits for pid; returns its exit code, or 256 + signal number if it was
 * killed, or -1 if waitpid failed.
 */
static inline int wl_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 256 + WTERMSIG(status);
	return -1;
}

/* A small deterministic generator (xorshift64*) for test patterns. */
static inline uint64_t wl_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A value of /proc/meminfo in KiB ("MemAvailable"), or 0. */
static inline unsigned long wl_meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long kb = 0;
	size_t n = strlen(key);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			kb = strtoul(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

#endif
