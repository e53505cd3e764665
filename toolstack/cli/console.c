// SPDX-License-Identifier: MIT
/* `mica console`: a terminal on a domain's console through
 * mica-consoled (mica/console.h).  Ctrl-] detaches. */
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

#include "cli.h"

static int connect_daemon(void)
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
	if (fd < 0)
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

int cli_console_attach(uint16_t domid)
{
	struct termios saved, raw;
	bool tty = isatty(STDIN_FILENO);
	struct pollfd p[2];
	uint8_t buf[4096];
	int fd = connect_daemon(), ret = 0;
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
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			n = recv(fd, buf, sizeof(buf), 0);
			if (n <= 0)
				break; /* the domain went away */
			if (write(STDOUT_FILENO, buf, (size_t)n) != n)
				break;
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
				ret = -1;
			if (esc || ret)
				break;
		}
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		fprintf(stderr, "\n[detached]\n");
	}
	close(fd);
	return ret;
}
