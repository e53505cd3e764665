/* SPDX-License-Identifier: MIT */
/*
 * io/console.h - the per-domain console ring page.
 *
 * One page, shared between a guest (the front end: its virtual serial port)
 * and dom0's console daemon (the back end), plus an interdomain event
 * channel.  The domain builder allocates both and passes them in start_info
 * (console_mfn, console_evtchn); the page is also granted to dom0 at
 * MICA_GRANT_REF_CONSOLE so it can be reconnected after a restore.
 *
 * Two byte rings: `out` carries guest output to the daemon, `in` carries
 * keyboard input to the guest.  Each has a producer and consumer index that
 * run freely (they are never reduced modulo the size; unsigned wrap-around
 * is intended): the bytes waiting are prod - cons, byte i lives at
 * ring[i & (SIZE - 1)], the ring is full when prod - cons == SIZE.
 *
 * Producer: (1) check room with the consumer index it read; (2) write the
 * bytes; (3) write barrier, so the bytes are visible before the index;
 * (4) advance prod; (5) notify the peer through the event channel.
 * Consumer: (1) read prod; (2) read barrier, so no byte is read before the
 * index that covers it; (3) read the bytes; (4) full barrier, so the bytes
 * are read before the space is given back; (5) advance cons; (6) notify.
 * Each side writes only its own indices (guest: out_prod, in_cons; daemon:
 * in_prod, out_cons) and must treat the peer's as hostile: a producer
 * index more than SIZE ahead of cons is a protocol error (drop the
 * connection, never read out of the ring).
 */
#ifndef MICA_PUBLIC_IO_CONSOLE_H
#define MICA_PUBLIC_IO_CONSOLE_H

#include "../mica.h"

#define MICA_CONSOLE_IN_SIZE 1024
#define MICA_CONSOLE_OUT_SIZE 2048

typedef uint32_t mica_console_idx_t;

struct mica_console_ring {
	uint8_t in[MICA_CONSOLE_IN_SIZE]; /* daemon -> guest */
	uint8_t out[MICA_CONSOLE_OUT_SIZE]; /* guest -> daemon */
	mica_console_idx_t in_cons; /* guest writes */
	mica_console_idx_t in_prod; /* daemon writes */
	mica_console_idx_t out_cons; /* daemon writes */
	mica_console_idx_t out_prod; /* guest writes */
	uint8_t pad0[MICA_PAGE_SIZE - MICA_CONSOLE_IN_SIZE -
		     MICA_CONSOLE_OUT_SIZE - 16];
};
MICA_STATIC_ASSERT(sizeof(struct mica_console_ring) == MICA_PAGE_SIZE,
		   "mica_console_ring is one page");
MICA_STATIC_ASSERT(offsetof(struct mica_console_ring, in_cons) == 3072,
		   "console indices follow the rings");

/* Byte offset in a ring of free-running index i. */
#define MICA_CONSOLE_IN_MASK(i) ((i) & (MICA_CONSOLE_IN_SIZE - 1))
#define MICA_CONSOLE_OUT_MASK(i) ((i) & (MICA_CONSOLE_OUT_SIZE - 1))

#endif /* MICA_PUBLIC_IO_CONSOLE_H */
