/* SPDX-License-Identifier: MIT */
/*
 * dom0 only: wait for lines in the hypervisor log (MICA_CONSOLEIO_read),
 * e.g. another domain's result line or Mica's report that it crashed one.
 */
#ifndef GUEST_LOGWAIT_H
#define GUEST_LOGWAIT_H

#include <stdbool.h>

/*
 * Reads the log from its start until, for every i < n, some line contains
 * patterns[i] (seen[i] set), yielding while nothing is new, for at most
 * about 'seconds'.  Returns the number of patterns seen.
 */
unsigned int log_wait_for(const char *const *patterns, bool *seen,
			  unsigned int n, unsigned int seconds);

#endif
