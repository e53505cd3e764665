/* SPDX-License-Identifier: MIT */
/*
 * fork: bounded fork/exec storms.  Every child's exit code is chosen by the
 * parent and checked, so a child that ran with wrong memory, registers or
 * arguments shows up as a wrong code, not only as a crash.
 *
 * Run as "fork child CODE [ENV]", the program is its own exec target: it
 * exits with CODE, or 99 if the environment variable WL_TOKEN is not ENV.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <sys/mman.h>

#include "wl.h"

#define ROUNDS 12
#define WIDTH 16
#define TREE_DEPTH 6

extern char **environ;

static int child_main(int argc, char **argv)
{
	const char *want = argc > 3 ? argv[3] : NULL;
	const char *token = getenv("WL_TOKEN");

	if (want && (!token || strcmp(token, want)))
		return 99;
	return atoi(argv[2]);
}

/* Concurrent plain forks: each child computes its code from its index. */
static void fork_storm(void)
{
	int round, i, bad = 0, total = 0;
	pid_t pids[WIDTH];

	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < WIDTH; i++) {
			pids[i] = wl_fork();
			if (pids[i] == 0) {
				unsigned int sum = 0, k;

				for (k = 0; k <= (unsigned int)i * 100; k++)
					sum += k;
				_exit((int)((sum + (unsigned int)round) &
					    0xff));
			}
		}
		for (i = 0; i < WIDTH; i++) {
			unsigned int n = (unsigned int)i * 100;
			int want =
				(int)((n * (n + 1) / 2 + (unsigned int)round) &
				      0xff);

			if (wl_wait(pids[i]) != want)
				bad++;
			total++;
		}
	}
	wl_check(!bad, "fork storm: exit codes of concurrent children",
		 "%d of %d wrong", bad, total);
}

/* fork + execve of ourselves with a per-child argument and environment. */
static void exec_storm(const char *self)
{
	int round, i, bad = 0, total = 0;
	pid_t pids[WIDTH];

	for (round = 0; round < ROUNDS / 2; round++) {
		for (i = 0; i < WIDTH; i++) {
			pids[i] = wl_fork();
			if (pids[i] == 0) {
				char code[16], token[32], env[48];
				char *args[] = { (char *)"fork",
						 (char *)"child", code, token,
						 NULL };
				char *envp[] = { env, NULL };

				snprintf(code, sizeof(code), "%d",
					 round * WIDTH + i);
				snprintf(token, sizeof(token), "t%d-%d", round,
					 i);
				snprintf(env, sizeof(env), "WL_TOKEN=%s",
					 token);
				execve(self, args, envp);
				_exit(127);
			}
		}
		for (i = 0; i < WIDTH; i++) {
			if (wl_wait(pids[i]) != ((round * WIDTH + i) & 0xff))
				bad++;
			total++;
		}
	}
	wl_check(!bad, "exec storm: fork+execve, argv and environment seen",
		 "%d of %d wrong", bad, total);
}

/* vfork + execve of ourselves with code: the child's exit code, or -1. */
static __attribute__((noinline)) int vfork_exec(const char *self, int code)
{
	char arg[16];
	char *args[] = { (char *)"fork", (char *)"child", arg, NULL };
	pid_t pid;

	snprintf(arg, sizeof(arg), "%d", code);
	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		execve(self, args, environ);
		_exit(127);
	}
	return pid < 0 ? -1 : wl_wait(pid);
}

/* vfork + exec and posix_spawn. */
static void vfork_spawn(const char *self)
{
	int i, bad = 0;

	for (i = 0; i < 24; i++)
		bad += vfork_exec(self, 200 + i) != 200 + i;
	wl_check(!bad, "vfork+execve: exit codes", "%d of 24 wrong", bad);

	bad = 0;
	for (i = 0; i < 24; i++) {
		char code[16];
		char *args[] = { (char *)"fork", (char *)"child", code, NULL };
		pid_t pid;

		snprintf(code, sizeof(code), "%d", 100 + i);
		fflush(stdout);
		if (posix_spawn(&pid, self, NULL, NULL, args, environ) ||
		    wl_wait(pid) != 100 + i)
			bad++;
	}
	wl_check(!bad, "posix_spawn: exit codes", "%d of 24 wrong", bad);
}

/* A binary tree of processes: each node exits with 1 + its children's sum. */
static int tree_node(int depth)
{
	pid_t left, right;
	int l, r;

	if (depth == 0)
		return 1;
	left = wl_fork();
	if (left == 0)
		_exit(tree_node(depth - 1));
	right = wl_fork();
	if (right == 0)
		_exit(tree_node(depth - 1));
	l = wl_wait(left);
	r = wl_wait(right);
	if (l < 0 || l > 255 || r < 0 || r > 255)
		return 0;
	return (1 + l + r) & 0xff;
}

static void fork_tree(void)
{
	int got = tree_node(TREE_DEPTH), want = ((1 << (TREE_DEPTH + 1)) - 1);

	wl_check(got == want, "process tree: 127 processes, nested waits",
		 "root got %d, want %d", got, want);
}

/* wait() reaps every child exactly once, then fails with ECHILD. */
static void reap_any(void)
{
	pid_t pids[64];
	int seen[64] = { 0 }, i, bad = 0, status;
	pid_t pid;

	for (i = 0; i < 64; i++) {
		pids[i] = wl_fork();
		if (pids[i] == 0) {
			usleep((unsigned int)(64 - i) * 200);
			_exit(i);
		}
	}
	while ((pid = wait(&status)) > 0) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

		if (code < 0 || code >= 64 || pids[code] != pid || seen[code]++)
			bad++;
	}
	for (i = 0; i < 64; i++)
		bad += !seen[i];
	wl_check(!bad && errno == ECHILD,
		 "wait(): 64 children reaped once each, then ECHILD",
		 "%d bad, last errno %d", bad, errno);
}

/* A failed execve: the child sees the error, the parent its exit code. */
static void exec_error(const char *path, int want, const char *what)
{
	char *args[] = { (char *)"x", NULL };
	pid_t pid;
	int code;

	pid = wl_fork();
	if (pid == 0) {
		execve(path, args, environ);
		_exit(errno == want ? 42 : 43);
	}
	code = wl_wait(pid);
	wl_check(code == 42, what, "child code %d", code);
}

/* Copy-on-write of a 4 MiB dirty buffer across fork. */
static void fork_cow(void)
{
	size_t n = 4 << 20, i;
	unsigned char *buf = malloc(n);
	pid_t pid;
	int code, bad = 0;

	if (!buf)
		wl_die("malloc");
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 7);
	pid = wl_fork();
	if (pid == 0) {
		for (i = 0; i < n; i++)
			if (buf[i] != (unsigned char)(i * 7))
				_exit(1);
		for (i = 0; i < n; i += 4096)
			buf[i] = 0xee;
		for (i = 0; i < n; i += 4096)
			if (buf[i] != 0xee)
				_exit(2);
		_exit(0);
	}
	code = wl_wait(pid);
	for (i = 0; i < n; i++)
		bad += buf[i] != (unsigned char)(i * 7);
	wl_check(code == 0 && !bad,
		 "fork copy-on-write: child sees and changes its copy only",
		 "child code %d, %d bytes changed in the parent", code, bad);
	free(buf);
}

int main(int argc, char **argv)
{
	char self[256];
	ssize_t n;

	if (argc > 2 && !strcmp(argv[1], "child"))
		return child_main(argc, argv);
	wl_start("fork");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		wl_die("readlink /proc/self/exe");
	self[n] = 0;
	fork_storm();
	exec_storm(self);
	vfork_spawn(self);
	fork_tree();
	reap_any();
	exec_error("/nonexistent/program", ENOENT,
		   "execve of a missing file fails with ENOENT");
	exec_error("/proc/self/status", EACCES,
		   "execve of a non-executable file fails (EACCES)");
	fork_cow();
	return wl_finish();
}
