/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_SOCKET_H
#define MICA_STORED_SOCKET_H

/*
 * The Unix socket transport for domain 0 tools.  The socket is created
 * mode 0600 and every peer must run as root or as the daemon's own user;
 * such a peer speaks as domain 0.
 */

struct loop;
struct mica_error;
struct socket_listener;

/*
 * Listens on @path (replacing a stale socket there) and serves every
 * connection through @loop.  Returns 0 or -errno with @err set.
 */
int socket_listen(struct loop *loop, const char *path,
		  struct socket_listener **out, struct mica_error *err);

/* Stops listening and removes the socket file (connections stay). */
void socket_close(struct socket_listener *listener);

#endif
