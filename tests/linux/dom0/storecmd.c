// SPDX-License-Identifier: MIT
/*
 * storecmd: one store request from dom0 for the system test, over
 * mica-stored's socket with the raw protocol (docs/store-protocol.md),
 * independent of libmica:
 *   storecmd read PATH         prints the value
 *   storecmd write PATH VALUE
 * Exit status 0 when the reply is ok, else 1 with the reply on stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "public/io/store.h"

static int io_all(int fd, void *buf, size_t len, int writing)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct mica_store_msg_header h = { 0 };
	static char req[8192], rsp[1 << 20];
	const char *v;
	int fd, n;

	if (argc == 3 && !strcmp(argv[1], "read"))
		n = snprintf(req, sizeof(req),
			     "{\"id\":1,\"op\":\"read\",\"path\":\"%s\"}",
			     argv[2]);
	else if (argc == 4 && !strcmp(argv[1], "write"))
		n = snprintf(req, sizeof(req),
			     "{\"id\":1,\"op\":\"write\",\"path\":\"%s\","
			     "\"value\":\"%s\"}",
			     argv[2], argv[3]);
	else {
		fprintf(stderr,
			"usage: storecmd read PATH | write PATH VALUE\n");
		return 2;
	}
	strcpy(addr.sun_path, "/run/mica/stored.sock");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("storecmd: connect");
		return 1;
	}
	h.length = (uint32_t)n;
	if (io_all(fd, &h, sizeof(h), 1) || io_all(fd, req, (size_t)n, 1) ||
	    io_all(fd, &h, sizeof(h), 0) || h.length >= sizeof(rsp) ||
	    io_all(fd, rsp, h.length, 0)) {
		fprintf(stderr, "storecmd: no reply\n");
		return 1;
	}
	rsp[h.length] = '\0';
	if (!strstr(rsp, "\"ok\":true")) {
		fprintf(stderr, "%s\n", rsp);
		return 1;
	}
	v = strstr(rsp, "\"value\":\"");
	if (v) {
		v += 9;
		printf("%.*s\n", (int)strcspn(v, "\""), v);
	}
	return 0;
}
