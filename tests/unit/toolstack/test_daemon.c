// SPDX-License-Identifier: MIT
/*
 * mica-stored as a process, through libmica's client: restarts, hostile
 * bytes on the socket, concurrent clients.  $MICA_STORED names the daemon.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mica/error.h>
#include <mica/store.h>

#include "harness.h"

static char socket_path[4200], state_dir[4200];
static pid_t running; /* the daemon a test started and has not stopped */

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Starts the daemon on a fresh (or the given) directory; 0 on failure. */
static pid_t daemon_start(const char *dir)
{
	struct mica_store *probe;
	const char *binary = getenv("MICA_STORED");
	pid_t pid;
	int i;

	snprintf(socket_path, sizeof(socket_path), "%s/sock", dir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
	pid = fork();
	if (pid == 0) {
		execl(binary ? binary : "mica-stored", "mica-stored",
		      "--socket", socket_path, "--state-dir", state_dir,
		      "--quiet", (char *)NULL);
		_exit(127);
	}
	running = pid > 0 ? pid : 0;
	for (i = 0; pid > 0 && i < 500; i++) {
		if (!mica_store_open(socket_path, &probe, NULL)) {
			mica_store_close(probe);
			return pid;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 0;
		sleep_ms(20);
	}
	return 0;
}

/* Sends @sig and returns the exit status (or 128 + signal). */
static int daemon_stop(pid_t pid, int sig)
{
	int status;

	kill(pid, sig);
	if (running == pid)
		running = 0;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* After each test: a daemon left behind by a failed check goes. */
static void daemon_cleanup(void)
{
	if (running)
		daemon_stop(running, SIGKILL);
}

static bool daemon_alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

static struct mica_store *client(void)
{
	struct mica_store *store = NULL;
	struct mica_error err;

	if (mica_store_open(socket_path, &store, &err))
		printf("open: %s\n", err.message);
	return store;
}

static void test_client_operations(void)
{
	pid_t pid = daemon_start(test_tmpdir());
	struct mica_store *s = pid ? client() : NULL;
	struct mica_store_perms perms = { 0 };
	struct mica_error err;
	char *value, **names;
	size_t len, count;

	CHECK(s);
	CHECK_INT(mica_store_write(s, 0, "/vm/a", "1", 1, &err), 0);
	CHECK_INT(mica_store_write(s, 0, "/vm/b", "two\0x", 5, &err), 0);
	CHECK_INT(mica_store_mkdir(s, 0, "/vm/c", &err), 0);
	CHECK_INT(mica_store_read(s, 0, "/vm/b", &value, &len, &err), 0);
	CHECK(len == 5 && !memcmp(value, "two\0x", 5));
	free(value);
	CHECK_INT(mica_store_directory(s, 0, "/vm", &names, &count, &err), 0);
	CHECK_INT(count, 3);
	CHECK_STR(names[0], "a");
	CHECK_STR(names[2], "c");
	CHECK(!names[3]);
	mica_store_names_free(names);
	CHECK_INT(mica_store_read(s, 0, "/vm/zz", &value, &len, &err), -ENOENT);
	CHECK_STR(err.message, "'/vm/zz': no such node");
	perms.owner = 3;
	perms.other = MICA_STORE_ACCESS_READ;
	perms.nacl = 1;
	perms.acl[0].domid = 8;
	perms.acl[0].access = MICA_STORE_ACCESS_BOTH;
	CHECK_INT(mica_store_set_perms(s, 0, "/vm/a", &perms, &err), 0);
	memset(&perms, 0, sizeof(perms));
	CHECK_INT(mica_store_get_perms(s, 0, "/vm/a", &perms, &err), 0);
	CHECK(perms.owner == 3 && perms.other == MICA_STORE_ACCESS_READ &&
	      perms.nacl == 1 && perms.acl[0].domid == 8 &&
	      perms.acl[0].access == MICA_STORE_ACCESS_BOTH);
	CHECK_INT(mica_store_rm(s, 0, "/vm", &err), 0);
	CHECK_INT(mica_store_rm(s, 0, "/vm", &err), -ENOENT);
	CHECK_INT(mica_store_introduce(s, 5, &err), 0);
	CHECK_INT(mica_store_introduce(s, 5, &err), -EEXIST);
	CHECK_INT(mica_store_release(s, 5, &err), 0);
	mica_store_close(s);
	CHECK_INT(daemon_stop(pid, SIGTERM), 0);
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1;
}

static void test_client_watch_events(void)
{
	pid_t pid = daemon_start(test_tmpdir());
	struct mica_store *w = pid ? client() : NULL, *c = client();
	struct mica_store_event *ev;
	struct mica_error err;
	int fd;

	CHECK(w && c);
	CHECK_INT(mica_store_mkdir(c, 0, "/watched", &err), 0);
	fd = mica_store_event_fd(w);
	CHECK_INT(mica_store_watch(w, "/watched", "tok", &err), 0);
	/* The first event came with the reply and is already queued. */
	CHECK(readable(fd, 0));
	CHECK_INT(mica_store_next_event(w, &ev, &err), 0);
	CHECK_STR(ev->path, "/watched");
	CHECK_STR(ev->token, "tok");
	CHECK_INT(ev->domid, -1);
	mica_store_event_free(ev);
	CHECK_INT(mica_store_next_event(w, &ev, &err), -EAGAIN);
	CHECK(!readable(fd, 0));
	/* A change by another client arrives on the socket. */
	CHECK_INT(mica_store_write(c, 0, "/watched/x", "1", 1, &err), 0);
	CHECK(readable(fd, 2000));
	CHECK_INT(mica_store_next_event(w, &ev, &err), 0);
	CHECK_STR(ev->path, "/watched/x");
	mica_store_event_free(ev);
	/* Events that arrive while waiting for a reply are kept. */
	CHECK_INT(mica_store_write(w, 0, "/watched/y", "1", 1, &err), 0);
	CHECK_INT(mica_store_next_event(w, &ev, &err), 0);
	CHECK_STR(ev->path, "/watched/y");
	mica_store_event_free(ev);
	CHECK_INT(mica_store_watch(w, "@introduceDomain", "in", &err), 0);
	CHECK_INT(mica_store_next_event(w, &ev, &err), 0);
	mica_store_event_free(ev);
	CHECK_INT(mica_store_introduce(c, 7, &err), 0);
	CHECK(readable(fd, 2000));
	CHECK_INT(mica_store_next_event(w, &ev, &err), 0);
	CHECK_STR(ev->path, "@introduceDomain");
	CHECK_INT(ev->domid, 7);
	mica_store_event_free(ev);
	CHECK_INT(mica_store_unwatch(w, "/watched", "tok", &err), 0);
	CHECK_INT(mica_store_unwatch(w, "/watched", "tok", &err), -ENOENT);
	mica_store_close(w);
	mica_store_close(c);
	CHECK_INT(daemon_stop(pid, SIGTERM), 0);
}

static void test_client_transactions(void)
{
	pid_t pid = daemon_start(test_tmpdir());
	struct mica_store *a = pid ? client() : NULL, *b = client();
	struct mica_error err;
	uint32_t tx;
	char *value;

	CHECK(a && b);
	CHECK_INT(mica_store_tx_start(a, &tx, &err), 0);
	CHECK_INT(mica_store_write(a, tx, "/t", "in-tx", 5, &err), 0);
	CHECK_INT(mica_store_read(b, 0, "/t", &value, NULL, &err), -ENOENT);
	CHECK_INT(mica_store_tx_commit(a, tx, &err), 0);
	CHECK_INT(mica_store_read(b, 0, "/t", &value, NULL, &err), 0);
	free(value);
	CHECK_INT(mica_store_tx_start(a, &tx, &err), 0);
	CHECK_INT(mica_store_read(a, tx, "/t", &value, NULL, &err), 0);
	free(value);
	CHECK_INT(mica_store_write(b, 0, "/t", "b", 1, &err), 0);
	CHECK_INT(mica_store_tx_commit(a, tx, &err), -EAGAIN);
	CHECK_INT(mica_store_tx_abort(a, tx, &err), -ESRCH);
	mica_store_close(a);
	mica_store_close(b);
	CHECK_INT(daemon_stop(pid, SIGTERM), 0);
}

static void test_restart_after_kill(void)
{
	const char *dir = test_tmpdir();
	pid_t pid = daemon_start(dir);
	struct mica_store *s = pid ? client() : NULL;
	struct mica_error err;
	char path[64], *value;
	uint32_t tx;
	int i;

	CHECK(s);
	for (i = 0; i < 50; i++) {
		snprintf(path, sizeof(path), "/keep/%d", i);
		CHECK_INT(mica_store_write(s, 0, path, path, strlen(path),
					   &err),
			  0);
	}
	CHECK_INT(mica_store_tx_start(s, &tx, &err), 0);
	CHECK_INT(mica_store_write(s, tx, "/keep/tx", "yes", 3, &err), 0);
	CHECK_INT(mica_store_tx_commit(s, tx, &err), 0);
	CHECK_INT(mica_store_introduce(s, 11, &err), 0);
	/* Acknowledged means kept, even through SIGKILL. */
	CHECK_INT(daemon_stop(pid, SIGKILL), 128 + SIGKILL);
	CHECK_INT(mica_store_write(s, 0, "/lost", "x", 1, &err), -ECONNRESET);
	mica_store_close(s);
	pid = daemon_start(dir);
	s = pid ? client() : NULL;
	CHECK(s);
	for (i = 0; i < 50; i++) {
		snprintf(path, sizeof(path), "/keep/%d", i);
		CHECK_INT(mica_store_read(s, 0, path, &value, NULL, &err), 0);
		CHECK_STR(value, path);
		free(value);
	}
	CHECK_INT(mica_store_read(s, 0, "/keep/tx", &value, NULL, &err), 0);
	free(value);
	CHECK_INT(mica_store_introduce(s, 11, &err), -EEXIST);
	/* And once more through a clean stop. */
	CHECK_INT(mica_store_write(s, 0, "/second", "2", 1, &err), 0);
	mica_store_close(s);
	CHECK_INT(daemon_stop(pid, SIGTERM), 0);
	pid = daemon_start(dir);
	s = pid ? client() : NULL;
	CHECK(s);
	CHECK_INT(mica_store_read(s, 0, "/second", &value, NULL, &err), 0);
	free(value);
	mica_store_close(s);
	CHECK_INT(daemon_stop(pid, SIGTERM), 0);
}

static int raw_connect(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(addr.sun_path, socket_path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one framed reply from @fd into @buf (NUL-terminated). */
static bool raw_reply(int fd, char *buf, size_t size)
{
	uint8_t header[8];
	uint32_t len;

	if (recv(fd, header, 8, MSG_WAITALL) != 8)
		return false;
	len = header[0] | header[1] << 8 | header[2] << 16 |
	      (uint32_t)header[3] << 24;
	if (len >= size || recv(fd, buf, len, MSG_WAITALL) != (ssize_t)len)
		return false;
	buf[len] = '\0';
	return true;
}

static bool raw_send(int fd, uint32_t len, const char *text, size_t text_len)
{
	/* @len may claim more (or less) than the @text_len bytes sent. */
	uint8_t header[8] = { len, len >> 8, len >> 16, len >> 24 };

	return send(fd, header, 8, MSG_NOSIGNAL) == 8 &&
	       send(fd, text, text_len, MSG_NOSIGNAL) == (ssize_t)text_len;
}

static void test_hostile_bytes_on_the_socket(void)
{
	static const char *const bad[] = {
		"not json",
		"[1,2]",
		"{\"id\":1}",
		"{\"id\":2,\"op\":\"read\"}",
		"{\"id\":3,\"op\":\"read\",\"path\":\"/\xff\"}",
		"",
	};
	const char *dir9 = "{\"id\":9,\"op\":\"directory\",\"path\":\"/\"}";
	pid_t pid = daemon_start(test_tmpdir());
	struct mica_store *s;
	struct mica_error err;
	char reply[4096], *filler;
	size_t i;
	int fd;

	CHECK(pid);
	fd = raw_connect();
	CHECK(fd >= 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(raw_send(fd, strlen(bad[i]), bad[i], strlen(bad[i])));
		CHECK(raw_reply(fd, reply, sizeof(reply)));
		CHECK_MSG(strstr(reply, "\"ok\":false"), "%s -> %s", bad[i],
			  reply);
	}
	/* An oversized frame is refused and skipped; the stream goes on. */
	filler = calloc(1, (2u << 20) + 1);
	CHECK(filler);
	memset(filler, 'x', 2u << 20);
	CHECK(raw_send(fd, 2u << 20, filler, 2u << 20));
	free(filler);
	CHECK(raw_reply(fd, reply, sizeof(reply)));
	CHECK_MSG(strstr(reply, "\"error\":\"E2BIG\""), "%s", reply);
	CHECK(raw_send(fd, strlen(dir9), dir9, strlen(dir9)));
	CHECK(raw_reply(fd, reply, sizeof(reply)));
	CHECK_MSG(strstr(reply, "\"id\":9,\"ok\":true"), "%s", reply);
	/* A frame cut short by a closing peer. */
	CHECK(raw_send(fd, 100, "{\"id\":", 6));
	close(fd);
	/* A peer that vanishes with replies unread. */
	fd = raw_connect();
	CHECK(fd >= 0);
	for (i = 0; i < 200; i++)
		CHECK(raw_send(fd, strlen(dir9), dir9, strlen(dir9)));
	close(fd);
	sleep_ms(100);
	CHECK(daemon_alive(pid));
	s = client();
	CHECK(s);
	CHECK_INT(mica_store_write(s, 0, "/still", "up", 2, &err), 0);
	mica_store_close(s);
	CHECK_INT(daemon_stop(pid, SIGTERM), 0);
}

/* Forked clients increment one counter with transactions and retries. */
static void test_concurrent_processes_lose_nothing(void)
{
	enum { PROCS = 4, EACH = 25 };
	pid_t pid = daemon_start(test_tmpdir()), kids[PROCS];
	struct mica_store *s = pid ? client() : NULL;
	struct mica_error err;
	int i, status, failures = 0;
	char *value;

	CHECK(s);
	CHECK_INT(mica_store_write(s, 0, "/count", "0", 1, &err), 0);
	for (i = 0; i < PROCS; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			struct mica_store *c = client();
			int n = 0, ret;
			uint32_t tx;
			char *v, text[16];

			while (c && n < EACH) {
				if (mica_store_tx_start(c, &tx, NULL))
					_exit(1);
				ret = mica_store_read(c, tx, "/count", &v, NULL,
						      NULL);
				if (!ret) {
					snprintf(text, sizeof(text), "%d",
						 atoi(v) + 1);
					free(v);
					ret = mica_store_write(c, tx, "/count",
							       text,
							       strlen(text),
							       NULL);
				}
				ret = mica_store_tx_commit(c, tx, NULL) ?: ret;
				if (!ret)
					n++;
				else if (ret != -EAGAIN)
					_exit(2);
			}
			mica_store_close(c);
			_exit(c ? 0 : 3);
		}
	}
	for (i = 0; i < PROCS; i++)
		if (waitpid(kids[i], &status, 0) != kids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			failures++;
	CHECK_INT(failures, 0);
	CHECK_INT(mica_store_read(s, 0, "/count", &value, NULL, &err), 0);
	CHECK_INT(atoi(value), PROCS * EACH);
	free(value);
	mica_store_close(s);
	CHECK_INT(daemon_stop(pid, SIGTERM), 0);
}

#define RUN_WITH_DAEMON(fn)       \
	do {                      \
		RUN(fn);          \
		daemon_cleanup(); \
	} while (0)

int main(void)
{
	RUN_WITH_DAEMON(test_client_operations);
	RUN_WITH_DAEMON(test_client_watch_events);
	RUN_WITH_DAEMON(test_client_transactions);
	RUN_WITH_DAEMON(test_restart_after_kill);
	RUN_WITH_DAEMON(test_hostile_bytes_on_the_socket);
	RUN_WITH_DAEMON(test_concurrent_processes_lose_nothing);
	return test_exit_code();
}
