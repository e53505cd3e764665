// SPDX-License-Identifier: MIT
/* Unix socket listener and connections. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <mica/error.h>

#include "conn.h"
#include "loop.h"
#include "socket.h"
#include "store.h"

struct socket_listener {
	struct loop_source source;
	struct loop *loop;
	char *path; /* owned */
};

struct socket_conn {
	struct conn conn;
	struct loop_source source;
	struct loop *loop;
	bool out_pending; /* EPOLLOUT is in the epoll set */
};

static struct socket_conn *to_socket_conn(struct conn *conn)
{
	return container_of(conn, struct socket_conn, conn);
}

static ssize_t socket_conn_recv(struct conn *conn, void *buf, size_t len)
{
	ssize_t got;

	do
		got = recv(to_socket_conn(conn)->source.fd, buf, len,
			   MSG_DONTWAIT);
	while (got < 0 && errno == EINTR);
	if (got == 0)
		return -ECONNRESET;
	if (got < 0)
		return errno == EAGAIN	   ? 0 :
		       errno == ECONNRESET ? -ECONNRESET :
					     -errno;
	return got;
}

static ssize_t socket_conn_send(struct conn *conn, const void *buf, size_t len)
{
	ssize_t sent;

	do
		sent = send(to_socket_conn(conn)->source.fd, buf, len,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
	while (sent < 0 && errno == EINTR);
	if (sent < 0)
		return errno == EAGAIN			     ? 0 :
		       errno == EPIPE || errno == ECONNRESET ? -EPIPE :
							       -errno;
	return sent;
}

static void socket_conn_output_pending(struct conn *conn, bool pending)
{
	struct socket_conn *sc = to_socket_conn(conn);

	if (sc->out_pending == pending)
		return;
	if (loop_modify(sc->loop, &sc->source,
			EPOLLIN | (pending ? EPOLLOUT : 0))) {
		conn_kill(conn, "epoll failed");
		return;
	}
	sc->out_pending = pending;
}

static void socket_conn_destroy(struct conn *conn)
{
	struct socket_conn *sc = to_socket_conn(conn);

	loop_remove(sc->loop, &sc->source);
	close(sc->source.fd);
	free(sc);
}

static const struct conn_ops socket_conn_ops = {
	.recv = socket_conn_recv,
	.send = socket_conn_send,
	.output_pending = socket_conn_output_pending,
	.destroy = socket_conn_destroy,
};

static void socket_conn_ready(struct loop_source *source, uint32_t events)
{
	struct socket_conn *sc =
		container_of(source, struct socket_conn, source);

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_service(&sc->conn);
	else
		conn_flush(&sc->conn);
}

/* Only root and the daemon's own user may speak for domain 0. */
static bool socket_peer_trusted(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	return cred.uid == 0 || cred.uid == getuid();
}

static void socket_accept(struct loop_source *source, uint32_t events)
{
	struct socket_listener *listener =
		container_of(source, struct socket_listener, source);
	struct store *store = listener->loop->store;
	struct socket_conn *sc;
	int fd;

	(void)events;
	fd = accept4(source->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (!socket_peer_trusted(fd)) {
		store_warn(store, "refusing a connection from another user");
		goto err_close;
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		goto err_close;
	sc->source.fd = fd;
	sc->source.ready = socket_conn_ready;
	sc->loop = listener->loop;
	if (loop_add(sc->loop, &sc->source, EPOLLIN))
		goto err_free;
	if (conn_attach(&sc->conn, store, &socket_conn_ops, 0))
		goto err_remove;
	return;

err_remove:
	loop_remove(sc->loop, &sc->source);
err_free:
	free(sc);
err_close:
	close(fd);
}

int socket_listen(struct loop *loop, const char *path,
		  struct socket_listener **out, struct mica_error *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct socket_listener *listener;
	struct stat st;
	int fd, ret;

	if (strlen(path) >= sizeof(addr.sun_path))
		return mica_error_set(err, ENAMETOOLONG,
				      "socket path '%s' is too long", path);
	strcpy(addr.sun_path, path);
	listener = calloc(1, sizeof(*listener));
	if (!listener)
		return mica_error_set(err, ENOMEM, "out of memory");
	listener->loop = loop;
	listener->path = strdup(path);
	if (!listener->path) {
		ret = mica_error_set(err, ENOMEM, "out of memory");
		goto err_free;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = mica_error_set(err, errno, "socket: %s", strerror(errno));
		goto err_free;
	}
	/* A socket left by a daemon that died is in the way. */
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    chmod(path, 0600) || listen(fd, 64)) {
		ret = mica_error_set(err, errno, "socket '%s': %s", path,
				     strerror(errno));
		goto err_close;
	}
	listener->source.fd = fd;
	listener->source.ready = socket_accept;
	ret = loop_add(loop, &listener->source, EPOLLIN);
	if (ret) {
		mica_error_set(err, -ret, "epoll: %s", strerror(-ret));
		goto err_unlink;
	}
	*out = listener;
	return 0;

err_unlink:
	unlink(path);
err_close:
	close(fd);
err_free:
	free(listener->path);
	free(listener);
	return ret;
}

void socket_close(struct socket_listener *listener)
{
	loop_remove(listener->loop, &listener->source);
	close(listener->source.fd);
	unlink(listener->path);
	free(listener->path);
	free(listener);
}
