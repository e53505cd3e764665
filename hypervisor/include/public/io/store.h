/* SPDX-License-Identifier: MIT */
/*
 * io/store.h - the store ring page: how a guest talks to the configuration
 * store (the JSON store daemon in dom0, toolstack/stored).
 *
 * One page plus an interdomain event channel, allocated by the domain
 * builder and passed in start_info (store_mfn, store_evtchn); the page is
 * also granted to dom0 at MICA_GRANT_REF_STORE.  The guest is the client:
 * it writes requests to `req` and reads replies and watch events from
 * `rsp`.
 *
 * Byte rings: indices are free-running uint32_t byte counters, exactly as in
 * io/console.h, with the same barrier sequence for producer and consumer and
 * the same rule: each side writes only its own two indices and treats the
 * peer's as hostile (prod - cons > MICA_STORE_RING_SIZE is a protocol
 * error: the daemon drops the connection; the guest stops using the store).
 *   req: guest produces (req_prod), daemon consumes (req_cons).
 *   rsp: daemon produces (rsp_prod), guest consumes (rsp_cons).
 *
 * Message framing: every message in either ring is a struct
 * mica_store_msg_header (a 32-bit little-endian byte length and a 32-bit
 * zero reserved word) followed by exactly `length` bytes of UTF-8 JSON text
 * (one JSON object, no terminating NUL), 1 <= length <=
 * MICA_STORE_MAX_PAYLOAD.  A message may wrap around the end of the ring and
 * may be written in several steps; the reader waits for the whole of it.
 * The JSON vocabulary (operations, request ids, watches, transactions,
 * errors) is the store protocol, specified with the daemon in the toolstack
 * documentation; this header fixes only the transport.
 *
 * Reconnection: `connection` is written by the daemon.  MICA_STORE_CONNECTED
 * is normal.  Before a guest resumes after suspend/migration it may find
 * MICA_STORE_RECONNECT, written by the toolstack: it then discards partial
 * messages, resets its two indices to the daemon's, and writes
 * MICA_STORE_CONNECTED back after re-issuing its watches.
 */
#ifndef MICA_PUBLIC_IO_STORE_H
#define MICA_PUBLIC_IO_STORE_H

#include "../mica.h"

#define MICA_STORE_RING_SIZE 1024
#define MICA_STORE_MAX_PAYLOAD 4096

typedef uint32_t mica_store_idx_t;

struct mica_store_msg_header {
	uint32_t length; /* bytes of JSON that follow */
	uint32_t reserved; /* zero */
};
MICA_STATIC_ASSERT(sizeof(struct mica_store_msg_header) == 8,
		   "mica_store_msg_header");

struct mica_store_ring {
	uint8_t req[MICA_STORE_RING_SIZE]; /* guest -> daemon */
	uint8_t rsp[MICA_STORE_RING_SIZE]; /* daemon -> guest */
	mica_store_idx_t req_cons; /* daemon writes */
	mica_store_idx_t req_prod; /* guest writes */
	mica_store_idx_t rsp_cons; /* guest writes */
	mica_store_idx_t rsp_prod; /* daemon writes */
	uint32_t server_features; /* daemon writes: MICA_STORE_FEATURE_* */
	uint32_t connection; /* MICA_STORE_CONNECTED / _RECONNECT */
	uint8_t pad0[MICA_PAGE_SIZE - 2 * MICA_STORE_RING_SIZE - 24];
};
MICA_STATIC_ASSERT(sizeof(struct mica_store_ring) == MICA_PAGE_SIZE,
		   "mica_store_ring is one page");
MICA_STATIC_ASSERT(offsetof(struct mica_store_ring, req_cons) == 2048,
		   "store indices follow the rings");

#define MICA_STORE_CONNECTED 0
#define MICA_STORE_RECONNECT 1

/* The daemon honours MICA_STORE_RECONNECT. */
#define MICA_STORE_FEATURE_RECONNECTION (1u << 0)

#define MICA_STORE_RING_MASK(i) ((i) & (MICA_STORE_RING_SIZE - 1))

#endif /* MICA_PUBLIC_IO_STORE_H */
