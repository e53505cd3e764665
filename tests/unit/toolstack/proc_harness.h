/* SPDX-License-Identifier: MIT */
#ifndef MICA_TEST_PROC_HARNESS_H
#define MICA_TEST_PROC_HARNESS_H

/*
 * Running the toolstack's daemons from a test: each is started with
 * proc_start() and stopped with proc_stop(); proc_cleanup() (call it after
 * every test) kills whatever a failed check left running.  Binaries come
 * from $MICA_STORED, $MICA_CONSOLED, $MICA_WATCHD (set by run-tests.sh).
 */

#include <stdbool.h>
#include <sys/types.h>

void sleep_ms(int ms);

/*
 * Starts $@env_var (or @fallback) with @argv (argv[0] included, NULL
 * terminated), stderr to @stderr_path if not NULL.  Returns the pid, or 0.
 */
pid_t proc_start(const char *env_var, const char *fallback, char *const argv[],
		 const char *stderr_path);

/* Sends @sig, waits; the exit status, 128 + signal, or -1. */
int proc_stop(pid_t pid, int sig);

/* Whether @pid still runs (it has not exited). */
bool proc_alive(pid_t pid);

/* Kills every process started and not stopped. */
void proc_cleanup(void);

/* Waits up to @ms for the Unix socket @path to accept connections. */
bool wait_for_socket(const char *path, int ms);

/* mica-stored on @dir/store.sock (no state kept); sets
 * $MICA_STORE_SOCKET.  Returns its pid or 0. */
pid_t start_store(const char *dir);

/* The whole of a file (NUL-terminated; free it), or NULL. */
char *read_whole_file(const char *path, size_t *len);

#endif
