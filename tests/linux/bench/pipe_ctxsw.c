/* SPDX-License-Identifier: MIT */
/*
 * pipe_ctxsw: two processes pass one byte back and forth over two pipes;
 * each round trip is two context switches.  Reported per switch.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static int to_child[2], to_parent[2];

static void op(unsigned long n)
{
	char c = 'x';

	while (n--) {
		if (write(to_child[1], &c, 1) != 1 ||
		    read(to_parent[0], &c, 1) != 1)
			bench_die("pipe round trip");
	}
}

int main(void)
{
	pid_t pid;
	char c;

	if (pipe(to_child) || pipe(to_parent))
		bench_die("pipe");
	pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		/* Keep only our ends, so that the parent's close ends us. */
		close(to_child[1]);
		close(to_parent[0]);
		while (read(to_child[0], &c, 1) == 1)
			if (write(to_parent[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	bench_report("pipe_ctxsw", bench_measure(op) / 2, "us");
	close(to_child[1]);
	waitpid(pid, NULL, 0);
	return 0;
}
