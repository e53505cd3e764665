// SPDX-License-Identifier: MIT
/*
 * mica-consoled: connects every domain's console ring
 * (hypervisor/include/public/io/console.h), appends its output to a
 * per-domain log (LOGDIR/UUID.log), and serves `mica console` clients
 * (mica/console.h).
 *
 * This file: options, the clients and the event loop; the rings, logs and
 * restart safety are in rings.c.
 *
 * On Mica (/dev/mica/evtchn opens) nothing is polled: each console's
 * event channel (the port the builder offered to dom0) wakes the daemon
 * when the guest wrote output or took input, and the store's lifecycle
 * watches (@introduceDomain, @releaseDomain) say when a domain comes or
 * goes.  Without a reachable store, domains are rescanned every
 * RESCAN_MS instead (only to find new and vanished domains; the rings
 * still wake the daemon), and the store is tried again each time.  On the
 * simulated host, which has no event channels, domains are rescanned and
 * rings polled every SCAN_MS.  A client whose domain goes away gets the
 * output it has not read yet, then end of file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <mica/console.h>
#include <mica/error.h>
#include <mica/evtchn.h>
#include <mica/hv.h>
#include <mica/store.h>

#include "consoled.h"

#define SCAN_MS 20 /* simulated host: rings polled */
#define RESCAN_MS 1000 /* on Mica without a store: domains rescanned */
#define MAX_CLIENTS 64
#define CLIENT_BACKLOG (256 * 1024) /* output a slow reader may lag */

struct client {
	int fd; /* -1: free slot */
	uint16_t domid; /* 0: not attached yet */
	char line[32];
	size_t line_len;
	uint8_t *out; /* output not yet taken by the reader */
	size_t out_len;
	bool closing; /* the domain went: close once out is sent */
};

#define FIXED_FDS 3 /* listener, event channels, store */

static struct client clients[MAX_CLIENTS];
static struct mica_store *store; /* lifecycle watches; NULL: none */
static bool store_said_no;
static long long next_rescan; /* without the store: CLOCK_MONOTONIC ms */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
struct mica_hv *hv;
const char *log_dir = MICA_CONSOLED_DEFAULT_LOG_DIR;
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void client_close(struct client *c)
{
	close(c->fd);
	free(c->out);
	*c = (struct client){ .fd = -1 };
}

/* An error line for a client not attached yet, then the end. */
static void client_refuse(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void client_refuse(struct client *c, const char *fmt, ...)
{
	char line[300];
	va_list ap;
	int n;

	strcpy(line, "error: ");
	va_start(ap, fmt);
	n = vsnprintf(line + 7, sizeof(line) - 8, fmt, ap);
	va_end(ap);
	n = n < 0 ? 7 :
		    7 + (n < (int)sizeof(line) - 8 ? n : (int)sizeof(line) - 9);
	line[n++] = '\n';
	send(c->fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	client_close(c);
}

/* Sends what the socket takes now; 0, or -1 when the client went. */
static int client_flush(struct client *c)
{
	ssize_t n;

	while (c->out_len) {
		n = send(c->fd, c->out, c->out_len,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			client_close(c);
			return -1;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	if (c->closing) {
		client_close(c);
		return -1;
	}
	return 0;
}

void clients_output(uint16_t domid, const uint8_t *bytes, size_t len)
{
	struct client *c;
	uint8_t *bigger;
	int i;

	for (i = 0; i < MAX_CLIENTS; i++) {
		c = &clients[i];
		if (c->fd < 0 || c->domid != domid || c->closing)
			continue;
		if (c->out_len + len > CLIENT_BACKLOG) {
			fprintf(stderr,
				"mica-consoled: domain %u: a console client "
				"reads too slowly (%d KiB behind), "
				"disconnected\n",
				domid, CLIENT_BACKLOG / 1024);
			client_close(c);
			continue;
		}
		bigger = realloc(c->out, c->out_len + len);
		if (!bigger) {
			client_close(c);
			continue;
		}
		c->out = bigger;
		memcpy(c->out + c->out_len, bytes, len);
		c->out_len += len;
		client_flush(c);
	}
}

void clients_detach(uint16_t domid)
{
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0 && clients[i].domid == domid &&
		    !clients[i].closing) {
			clients[i].closing = true;
			client_flush(&clients[i]);
		}
}

/* "attach DOMID": strictly decimal digits, 1..MICA_DOMID_FIRST_RESERVED-1. */
static unsigned long parse_domid(const char *text)
{
	unsigned long id = 0;

	if (!*text || strlen(text) > 5)
		return 0;
	for (; *text; text++) {
		if (*text < '0' || *text > '9')
			return 0;
		id = id * 10 + (unsigned long)(*text - '0');
	}
	return id < MICA_DOMID_FIRST_RESERVED ? id : 0;
}

static void client_attach(struct client *c, const char *line)
{
	unsigned long id;

	if (strncmp(line, "attach ", 7)) {
		client_refuse(c, "expected 'attach DOMID'");
		return;
	}
	id = parse_domid(line + 7);
	if (!id) {
		client_refuse(c, "'%s' is not a domain id (1-%u)", line + 7,
			      MICA_DOMID_FIRST_RESERVED - 1);
		return;
	}
	console_check((uint16_t)id); /* a domain created a moment ago */
	switch (consoles[id].state) {
	case CONSOLE_LIVE:
		break;
	case CONSOLE_BROKEN:
		client_refuse(c, "domain %lu: console unusable: %s", id,
			      consoles[id].why);
		return;
	default:
		client_refuse(c, "domain %lu has no console", id);
		return;
	}
	c->domid = (uint16_t)id;
	if (send(c->fd, "ok\n", 3, MSG_NOSIGNAL | MSG_DONTWAIT) != 3)
		client_close(c);
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
		if (!c->closing)
			console_input(c->domid, buf, (size_t)n);
		return;
	}
	for (i = 0; i < (size_t)n; i++) {
		if (buf[i] != '\n') {
			if (c->line_len == sizeof(c->line) - 1) {
				client_refuse(c, "request line too long");
				return;
			}
			c->line[c->line_len++] = (char)buf[i];
			continue;
		}
		c->line[c->line_len] = '\0';
		client_attach(c, c->line);
		if (c->fd >= 0 && i + 1 < (size_t)n)
			console_input(c->domid, buf + i + 1, (size_t)n - i - 1);
		return;
	}
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
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

/* Event-channel ports that fired: re-enable them, then serve them. */
static void ports_fired(void)
{
	uint32_t ports[64];
	ssize_t n = read(evtchn_fd, ports, sizeof(ports));
	ssize_t i;

	if (n <= 0)
		return;
	n /= (ssize_t)sizeof(ports[0]);
	/* First: an event that comes while we serve fires again. */
	if (write(evtchn_fd, ports, (size_t)n * sizeof(ports[0])) < 0)
		fprintf(stderr, "mica-consoled: re-enabling ports: %s\n",
			strerror(errno));
	for (i = 0; i < n; i++)
		console_event(ports[i]);
}

/* Watches domains come and go through the store (on Mica). */
static void store_connect(void)
{
	struct mica_error err;

	if (mica_store_open(NULL, &store, &err))
		goto fail;
	if (mica_store_watch(store, "@introduceDomain", "in", &err) ||
	    mica_store_watch(store, "@releaseDomain", "out", &err)) {
		mica_store_close(store);
		store = NULL;
		goto fail;
	}
	if (store_said_no) {
		fprintf(stderr, "mica-consoled: the store is back\n");
		store_said_no = false;
	}
	return;
fail:
	store = NULL;
	if (!store_said_no)
		fprintf(stderr,
			"mica-consoled: store: %s; rescanning domains every "
			"%d ms until it answers\n",
			err.message, RESCAN_MS);
	store_said_no = true;
}

static void store_events(void)
{
	struct mica_store_event *ev;
	struct mica_error err;
	int ret;

	while (!(ret = mica_store_next_event(store, &ev, &err))) {
		if (ev->domid > 0 && ev->domid < MICA_DOMID_FIRST_RESERVED) {
			if (!strcmp(ev->path, "@releaseDomain"))
				console_disconnect((uint16_t)ev->domid);
			else
				console_check((uint16_t)ev->domid);
		}
		mica_store_event_free(ev);
	}
	if (ret != -EAGAIN) {
		fprintf(stderr, "mica-consoled: store: %s\n", err.message);
		mica_store_close(store);
		store = NULL;
		store_said_no = true;
		next_rescan = now_ms(); /* what happened meanwhile */
	}
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
	struct pollfd pfds[MAX_CLIENTS + FIXED_FDS];
	struct mica_error err;
	int opt, listen_fd, i, n;

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
	signal(SIGPIPE, SIG_IGN); /* a client that went away is not fatal */
	for (i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	evtchn_fd = open(MICA_EVTCHN_DEVICE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (evtchn_fd >= 0)
		store_connect();
	consoles_scan();
	next_rescan = now_ms() + RESCAN_MS;
	while (!stopping) {
		int timeout = -1;

		if (evtchn_fd < 0) {
			consoles_scan();
			consoles_drain();
			consoles_feed();
			timeout = SCAN_MS;
		} else if (!store) {
			/* Without the store: a rescan every RESCAN_MS. */
			long long left = next_rescan - now_ms();

			if (left <= 0) {
				store_connect();
				consoles_scan();
				next_rescan = now_ms() + RESCAN_MS;
				left = RESCAN_MS;
			}
			timeout = store ? -1 : (int)left;
		}
		pfds[0] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
		pfds[1] = (struct pollfd){ .fd = evtchn_fd, .events = POLLIN };
		pfds[2] = (struct pollfd){
			.fd = store ? mica_store_event_fd(store) : -1,
			.events = POLLIN
		};
		for (i = 0; i < MAX_CLIENTS; i++)
			pfds[i + FIXED_FDS] = (struct pollfd){
				.fd = clients[i].fd,
				.events = POLLIN |
					  (clients[i].out_len ? POLLOUT : 0)
			};
		n = poll(pfds, MAX_CLIENTS + FIXED_FDS, timeout);
		if (n <= 0)
			continue;
		if (pfds[1].revents & POLLIN)
			ports_fired();
		if (pfds[2].revents)
			store_events();
		if (pfds[0].revents & POLLIN) {
			int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

			for (i = 0; fd >= 0 && i < MAX_CLIENTS; i++) {
				if (clients[i].fd < 0) {
					clients[i] =
						(struct client){ .fd = fd };
					break;
				}
			}
			if (fd >= 0 && i == MAX_CLIENTS) {
				struct client extra = { .fd = fd };

				client_refuse(&extra,
					      "too many console clients (%d)",
					      MAX_CLIENTS);
			}
		}
		for (i = 0; i < MAX_CLIENTS; i++) {
			struct pollfd *p = &pfds[i + FIXED_FDS];

			if (clients[i].fd < 0 || !p->revents ||
			    p->fd != clients[i].fd)
				continue;
			if ((p->revents & POLLOUT) && client_flush(&clients[i]))
				continue;
			if (p->revents & ~POLLOUT)
				client_input(&clients[i]);
		}
	}
	unlink(socket_path);
	if (store)
		mica_store_close(store);
	mica_hv_close(hv);
	return 0;
}
