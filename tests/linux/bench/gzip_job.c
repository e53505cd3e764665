/* SPDX-License-Identifier: MIT */
/*
 * gzip_job: a small compression job, the kind of CPU- and memory-bound
 * work a server does: busybox gzip compresses 1 MiB of generated text from
 * /tmp (in the RAM-backed root file system) to /dev/null.  Reported per
 * run, fork and exec included.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define INPUT "/tmp/gzip_job.txt"
#define SIZE (1 << 20)

/* Text-like input: words from a small vocabulary, in a fixed order. */
static void make_input(void)
{
	static const char *const words[] = { "mica ",  "hypervisor ",
					     "page ",  "table ",
					     "event ", "channel ",
					     "grant ", "domain\n" };
	FILE *f = fopen(INPUT, "w");
	unsigned long n = 0, x = 1;

	if (!f)
		bench_die("fopen " INPUT);
	while (n < SIZE) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		if (fputs(words[x >> 61], f) < 0)
			bench_die("fputs " INPUT);
		n += strlen(words[x >> 61]);
	}
	if (fclose(f))
		bench_die("fclose " INPUT);
}

static void op(unsigned long n)
{
	while (n--) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			bench_die("fork");
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			if (null < 0 || dup2(null, 1) < 0)
				_exit(126);
			execl("/bin/busybox", "gzip", "-c", INPUT,
			      (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || status != 0)
			bench_die("gzip");
	}
}

int main(void)
{
	make_input();
	bench_report("gzip_1MiB", bench_measure(op), "ms");
	unlink(INPUT);
	return 0;
}
