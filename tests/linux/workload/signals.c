/* SPDX-License-Identifier: MIT */
/*
 * signals: delivery, queueing, masks, alternate stacks, context changes in
 * handlers, synchronous faults and job control.  Each check counts what
 * arrived and compares it with what was sent.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>

#include "wl.h"

static volatile sig_atomic_t count, nested_depth, max_depth;
static volatile int rt_values[128], rt_n;

static void on_count(int sig)
{
	(void)sig;
	count++;
}

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = { .sa_handler = fn, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		wl_die("sigaction");
}

static void handle_info(int sig, void (*fn)(int, siginfo_t *, void *),
			int flags)
{
	struct sigaction sa = { .sa_sigaction = fn,
				.sa_flags = SA_SIGINFO | flags };

	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		wl_die("sigaction");
}

static void block(int sig, int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(how, &set, NULL);
}

/* Real-time signals queue, in order, with their values. */
static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (rt_n < 128 && si->si_code == SI_QUEUE)
		rt_values[rt_n++] = si->si_value.sival_int;
}

static void rt_queue(void)
{
	int i, bad = 0;

	handle_info(SIGRTMIN + 1, on_rt, 0);
	block(SIGRTMIN + 1, SIG_BLOCK);
	for (i = 0; i < 100; i++)
		if (sigqueue(getpid(), SIGRTMIN + 1,
			     (union sigval){ .sival_int = i * 3 }))
			bad++;
	block(SIGRTMIN + 1, SIG_UNBLOCK);
	for (i = 0; i < rt_n; i++)
		bad += rt_values[i] != i * 3;
	wl_check(!bad && rt_n == 100,
		 "real-time signals: 100 queued while blocked, all delivered "
		 "in order with values",
		 "%d delivered, %d bad", rt_n, bad);
}

/* Standard signals coalesce while blocked. */
static void coalesce(void)
{
	int i;

	count = 0;
	handle(SIGUSR1, on_count, 0);
	block(SIGUSR1, SIG_BLOCK);
	for (i = 0; i < 5; i++)
		kill(getpid(), SIGUSR1);
	wl_check(count == 0, "blocked SIGUSR1 stays pending", "count %d",
		 (int)count);
	block(SIGUSR1, SIG_UNBLOCK);
	wl_check(count == 1, "5 blocked SIGUSR1 coalesce into one delivery",
		 "count %d", (int)count);
}

/* Ping-pong between processes with sigsuspend: exact counts both ways. */
static void ping_pong(void)
{
	enum { pings = 500 };
	sigset_t mask, old;
	pid_t child;
	int i, code;

	handle(SIGUSR1, on_count, 0);
	handle(SIGUSR2, on_count, 0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, &old);
	count = 0;
	child = wl_fork();
	if (child == 0) {
		for (i = 0; i < pings; i++) {
			while (count == i)
				sigsuspend(&old);
			kill(getppid(), SIGUSR2);
		}
		_exit(count == pings ? 0 : 1);
	}
	for (i = 0; i < pings; i++) {
		kill(child, SIGUSR1);
		while (count == i)
			sigsuspend(&old);
	}
	code = wl_wait(child);
	sigprocmask(SIG_SETMASK, &old, NULL);
	wl_check(code == 0 && count == pings,
		 "500 signal round trips between two processes (sigsuspend)",
		 "child %d, parent count %d", code, (int)count);
}

/* sigaltstack: the handler runs on the alternate stack, also on overflow. */
static char *alt_base;
static size_t alt_size;
static volatile int on_alt;

static void on_alt_check(int sig)
{
	char here;

	(void)sig;
	on_alt = &here >= alt_base && &here < alt_base + alt_size;
}

/* Recurses until the stack limit (depth is never reached). */
static int recurse(int n, int depth)
{
	volatile char pad[1024];

	pad[0] = (char)n;
	if (n == depth)
		return pad[0];
	return recurse(n + 1, depth) + pad[0];
}

static void on_overflow(int sig)
{
	char here;

	(void)sig;
	_exit(&here >= alt_base && &here < alt_base + alt_size ? 0 : 1);
}

static void alt_stack(void)
{
	stack_t ss;
	struct rlimit rl = { 1 << 20, 1 << 20 };
	pid_t pid;
	int code;

	alt_size = 64 * 1024;
	alt_base = malloc(alt_size);
	ss = (stack_t){ .ss_sp = alt_base, .ss_size = alt_size };
	if (!alt_base || sigaltstack(&ss, NULL))
		wl_die("sigaltstack");
	handle(SIGUSR2, on_alt_check, SA_ONSTACK);
	raise(SIGUSR2);
	wl_check(on_alt, "SA_ONSTACK handler runs on the alternate stack", "");

	pid = wl_fork();
	if (pid == 0) {
		setrlimit(RLIMIT_STACK, &rl);
		handle(SIGSEGV, on_overflow, SA_ONSTACK);
		_exit(2 + recurse(0, 1 << 30));
	}
	code = wl_wait(pid);
	wl_check(code == 0,
		 "stack overflow: SIGSEGV caught on the alternate stack",
		 "child %d", code);
}

/* Handlers that change the interrupted context: skip ud2, fix a divide. */
static volatile int sigill_seen;

static void on_sigill(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	if (si->si_code == ILL_ILLOPN &&
	    (void *)uc->uc_mcontext.gregs[REG_RIP] == si->si_addr) {
		uc->uc_mcontext.gregs[REG_RIP] += 2; /* ud2 */
		uc->uc_mcontext.gregs[REG_RAX] = 0x1234;
		sigill_seen++;
	}
}

static void on_sigfpe(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	if (si->si_code == FPE_INTDIV) {
		uc->uc_mcontext.gregs[REG_RCX] = 7; /* divide by 7 instead */
		sigill_seen += 10;
	}
}

static void context_edit(void)
{
	unsigned long rax = 1, quotient;

	handle_info(SIGILL, on_sigill, 0);
	__asm__ volatile("ud2" : "+a"(rax));
	wl_check(sigill_seen == 1 && rax == 0x1234,
		 "SIGILL (ud2): handler edits rip and rax, sigreturn resumes",
		 "seen %d rax %#lx", sigill_seen, rax);

	handle_info(SIGFPE, on_sigfpe, 0);
	__asm__ volatile("xor %%edx, %%edx\n\tdivq %%rcx"
			 : "=a"(quotient)
			 : "a"(700ul), "c"(0ul)
			 : "rdx");
	wl_check(sigill_seen == 11 && quotient == 100,
		 "SIGFPE (divide by zero, FPE_INTDIV): handler fixes rcx, "
		 "the divide is retried",
		 "seen %d quotient %lu", sigill_seen, quotient);
}

/* Nested delivery: a handler raising another, unmasked signal. */
static void on_inner(int sig)
{
	(void)sig;
	nested_depth++;
	if (nested_depth > max_depth)
		max_depth = nested_depth;
	nested_depth--;
}

static void on_outer(int sig)
{
	(void)sig;
	nested_depth++;
	raise(SIGUSR2);
	nested_depth--;
}

static void nested(void)
{
	sigset_t cur;

	handle(SIGUSR1, on_outer, 0);
	handle(SIGUSR2, on_inner, 0);
	raise(SIGUSR1);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	wl_check(max_depth == 2 && !sigismember(&cur, SIGUSR1),
		 "nested handlers: inner runs inside outer, mask restored",
		 "depth %d", (int)max_depth);
}

/*
 * Interval and POSIX timers deliver signals in number.  The signal stays
 * blocked outside sigsuspend(), which takes exactly one delivery per call,
 * so a tick between the last wait and disarming the timer is not counted.
 */
static int count_ticks(int want)
{
	sigset_t none;

	sigemptyset(&none);
	while (count < want)
		sigsuspend(&none);
	return count;
}

static void timers(void)
{
	struct itimerval it = { { 0, 5000 }, { 0, 5000 } }, off = { 0 };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR2 };
	struct itimerspec ts = { { 0, 4000000 }, { 0, 4000000 } };
	timer_t timer;
	int got;

	handle(SIGALRM, on_count, 0);
	block(SIGALRM, SIG_BLOCK);
	count = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	got = count_ticks(20);
	setitimer(ITIMER_REAL, &off, NULL);
	block(SIGALRM, SIG_UNBLOCK);
	wl_check(got == 20, "setitimer: 20 SIGALRM ticks, one per sigsuspend",
		 "%d", got);

	handle(SIGUSR2, on_count, 0);
	block(SIGUSR2, SIG_BLOCK);
	count = 0;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) ||
	    timer_settime(timer, 0, &ts, NULL)) {
		wl_check(0, "timer_create: signals", "%s", strerror(errno));
		block(SIGUSR2, SIG_UNBLOCK);
		return;
	}
	got = count_ticks(10);
	timer_delete(timer);
	block(SIGUSR2, SIG_UNBLOCK);
	wl_check(got == 10, "timer_create (POSIX timer): 10 signals", "%d",
		 got);
}

/*
 * Job control: stop, continue, kill, each seen both by waitpid and as a
 * SIGCHLD (blocked, taken with sigtimedwait) with the matching si_code.
 */
static int chld_code(pid_t pid)
{
	struct timespec limit = { 5, 0 };
	siginfo_t si;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigtimedwait(&set, &si, &limit) != SIGCHLD || si.si_pid != pid)
		return -1;
	return si.si_code;
}

static void job_control(void)
{
	int status, stopped, continued, killed, codes[3];
	pid_t pid;

	block(SIGCHLD, SIG_BLOCK);
	pid = wl_fork();
	if (pid == 0)
		for (;;)
			pause();
	kill(pid, SIGSTOP);
	stopped = waitpid(pid, &status, WUNTRACED) == pid &&
		  WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP;
	codes[0] = chld_code(pid);
	kill(pid, SIGCONT);
	continued = waitpid(pid, &status, WCONTINUED) == pid &&
		    WIFCONTINUED(status);
	codes[1] = chld_code(pid);
	kill(pid, SIGKILL);
	killed = waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
		 WTERMSIG(status) == SIGKILL;
	codes[2] = chld_code(pid);
	block(SIGCHLD, SIG_UNBLOCK);
	wl_check(stopped && continued && killed,
		 "job control: SIGSTOP, SIGCONT, SIGKILL seen by waitpid",
		 "stopped %d continued %d killed %d", stopped, continued,
		 killed);
	wl_check(codes[0] == CLD_STOPPED && codes[1] == CLD_CONTINUED &&
			 codes[2] == CLD_KILLED,
		 "SIGCHLD: stopped, continued, killed codes", "%d %d %d",
		 codes[0], codes[1], codes[2]);
	wl_check(kill(pid, 0) == -1 && errno == ESRCH,
		 "kill() of a reaped pid fails with ESRCH", "errno %d", errno);
}

int main(void)
{
	wl_start("signals");
	rt_queue();
	coalesce();
	ping_pong();
	alt_stack();
	context_edit();
	nested();
	timers();
	job_control();
	return wl_finish();
}
