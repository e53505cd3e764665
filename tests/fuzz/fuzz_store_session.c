// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a hostile guest.  The input is the byte stream a guest
 * writes into its store ring (8-byte headers, JSON payloads); the whole
 * daemon core (framing, parsing, permissions, transactions, watches,
 * quotas) handles it over an in-process ring while domain 0 watches.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mica/error.h>

#include "conn.h"
#include "ring.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *store;
static struct conn *dom0;
static struct mica_store_ring dom0_ring;

/* Domain 0 has introduced domain 1, given it /local/domain/1, and
 * watches the whole tree. */
static const char setup[] =
	"{\"id\":1,\"op\":\"introduce\",\"domain\":1}"
	"{\"id\":2,\"op\":\"write\",\"path\":\"/local/domain/1/x\","
	"\"value\":\"\"}"
	"{\"id\":3,\"op\":\"set-perms\",\"path\":\"/local/domain/1\","
	"\"perms\":{\"owner\":1}}"
	"{\"id\":4,\"op\":\"watch\",\"path\":\"/\",\"token\":\"all\"}";

static void drain(struct mica_store_ring *ring, struct conn *conn)
{
	uint8_t sink[4096];

	while (ring_consume(ring->rsp, &ring->rsp_cons, &ring->rsp_prod, sink,
			    sizeof(sink)) > 0)
		if (conn && !conn->dead)
			conn_flush(conn);
}

/* Sends the setup messages, each with an 8-byte ring header. */
static void store_setup(void)
{
	struct store_config config;
	const char *pos = setup, *end;
	uint8_t header[8] = { 0 };
	uint32_t len;

	store_config_defaults(&config);
	config.quiet = true;
	if (store_new(&config, &store, NULL) ||
	    ring_conn_open(store, 0, &dom0_ring, &dom0))
		__builtin_trap();
	while (*pos) {
		end = strstr(pos + 1, "}{");
		len = end ? (uint32_t)(end + 1 - pos) : strlen(pos);
		memcpy(header, &len, 4);
		ring_produce(dom0_ring.req, &dom0_ring.req_prod,
			     &dom0_ring.req_cons, header, 8);
		ring_produce(dom0_ring.req, &dom0_ring.req_prod,
			     &dom0_ring.req_cons, pos, len);
		conn_service(dom0);
		drain(&dom0_ring, dom0);
		pos += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mica_store_ring ring;
	struct conn *guest;
	ssize_t put;

	if (!store)
		store_setup();
	memset(&ring, 0, sizeof(ring));
	if (ring_conn_open(store, 1, &ring, &guest))
		return 0;
	while (size && !guest->dead) {
		put = ring_produce(ring.req, &ring.req_prod, &ring.req_cons,
				   data, size);
		if (put <= 0)
			break;
		data += put;
		size -= put;
		conn_service(guest);
		drain(&ring, guest);
		drain(&dom0_ring, dom0);
	}
	if (!guest->dead)
		conn_kill(guest, NULL);
	store_reap(store);
	drain(&dom0_ring, dom0);
	return 0;
}
