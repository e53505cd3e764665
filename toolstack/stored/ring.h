/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_RING_H
#define MICA_STORED_RING_H

/*
 * The guest transport: struct mica_store_ring, the page a guest shares with
 * the store (hypervisor/include/public/io/store.h, which defines its layout,
 * index rules and message header).  It holds two byte rings: requests
 * (guest to store) and responses (replies and watch events, store to
 * guest).  Indices run freely; prod - cons is the number of bytes waiting,
 * and a difference larger than the ring means the peer is broken or
 * hostile.  Each side writes only its own indices.
 *
 * For now the store side is driven in-process (tests act as guests, see
 * ring_conn_open()); mapping a real guest's page and binding its event
 * channel will plug in here.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "public/io/store.h"

struct conn;
struct store;

/*
 * Copies up to @len bytes into the ring @buf as its producer.  Returns how
 * many fitted, or -EPROTO when the indices claim more than a ring's worth
 * is waiting.
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
		   struct mica_store_ring *ring, struct conn **out);

#endif
