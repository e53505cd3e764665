// SPDX-License-Identifier: MIT
/* The shared-ring transport, store side. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "ring.h"

/*
 * Barriers follow public/io/console.h: the producer's release store of its
 * index orders the byte copies before it; the consumer's acquire load of
 * the producer's index orders the byte reads after it, and its release
 * store of its own index orders those reads before the space is handed
 * back.
 */

ssize_t ring_produce(uint8_t *buf, uint32_t *prod_p, const uint32_t *cons_p,
		     const void *data, size_t len)
{
	/* Acquire: see the consumer's index before reusing what it freed. */
	uint32_t cons = __atomic_load_n(cons_p, __ATOMIC_ACQUIRE);
	uint32_t prod = __atomic_load_n(prod_p, __ATOMIC_RELAXED);
	uint32_t waiting = prod - cons;
	size_t n, done, chunk;

	if (waiting > MICA_STORE_RING_SIZE)
		return -EPROTO;
	n = MICA_STORE_RING_SIZE - waiting;
	if (n > len)
		n = len;
	for (done = 0; done < n; done += chunk) {
		chunk = MICA_STORE_RING_SIZE -
			MICA_STORE_RING_MASK(prod + done);
		if (chunk > n - done)
			chunk = n - done;
		memcpy(buf + MICA_STORE_RING_MASK(prod + done),
		       (const uint8_t *)data + done, chunk);
	}
	/* Release: the bytes are visible before the index that covers them. */
	__atomic_store_n(prod_p, prod + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}

ssize_t ring_consume(const uint8_t *buf, uint32_t *cons_p,
		     const uint32_t *prod_p, void *data, size_t len)
{
	/* Acquire: read the bytes only after the index that covers them. */
	uint32_t prod = __atomic_load_n(prod_p, __ATOMIC_ACQUIRE);
	uint32_t cons = __atomic_load_n(cons_p, __ATOMIC_RELAXED);
	uint32_t waiting = prod - cons;
	size_t n, done, chunk;

	if (waiting > MICA_STORE_RING_SIZE)
		return -EPROTO;
	n = waiting < len ? waiting : len;
	for (done = 0; done < n; done += chunk) {
		chunk = MICA_STORE_RING_SIZE -
			MICA_STORE_RING_MASK(cons + done);
		if (chunk > n - done)
			chunk = n - done;
		memcpy((uint8_t *)data + done,
		       buf + MICA_STORE_RING_MASK(cons + done), chunk);
	}
	/* Release: finish copying out before handing the space back. */
	__atomic_store_n(cons_p, cons + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}

struct ring_conn {
	struct conn conn;
	struct mica_store_ring *ring; /* shared with the guest; not owned */
};

static struct mica_store_ring *conn_ring(struct conn *conn)
{
	return container_of(conn, struct ring_conn, conn)->ring;
}

static ssize_t ring_conn_recv(struct conn *conn, void *buf, size_t len)
{
	struct mica_store_ring *ring = conn_ring(conn);

	return ring_consume(ring->req, &ring->req_cons, &ring->req_prod, buf,
			    len);
}

static ssize_t ring_conn_send(struct conn *conn, const void *buf, size_t len)
{
	struct mica_store_ring *ring = conn_ring(conn);

	return ring_produce(ring->rsp, &ring->rsp_prod, &ring->rsp_cons, buf,
			    len);
}

static void ring_conn_destroy(struct conn *conn)
{
	free(container_of(conn, struct ring_conn, conn));
}

static const struct conn_ops ring_conn_ops = {
	.recv = ring_conn_recv,
	.send = ring_conn_send,
	.destroy = ring_conn_destroy,
};

int ring_conn_open(struct store *store, unsigned int domid,
		   struct mica_store_ring *ring, struct conn **out)
{
	struct ring_conn *rc = calloc(1, sizeof(*rc));
	int ret;

	if (!rc)
		return -ENOMEM;
	rc->ring = ring;
	ret = conn_attach(&rc->conn, store, &ring_conn_ops, domid);
	if (ret) {
		free(rc);
		return ret;
	}
	*out = &rc->conn;
	return 0;
}
