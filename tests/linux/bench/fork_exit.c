/* SPDX-License-Identifier: MIT */
/* fork_exit: fork a child that exits at once, and wait for it. */
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static void op(unsigned long n)
{
	while (n--) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			bench_die("fork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid || status != 0)
			bench_die("waitpid");
	}
}

int main(void)
{
	bench_report("fork_exit", bench_measure(op), "us");
	return 0;
}
