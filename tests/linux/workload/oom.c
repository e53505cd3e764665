/* SPDX-License-Identifier: MIT */
/*
 * oom: memory use up to the machine's (the domain's) limit, then a clean
 * out-of-memory kill.
 *
 * 1. A child fills 80% of MemAvailable page by page with a pattern, checks
 *    all of it and exits; the memory comes back.
 * 2. A hog (oom_score_adj 1000) allocates and touches 1 MiB chunks without
 *    end, beside a bystander (oom_score_adj 0) holding 8 MiB with a pattern;
 *    this program protects itself (oom_score_adj -1000).  The OOM killer
 *    must kill the hog with SIGKILL once it holds most of the free memory,
 *    say so in the kernel log, count one oom_kill, and leave the
 *    bystander's memory intact.
 *
 * Never run this on a development machine: it exhausts memory on purpose.
 */
#include <signal.h>
#include <sys/klog.h>
#include <sys/mman.h>

#include "wl.h"

#define MIB (1ul << 20)

static int set_oom_adj(int adj)
{
	FILE *f = fopen("/proc/self/oom_score_adj", "w");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%d\n", adj) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static unsigned long vmstat(const char *key)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char name[64];
	unsigned long v, found = ~0ul;

	if (!f)
		return ~0ul;
	while (fscanf(f, "%63s %lu", name, &v) == 2)
		if (!strcmp(name, key))
			found = v;
	fclose(f);
	return found;
}

/* Fills n bytes page by page, then checks them: 0 if all were intact. */
static int fill_check(unsigned char *p, size_t n, unsigned int salt)
{
	size_t i;

	for (i = 0; i < n; i += 4096)
		*(unsigned long *)(p + i) = i * 31 + salt;
	for (i = 0; i < n; i += 4096)
		if (*(unsigned long *)(p + i) != i * 31 + salt)
			return 1;
	return 0;
}

static void fill_to_limit(void)
{
	unsigned long avail = wl_meminfo_kb("MemAvailable") * 1024, after;
	size_t n = (avail / 10 * 8) & ~(MIB - 1);
	pid_t pid;
	int code;

	pid = wl_fork();
	if (pid == 0) {
		unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		_exit(p == MAP_FAILED ? 2 : fill_check(p, n, 7));
	}
	code = wl_wait(pid);
	wl_check(code == 0, "80% of MemAvailable written and read back",
		 "child code %d (2 mmap failed, 1 bad data, 265 killed) "
		 "for %zu MiB",
		 code, n / MIB);
	after = wl_meminfo_kb("MemAvailable") * 1024;
	wl_check(after >= avail / 10 * 9,
		 "the memory is available again after the child's exit",
		 "%lu MiB before, %lu MiB after", avail / MIB, after / MIB);
	printf("oom: (filled %zu MiB of %lu MiB available)\n", n / MIB,
	       avail / MIB);
}

/* Reads the kernel log and looks for the OOM report naming pid. */
static int klog_names(pid_t pid)
{
	int size = klogctl(10, NULL, 0), n, found;
	char *buf, needle[64];

	if (size <= 0)
		return 0;
	buf = malloc((size_t)size + 1);
	if (!buf)
		return 0;
	n = klogctl(3, buf, size);
	buf[n > 0 ? n : 0] = 0;
	snprintf(needle, sizeof(needle), "Killed process %d ", (int)pid);
	found = strstr(buf, "Out of memory") && strstr(buf, needle);
	free(buf);
	return found;
}

static void oom_kill(void)
{
	unsigned long total = wl_meminfo_kb("MemTotal") * 1024, avail, kills;
	volatile unsigned long *held = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int ready[2], go[2], hog_code, by_code;
	pid_t hog, bystander;
	char c;

	if (held == MAP_FAILED || pipe(ready) || pipe(go))
		wl_die("setup");
	kills = vmstat("oom_kill");

	bystander = wl_fork();
	if (bystander == 0) {
		unsigned char *p = malloc(8 * MIB);

		close(ready[0]);
		close(go[1]);
		if (!p || set_oom_adj(0))
			_exit(2);
		fill_check(p, 8 * MIB, 3);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		for (size_t i = 0; i < 8 * MIB; i += 4096)
			if (*(unsigned long *)(p + i) != i * 31 + 3)
				_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) != 1)
		wl_die("bystander start");
	avail = wl_meminfo_kb("MemAvailable") * 1024;

	hog = wl_fork();
	if (hog == 0) {
		if (set_oom_adj(1000))
			_exit(2);
		for (;;) {
			unsigned char *p =
				mmap(NULL, MIB, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				_exit(3);
			memset(p, 0x5a, MIB);
			*held += MIB;
		}
	}
	hog_code = wl_wait(hog);
	wl_check(hog_code == 256 + SIGKILL,
		 "the hog is killed with SIGKILL when memory runs out",
		 "hog status %d (2 oom_score_adj, 3 mmap failed)", hog_code);
	wl_check(*held >= avail / 4 * 3,
		 "the hog held at least 3/4 of the memory available at its "
		 "start before the kill",
		 "%lu of %lu MiB", *held / MIB, avail / MIB);
	wl_check(klog_names(hog),
		 "the kernel log reports the OOM kill of the hog's pid", "");
	wl_check(kills != ~0ul && vmstat("oom_kill") == kills + 1,
		 "exactly one oom_kill counted in /proc/vmstat", "%lu -> %lu",
		 kills, vmstat("oom_kill"));
	if (write(go[1], "g", 1) != 1)
		wl_die("bystander go");
	by_code = wl_wait(bystander);
	wl_check(by_code == 0, "the bystander survives with its memory intact",
		 "bystander status %d", by_code);
	printf("oom: (the hog held %lu MiB; %lu MiB were available, %lu MiB "
	       "total)\n",
	       *held / MIB, avail / MIB, total / MIB);
}

int main(void)
{
	wl_start("oom");
	if (set_oom_adj(-1000))
		wl_die("oom_score_adj -1000 for ourselves");
	alarm(240); /* a hang is a failure: no closing line */
	fill_to_limit();
	oom_kill();
	return wl_finish();
}
