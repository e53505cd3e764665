// SPDX-License-Identifier: MIT
/*
 * bench_create: the domain-creation benchmark in dom0 (issue 6,
 * `make bench`, run by bench-create.sh with mica-stored and mica-consoled
 * up).  Creates N domains of the dom0 test's domU (16 MiB each, all kept
 * alive) with `mica create`, and for each times
 *   create   `mica create` from exec to its exit;
 *   init     `mica create` started to the guest's first console line in
 *            mica-consoled's log (the config fixes the UUID, hence the
 *            log's name; the file is checked every 200 us);
 * then prints "bench: dom0_mica_create_{1st,Nth} MS ms" and
 * "bench: dom0_create_to_init_{1st,Nth} MS ms" (the Nth as the median of
 * the last five, against noise), and the domains are destroyed again.
 *   bench_create N KERNEL
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LOG_DIR "/var/log/mica/console"
#define MAX_DOMAINS 256

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of the last (up to) five of @v[0..n). */
static double tail_median(const double *v, int n)
{
	double t[5];
	int k = n < 5 ? n : 5;

	memcpy(t, v + n - k, k * sizeof(double));
	qsort(t, k, sizeof(double), cmp);
	return t[k / 2];
}

static const char *ordinal(int n)
{
	static char buf[16];

	snprintf(buf, sizeof(buf), "%d%s", n,
		 n % 100 / 10 == 1 ? "th" :
		 n % 10 == 1	   ? "st" :
		 n % 10 == 2	   ? "nd" :
		 n % 10 == 3	   ? "rd" :
				     "th");
	return buf;
}

int main(int argc, char **argv)
{
	static double create[MAX_DOMAINS], init[MAX_DOMAINS];
	char cfg[64], log[128], name[32];
	int n, i, failed = 0;

	if (argc != 3 || (n = atoi(argv[1])) < 1 || n > MAX_DOMAINS) {
		fprintf(stderr, "usage: bench_create N KERNEL\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		struct stat st;
		double t0, t1;
		FILE *f;

		snprintf(name, sizeof(name), "bench%d", i + 1);
		snprintf(cfg, sizeof(cfg), "/tmp/%s.cfg", name);
		snprintf(log, sizeof(log),
			 "%s/00000000-0000-4000-8000-%012d.log", LOG_DIR,
			 i + 1);
		f = fopen(cfg, "w");
		if (!f)
			return 1;
		fprintf(f,
			"name = \"%s\"\nkernel = \"%s\"\nmemory = 16\n"
			"vcpus = 1\ncmdline = \"ticks=0\"\n"
			"uuid = \"00000000-0000-4000-8000-%012d\"\n",
			name, argv[2], i + 1);
		fclose(f);
		unlink(log);
		t0 = now_ms();
		if (run((char *const[]){ "mica", "create", cfg, NULL })) {
			fprintf(stderr, "bench_create: mica create %s failed\n",
				cfg);
			failed = 1;
			break;
		}
		t1 = now_ms();
		create[i] = t1 - t0;
		/* The first line: the log holds a newline. */
		for (;;) {
			char buf[256];
			ssize_t got = 0;
			int fd = open(log, O_RDONLY);

			if (fd >= 0) {
				got = read(fd, buf, sizeof(buf));
				close(fd);
			}
			if (got > 0 && memchr(buf, '\n', (size_t)got))
				break;
			if (now_ms() - t0 > 30000) {
				fprintf(stderr,
					"bench_create: %s: no console line "
					"in 30 s (%s)\n",
					name, stat(log, &st) ? "no log" : log);
				failed = 1;
				break;
			}
			usleep(200);
		}
		if (failed)
			break;
		init[i] = now_ms() - t0;
		printf("bench_create: %s create %.1f ms, init %.1f ms\n", name,
		       create[i], init[i]);
		fflush(stdout);
	}
	if (!failed) {
		printf("bench: dom0_mica_create_1st %.1f ms\n", create[0]);
		printf("bench: dom0_mica_create_%s %.1f ms\n", ordinal(n),
		       tail_median(create, n));
		printf("bench: dom0_create_to_init_1st %.1f ms\n", init[0]);
		printf("bench: dom0_create_to_init_%s %.1f ms\n", ordinal(n),
		       tail_median(init, n));
	}
	for (int j = 0; j < i + (failed ? 1 : 0) && j < n; j++) {
		snprintf(name, sizeof(name), "bench%d", j + 1);
		run((char *const[]){ "mica", "destroy", name, NULL });
	}
	return failed;
}
