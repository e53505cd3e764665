/* SPDX-License-Identifier: MIT */
/*
 * threads: pthreads and futexes.  Contended mutex counters, a raw futex
 * ping-pong, a bounded queue on condition variables (every item accounted
 * for), barriers, a reader/writer invariant, thread-local storage (the fs
 * base switched per thread), a process-shared mutex across fork, and many
 * short-lived threads.  Results are checked, not only completion.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "wl.h"

static long futex(int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	errno = pthread_create(t, NULL, fn, arg);
	if (errno)
		wl_die("pthread_create");
}

/* ---- contended mutex counter */
enum { mutex_threads = 8, mutex_adds = 20000 };
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long counter;

static void *mutex_adder(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < mutex_adds; i++) {
		pthread_mutex_lock(&counter_lock);
		counter++;
		if (!(i & 63))
			sched_yield(); /* hold the lock across a switch */
		pthread_mutex_unlock(&counter_lock);
	}
	return NULL;
}

static void mutex_counter(void)
{
	pthread_t t[mutex_threads];
	int i;

	for (i = 0; i < mutex_threads; i++)
		start(&t[i], mutex_adder, NULL);
	for (i = 0; i < mutex_threads; i++)
		pthread_join(t[i], NULL);
	wl_check(counter == (unsigned long)mutex_threads * mutex_adds,
		 "mutex: 8 threads x 20000 contended increments", "got %lu",
		 counter);
}

/* ---- raw futex ping-pong: turn alternates 0,1; each side checks order */
enum { pingpong_rounds = 2000 };
static int turn, pongs, pingpong_bad;

static void *pong(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < pingpong_rounds; i++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 1)
			futex(&turn, FUTEX_WAIT_PRIVATE, 0);
		pongs++;
		__atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
		futex(&turn, FUTEX_WAKE_PRIVATE, 1);
	}
	return NULL;
}

static void futex_pingpong(void)
{
	pthread_t t;
	int i, r;

	start(&t, pong, NULL);
	for (i = 0; i < pingpong_rounds; i++) {
		__atomic_store_n(&turn, 1, __ATOMIC_RELEASE);
		futex(&turn, FUTEX_WAKE_PRIVATE, 1);
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 0)
			futex(&turn, FUTEX_WAIT_PRIVATE, 1);
		pingpong_bad += pongs != i + 1; /* one pong per ping */
	}
	pthread_join(t, NULL);
	/* FUTEX_WAIT on a changed value must fail at once with EAGAIN. */
	r = (int)futex(&turn, FUTEX_WAIT_PRIVATE, 5);
	wl_check(!pingpong_bad && r == -1 && errno == EAGAIN,
		 "futex: 2000 wait/wake round trips, EAGAIN on a stale value",
		 "%d out of order, wait returned %d errno %d", pingpong_bad, r,
		 errno);
}

/* ---- bounded queue on condition variables */
enum { producers = 4, consumers = 4, items = 5000, qsize = 16 };
static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_full, not_empty;
	unsigned long buf[qsize];
	int head, tail, count, done;
	unsigned long sum, taken;
} q = { .lock = PTHREAD_MUTEX_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER,
	.not_empty = PTHREAD_COND_INITIALIZER };

static void *producer(void *arg)
{
	unsigned long base = (unsigned long)arg * items, i;

	for (i = 1; i <= items; i++) {
		pthread_mutex_lock(&q.lock);
		while (q.count == qsize)
			pthread_cond_wait(&q.not_full, &q.lock);
		q.buf[q.tail] = base + i;
		q.tail = (q.tail + 1) % qsize;
		q.count++;
		pthread_cond_signal(&q.not_empty);
		pthread_mutex_unlock(&q.lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&q.lock);
		while (!q.count && !q.done)
			pthread_cond_wait(&q.not_empty, &q.lock);
		if (!q.count) {
			pthread_mutex_unlock(&q.lock);
			return NULL;
		}
		q.sum += q.buf[q.head];
		q.taken++;
		q.head = (q.head + 1) % qsize;
		q.count--;
		pthread_cond_signal(&q.not_full);
		pthread_mutex_unlock(&q.lock);
	}
}

static void condvar_queue(void)
{
	pthread_t p[producers], c[consumers];
	unsigned long n = (unsigned long)producers * items;
	long i;

	for (i = 0; i < consumers; i++)
		start(&c[i], consumer, NULL);
	for (i = 0; i < producers; i++)
		start(&p[i], producer, (void *)i);
	for (i = 0; i < producers; i++)
		pthread_join(p[i], NULL);
	pthread_mutex_lock(&q.lock);
	q.done = 1;
	pthread_cond_broadcast(&q.not_empty);
	pthread_mutex_unlock(&q.lock);
	for (i = 0; i < consumers; i++)
		pthread_join(c[i], NULL);
	/* items 1..n, each exactly once */
	wl_check(q.taken == n && q.sum == n * (n + 1) / 2,
		 "condition variables: 4 producers, 4 consumers, 20000 items",
		 "taken %lu sum %lu", q.taken, q.sum);
}

/* ---- barrier phases: every thread sees every other's phase write */
enum { barrier_threads = 6, phases = 200 };
static pthread_barrier_t barrier;
static int phase_of[barrier_threads], barrier_bad;

static void *phaser(void *arg)
{
	int me = (int)(long)arg, ph, i;

	for (ph = 1; ph <= phases; ph++) {
		phase_of[me] = ph;
		pthread_barrier_wait(&barrier);
		for (i = 0; i < barrier_threads; i++)
			if (__atomic_load_n(&phase_of[i], __ATOMIC_RELAXED) !=
			    ph)
				__atomic_fetch_add(&barrier_bad, 1,
						   __ATOMIC_RELAXED);
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

static void barriers(void)
{
	pthread_t t[barrier_threads];
	long i;

	pthread_barrier_init(&barrier, NULL, barrier_threads);
	for (i = 0; i < barrier_threads; i++)
		start(&t[i], phaser, (void *)i);
	for (i = 0; i < barrier_threads; i++)
		pthread_join(t[i], NULL);
	wl_check(!barrier_bad, "barriers: 6 threads x 200 phases consistent",
		 "%d stale reads", barrier_bad);
}

/* ---- rwlock: readers always see a == b */
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static unsigned long rw_a, rw_b;
static int rw_bad;

static void *rw_writer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 5000; i++) {
		pthread_rwlock_wrlock(&rw);
		rw_a++;
		if (!(i & 127))
			sched_yield();
		rw_b++;
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *rw_reader(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 5000; i++) {
		pthread_rwlock_rdlock(&rw);
		if (rw_a != rw_b)
			__atomic_fetch_add(&rw_bad, 1, __ATOMIC_RELAXED);
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void rwlocks(void)
{
	pthread_t t[6];
	int i;

	for (i = 0; i < 6; i++)
		start(&t[i], i < 2 ? rw_writer : rw_reader, NULL);
	for (i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	wl_check(!rw_bad && rw_a == 10000 && rw_b == 10000,
		 "rwlock: 2 writers, 4 readers, invariant held",
		 "%d bad, %lu/%lu", rw_bad, rw_a, rw_b);
}

/* ---- thread-local storage across yields */
static __thread unsigned long tls_value;

static void *tls_worker(void *arg)
{
	unsigned long me = (unsigned long)arg, i, bad = 0;

	tls_value = me * 0x1000193;
	for (i = 0; i < 2000; i++) {
		sched_yield();
		bad += tls_value != me * 0x1000193 + i;
		tls_value++;
	}
	return (void *)bad;
}

static void tls(void)
{
	pthread_t t[8];
	unsigned long bad = 0;
	long i;
	void *ret;

	for (i = 0; i < 8; i++)
		start(&t[i], tls_worker, (void *)i);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], &ret);
		bad += (unsigned long)ret;
	}
	wl_check(!bad, "thread-local storage: 8 threads x 2000 yields",
		 "%lu wrong values", bad);
}

/* ---- process-shared mutex across fork children */
static void shared_mutex(void)
{
	struct {
		pthread_mutex_t lock;
		unsigned long count;
	} *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t attr;
	pid_t pids[4];
	int i, j, bad = 0;

	if (s == MAP_FAILED)
		wl_die("mmap");
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&s->lock, &attr);
	for (i = 0; i < 4; i++) {
		pids[i] = wl_fork();
		if (pids[i] == 0) {
			for (j = 0; j < 10000; j++) {
				pthread_mutex_lock(&s->lock);
				s->count++;
				if (!(j & 255))
					sched_yield();
				pthread_mutex_unlock(&s->lock);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		bad += wl_wait(pids[i]) != 0;
	wl_check(!bad && s->count == 40000,
		 "process-shared mutex: 4 processes x 10000 increments",
		 "count %lu, %d bad children", s->count, bad);
	munmap(s, sizeof(*s));
}

/* ---- many short-lived threads, each returning a computed value */
static void *square(void *arg)
{
	unsigned long x = (unsigned long)arg;

	return (void *)(x * x);
}

static void thread_churn(void)
{
	pthread_t t[16];
	unsigned long i, j, bad = 0;
	void *ret;

	for (i = 0; i < 16; i++) {
		for (j = 0; j < 16; j++)
			start(&t[j], square, (void *)(i * 16 + j));
		for (j = 0; j < 16; j++) {
			pthread_join(t[j], &ret);
			bad += (unsigned long)ret !=
			       (i * 16 + j) * (i * 16 + j);
		}
	}
	wl_check(!bad, "thread churn: 256 threads created, joined, values",
		 "%lu wrong", bad);
}

int main(void)
{
	wl_start("threads");
	mutex_counter();
	futex_pingpong();
	condvar_queue();
	barriers();
	rwlocks();
	tls();
	shared_mutex();
	thread_churn();
	return wl_finish();
}
