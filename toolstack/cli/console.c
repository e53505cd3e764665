// SPDX-License-Identifier: MIT
/*
 * `mica console`: a terminal on a domain's console through mica-consoled
 * (mica/console.h).  Ctrl-] detaches (exit 0).  When the daemon closes
 * the connection the hypervisor says why: the domain was destroyed or
 * shut down (a message, exit 0), or, with the domain still there, the
 * daemon restarted: then the session reconnects for up to RECONNECT_MS
 * (the new daemon resumes from the ring, so nothing is lost) and fails
 * (exit 1) only if no daemon comes back.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <mica/console.h>
#include <mica/hv.h>

#include "cli.h"
#include "public/sched.h"

#define RECONNECT_MS 5000

static int connect_daemon(bool quiet)
{
	const char *path = getenv("MICA_CONSOLED_SOCKET");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (!path)
		path = MICA_CONSOLED_DEFAULT_SOCKET;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 && !quiet)
		cli_fail("cannot reach the console daemon at %s: %s (is "
			 "mica-consoled running?)",
			 path, strerror(errno));
	return fd;
}

/* Reads the daemon's one-line answer. */
static int handshake(int fd, uint16_t domid)
{
	char line[256];
	size_t n = 0;

	dprintf(fd, "attach %u\n", domid);
	while (n < sizeof(line) - 1) {
		if (recv(fd, line + n, 1, 0) != 1)
			return cli_fail("console daemon closed the connection");
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	if (strcmp(line, "ok"))
		return cli_fail("domain %u: %s", domid,
				strncmp(line, "error: ", 7) ? line : line + 7);
	return 0;
}

/*
 * The connection ended.  Returns 1 (the session is over: the domain went;
 * said on stderr), or 0 with a new connection in *@fd, or -1.
 */
static int connection_lost(uint16_t domid, int *fd)
{
	struct mica_domctl_domain_info info;
	struct mica_hv *hv = cli_hv();
	int waited, ret;

	if (!hv)
		return -1;
	for (waited = 0; waited <= RECONNECT_MS; waited += 100) {
		ret = hv->ops->get_info(hv, domid, &info);
		if (ret == -ESRCH) {
			fprintf(stderr, "\r\n[domain %u was destroyed]\r\n",
				domid);
			mica_hv_close(hv);
			return 1;
		}
		if (!ret && (info.flags & MICA_DOMINFO_SHUTDOWN)) {
			fprintf(stderr, "\r\n[domain %u shut down (%s)]\r\n",
				domid,
				mica_hv_shutdown_name(info.shutdown_reason));
			mica_hv_close(hv);
			return 1;
		}
		*fd = connect_daemon(true);
		if (*fd >= 0 && !handshake(*fd, domid)) {
			mica_hv_close(hv);
			return 0;
		}
		if (*fd >= 0)
			close(*fd);
		poll(NULL, 0, 100);
	}
	mica_hv_close(hv);
	cli_fail("domain %u: the console daemon went away", domid);
	return -1;
}

int cli_console_attach(uint16_t domid)
{
	struct termios saved, raw;
	bool tty = isatty(STDIN_FILENO);
	struct pollfd p[2];
	uint8_t buf[4096];
	int fd = connect_daemon(false), ret = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	if (handshake(fd, domid)) {
		close(fd);
		return -1;
	}
	if (tty) {
		tcgetattr(STDIN_FILENO, &saved);
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		fprintf(stderr, "[attached to domain %u; Ctrl-] detaches]\r\n",
			domid);
	}
	p[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -1;
			break;
		}
		if (p[0].revents) {
			n = recv(fd, buf, sizeof(buf), 0);
			if (n <= 0) {
				close(fd);
				fd = -1;
				ret = connection_lost(domid, &fd);
				if (ret)
					break;
				p[0].fd = fd;
				continue;
			}
			if (write(STDOUT_FILENO, buf, (size_t)n) != n) {
				ret = -1;
				break;
			}
		}
		if (p[1].revents) {
			uint8_t *esc;

			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				p[1].fd = -1; /* end of input: keep reading */
				continue;
			}
			esc = memchr(buf, MICA_CONSOLE_ESCAPE, (size_t)n);
			if (esc)
				n = esc - buf;
			if (n && send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
				continue; /* the daemon went: recv says why */
			if (esc) {
				if (tty)
					fprintf(stderr, "\r\n[detached]\r\n");
				break;
			}
		}
	}
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (fd >= 0)
		close(fd);
	return ret < 0 ? -1 : 0;
}
