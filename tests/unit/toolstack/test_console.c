// SPDX-License-Identifier: MIT
/*
 * mica-consoled and `mica console` against the simulated host: the test
 * plays the guests, writing and reading their console rings
 * (public/io/console.h) through foreign mappings of the simulated memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mica/console.h>
#include <mica/error.h>
#include <mica/hv.h>
#include <mica/uuid.h>

#include "harness.h"
#include "proc_harness.h"
#include "public/io/console.h"
#include "public/sched.h"

#define WAIT_MS 5000

struct guest {
	uint16_t domid;
	uint8_t uuid[16];
	volatile struct mica_console_ring *ring;
};

static struct {
	const char *dir;
	char sock[4200], logs[4200], errlog[4200];
	struct mica_hv *hv;
	pid_t consoled, stored;
} t;

static bool start_consoled(void)
{
	t.consoled =
		proc_start("MICA_CONSOLED", "mica-consoled",
			   (char *const[]){ "mica-consoled", "--socket", t.sock,
					    "--log-dir", t.logs, NULL },
			   t.errlog);
	return t.consoled && wait_for_socket(t.sock, WAIT_MS);
}

static bool setup(bool with_store)
{
	char sim[4200];
	struct mica_error err;

	memset(&t, 0, sizeof(t));
	t.dir = test_tmpdir();
	snprintf(sim, sizeof(sim), "%s/sim", t.dir);
	snprintf(t.sock, sizeof(t.sock), "%s/consoled.sock", t.dir);
	snprintf(t.logs, sizeof(t.logs), "%s/logs", t.dir);
	snprintf(t.errlog, sizeof(t.errlog), "%s/consoled.err", t.dir);
	setenv("MICA_HV_SIM", sim, 1);
	setenv("MICA_HV_SIM_PAGES", "4096", 1);
	setenv("MICA_CONSOLED_SOCKET", t.sock, 1);
	if (mica_hv_open_sim(sim, 0, &t.hv, &err)) {
		printf("sim: %s\n", err.message);
		return false;
	}
	if (with_store && !(t.stored = start_store(t.dir)))
		return false;
	return start_consoled();
}

static void cleanup(void)
{
	proc_cleanup();
	mica_hv_close(t.hv);
	t.hv = NULL;
}

/* A running domain with a console ring; the test holds its mapping. */
static bool guest_new(struct guest *g)
{
	struct mica_hv_create a = { .domid = MICA_DOMID_ANY,
				    .max_vcpus = 1,
				    .max_pages = 4 };
	struct mica_uuid u;
	uint64_t gfn;
	int err, ret;

	mica_uuid_generate(&u);
	memcpy(a.uuid, u.bytes, sizeof(a.uuid));
	if (t.hv->ops->create(t.hv, &a, &g->domid) ||
	    t.hv->ops->populate(t.hv, g->domid, &gfn, 1, 0) != 1)
		return false;
	memcpy(g->uuid, a.uuid, sizeof(g->uuid));
	g->ring =
		t.hv->ops->map_foreign(t.hv, g->domid, &gfn, 1, 1, &err, &ret);
	if (!g->ring || ret)
		return false;
	return !t.hv->ops->set_param(t.hv, g->domid, MICA_DOMPARAM_CONSOLE_PFN,
				     gfn) &&
	       !t.hv->ops->unpause(t.hv, g->domid);
}

/* The guest writes @len bytes, waiting for room as a real one would. */
static bool guest_write(struct guest *g, const void *bytes, size_t len)
{
	volatile struct mica_console_ring *r = g->ring;
	const uint8_t *b = bytes;
	size_t done = 0;
	int waited = 0;

	while (done < len) {
		mica_console_idx_t prod = r->out_prod;

		if ((uint32_t)(prod - r->out_cons) >= MICA_CONSOLE_OUT_SIZE) {
			if ((waited += 2) > WAIT_MS)
				return false;
			sleep_ms(2);
			continue;
		}
		while (done < len &&
		       (uint32_t)(prod - r->out_cons) < MICA_CONSOLE_OUT_SIZE)
			r->out[MICA_CONSOLE_OUT_MASK(prod++)] = b[done++];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		r->out_prod = prod;
	}
	return true;
}

/* Waits until the daemon has consumed everything written so far. */
static bool guest_drained(struct guest *g)
{
	int waited;

	for (waited = 0; waited < WAIT_MS; waited += 5) {
		if (g->ring->out_cons == g->ring->out_prod)
			return true;
		sleep_ms(5);
	}
	return false;
}

/* What the guest has received as input, consumed, NUL-terminated. */
static size_t guest_read(struct guest *g, char *out, size_t size)
{
	volatile struct mica_console_ring *r = g->ring;
	size_t n = 0;

	while (r->in_cons != r->in_prod && n + 1 < size)
		out[n++] = (char)r->in[MICA_CONSOLE_IN_MASK(r->in_cons++)];
	out[n] = '\0';
	return n;
}

static char *log_of(struct guest *g)
{
	char path[4300], uuid[MICA_UUID_STRLEN + 1];
	struct mica_uuid u;

	memcpy(u.bytes, g->uuid, sizeof(u.bytes));
	mica_uuid_format(&u, uuid);
	snprintf(path, sizeof(path), "%s/%s.log", t.logs, uuid);
	return read_whole_file(path, NULL);
}

static int raw_connect(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(addr.sun_path, t.sock);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Reads from @fd into @buf until it contains @want (or end of file, or
 * the time is up); returns the bytes read, NUL-terminated.
 */
static size_t read_until(int fd, char *buf, size_t size, const char *want)
{
	size_t len = 0;
	int waited = 0;
	ssize_t n;

	buf[0] = '\0';
	while (len + 1 < size && waited < WAIT_MS) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (want && strstr(buf, want))
			break;
		if (poll(&p, 1, 10) <= 0) {
			waited += 10;
			continue;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return len;
}

/* Connects and attaches; returns the fd, or -1 (the answer in @answer). */
static int attach(uint16_t domid, char *answer, size_t size)
{
	int fd = raw_connect();

	if (fd < 0)
		return -1;
	dprintf(fd, "attach %u\n", domid);
	read_until(fd, answer, size, "\n");
	if (strcmp(answer, "ok\n")) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads (and drops) what is pending until end of file: true if it came. */
static bool at_eof(int fd)
{
	char buf[65536];
	int waited = 0;
	ssize_t n;

	while (waited < WAIT_MS) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 10) <= 0) {
			waited += 10;
			continue;
		}
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return n == 0 || errno == ECONNRESET;
	}
	return false;
}

/* The guest writes @mark until it shows up on @fd (a reader that is
 * (re)connecting); true once it did. */
static bool seen_by(struct guest *g, int fd, const char *mark)
{
	char buf[4096];
	int i;

	for (i = 0; i < 100; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (!guest_write(g, mark, strlen(mark)))
			return false;
		if (poll(&p, 1, 50) > 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			if (n <= 0)
				return false;
			buf[n] = '\0';
			if (strstr(buf, mark))
				return true;
		}
	}
	return false;
}

static void test_output_reaches_log_and_every_reader(void)
{
	struct guest g;
	char answer[64], got[3][16384], *log;
	static char big[12000];
	int fds[3], i;

	CHECK(setup(false));
	CHECK(guest_new(&g));
	for (i = 0; i < 3; i++) {
		fds[i] = attach(g.domid, answer, sizeof(answer));
		CHECK_MSG(fds[i] >= 0, "attach: '%s'", answer);
	}
	/* Several times the ring's size: the guest waits for room. */
	for (i = 0; i < (int)sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof(big) - 2] = '$';
	CHECK(guest_write(&g, "boot\n", 5));
	CHECK(guest_write(&g, big, sizeof(big) - 1));
	CHECK(guest_drained(&g));
	for (i = 0; i < 3; i++) {
		read_until(fds[i], got[i], sizeof(got[i]), "$");
		CHECK_INT(strlen(got[i]), 5 + sizeof(big) - 1);
		CHECK(!strncmp(got[i], "boot\n", 5));
		CHECK(!strcmp(got[i] + 5, big));
		close(fds[i]);
	}
	log = log_of(&g);
	CHECK(log);
	CHECK_INT(strlen(log), 5 + sizeof(big) - 1);
	CHECK(!strcmp(log + 5, big));
	free(log);
}

/* A reader attached later sees output from then on; the log has all. */
static void test_late_reader_and_separate_domains(void)
{
	struct guest a, b;
	char answer[64], got[256], *log;
	int fd;

	CHECK(setup(false));
	CHECK(guest_new(&a));
	CHECK(guest_new(&b));
	CHECK(guest_write(&a, "early ", 6));
	CHECK(guest_drained(&a));
	fd = attach(a.domid, answer, sizeof(answer));
	CHECK(fd >= 0);
	CHECK(guest_write(&b, "from b", 6));
	CHECK(guest_write(&a, "late", 4));
	read_until(fd, got, sizeof(got), "late");
	CHECK_STR(got, "late");
	close(fd);
	CHECK(guest_drained(&b));
	log = log_of(&a);
	CHECK_STR(log, "early late");
	free(log);
	log = log_of(&b);
	CHECK_STR(log, "from b");
	free(log);
}

/* `mica console N` with pipes for its terminal; returns its pid. */
static pid_t cli_console(uint16_t domid, int *in, int *out, int *err)
{
	int pin[2], pout[2], perr[2];
	char id[16];
	pid_t pid;

	if (pipe(pin) || pipe(pout) || pipe(perr))
		return 0;
	snprintf(id, sizeof(id), "%u", domid);
	pid = fork();
	if (!pid) {
		const char *mica = getenv("MICA_CLI");

		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(perr[1], 2);
		execl(mica ? mica : "mica", "mica", "console", id,
		      (char *)NULL);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	*in = pin[1];
	*out = pout[0];
	*err = perr[0];
	return pid;
}

static int wait_exit(pid_t pid)
{
	int status, waited;

	for (waited = 0; waited < WAIT_MS; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static void test_cli_input_output_and_detach(void)
{
	struct guest g;
	char typed[64];
	int in, out, err, waited;
	pid_t pid;

	CHECK(setup(true));
	CHECK(guest_new(&g));
	pid = cli_console(g.domid, &in, &out, &err);
	CHECK(pid);
	CHECK(seen_by(&g, out, "login: "));
	CHECK(write(in, "root\n", 5) == 5);
	for (waited = 0;
	     waited < WAIT_MS && g.ring->in_prod - g.ring->in_cons < 5;
	     waited += 10)
		sleep_ms(10);
	guest_read(&g, typed, sizeof(typed));
	CHECK_STR(typed, "root\n");
	/* Bytes before Ctrl-] still go; the rest of the read does not. */
	CHECK(write(in,
		    "ab\x1d"
		    "cd",
		    5) == 5);
	CHECK_INT(wait_exit(pid), 0);
	sleep_ms(50);
	guest_read(&g, typed, sizeof(typed));
	CHECK_STR(typed, "ab");
	close(in);
	close(out);
	close(err);
	/* The domain is untouched by the detach. */
	CHECK(guest_write(&g, "still here", 10));
	CHECK(guest_drained(&g));
}

static void test_cli_ends_when_domain_destroyed(void)
{
	struct guest g;
	char buf[256];
	int in, out, err, fd;
	pid_t pid;

	CHECK(setup(true));
	CHECK(guest_new(&g));
	pid = cli_console(g.domid, &in, &out, &err);
	CHECK(pid);
	fd = attach(g.domid, buf, sizeof(buf));
	CHECK(fd >= 0);
	CHECK(seen_by(&g, out, "bye\n"));
	CHECK_INT(t.hv->ops->destroy(t.hv, g.domid), 0);
	CHECK_INT(wait_exit(pid), 0);
	read_until(err, buf, sizeof(buf), "destroyed");
	CHECK_MSG(strstr(buf, "domain 1 was destroyed"), "stderr: '%s'", buf);
	/* A raw client just sees the end of the stream. */
	CHECK(at_eof(fd));
	close(fd);
	close(in);
	close(out);
	close(err);
	/* Attaching to it now is refused with a reason. */
	CHECK(attach(g.domid, buf, sizeof(buf)) < 0);
	CHECK_STR(buf, "error: domain 1 has no console\n");
}

static void test_cli_reports_shutdown_and_missing_daemon(void)
{
	struct guest g;
	char buf[256];
	int in, out, err;
	pid_t pid;

	CHECK(setup(true));
	CHECK(guest_new(&g));
	pid = cli_console(g.domid, &in, &out, &err);
	CHECK(pid);
	CHECK(seen_by(&g, out, "x"));
	/* Shut down, kept (preserve): the daemon stops, the CLI says why. */
	CHECK_INT(mica_hv_sim_guest_shutdown(t.hv, g.domid,
					     MICA_SHUTDOWN_crash),
		  0);
	CHECK_INT(proc_stop(t.consoled, SIGTERM), 0);
	CHECK_INT(wait_exit(pid), 0);
	read_until(err, buf, sizeof(buf), ")");
	CHECK_MSG(strstr(buf, "domain 1 shut down (crash)"), "stderr: '%s'",
		  buf);
	close(in);
	close(out);
	close(err);
	/* No daemon at all: a clear error, exit 1. */
	pid = cli_console(g.domid, &in, &out, &err);
	CHECK_INT(wait_exit(pid), 1);
	read_until(err, buf, sizeof(buf), "\n");
	CHECK_MSG(strstr(buf, "cannot reach the console daemon"),
		  "stderr: '%s'", buf);
	close(in);
	close(out);
	close(err);
}

/* Restart with output in the ring: nothing lost, nothing twice; an
 * attached `mica console` reconnects by itself. */
static void test_restart_loses_and_repeats_nothing(void)
{
	struct guest g;
	char buf[256], *log, *p;
	bool ok;
	int in, out, err;
	pid_t pid;

	CHECK(setup(true));
	CHECK(guest_new(&g));
	pid = cli_console(g.domid, &in, &out, &err);
	CHECK(pid);
	CHECK(seen_by(&g, out, "."));
	CHECK(guest_write(&g, "one ", 4));
	CHECK(guest_drained(&g));
	read_until(out, buf, sizeof(buf), "one ");
	CHECK_INT(proc_stop(t.consoled, SIGKILL), 128 + SIGKILL);
	CHECK(guest_write(&g, "two ", 4)); /* nobody is reading */
	sleep_ms(50);
	CHECK(guest_write(&g, "three", 5));
	CHECK(start_consoled());
	CHECK(guest_drained(&g));
	/* Exactly: the marks from before, then each word once. */
	log = log_of(&g);
	ok = log && (p = strstr(log, "one two three")) &&
	     strspn(log, ".") == (size_t)(p - log) && !p[13];
	free(log);
	CHECK(ok);
	/* The attached session reconnected by itself (what the guest wrote
	 * while it was away is in the log). */
	CHECK(seen_by(&g, out, "+"));
	CHECK(proc_alive(pid));
	CHECK(guest_drained(&g));
	log = log_of(&g);
	ok = log && (p = strstr(log, "three")) &&
	     strspn(p + 5, "+") == strlen(p + 5);
	free(log);
	CHECK(ok);
	/* A clean stop and start too. */
	CHECK_INT(proc_stop(t.consoled, SIGTERM), 0);
	CHECK(guest_write(&g, " four", 5));
	CHECK(start_consoled());
	CHECK(guest_drained(&g));
	log = log_of(&g);
	CHECK(strstr(log, "+ four") && !strstr(log, "four four"));
	free(log);
	CHECK(write(in, "\x1d", 1) == 1);
	CHECK_INT(wait_exit(pid), 0);
	close(in);
	close(out);
	close(err);
}

/* A daemon killed after appending to the log but before releasing the
 * bytes: its successor logs them once, not twice. */
static void test_killed_mid_drain_logs_once(void)
{
	struct {
		char magic[8];
		uint32_t domid, cons;
		uint64_t ring_gfn, log_size;
	} mark = { .magic = "micamrk1" };
	char path[4300], uuid[MICA_UUID_STRLEN + 1], *log;
	struct mica_uuid u;
	struct guest g;
	uint64_t gfn;
	FILE *f;

	CHECK(setup(false));
	CHECK_INT(proc_stop(t.consoled, SIGTERM), 0);
	CHECK(guest_new(&g));
	CHECK(guest_write(&g, "tail", 4));
	memcpy(u.bytes, g.uuid, sizeof(u.bytes));
	mica_uuid_format(&u, uuid);
	CHECK_INT(t.hv->ops->get_param(t.hv, g.domid, MICA_DOMPARAM_CONSOLE_PFN,
				       &gfn),
		  0);
	/* What the killed daemon left: "head" logged before, "tail"
	 * appended, the mark says it had not released "tail" yet. */
	snprintf(path, sizeof(path), "%s/%s.log", t.logs, uuid);
	f = fopen(path, "w");
	CHECK(f);
	fputs("headtail", f);
	fclose(f);
	mark.domid = g.domid;
	mark.cons = g.ring->out_cons;
	mark.ring_gfn = gfn;
	mark.log_size = 4;
	snprintf(path, sizeof(path), "%s/%s.mark", t.logs, uuid);
	f = fopen(path, "w");
	CHECK(f);
	fwrite(&mark, sizeof(mark), 1, f);
	fclose(f);
	CHECK(start_consoled());
	CHECK(guest_drained(&g));
	log = log_of(&g);
	CHECK_STR(log, "headtail");
	free(log);
	/* A mark for another ring changes nothing. */
	CHECK(guest_write(&g, "+", 1));
	CHECK(guest_drained(&g));
	log = log_of(&g);
	CHECK_STR(log, "headtail+");
	free(log);
}

static void test_hostile_rings(void)
{
	struct guest bad, wrap, ok, bad_in;
	char answer[256], got[256], *log, *err;
	int fd;

	CHECK(setup(false));
	CHECK(guest_new(&bad));
	CHECK(guest_new(&wrap));
	CHECK(guest_new(&ok));
	CHECK(guest_new(&bad_in));
	/* Producer far ahead of the consumer. */
	bad.ring->out_prod = bad.ring->out_cons + 5000;
	/* Indices about to wrap around 2^32: fine. */
	wrap.ring->out_prod = wrap.ring->out_cons = 0xfffffff0u;
	CHECK(guest_write(&wrap, "across the wrap-around", 22));
	CHECK(guest_write(&ok, "fine", 4));
	CHECK(guest_drained(&wrap));
	CHECK(guest_drained(&ok));
	CHECK_INT(wrap.ring->out_cons, 22 - 16);
	log = log_of(&wrap);
	CHECK_STR(log, "across the wrap-around");
	free(log);
	log = log_of(&ok);
	CHECK_STR(log, "fine");
	free(log);
	/* The bad one: refused with the reason, and said on stderr. */
	sleep_ms(50);
	CHECK(attach(bad.domid, answer, sizeof(answer)) < 0);
	CHECK_MSG(strstr(answer, "error: domain 1: console unusable: bad "
				 "console ring: out_prod"),
		  "answer '%s'", answer);
	err = read_whole_file(t.errlog, NULL);
	CHECK(err && strstr(err, "domain 1: bad console ring"));
	free(err);
	/* Input side: in_cons far from in_prod. */
	fd = attach(bad_in.domid, answer, sizeof(answer));
	CHECK(fd >= 0);
	bad_in.ring->in_cons = bad_in.ring->in_prod + 3000;
	CHECK(write(fd, "x", 1) == 1);
	CHECK(at_eof(fd));
	close(fd);
	/* Values that mean nothing, everywhere: still no crash. */
	memset((void *)wrap.ring, 0xff, MICA_PAGE_SIZE);
	sleep_ms(60);
	/* The daemon is up and serves the good domain. */
	CHECK(proc_alive(t.consoled));
	fd = attach(ok.domid, answer, sizeof(answer));
	CHECK(fd >= 0);
	CHECK(guest_write(&ok, " still", 6));
	read_until(fd, got, sizeof(got), "still");
	CHECK_STR(got, " still");
	close(fd);
	/* Said once per broken ring, however many scans went by. */
	err = read_whole_file(t.errlog, NULL);
	CHECK(err);
	CHECK_MSG(!strstr(strstr(err, "domain 1: bad") + 1, "domain 1: bad"),
		  "stderr: %s", err);
	CHECK(strstr(err, "domain 4: bad console ring: in_cons"));
	free(err);
}

static void test_hostile_clients(void)
{
	static const char *const lines[][2] = {
		{ "hello\n", "error: expected 'attach DOMID'\n" },
		{ "attach\n", "error: expected 'attach DOMID'\n" },
		{ "attach 0\n", "error: '0' is not a domain id (1-32751)\n" },
		{ "attach -4294967295\n",
		  "error: '-4294967295' is not a domain id (1-32751)\n" },
		{ "attach 1x\n", "error: '1x' is not a domain id (1-32751)\n" },
		{ "attach 99999999999999999999\n",
		  "error: '99999999999999999999' is not a domain id "
		  "(1-32751)\n" },
		{ "attach 77\n", "error: domain 77 has no console\n" },
		{ "attach 1111111111111111111111111111111111111\n",
		  "error: request line too long\n" },
	};
	char answer[256];
	struct guest g;
	size_t i;
	int fd;

	CHECK(setup(false));
	CHECK(guest_new(&g));
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		fd = raw_connect();
		CHECK(fd >= 0);
		CHECK(write(fd, lines[i][0], strlen(lines[i][0])) > 0);
		read_until(fd, answer, sizeof(answer), "\n");
		CHECK_MSG(!strcmp(answer, lines[i][1]), "'%s' -> '%s'",
			  lines[i][0], answer);
		CHECK(at_eof(fd));
		close(fd);
	}
	/* Requests from clients that are gone before the answer. */
	for (i = 0; i < 50; i++) {
		fd = raw_connect();
		CHECK(fd >= 0);
		CHECK(write(fd, i % 2 ? "nonsense\n" : "attach 1\n", 9) == 9);
		close(fd);
	}
	sleep_ms(100);
	CHECK(proc_alive(t.consoled));
	fd = attach(g.domid, answer, sizeof(answer));
	CHECK_MSG(fd >= 0, "%s", answer);
	close(fd);
}

/* A reader that never reads is dropped; the others and the log are not
 * held back. */
static void test_slow_reader_does_not_block_others(void)
{
	static char chunk[2000];
	char answer[64], *log;
	struct guest g;
	int slow, fast, i, total = 0;
	char buf[4096];

	CHECK(setup(false));
	CHECK(guest_new(&g));
	slow = attach(g.domid, answer, sizeof(answer));
	fast = attach(g.domid, answer, sizeof(answer));
	CHECK(slow >= 0 && fast >= 0);
	memset(chunk, 'z', sizeof(chunk));
	for (i = 0; i < 400; i++) { /* 800 KB */
		CHECK(guest_write(&g, chunk, sizeof(chunk)));
		while (total < (i + 1) * (int)sizeof(chunk)) {
			ssize_t n = read(fast, buf, sizeof(buf));

			CHECK(n > 0);
			total += (int)n;
		}
	}
	CHECK(guest_drained(&g));
	log = read_whole_file(t.errlog, NULL);
	CHECK(log && strstr(log, "domain 1: a console client reads too "
				 "slowly (256 KiB behind), disconnected"));
	free(log);
	CHECK(at_eof(slow));
	log = log_of(&g);
	CHECK(log);
	CHECK_INT(strlen(log), 400 * sizeof(chunk));
	free(log);
	close(slow);
	close(fast);
	CHECK(proc_alive(t.consoled));
}

int main(void)
{
	RUN(test_output_reaches_log_and_every_reader);
	cleanup();
	RUN(test_late_reader_and_separate_domains);
	cleanup();
	RUN(test_cli_input_output_and_detach);
	cleanup();
	RUN(test_cli_ends_when_domain_destroyed);
	cleanup();
	RUN(test_cli_reports_shutdown_and_missing_daemon);
	cleanup();
	RUN(test_restart_loses_and_repeats_nothing);
	cleanup();
	RUN(test_killed_mid_drain_logs_once);
	cleanup();
	RUN(test_hostile_rings);
	cleanup();
	RUN(test_hostile_clients);
	cleanup();
	RUN(test_slow_reader_does_not_block_others);
	cleanup();
	return test_exit_code();
}
