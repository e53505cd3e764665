/* SPDX-License-Identifier: MIT */
/*
 * mm: mmap/munmap/mprotect/mremap/madvise patterns.  Every access that must
 * fault is made under a SIGSEGV handler that checks the faulting address and
 * the si_code (SEGV_ACCERR for a protected page, SEGV_MAPERR for a hole), and
 * every access that must not fault is made outside one, so a stale TLB entry
 * or a missed flush shows up either way.  Also: MAP_SHARED memory shared by
 * fork children, copy-on-write of MAP_PRIVATE, a large anonymous region
 * (half of MemAvailable), a sparse 8 GiB reservation, and mprotect/munmap
 * by one thread seen at once by another (a TLB shootdown with SMP).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#include "wl.h"

static long page;
/* Per thread: the thread that faults is the one that probed. */
static __thread sigjmp_buf probe_env;
static __thread volatile void *fault_addr;
static __thread volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(probe_env, 1);
}

/*
 * Reads (or writes val to) *p under the SIGSEGV handler.  Returns 0 if the
 * access went through, else the fault's si_code; a fault at another address
 * than p returns -1.
 */
static int probe(volatile unsigned char *p, int write, unsigned char val)
{
	if (sigsetjmp(probe_env, 1)) {
		if (fault_addr != (void *)p)
			return -1;
		return fault_code;
	}
	if (write)
		*p = val;
	else
		(void)*p;
	return 0;
}

static unsigned char *map(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		wl_die("mmap");
	return p;
}

static void protect(void *p, size_t len, int prot)
{
	if (mprotect(p, len, prot))
		wl_die("mprotect");
}

static void fill_check(void)
{
	size_t n = 64 * page, i;
	unsigned char *p = map(n, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int bad = 0;

	for (i = 0; i < n; i++)
		bad += p[i] != 0;
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i ^ (i >> 8));
	for (i = 0; i < n; i++)
		bad += p[i] != (unsigned char)(i ^ (i >> 8));
	wl_check(!bad, "anonymous memory: zero-filled, then holds a pattern",
		 "%d bad bytes", bad);
	munmap(p, n);
}

static void protections(void)
{
	unsigned char *p = map(4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int r, w, n;

	memset(p, 0x5a, 4 * page);
	protect(p + page, page, PROT_READ);
	w = probe(p + page + 17, 1, 1);
	r = probe(p + page + 17, 0, 0);
	wl_check(w == SEGV_ACCERR && r == 0 && p[page + 17] == 0x5a,
		 "PROT_READ page: write faults (SEGV_ACCERR), read works",
		 "write %d, read %d", w, r);

	protect(p + 2 * page, page, PROT_NONE);
	r = probe(p + 2 * page + 5, 0, 0);
	w = probe(p + 2 * page + 5, 1, 1);
	wl_check(r == SEGV_ACCERR && w == SEGV_ACCERR,
		 "PROT_NONE page: read and write fault (SEGV_ACCERR)",
		 "read %d, write %d", r, w);

	protect(p, 4 * page, PROT_READ | PROT_WRITE);
	w = probe(p + page + 17, 1, 0x33) || probe(p + 2 * page + 5, 1, 0x44);
	wl_check(!w && p[page + 17] == 0x33 && p[2 * page + 5] == 0x44 &&
			 p[2 * page + 6] == 0x5a,
		 "back to read-write: writes land, old contents kept",
		 "probe %d", w);

	if (munmap(p + page, page))
		wl_die("munmap");
	r = probe(p + page, 0, 0);
	n = probe(p, 1, 1) || probe(p + 2 * page, 1, 1);
	wl_check(r == SEGV_MAPERR && !n,
		 "munmap of a middle page: hole faults (SEGV_MAPERR), "
		 "neighbours intact",
		 "hole %d, neighbours %d", r, n);
	munmap(p, 4 * page);
}

/*
 * Many mprotect flips over 128 pages: after each flip exactly the pages
 * made read-only fault on write, the others do not (stale TLB entries would
 * let a write through or fault a writable page).
 */
static void protect_flips(void)
{
	int npages = 128, round, i, wrong = 0, faults = 0;
	unsigned char *p =
		map((size_t)npages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	memset(p, 0, (size_t)npages * page);
	for (round = 0; round < 40; round++) {
		for (i = 0; i < npages; i++)
			protect(p + (size_t)i * page, page,
				(i + round) % 3 ? PROT_READ | PROT_WRITE :
						  PROT_READ);
		for (i = 0; i < npages; i++) {
			int ro = !((i + round) % 3);
			int code = probe(p + (size_t)i * page + round, 1,
					 (unsigned char)round);

			faults += code != 0;
			wrong += ro ? code != SEGV_ACCERR : code != 0;
		}
	}
	wl_check(!wrong,
		 "mprotect flips: 40 rounds x 128 pages, faults exactly on "
		 "read-only pages",
		 "%d wrong of %d (%d faults)", wrong, 40 * npages, faults);
	munmap(p, (size_t)npages * page);
}

static void fixed_remap(void)
{
	size_t n = 16 * page, i;
	unsigned char *p = map(n, PROT_READ | PROT_WRITE, MAP_PRIVATE), *q;
	int bad = 0;

	memset(p, 0x77, n);
	q = mmap(p + 4 * page, 4 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	for (i = 0; i < n; i++)
		bad += p[i] !=
		       ((i >= 4 * (size_t)page && i < 8 * (size_t)page) ? 0 :
									  0x77);
	wl_check(q == p + 4 * page && !bad,
		 "MAP_FIXED over a mapping: new pages zero, the rest kept",
		 "%d bad bytes", bad);

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)i;
	q = mremap(p, n, 256 * page, MREMAP_MAYMOVE);
	bad = q == MAP_FAILED;
	for (i = 0; !bad && i < n; i++)
		bad += q[i] != (unsigned char)i;
	for (i = n; !bad && i < 256 * (size_t)page; i++)
		bad += q[i] != 0;
	wl_check(!bad, "mremap grow (may move): contents follow, tail zero",
		 "%d bad", bad);
	if (q != MAP_FAILED) {
		q[256 * page - 1] = 1;
		p = mremap(q, 256 * page, 2 * page, 0);
		bad = p != q || probe(q + 3 * page, 0, 0) != SEGV_MAPERR ||
		      q[page] != (unsigned char)page;
		wl_check(!bad, "mremap shrink: tail unmapped, head kept", "");
		munmap(q, 2 * page);
	}
}

static void advise(void)
{
	size_t n = 8 * page;
	unsigned char *p = map(n, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int r;

	memset(p, 0xab, n);
	r = madvise(p + 2 * page, 2 * page, MADV_DONTNEED);
	wl_check(!r && p[2 * page] == 0 && p[4 * page - 1] == 0 &&
			 p[2 * page - 1] == 0xab && p[4 * page] == 0xab,
		 "madvise(MADV_DONTNEED) drops exactly its private pages",
		 "madvise %d errno %d", r, errno);
	munmap(p, n);
}

/*
 * MAP_SHARED anonymous memory between fork children: each child adds to a
 * shared counter with atomics and fills its own slot; the parent sees all.
 */
static void shared_children(void)
{
	enum { kids = 8, adds = 64 * 320 };
	struct shared {
		unsigned long counter;
		unsigned long slot[kids][64];
	} *s = (void *)map(sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED);
	pid_t pids[kids];
	int i, j, bad = 0;

	for (i = 0; i < kids; i++) {
		pids[i] = wl_fork();
		if (pids[i] == 0) {
			for (j = 0; j < adds; j++) {
				__atomic_fetch_add(&s->counter, 1,
						   __ATOMIC_SEQ_CST);
				s->slot[i][j % 64] =
					(unsigned long)(i * 1000 + j);
			}
			_exit(0);
		}
	}
	for (i = 0; i < kids; i++)
		bad += wl_wait(pids[i]) != 0;
	for (i = 0; i < kids; i++)
		for (j = 0; j < 64; j++)
			bad += s->slot[i][j] !=
			       (unsigned long)(i * 1000 + adds - 64 + j);
	wl_check(!bad && s->counter == kids * adds,
		 "MAP_SHARED between 8 fork children: atomic counter and slots",
		 "counter %lu (want %d), %d bad", s->counter, kids * adds, bad);
	munmap(s, sizeof(*s));
}

/* MAP_PRIVATE after fork: the child's writes stay the child's. */
static void private_cow(void)
{
	size_t n = 32 * page, i;
	unsigned char *p = map(n, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	pid_t pid;
	int code, bad = 0;

	memset(p, 0x11, n);
	pid = wl_fork();
	if (pid == 0) {
		memset(p, 0x22, n);
		protect(p, page, PROT_READ);
		_exit(p[n - 1] == 0x22 && probe(p, 1, 0) == SEGV_ACCERR ? 0 :
									  1);
	}
	code = wl_wait(pid);
	for (i = 0; i < n; i++)
		bad += p[i] != 0x11;
	p[0] = 0x33; /* the parent's mapping is still writable */
	wl_check(
		code == 0 && !bad && p[0] == 0x33,
		"MAP_PRIVATE after fork: child writes and mprotect stay its own",
		"child code %d, %d bad bytes", code, bad);
	munmap(p, n);
}

/* Half of MemAvailable (at most 1 GiB), every page written and checked. */
static void large_region(void)
{
	unsigned long avail = wl_meminfo_kb("MemAvailable") * 1024;
	size_t n = avail / 2, i, bad = 0;
	unsigned long *p;

	if (n > (1ul << 30))
		n = 1ul << 30;
	n &= ~((size_t)page - 1);
	if (n < (16u << 20)) {
		wl_skip("large anonymous region", "only %lu KiB available",
			avail >> 10);
		return;
	}
	p = (unsigned long *)map(n, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	for (i = 0; i < n / sizeof(*p); i += (size_t)page / sizeof(*p))
		p[i] = i * 2654435761u;
	for (i = 0; i < n / sizeof(*p); i += (size_t)page / sizeof(*p))
		bad += p[i] != i * 2654435761u;
	munmap(p, n);
	wl_check(!bad, "large anonymous region: every page written and read",
		 "%zu of %zu pages bad", bad, n / page);
	printf("mm: (large region was %zu MiB)\n", n >> 20);
}

/* 8 GiB reserved with MAP_NORESERVE, one page touched per 256 MiB. */
static void sparse_reservation(void)
{
	size_t n = 8ul << 30, step = 256ul << 20, i;
	unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
				0);
	int bad = 0;

	if (p == MAP_FAILED) {
		wl_check(0, "sparse 8 GiB reservation", "mmap: %s",
			 strerror(errno));
		return;
	}
	for (i = 0; i < n; i += step)
		p[i + (i / step) * 64] = (unsigned char)(i / step + 1);
	for (i = 0; i < n; i += step)
		bad += p[i + (i / step) * 64] != (unsigned char)(i / step + 1);
	bad += p[n - 1] != 0;
	munmap(p, n);
	wl_check(!bad, "sparse 8 GiB reservation: 32 scattered pages", "%d bad",
		 bad);
}

/*
 * Another thread of the same process writes to a page, one thread makes it
 * read-only, then unmaps it: each change must be seen by the other thread's
 * very next access (with more than one CPU, its TLB entries must have been
 * shot down).  The threads take turns through `turn`.
 */
static struct {
	int turn; /* 0: main's, 1: the prober's */
	volatile unsigned char *target;
	int write, result, stop;
} xt;

static void pass_turn(int to)
{
	__atomic_store_n(&xt.turn, to, __ATOMIC_RELEASE);
	while (__atomic_load_n(&xt.turn, __ATOMIC_ACQUIRE) == to)
		sched_yield();
}

static void *prober(void *arg)
{
	(void)arg;
	for (;;) {
		while (__atomic_load_n(&xt.turn, __ATOMIC_ACQUIRE) != 1)
			sched_yield();
		if (xt.stop)
			return NULL;
		xt.result = probe(xt.target, xt.write, 0x42);
		__atomic_store_n(&xt.turn, 0, __ATOMIC_RELEASE);
	}
}

/* Has the prober access p; returns probe()'s result. */
static int remote_probe(unsigned char *p, int write)
{
	xt.target = p;
	xt.write = write;
	pass_turn(1);
	return xt.result;
}

static void cross_thread(void)
{
	int npages = 64, i, wrong = 0;
	unsigned char *p =
		map((size_t)npages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	pthread_t t;

	errno = pthread_create(&t, NULL, prober, NULL);
	if (errno)
		wl_die("pthread_create");
	for (i = 0; i < npages; i++) {
		unsigned char *q = p + (size_t)i * page;

		wrong += remote_probe(q, 1) != 0 || *q != 0x42;
		protect(q, page, PROT_READ);
		wrong += remote_probe(q, 1) != SEGV_ACCERR;
		wrong += remote_probe(q, 0) != 0;
		if (munmap(q, page))
			wl_die("munmap");
		wrong += remote_probe(q, 0) != SEGV_MAPERR;
	}
	xt.stop = 1;
	__atomic_store_n(&xt.turn, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	wl_check(!wrong,
		 "another thread's next access sees mprotect and munmap "
		 "(64 pages)",
		 "%d wrong of %d", wrong, 4 * npages);
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv,
				.sa_flags = SA_SIGINFO | SA_NODEFER };

	wl_start("mm");
	page = sysconf(_SC_PAGESIZE);
	sigaction(SIGSEGV, &sa, NULL);
	fill_check();
	protections();
	protect_flips();
	fixed_remap();
	advise();
	shared_children();
	private_cow();
	large_region();
	sparse_reservation();
	cross_thread();
	return wl_finish();
}
