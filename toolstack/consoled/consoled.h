/* SPDX-License-Identifier: MIT */
#ifndef MICA_CONSOLED_H
#define MICA_CONSOLED_H

/*
 * mica-consoled's parts: rings.c owns the per-domain consoles (mapping,
 * log, the exactly-once log marks, guest input), main.c the clients and
 * the event loop.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mica/hv.h>

#include "public/io/console.h"

#define CONSOLED_IN_BACKLOG 4096 /* typed input waiting for ring space */

enum console_state {
	CONSOLE_NONE, /* no ring (yet) */
	CONSOLE_LIVE,
	CONSOLE_BROKEN, /* a protocol error: left alone until it changes */
};

struct console {
	enum console_state state;
	uint64_t ring_gfn;
	uint8_t uuid[16];
	volatile struct mica_console_ring *ring;
	int log_fd, mark_fd;
	uint64_t log_size;
	bool log_failing; /* said once until the log works again */
	char why[200]; /* CONSOLE_BROKEN: what went wrong */
	/* CONSOLED_IN_BACKLOG bytes, allocated at the first input: a table
	 * of every possible domain stays small enough for a small dom0. */
	uint8_t *in_backlog;
	size_t in_len;
	uint32_t port; /* our end of its console channel; 0: none (polled) */
};

extern struct console consoles[MICA_DOMID_FIRST_RESERVED];
extern struct mica_hv *hv;
extern const char *log_dir;
/* /dev/mica/evtchn, or -1 on the simulated host (rings are polled). */
extern int evtchn_fd;

/*
 * Output of @domid, @len bytes, for its attached clients (main.c).
 * Called by console_drain() once the bytes are safely in the log.
 */
void clients_output(uint16_t domid, const uint8_t *bytes, size_t len);
/* Closes the clients attached to @domid (main.c). */
void clients_detach(uint16_t domid);

/* Rescans the hypervisor's domains: connects new rings, drops old ones. */
void consoles_scan(void);
/* The same for one domain: connects, reconnects or drops its console. */
void console_check(uint16_t domid);
/* Drops @domid's console (the domain was released). */
void console_disconnect(uint16_t domid);
/* Local port @port fired: drains and feeds its console. */
void console_event(uint32_t port);
/* Guest output to the log and the clients, for every live console. */
void consoles_drain(void);
/* Queues typed input for @domid's guest and pushes what fits. */
void console_input(uint16_t domid, const uint8_t *bytes, size_t len);
/* Moves queued input into the rings. */
void consoles_feed(void);

#endif
