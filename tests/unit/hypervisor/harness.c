// SPDX-License-Identifier: MIT
/* The host unit-test harness; see harness.h. */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asm/page.h>

#include "harness.h"

/* A case that runs longer than this is stuck (a lock never released?). */
#define CASE_TIMEOUT_SECONDS 30
/* Exit status of a child that printed its own FAIL line. */
#define EXIT_REPORTED_FAILURE 77

unsigned char *test_memory;
uint64_t test_memory_size;

static const char *suite_name;
static const char *current_case;
static uint64_t random_state = 0x9e3779b97f4a7c15ULL;

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: %s/%s: %s:%d: ", suite_name, current_case, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	_exit(EXIT_REPORTED_FAILURE);
}

void test_bad_address(const char *what, uint64_t value)
{
	test_fail(__FILE__, __LINE__, "%s(0x%llx): outside test memory", what,
		  (unsigned long long)value);
}

void test_random_seed(uint64_t seed)
{
	random_state = seed ? seed : 1;
}

uint64_t test_random(void)
{
	random_state ^= random_state >> 12;
	random_state ^= random_state << 25;
	random_state ^= random_state >> 27;
	return random_state * 0x2545f4914f6cdd1dULL;
}

uint64_t test_random_below(uint64_t n)
{
	return test_random() % n;
}

void test_memory_init(uint64_t nr_frames)
{
	free(test_memory);
	test_memory_size = nr_frames * PAGE_SIZE;
	test_memory = aligned_alloc(PAGE_SIZE, test_memory_size);
	if (!test_memory)
		test_fail(__FILE__, __LINE__, "cannot allocate %llu frames",
			  (unsigned long long)nr_frames);
	memset(test_memory, 0x5a, test_memory_size);
}

/* Runs one case in a child; returns true if it passed. */
static bool run_case(const struct test_case *tc)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		printf("FAIL: %s/%s: %s:%d: fork failed\n", suite_name,
		       tc->name, __FILE__, __LINE__);
		return false;
	}
	if (pid == 0) {
		current_case = tc->name;
		alarm(CASE_TIMEOUT_SECONDS);
		tc->run();
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid) {
		printf("FAIL: %s/%s: %s:%d: waitpid failed\n", suite_name,
		       tc->name, __FILE__, __LINE__);
		return false;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("PASS: %s/%s\n", suite_name, tc->name);
		return true;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_REPORTED_FAILURE)
		return false;
	if (WIFSIGNALED(status))
		printf("FAIL: %s/%s: %s:%d: killed by signal %d%s\n",
		       suite_name, tc->name, __FILE__, __LINE__,
		       WTERMSIG(status),
		       WTERMSIG(status) == SIGALRM ? " (timed out)" : "");
	else
		printf("FAIL: %s/%s: %s:%d: exited with status %d (sanitizer "
		       "report above?)\n",
		       suite_name, tc->name, __FILE__, __LINE__,
		       WEXITSTATUS(status));
	return false;
}

int run_tests(const char *suite, const struct test_case *cases, size_t nr)
{
	size_t failed = 0;

	suite_name = suite;
	for (size_t i = 0; i < nr; i++)
		if (!run_case(&cases[i]))
			failed++;
	fflush(stdout);
	return failed ? 1 : 0;
}
