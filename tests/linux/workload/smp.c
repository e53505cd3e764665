/* SPDX-License-Identifier: MIT */
/*
 * smp: the machine's cpus.  The online count agrees with /proc/cpuinfo and
 * is printed ("N cpus online", which tests/linux/run.sh compares with the
 * domain's vcpus); with more than one cpu: busy threads end up running on
 * every cpu (sched_getcpu), a thread pinned to each cpu runs there
 * (migration, wake-up IPIs), atomic increments from all cpus add up, and
 * a page remapped by one cpu is never read stale by a thread on another
 * (the TLB shootdown of munmap/mmap).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>

#include "wl.h"

static int nr_cpus;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	errno = pthread_create(t, NULL, fn, arg);
	if (errno)
		wl_die("pthread_create");
}

static int cpuinfo_processors(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "processor", 9))
			n++;
	fclose(f);
	return n;
}

/* ---- busy threads spread over the cpus */
static unsigned long seen_mask;
static int spread_stop;

static void *spinner(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&spread_stop, __ATOMIC_ACQUIRE)) {
		int cpu = sched_getcpu();

		if (cpu >= 0 && cpu < 64)
			__atomic_fetch_or(&seen_mask, 1UL << cpu,
					  __ATOMIC_RELAXED);
	}
	return NULL;
}

static void spread(void)
{
	pthread_t t[64];
	unsigned long all = nr_cpus >= 64 ? ~0UL : (1UL << nr_cpus) - 1;
	double end = now() + 60;
	int i, n = nr_cpus < 64 ? nr_cpus : 64;

	for (i = 0; i < n; i++)
		start(&t[i], spinner, NULL);
	while ((__atomic_load_n(&seen_mask, __ATOMIC_RELAXED) & all) != all &&
	       now() < end)
		usleep(10000);
	__atomic_store_n(&spread_stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	wl_check((seen_mask & all) == all, "busy threads ran on every cpu",
		 "cpus seen %#lx of %#lx", seen_mask, all);
}

/* ---- a thread pinned to each cpu runs there */
static void *pinned(void *arg)
{
	long cpu = (long)arg;
	cpu_set_t set;
	int i, ok = 1;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return (void *)-1L;
	for (i = 0; i < 100; i++) {
		if (sched_getcpu() != cpu)
			ok = 0;
		sched_yield();
	}
	return (void *)(long)ok;
}

static void pinning(void)
{
	long cpu, bad = -1;

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		pthread_t t;
		void *ok;

		start(&t, pinned, (void *)cpu);
		pthread_join(t, &ok);
		if ((long)ok != 1 && bad < 0)
			bad = cpu;
	}
	wl_check(bad < 0, "a thread pinned to each cpu runs on it", "cpu %ld",
		 bad);
}

/* ---- atomic increments from every cpu */
enum { adds = 200000 };
static unsigned long total;

static void *adder(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < adds; i++)
		__atomic_fetch_add(&total, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void atomics(void)
{
	pthread_t t[64];
	int i, n = nr_cpus < 64 ? nr_cpus : 64;

	for (i = 0; i < n; i++)
		start(&t[i], adder, NULL);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	wl_check(total == (unsigned long)n * adds,
		 "atomic increments from every cpu add up", "got %lu of %lu",
		 total, (unsigned long)n * adds);
}

/* ---- remapping under a reader on another cpu */
enum { remaps = 300 };
static volatile int *page;
static int round_no, reader_round, stale;

static void *reader(void *arg)
{
	cpu_set_t set;
	int r;

	CPU_ZERO(&set);
	CPU_SET((long)arg, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (r = 1; r <= remaps; r++) {
		/* Keep the old translation hot until the remap is done. */
		while (__atomic_load_n(&round_no, __ATOMIC_ACQUIRE) < r)
			(void)page[0];
		if (page[0] != r)
			stale++;
		__atomic_store_n(&reader_round, r, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void remap(void)
{
	pthread_t t;
	cpu_set_t set;
	int r;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		wl_die("mmap");
	page[0] = 0;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	start(&t, reader, (void *)1L);
	for (r = 1; r <= remaps; r++) {
		volatile int *p =
			mmap((void *)page, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

		if (p != page)
			wl_die("mmap fixed");
		p[0] = r;
		__atomic_store_n(&round_no, r, __ATOMIC_RELEASE);
		while (__atomic_load_n(&reader_round, __ATOMIC_ACQUIRE) < r)
			;
	}
	pthread_join(t, NULL);
	CPU_ZERO(&set);
	for (r = 0; r < nr_cpus; r++)
		CPU_SET(r, &set);
	sched_setaffinity(0, sizeof(set), &set);
	wl_check(!stale, "a page remapped on cpu 0 is not read stale on cpu 1",
		 "%d stale reads in %d remaps", stale, remaps);
}

int main(void)
{
	int info;

	wl_start("smp");
	nr_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	info = cpuinfo_processors();
	printf("smp: %d cpus online\n", nr_cpus);
	wl_check(nr_cpus >= 1 && nr_cpus == info,
		 "online cpus as in /proc/cpuinfo", "%d online, %d in cpuinfo",
		 nr_cpus, info);
	if (nr_cpus < 2) {
		wl_skip("threads on several cpus", "one cpu");
		return wl_finish();
	}
	spread();
	pinning();
	atomics();
	remap();
	return wl_finish();
}
