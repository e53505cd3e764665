/* SPDX-License-Identifier: MIT */
/*
 * fork_exec: fork a child that executes a small static program (this one,
 * with an argument that makes it exit at once), and wait for it.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static char self[256];

static void op(unsigned long n)
{
	while (n--) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			bench_die("fork");
		if (pid == 0) {
			char *argv[] = { self, "--exit", NULL };
			char *envp[] = { NULL };

			execve(self, argv, envp);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || status != 0)
			bench_die("fork+exec child");
	}
}

int main(int argc, char **argv)
{
	ssize_t len;

	if (argc > 1 && strcmp(argv[1], "--exit") == 0)
		return 0;
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		bench_die("readlink /proc/self/exe");
	self[len] = '\0';
	bench_report("fork_exec", bench_measure(op), "us");
	return 0;
}
