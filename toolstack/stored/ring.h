/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_RING_H
#define MICA_STORED_RING_H

/*
 * The guest transport: a page shared between a guest and the store holding
 * two byte rings, requests (guest to store) and responses (replies and
 * watch events, store to guest).  Each ring has a producer and a consumer
 * index that run freely (they are never reduced modulo the size; the
 * position in the buffer is index & (STORE_RING_SIZE - 1)), so
 * prod - cons is the number of bytes waiting, even across wrap-around.
 * Each side writes only its own indices.  Bytes carry the same frames as
 * the socket protocol.
 *
 * For now the store side is driven in-process (tests act as guests); the
 * mapping of a real guest's page and its event channel will plug in here,
 * and this layout will then move to the public ABI headers.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct conn;
struct store;

#define STORE_RING_SIZE 1024

_Static_assert((STORE_RING_SIZE & (STORE_RING_SIZE - 1)) == 0,
	       "ring size must be a power of two");

struct store_ring {
	uint8_t req[STORE_RING_SIZE];
	uint8_t rsp[STORE_RING_SIZE];
	uint32_t req_cons, req_prod;
	uint32_t rsp_cons, rsp_prod;
};

_Static_assert(sizeof(struct store_ring) == 2 * STORE_RING_SIZE + 16,
	       "struct store_ring has no padding");

/*
 * Copies up to @len bytes into the ring @buf as its producer.  Returns how
 * many fitted, or -EPROTO when the indices claim more than a ring's worth
 * is waiting (the other side is broken or hostile).
 */
ssize_t ring_produce(uint8_t *buf, uint32_t *prod, const uint32_t *cons,
		     const void *data, size_t len);

/* Copies up to @len waiting bytes out of the ring as its consumer. */
ssize_t ring_consume(const uint8_t *buf, uint32_t *cons, const uint32_t *prod,
		     void *data, size_t len);

/*
 * Serves @ring as introduced domain @domid.  The ring's memory stays the
 * caller's and must outlive the connection.  Returns 0, -EPERM (domain not
 * introduced) or -ENOMEM.
 */
int ring_conn_open(struct store *store, unsigned int domid,
		   struct store_ring *ring, struct conn **out);

#endif
