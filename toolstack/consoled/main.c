// SPDX-License-Identifier: MIT
/*
 * mica-consoled: connects every domain's console ring
 * (hypervisor/include/public/io/console.h), appends its output to a
 * per-domain log (LOGDIR/UUID.log), and serves `mica console` clients
 * (mica/console.h).
 *
 * Rings are found through the hypervisor (MICA_DOMPARAM_CONSOLE_PFN) and
 * mapped with foreign mappings.  The daemon's only state is in the shared
 * page (out_cons) and the log files, so a restarted daemon carries on
 * exactly where the old one stopped: output still in the ring is not lost.
 * Domains are rescanned and rings polled every SCAN_MS: event-channel
 * wake-ups arrive with dom0's event channel device.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <mica/console.h>
#include <mica/error.h>
#include <mica/hv.h>
#include <mica/uuid.h>

#include "public/io/console.h"

#define SCAN_MS 20
#define MAX_CLIENTS 64
#define LIST_BATCH 64

struct console {
	bool present;
	uint64_t ring_gfn;
	volatile struct mica_console_ring *ring;
	int log_fd;
};

struct client {
	int fd; /* -1: free slot */
	uint16_t domid; /* 0: not attached yet */
	char line[32];
	size_t line_len;
};

static struct console consoles[MICA_DOMID_FIRST_RESERVED];
static struct client clients[MAX_CLIENTS];
static struct mica_hv *hv;
static const char *log_dir = MICA_CONSOLED_DEFAULT_LOG_DIR;
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
}

static void console_disconnect(uint16_t domid)
{
	struct console *con = &consoles[domid];
	int i;

	hv->ops->unmap_foreign(hv, (void *)con->ring, 1);
	close(con->log_fd);
	memset(con, 0, sizeof(*con));
	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0 && clients[i].domid == domid)
			client_close(&clients[i]);
}

static void console_connect(const struct mica_domctl_domain_info *info,
			    uint64_t gfn)
{
	struct console *con = &consoles[info->domid];
	char path[4096], uuid[MICA_UUID_STRLEN + 1];
	struct mica_uuid u;
	int err, ret;
	void *ring;

	ring = hv->ops->map_foreign(hv, info->domid, &gfn, 1, 1, &err, &ret);
	if (!ring || ret)
		return;
	memcpy(u.bytes, info->uuid, sizeof(u.bytes));
	mica_uuid_format(&u, uuid);
	snprintf(path, sizeof(path), "%s/%s.log", log_dir, uuid);
	con->log_fd =
		open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (con->log_fd < 0) {
		fprintf(stderr, "mica-consoled: %s: %s\n", path,
			strerror(errno));
		hv->ops->unmap_foreign(hv, ring, 1);
		return;
	}
	con->ring = ring;
	con->ring_gfn = gfn;
	con->present = true;
}

/* Connects new domains, drops those that went away. */
static void scan(void)
{
	static bool seen[MICA_DOMID_FIRST_RESERVED];
	struct mica_domctl_domain_info buf[LIST_BATCH];
	uint16_t first = 1, next;
	uint32_t nr, k, id;
	uint64_t gfn;

	memset(seen, 0, sizeof(seen));
	do {
		if (hv->ops->list(hv, first, buf, LIST_BATCH, &nr, &next))
			return;
		for (k = 0; k < nr; k++) {
			id = buf[k].domid;
			if (!id || id >= MICA_DOMID_FIRST_RESERVED)
				continue;
			if (hv->ops->get_param(hv, (uint16_t)id,
					       MICA_DOMPARAM_CONSOLE_PFN,
					       &gfn) ||
			    !gfn)
				continue;
			seen[id] = true;
			if (consoles[id].present &&
			    consoles[id].ring_gfn != gfn)
				console_disconnect((uint16_t)id);
			if (!consoles[id].present)
				console_connect(&buf[k], gfn);
		}
		first = next;
	} while (next != MICA_DOMID_INVALID);
	for (id = 1; id < MICA_DOMID_FIRST_RESERVED; id++)
		if (consoles[id].present && !seen[id])
			console_disconnect((uint16_t)id);
}

/* Moves guest output to the log and the attached clients. */
static void drain(uint16_t domid)
{
	struct console *con = &consoles[domid];
	volatile struct mica_console_ring *r = con->ring;
	uint8_t buf[MICA_CONSOLE_OUT_SIZE];
	mica_console_idx_t cons = r->out_cons, prod = r->out_prod, i;
	uint32_t n = prod - cons;
	int c;

	if (!n)
		return;
	if (n > MICA_CONSOLE_OUT_SIZE) {
		/* A hostile producer index: stop reading this ring. */
		fprintf(stderr,
			"mica-consoled: domain %u: bad console "
			"indices, disconnected\n",
			domid);
		console_disconnect(domid);
		return;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* bytes after the index */
	for (i = 0; i < n; i++)
		buf[i] = r->out[MICA_CONSOLE_OUT_MASK(cons + i)];
	/* Logged before the space is given back: a crash here repeats
	 * output rather than losing it. */
	if (write(con->log_fd, buf, n) != (ssize_t)n)
		fprintf(stderr, "mica-consoled: domain %u: log write failed\n",
			domid);
	for (c = 0; c < MAX_CLIENTS; c++)
		if (clients[c].fd >= 0 && clients[c].domid == domid &&
		    send(clients[c].fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) <
			    0 &&
		    errno != EAGAIN)
			client_close(&clients[c]);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* read before release */
	r->out_cons = cons + n;
}

/* Keyboard input from a client into the guest's ring (what fits). */
static void feed(struct client *c, const uint8_t *bytes, size_t len)
{
	volatile struct mica_console_ring *r = consoles[c->domid].ring;
	mica_console_idx_t prod = r->in_prod, cons = r->in_cons;
	size_t i;

	if ((uint32_t)(prod - cons) > MICA_CONSOLE_IN_SIZE)
		return;
	for (i = 0; i < len && (uint32_t)(prod - cons) < MICA_CONSOLE_IN_SIZE;
	     i++)
		r->in[MICA_CONSOLE_IN_MASK(prod++)] = bytes[i];
	__atomic_thread_fence(__ATOMIC_RELEASE); /* bytes before the index */
	r->in_prod = prod;
}

static void client_input(struct client *c)
{
	uint8_t buf[1024];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	size_t i;

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			client_close(c);
		return;
	}
	if (c->domid) {
		feed(c, buf, (size_t)n);
		return;
	}
	for (i = 0; i < (size_t)n; i++) {
		unsigned long id;
		char *end;

		if (buf[i] != '\n') {
			if (c->line_len == sizeof(c->line) - 1) {
				client_close(c);
				return;
			}
			c->line[c->line_len++] = (char)buf[i];
			continue;
		}
		c->line[c->line_len] = '\0';
		if (strncmp(c->line, "attach ", 7)) {
			dprintf(c->fd, "error: expected 'attach DOMID'\n");
			client_close(c);
			return;
		}
		id = strtoul(c->line + 7, &end, 10);
		if (!*end && id && id < MICA_DOMID_FIRST_RESERVED)
			scan(); /* a domain created a moment ago */
		if (*end || !id || id >= MICA_DOMID_FIRST_RESERVED ||
		    !consoles[id].present) {
			dprintf(c->fd, "error: domain %s has no console\n",
				c->line + 7);
			client_close(c);
			return;
		}
		c->domid = (uint16_t)id;
		dprintf(c->fd, "ok\n");
		if (i + 1 < (size_t)n)
			feed(c, buf + i + 1, (size_t)n - i - 1);
		return;
	}
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    chmod(path, 0600) || listen(fd, 16)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mica-consoled [--socket PATH] [--log-dir DIR]\n"
		"  --socket PATH   listen here (default %s)\n"
		"  --log-dir DIR   per-domain logs (default %s)\n",
		MICA_CONSOLED_DEFAULT_SOCKET, MICA_CONSOLED_DEFAULT_LOG_DIR);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket_path = getenv("MICA_CONSOLED_SOCKET");
	struct pollfd pfds[MAX_CLIENTS + 1];
	struct mica_error err;
	int opt, listen_fd, i, id;

	if (!socket_path)
		socket_path = MICA_CONSOLED_DEFAULT_SOCKET;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			socket_path = optarg;
			break;
		case 'l':
			log_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (mica_hv_open(&hv, &err)) {
		fprintf(stderr, "mica-consoled: %s\n", err.message);
		return 1;
	}
	mkdir(log_dir, 0750);
	listen_fd = listen_on(socket_path);
	if (listen_fd < 0) {
		fprintf(stderr, "mica-consoled: cannot listen on %s: %s\n",
			socket_path, strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	while (!stopping) {
		scan();
		for (id = 1; id < MICA_DOMID_FIRST_RESERVED; id++)
			if (consoles[id].present)
				drain((uint16_t)id);
		pfds[0] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
		for (i = 0; i < MAX_CLIENTS; i++)
			pfds[i + 1] = (struct pollfd){ .fd = clients[i].fd,
						       .events = POLLIN };
		if (poll(pfds, MAX_CLIENTS + 1, SCAN_MS) <= 0)
			continue;
		if (pfds[0].revents & POLLIN) {
			int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

			for (i = 0; fd >= 0 && i < MAX_CLIENTS; i++) {
				if (clients[i].fd < 0) {
					clients[i] =
						(struct client){ .fd = fd };
					break;
				}
			}
			if (fd >= 0 && i == MAX_CLIENTS)
				close(fd);
		}
		for (i = 0; i < MAX_CLIENTS; i++)
			if (clients[i].fd >= 0 && pfds[i + 1].revents)
				client_input(&clients[i]);
	}
	unlink(socket_path);
	mica_hv_close(hv);
	return 0;
}
