// SPDX-License-Identifier: MIT
/* Guest store rings on Mica: foreign mapping plus event channel. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <mica/error.h>
#include <mica/evtchn.h>
#include <mica/hv.h>

#include "conn.h"
#include "domain.h"
#include "guest.h"
#include "loop.h"
#include "ring.h"
#include "store.h"

struct guest {
	struct conn conn;
	struct guests *guests;
	struct mica_store_ring *ring; /* foreign mapping, one page */
	uint32_t port; /* our end of the domain's store channel */
	bool moved; /* bytes consumed or produced since the last notify */
};

struct guests {
	struct loop_source source; /* the event channel device */
	struct store *store;
	struct mica_hv *hv;
	/* By local port: dom0's ports stay below MICA_EVTCHN_RING_SIZE
	 * (docs/dom0-devices.md), so a table is both small and O(1). */
	struct guest *by_port[MICA_EVTCHN_RING_SIZE];
};

static struct guest *to_guest(struct conn *conn)
{
	return container_of(conn, struct guest, conn);
}

static void notify(struct guest *g)
{
	struct mica_evtchn_port_arg arg = { .port = g->port };

	g->moved = false;
	ioctl(g->guests->source.fd, MICA_EVTCHN_NOTIFY, &arg);
}

static ssize_t guest_recv(struct conn *conn, void *buf, size_t len)
{
	struct guest *g = to_guest(conn);
	ssize_t n = ring_consume(g->ring->req, &g->ring->req_cons,
				 &g->ring->req_prod, buf, len);

	if (n > 0)
		g->moved = true;
	return n;
}

static ssize_t guest_send(struct conn *conn, const void *buf, size_t len)
{
	struct guest *g = to_guest(conn);
	ssize_t n = ring_produce(g->ring->rsp, &g->ring->rsp_prod,
				 &g->ring->rsp_cons, buf, len);

	if (n > 0)
		g->moved = true;
	return n;
}

/*
 * The end of every flush (conn.c): one notification covers what this
 * round consumed and produced.  Output still waiting for room goes out
 * when the guest notifies that it consumed replies.
 */
static void guest_output_pending(struct conn *conn, bool pending)
{
	struct guest *g = to_guest(conn);

	(void)pending;
	if (g->moved)
		notify(g);
}

static void guest_destroy(struct conn *conn)
{
	struct guest *g = to_guest(conn);
	struct mica_evtchn_port_arg arg = { .port = g->port };

	/* The guest's port goes back to unbound: a successor may bind it. */
	ioctl(g->guests->source.fd, MICA_EVTCHN_UNBIND, &arg);
	if (g->guests->by_port[g->port] == g)
		g->guests->by_port[g->port] = NULL;
	g->guests->hv->ops->unmap_foreign(g->guests->hv, g->ring, 1);
	free(g);
}

static const struct conn_ops guest_conn_ops = {
	.recv = guest_recv,
	.send = guest_send,
	.output_pending = guest_output_pending,
	.destroy = guest_destroy,
};

/* Connects @domid's ring; a failure is reported and the domain skipped. */
static void guest_connect(struct store *store, unsigned int domid)
{
	struct guests *gs = store->guests;
	struct mica_evtchn_bind_interdomain_arg bind = { .remote_domid =
								 domid };
	uint64_t gfn = 0, port = 0;
	struct guest *g;
	int err, ret;

	ret = gs->hv->ops->get_param(gs->hv, domid, MICA_DOMPARAM_STORE_PFN,
				     &gfn);
	if (!ret)
		ret = gs->hv->ops->get_param(gs->hv, domid,
					     MICA_DOMPARAM_STORE_EVTCHN, &port);
	if (ret || !gfn || !port || port > UINT32_MAX) {
		store_warn(store, "domain %u: no store ring to connect (%s)",
			   domid, ret ? strerror(-ret) : "no ring or port");
		return;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		store_warn(store, "domain %u: out of memory", domid);
		return;
	}
	g->guests = gs;
	g->ring =
		gs->hv->ops->map_foreign(gs->hv, domid, &gfn, 1, 1, &err, &ret);
	if (!g->ring || ret) {
		store_warn(store, "domain %u: cannot map store ring %#llx: %s",
			   domid, (unsigned long long)gfn,
			   strerror(g->ring ? -err : -ret));
		goto err_unmap;
	}
	bind.remote_port = (uint32_t)port;
	if (ioctl(gs->source.fd, MICA_EVTCHN_BIND_INTERDOMAIN, &bind) < 0) {
		store_warn(store, "domain %u: cannot bind store port %llu: %s",
			   domid, (unsigned long long)port, strerror(errno));
		goto err_unmap;
	}
	g->port = bind.port;
	if (g->port >= MICA_EVTCHN_RING_SIZE) {
		store_warn(store, "domain %u: local port %u out of range",
			   domid, g->port);
		goto err_unbind;
	}
	ret = conn_attach(&g->conn, store, &guest_conn_ops, domid);
	if (ret) {
		store_warn(store, "domain %u: %s", domid, strerror(-ret));
		goto err_unbind;
	}
	gs->by_port[g->port] = g;
	/* Requests written before we were there. */
	conn_service(&g->conn);
	return;

err_unbind:
	ioctl(gs->source.fd, MICA_EVTCHN_UNBIND,
	      &(struct mica_evtchn_port_arg){ .port = g->port });
err_unmap:
	if (g->ring)
		gs->hv->ops->unmap_foreign(gs->hv, g->ring, 1);
	free(g);
}

static void guests_ready(struct loop_source *source, uint32_t events)
{
	struct guests *gs = container_of(source, struct guests, source);
	uint32_t ports[64];
	ssize_t n;
	size_t i;

	(void)events;
	n = read(source->fd, ports, sizeof(ports));
	if (n <= 0)
		return;
	n /= (ssize_t)sizeof(ports[0]);
	/* Re-enable first: an event during the service fires again. */
	if (write(source->fd, ports, (size_t)n * sizeof(ports[0])) < 0)
		store_warn(gs->store, "event channel re-enable: %s",
			   strerror(errno));
	for (i = 0; i < (size_t)n; i++) {
		struct guest *g = ports[i] < MICA_EVTCHN_RING_SIZE ?
					  gs->by_port[ports[i]] :
					  NULL;

		if (g)
			conn_service(&g->conn);
	}
}

int guests_open(struct loop *loop, struct store *store, struct mica_error *err)
{
	struct guests *gs = calloc(1, sizeof(*gs));
	struct hash_link *link;
	size_t i;
	int ret;

	if (!gs)
		return mica_error_set(err, ENOMEM, "out of memory");
	ret = mica_hv_open_privcmd(NULL, &gs->hv, err);
	if (ret) {
		free(gs);
		return ret;
	}
	gs->source.fd =
		open(MICA_EVTCHN_DEVICE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (gs->source.fd < 0) {
		ret = mica_error_set(err, errno, "%s: %s", MICA_EVTCHN_DEVICE,
				     strerror(errno));
		goto err_close_hv;
	}
	gs->source.ready = guests_ready;
	gs->store = store;
	ret = loop_add(loop, &gs->source, EPOLLIN);
	if (ret) {
		mica_error_set(err, -ret, "epoll: %s", strerror(-ret));
		goto err_close_fd;
	}
	store->guests = gs;
	store->connect_guest = guest_connect;
	/* Domains introduced before a restart. */
	for (i = 0; i <= store->domains.mask; i++)
		for (link = store->domains.buckets[i]; link;
		     link = link->next) {
			struct domain *d =
				container_of(link, struct domain, link);

			if (d->introduced && d->domid)
				guest_connect(store, d->domid);
		}
	return 0;

err_close_fd:
	close(gs->source.fd);
err_close_hv:
	mica_hv_close(gs->hv);
	free(gs);
	return ret;
}

void guests_close(struct store *store)
{
	struct guests *gs = store->guests;

	if (!gs)
		return;
	/* store_free() destroys the connections, which need the devices:
	 * kill them and reap now. */
	for (size_t i = 0; i < MICA_EVTCHN_RING_SIZE; i++)
		if (gs->by_port[i])
			conn_kill(&gs->by_port[i]->conn, NULL);
	store_reap(store);
	store->connect_guest = NULL;
	store->guests = NULL;
	close(gs->source.fd);
	mica_hv_close(gs->hv);
	free(gs);
}
